"""PDSA cycles form: plan (with a prediction), do, study, act, one cycle per row.

Controls for tests: ``cycles`` (``Rows``: ``add()``, ``rows[i].change``,
``.plan``, ``.prediction``, ``.do``, ``.study``, ``.act``, ``.decision``).
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from changekit.answer_models import PDSA_DECISIONS, PdsaCycle, PdsaCycles
from changekit.answers import DEFAULT_FILENAME
from changekit.widgets.form import Form, Row, Rows, choice, chosen, text, textarea


class CycleRow(Row[PdsaCycle]):
    """One PDSA cycle."""

    noun = "cycle"

    def __init__(self, item: PdsaCycle | None):
        super().__init__()
        item = item or PdsaCycle()
        self.change = text(
            "Change idea tested",
            item.change,
            tooltip="The change idea from your driver diagram that this cycle tests",
        )
        self.plan = textarea(
            "Plan", item.plan, tooltip="Who, what, when, where; which data you will collect"
        )
        self.prediction = textarea(
            "Prediction",
            item.prediction,
            rows=2,
            tooltip="What you expect to happen, before you start",
        )
        self.do = textarea("Do", item.do, tooltip="What happened, including surprises")
        self.study = textarea(
            "Study", item.study, tooltip="The results compared with your prediction"
        )
        self.act = textarea("Act", item.act, rows=2, tooltip="What you will do next")
        self.decision = choice(
            "Decision",
            PDSA_DECISIONS,
            item.decision,
            blank="Not decided yet",
            tooltip="Adopt the change, adapt it for another cycle, or abandon it",
        )
        self.controls = [
            self.change,
            self.plan,
            self.prediction,
            self.do,
            self.study,
            self.act,
            self.decision,
        ]

    def read(self) -> PdsaCycle:
        return PdsaCycle(
            change=self.change.value,
            plan=self.plan.value,
            prediction=self.prediction.value,
            do=self.do.value,
            study=self.study.value,
            act=self.act.value,
            decision=chosen(self.decision),
        )


class PdsaForm(Form[PdsaCycles]):
    """PDSA cycles in the order they were run."""

    key = "pdsa_cycles"
    model = PdsaCycles
    intro = (
        "<p>Test each change idea in small Plan-Do-Study-Act cycles. Write your prediction "
        "before you start: comparing it with what happened is where the learning is.</p>"
    )

    def _build(self, answer: PdsaCycles) -> widgets.Widget:
        self.cycles = Rows(
            CycleRow, answer.cycles, add_label="Add a PDSA cycle", on_change=self._changed
        )
        return self.cycles.widget

    def _collect(self) -> PdsaCycles:
        return PdsaCycles(cycles=self.cycles.read())


def pdsa_cycles(path: str | Path = DEFAULT_FILENAME) -> PdsaForm:
    """The PDSA cycles form, saving to ``path`` under the key "pdsa_cycles"."""
    return PdsaForm(path)

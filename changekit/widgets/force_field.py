"""Force-field analysis form (Lewin).

The trainee names the change, lists driving and restraining forces and scores
each from 1 (weak) to 5 (strong); totals and a chart update as scores change,
and the strongest restraining force is named so the plan can target it.
Controls for tests: ``change``, ``plan`` (text boxes), ``driving`` and
``restraining`` (``Rows``: ``add()``, ``rows[i].description``, ``.score``),
``summary`` (HTML), ``chart`` (image).
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
from matplotlib.figure import Figure

from changekit.answer_models import (
    MIN_CHANGE_WORDS,
    MIN_FORCE_PLAN_WORDS,
    MIN_FORCES,
    Force,
    ForceField,
)
from changekit.answers import DEFAULT_FILENAME
from changekit.charts import force_field_chart
from changekit.widgets.form import LABEL_STYLE, Form, Row, Rows, heading, text, textarea

STRENGTHS = [("1 weak", 1), ("2", 2), ("3", 3), ("4", 4), ("5 strong", 5)]
"""A force's strength: (label, score)."""


class ForceRow(Row[Force]):
    """One force: what it is and how strong (1-5)."""

    def __init__(self, item: Force | None, *, noun: str):
        self.noun = noun
        super().__init__()
        item = item or Force()
        self.description = text("Force", item.description, tooltip=f"Describe this {noun}")
        # Radio buttons, not a slider: ipywidgets' slider handle has no accessible name (a screen
        # reader says only "slider"), and it cannot be given one; each radio button has its label.
        self.score = widgets.RadioButtons(
            options=STRENGTHS,
            value=item.score,
            description="Strength",
            style=LABEL_STYLE,
            tooltip="1 = weak, 5 = strong; Tab to the choice, then the arrow keys change it",
            orientation="horizontal",
            layout=widgets.Layout(width="95%"),
        )
        self.score.add_class("changekit-scale")
        self.controls = [self.description, self.score]
        self.watch_redraw = [self.score]

    def read(self) -> Force:
        return Force(description=self.description.value, score=self.score.value)


class ForceFieldForm(Form[ForceField]):
    """Driving and restraining forces, scored, with totals, chart and plan."""

    key = "force_field"
    model = ForceField
    intro = (
        "<p>Force-field analysis (Lewin): list what pushes your change forward (driving forces) "
        "and what holds it back (restraining forces), and score each from 1 (weak) to 5 "
        "(strong). Change usually comes more easily from weakening a restraining force than "
        "from pushing harder.</p>"
        f"<p>To finish: describe the change in at least {MIN_CHANGE_WORDS} words; list at least "
        f"{MIN_FORCES} different forces on each side, scored (not all the same); write a plan of "
        f"at least {MIN_FORCE_PLAN_WORDS} words to weaken the strongest restraining force.</p>"
    )

    def _build(self, answer: ForceField) -> widgets.Widget:
        self.change = textarea("The change I want", answer.change, rows=2)
        self._watch(self.change)
        self.driving = Rows(
            lambda item: ForceRow(item, noun="driving force"),
            answer.driving,
            add_label="Add a driving force",
            on_change=self._changed,
        )
        self.restraining = Rows(
            lambda item: ForceRow(item, noun="restraining force"),
            answer.restraining,
            add_label="Add a restraining force",
            on_change=self._changed,
        )
        self.summary = widgets.HTML()
        self.plan = textarea(
            "My plan to weaken the strongest restraining force", answer.plan, rows=4
        )
        self._watch(self.plan)
        return widgets.VBox(
            [
                self.change,
                heading("Driving forces"),
                self.driving.widget,
                heading("Restraining forces"),
                self.restraining.widget,
                self.summary,
                self.plan,
                self._redraw_button(),
                self.chart,
            ]
        )

    def _collect(self) -> ForceField:
        return ForceField(
            change=self.change.value,
            driving=self.driving.read(),
            restraining=self.restraining.read(),
            plan=self.plan.value,
        )

    def _figure(self, answer: ForceField) -> Figure:
        return force_field_chart(answer)

    def _refresh(self) -> None:
        """Show the totals and the strongest restraining force."""
        totals = self.answer.totals()
        strongest = self.answer.strongest_restraint()
        named = html.escape(strongest.description.strip()) if strongest else "none described yet"
        self.summary.value = (
            f"<p><b>Totals:</b> driving {totals.driving}, restraining {totals.restraining}. "
            f"<b>Strongest restraining force:</b> {named}.</p>"
        )


def force_field(path: str | Path = DEFAULT_FILENAME) -> ForceFieldForm:
    """The force-field form, saving to ``path`` under the key "force_field"."""
    return ForceFieldForm(path)

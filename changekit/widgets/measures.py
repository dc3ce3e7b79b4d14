"""Measures form: outcome, process and balancing measures, each with a data source.

Controls for tests: ``measures`` (``Rows``: ``add()``, ``rows[i].kind``,
``.name``, ``.definition``, ``.data_source``).
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from changekit.answer_models import MEASURE_KINDS, Measure, Measures
from changekit.answers import DEFAULT_FILENAME
from changekit.widgets.form import Form, Row, Rows, choice, chosen, text


class MeasureRow(Row[Measure]):
    """One measure: its kind, name, definition and data source."""

    noun = "measure"

    def __init__(self, item: Measure | None):
        super().__init__()
        item = item or Measure()
        self.kind = choice(
            "Kind of measure",
            [(f"{k.capitalize()}: {q}", k) for k, q in MEASURE_KINDS.items()],
            item.kind,
            blank="Not chosen yet",
        )
        self.name = text(
            "Measure", item.name, placeholder="e.g. percentage of referrals redirected"
        )
        self.definition = text(
            "Definition",
            item.definition,
            placeholder="e.g. redirected referrals / all GP referrals, per month",
            tooltip="What is counted: the numerator and the denominator",
        )
        self.data_source = text(
            "Data source",
            item.data_source,
            placeholder="e.g. community paediatrics referral log",
            tooltip="Where the data come from and who collects them",
        )
        self.controls = [self.kind, self.name, self.definition, self.data_source]

    def read(self) -> Measure:
        return Measure(
            kind=chosen(self.kind),
            name=self.name.value,
            definition=self.definition.value,
            data_source=self.data_source.value,
        )


class MeasuresForm(Form[Measures]):
    """A list of measures; at least one of each kind."""

    key = "measures"
    model = Measures
    intro = (
        "<p><i>How will we know that a change is an improvement?</i> Choose at least one "
        "outcome measure, one process measure and one balancing measure, and say where the "
        "data for each will come from.</p>"
    )

    def _build(self, answer: Measures) -> widgets.Widget:
        self.measures = Rows(
            MeasureRow, answer.measures, add_label="Add a measure", on_change=self._changed
        )
        return self.measures.widget

    def _collect(self) -> Measures:
        return Measures(measures=self.measures.read())


def measures(path: str | Path = DEFAULT_FILENAME) -> MeasuresForm:
    """The measures form, saving to ``path`` under the key "measures"."""
    return MeasuresForm(path)

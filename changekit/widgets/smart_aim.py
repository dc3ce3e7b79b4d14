"""SMART aim builder.

The trainee fills in the parts (what will improve, for whom, how much, by
when, how measured), presses "Build my aim" to join them into a sentence, then
edits the sentence. A checklist says at once which of specific, measure,
number, date and time-bound the sentence shows, and what to add. Controls for
tests: ``improvement``, ``population``, ``target``, ``deadline``, ``measure``,
``statement`` (text boxes), ``build_button``, ``checklist`` (HTML).
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets

from changekit.answer_models import SMART_ADVICE, SmartAim
from changekit.answers import DEFAULT_FILENAME
from changekit.widgets.form import Form, button, heading, text, textarea

CHECK_NAMES = {
    "specific": "Specific",
    "measure": "Measure",
    "number": "Number",
    "date": "Date",
    "time_bound": "Time-bound",
}


class SmartAimForm(Form[SmartAim]):
    """The parts of a SMART aim, the sentence built from them, and a live checklist."""

    key = "smart_aim"
    model = SmartAim
    intro = (
        "<p>A SMART aim answers the first question of the Model for Improvement: <i>what are "
        "we trying to accomplish?</i> It names what will change, for whom, by how much and by "
        "when, and how you will measure it.</p>"
    )

    def _build(self, answer: SmartAim) -> widgets.Widget:
        self.improvement = text(
            "What will improve",
            answer.improvement,
            placeholder="e.g. reduce the percentage of GP referrals redirected",
        )
        self.population = text(
            "For whom, where",
            answer.population,
            placeholder="e.g. children referred to community paediatrics in Brent",
        )
        self.target = text(
            "How much (in figures)", answer.target, placeholder="e.g. from 35% to 15%"
        )
        self.deadline = text("By when (a date)", answer.deadline, placeholder="e.g. 31 March 2027")
        self.measure = text(
            "Measured by",
            answer.measure,
            placeholder="e.g. monthly redirect rate from the referral log",
            tooltip="How you will measure it and where the data come from",
        )
        self.build_button = button(
            "Build my aim from the parts",
            "Join the parts into one sentence in the box below (replaces it)",
            icon="magic",
        )
        self.build_button.on_click(lambda _: self.build())
        self.statement = textarea(
            "My SMART aim",
            answer.statement,
            rows=3,
            tooltip="Your aim in one sentence; edit it freely",
        )
        self.checklist = widgets.HTML()
        self._watch(
            self.improvement,
            self.population,
            self.target,
            self.deadline,
            self.measure,
            self.statement,
        )
        return widgets.VBox(
            [
                heading("The parts"),
                self.improvement,
                self.population,
                self.target,
                self.deadline,
                self.measure,
                self.build_button,
                heading("The aim"),
                self.statement,
                self.checklist,
            ]
        )

    def build(self) -> None:
        """Fill the aim box with the sentence built from the parts (then saved)."""
        self.statement.value = self._collect().compose()

    def _collect(self) -> SmartAim:
        return SmartAim(
            improvement=self.improvement.value,
            population=self.population.value,
            target=self.target.value,
            deadline=self.deadline.value,
            measure=self.measure.value,
            statement=self.statement.value,
        )

    def _refresh(self) -> None:
        """Tick or cross each SMART feature, with advice for each one missing."""
        checks = self.answer.check()
        items = "".join(
            f"<li>{'&#10004; yes' if ok else '&#10008; not yet'}: <b>{CHECK_NAMES[name]}</b>"
            + ("" if ok else f" - {html.escape(SMART_ADVICE[name])}")
            + "</li>"
            for name, ok in checks.items()
        )
        self.checklist.value = f'<ul aria-label="SMART checklist">{items}</ul>'


def smart_aim(path: str | Path = DEFAULT_FILENAME) -> SmartAimForm:
    """The SMART aim builder, saving to ``path`` under the key "smart_aim"."""
    return SmartAimForm(path)

"""Reflection form: What? So what? Now what? for each learning outcome.

Each learning outcome of the theme gets three text boxes and a tick box per
Healthcare Leadership Model dimension. Controls for tests:
``outcomes[key].what``, ``.so_what``, ``.now_what`` (text boxes) and
``.dimensions[dimension]`` (tick boxes), for key in "LO1".."LO4".
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from changekit.answer_models import (
    HLM_DIMENSIONS,
    LEARNING_OUTCOMES,
    MIN_REFLECTION_WORDS,
    OutcomeReflection,
    Reflection,
)
from changekit.answers import DEFAULT_FILENAME
from changekit.widgets.form import Form, heading, textarea


class OutcomeSection:
    """The controls for one learning outcome."""

    def __init__(self, key: str, item: OutcomeReflection):
        self.what = textarea("What? (what happened)", item.what, rows=4)
        self.so_what = textarea(
            "So what? (what it meant)",
            item.so_what,
            rows=4,
            tooltip="What you learnt about yourself, others and the system",
        )
        self.now_what = textarea(
            "Now what? (what next)",
            item.now_what,
            rows=4,
            tooltip="What you will do differently, and how you will know",
        )
        self.dimensions = {
            name: widgets.Checkbox(
                value=name in item.dimensions,
                description=name,
                indent=False,
                layout=widgets.Layout(width="auto", min_width="16em"),
            )
            for name in HLM_DIMENSIONS
        }
        self.controls: list[widgets.Widget] = [
            self.what,
            self.so_what,
            self.now_what,
            *self.dimensions.values(),
        ]
        self.widget = widgets.VBox(
            [
                heading(f"{key}: {LEARNING_OUTCOMES[key]}"),
                self.what,
                self.so_what,
                self.now_what,
                widgets.HTML(f"Leadership dimensions this shows (all {len(HLM_DIMENSIONS)}):"),
                # Wrapped, never clipped: a fixed three-column grid cut the last ones off.
                widgets.Box(
                    list(self.dimensions.values()),
                    layout=widgets.Layout(flex_flow="row wrap", width="100%"),
                ),
            ]
        )

    def read(self) -> OutcomeReflection:
        return OutcomeReflection(
            what=self.what.value,
            so_what=self.so_what.value,
            now_what=self.now_what.value,
            dimensions=[name for name, box in self.dimensions.items() if box.value],
        )


class ReflectionForm(Form[Reflection]):
    """One structured reflection per learning outcome, linked to leadership dimensions."""

    key = "reflection"
    model = Reflection
    intro = (
        "<p>Reflect on one real experience for each learning outcome: <i>what</i> happened, "
        "<i>so what</i> (what it meant and what you learnt), <i>now what</i> (what you will do "
        "next). Tick the leadership dimensions it shows.</p>"
        f"<p>To finish: for each learning outcome, write at least {MIN_REFLECTION_WORDS} words "
        "(three or four sentences) in each part and tick at least one dimension.</p>"
    )

    def _build(self, answer: Reflection) -> widgets.Widget:
        self.outcomes = {key: OutcomeSection(key, item) for key, item in answer.outcomes.items()}
        for section in self.outcomes.values():
            self._watch(*section.controls)
        return widgets.VBox([section.widget for section in self.outcomes.values()])

    def _collect(self) -> Reflection:
        return Reflection(outcomes={key: section.read() for key, section in self.outcomes.items()})


def reflection(path: str | Path = DEFAULT_FILENAME) -> ReflectionForm:
    """The reflection form, saving to ``path`` under the key "reflection"."""
    return ReflectionForm(path)

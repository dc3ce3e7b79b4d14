"""Stakeholder form: a 9 Cs brainstorm, then each stakeholder on a power/interest grid.

Placing a stakeholder (power and interest, each low or high) gives its
engagement strategy (Mendelow, as taught in NHS QSIR); the trainee writes how
they will engage each one. Controls for tests: ``brainstorm[c]`` (text boxes),
``stakeholders`` (``Rows``: ``add()``, ``rows[i].name``, ``.category``,
``.power``, ``.interest``, ``.plan``, ``.strategy``, ``.remove_button``),
``chart`` (image).
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
from matplotlib.figure import Figure

from changekit.answer_models import (
    MIN_ENGAGEMENT_PLAN_WORDS,
    MIN_NINE_CS,
    MIN_STAKEHOLDERS,
    NINE_CS,
    POWER_INTEREST,
    STRATEGY_ADVICE,
    Stakeholder,
    Stakeholders,
)
from changekit.answers import DEFAULT_FILENAME
from changekit.charts import stakeholder_grid
from changekit.widgets.form import Form, Row, Rows, choice, chosen, heading, text, textarea


class StakeholderRow(Row[Stakeholder]):
    """One stakeholder: who, which C, power, interest, the strategy it gives, the plan."""

    noun = "stakeholder"

    def __init__(self, item: Stakeholder | None):
        super().__init__()
        item = item or Stakeholder()
        self.name = text(
            "Who (a group or role)",
            item.name,
            placeholder="e.g. Practice managers",
            tooltip="A group or a role, not a named person",
        )
        self.category = choice(
            "Which of the 9 Cs",
            [(c.capitalize(), c) for c in NINE_CS],
            item.category,
            blank="Not chosen yet",
        )
        self.power = choice(
            "Power over the change",
            POWER_INTEREST,
            item.power,
            blank="Not placed yet",
            tooltip="How much they can help or block the change",
        )
        self.interest = choice(
            "Interest in the change",
            POWER_INTEREST,
            item.interest,
            blank="Not placed yet",
            tooltip="How much the change matters to them",
        )
        self.strategy = widgets.HTML()
        self.plan = textarea("How I will engage them", item.plan, rows=2)
        self.controls = [self.name, self.category, self.power, self.interest, self.plan]
        self.watch_redraw = [self.category, self.power, self.interest]
        self.shown = [self.name, self.category, self.power, self.interest, self.strategy, self.plan]
        self.show_strategy()
        for control in (self.power, self.interest):
            control.observe(lambda _change: self.show_strategy(), names="value")

    def show_strategy(self) -> None:
        """Show the strategy the grid gives, or what is needed to get one."""
        strategy = Stakeholder(power=chosen(self.power), interest=chosen(self.interest)).strategy
        self.strategy.value = (
            f"<b>Strategy: {html.escape(strategy)}</b> ({html.escape(STRATEGY_ADVICE[strategy])})"
            if strategy
            else "<i>Choose power and interest to see the engagement strategy.</i>"
        )

    def read(self) -> Stakeholder:
        return Stakeholder(
            name=self.name.value,
            category=chosen(self.category),
            power=chosen(self.power),
            interest=chosen(self.interest),
            plan=self.plan.value,
        )


class StakeholdersForm(Form[Stakeholders]):
    """The 9 Cs brainstorm and the power/interest grid."""

    key = "stakeholders"
    model = Stakeholders
    intro = (
        "<p>First brainstorm with the 9 Cs (NHS QSIR): who comes to mind for each? Then add "
        "the stakeholders who matter most and place each on the power/interest grid; the grid "
        "gives the engagement strategy (Mendelow).</p>"
        f"<p>To finish: brainstorm at least {MIN_NINE_CS} of the 9 Cs; put at least "
        f"{MIN_STAKEHOLDERS} stakeholders on the grid, including children, young people or "
        "families as 'Consumers' and somebody you manage closely; give each its C, its power "
        f"and interest, and at least {MIN_ENGAGEMENT_PLAN_WORDS} words on how you will engage "
        "them.</p>"
    )

    def _build(self, answer: Stakeholders) -> widgets.Widget:
        self.brainstorm: dict[str, widgets.Textarea] = {}
        for c, prompt in NINE_CS.items():
            self.brainstorm[c] = textarea(
                c.capitalize(),
                answer.brainstorm[c],
                rows=2,
                tooltip=prompt.capitalize(),
                placeholder=prompt.capitalize(),
            )
            self._watch(self.brainstorm[c])
        self.stakeholders = Rows(
            StakeholderRow,
            answer.stakeholders,
            add_label="Add a stakeholder",
            on_change=self._changed,
        )
        return widgets.VBox(
            [
                heading("The 9 Cs"),
                *self.brainstorm.values(),
                heading("Power/interest grid"),
                self.stakeholders.widget,
                self._redraw_button(),
                self.chart,
            ]
        )

    def _collect(self) -> Stakeholders:
        return Stakeholders(
            brainstorm={c: box.value for c, box in self.brainstorm.items()},
            stakeholders=self.stakeholders.read(),
        )

    def _figure(self, answer: Stakeholders) -> Figure:
        return stakeholder_grid(answer)


def stakeholders(path: str | Path = DEFAULT_FILENAME) -> StakeholdersForm:
    """The stakeholder form, saving to ``path`` under the key "stakeholders"."""
    return StakeholdersForm(path)

"""Healthcare Leadership Model self-assessment form.

For each of the nine dimensions the trainee chooses the level they work at and
the level their role needs (essential, proficient, strong, exemplary) and may
note an example. The radar chart and the development priorities update as the
ratings change. Controls for tests: ``performance[dimension]``,
``importance[dimension]`` (dropdowns), ``evidence[dimension]``,
``development_plan`` (text boxes), ``priorities`` (HTML), ``chart`` (image).
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
from matplotlib.figure import Figure

from changekit.answer_models import (
    HLM_PROMPTS,
    LEVELS,
    MIN_DEVELOPMENT_PLAN_WORDS,
    MIN_EXAMPLES,
    PRIORITIES_WITH_EXAMPLE,
    DimensionRating,
    SelfAssessment,
)
from changekit.answers import DEFAULT_FILENAME
from changekit.charts import radar_chart
from changekit.widgets.form import Form, choice, chosen, heading, textarea


class SelfAssessmentForm(Form[SelfAssessment]):
    """Nine dimensions, two ratings each, a radar chart and the development priorities."""

    key = "self_assessment"
    model = SelfAssessment
    intro = (
        "<p>Rate yourself honestly on each dimension of the NHS Healthcare Leadership Model "
        "(NHS Leadership Academy, 2013). <i>My level</i> is how you work now; <i>level my role "
        "needs</i> is what your current role asks of you. The levels are not tied to grade.</p>"
        f"<p>To finish: rate all nine dimensions; give an example for at least {MIN_EXAMPLES}, "
        f"including your top {PRIORITIES_WITH_EXAMPLE} development priorities; write a plan of "
        f"at least {MIN_DEVELOPMENT_PLAN_WORDS} words that names your top priority.</p>"
    )

    def _build(self, answer: SelfAssessment) -> widgets.Widget:
        self.performance: dict[str, widgets.Dropdown] = {}
        self.importance: dict[str, widgets.Dropdown] = {}
        self.evidence: dict[str, widgets.Textarea] = {}
        sections = []
        for name, rating in answer.ratings.items():
            self.performance[name] = choice(
                "My level",
                LEVELS,
                rating.performance,
                blank="Not rated yet",
                tooltip=f"The level you work at now in '{name}'",
            )
            self.importance[name] = choice(
                "Level my role needs",
                LEVELS,
                rating.importance,
                blank="Not rated yet",
                tooltip=f"The level your current role needs in '{name}'",
            )
            self.evidence[name] = textarea(
                "An example",
                rating.evidence,
                rows=2,
                tooltip=f"Something you did that shows your level in '{name}'",
            )
            self._watch(self.performance[name], self.importance[name], redraw=True)
            self._watch(self.evidence[name])
            sections.append(
                widgets.VBox(
                    [
                        heading(name),
                        widgets.HTML(f"<i>{html.escape(HLM_PROMPTS[name])}</i>"),
                        self.performance[name],
                        self.importance[name],
                        self.evidence[name],
                    ]
                )
            )
        self.development_plan = textarea(
            "My development plan",
            answer.development_plan,
            rows=4,
            tooltip="What you will do about your top development priorities",
        )
        self._watch(self.development_plan)
        self.priorities = widgets.HTML()
        return widgets.VBox(
            [
                *sections,
                heading("Development priorities"),
                self.priorities,
                self.development_plan,
                self.chart,
            ]
        )

    def _collect(self) -> SelfAssessment:
        return SelfAssessment(
            ratings={
                name: DimensionRating(
                    performance=chosen(self.performance[name]),
                    importance=chosen(self.importance[name]),
                    evidence=self.evidence[name].value,
                )
                for name in self.performance
            },
            development_plan=self.development_plan.value,
        )

    def _figure(self, answer: SelfAssessment) -> Figure:
        return radar_chart(answer)

    def _refresh(self) -> None:
        """List the development priorities, biggest gap first."""
        priorities = self.answer.development_priorities()
        self.priorities.value = (
            "<ol>" + "".join(f"<li>{html.escape(p)}</li>" for p in priorities) + "</ol>"
            if priorities
            else "<p>None yet: a priority is a dimension where your role needs a higher level "
            "than you rate yourself at.</p>"
        )


def self_assessment(path: str | Path = DEFAULT_FILENAME) -> SelfAssessmentForm:
    """The self-assessment form, saving to ``path`` under the key "self_assessment"."""
    return SelfAssessmentForm(path)

"""Every autograded decision: the model's choice passes, a plausible wrong one fails, and the
failure message (what the trainee reads in feedback) explains the reasoning.

Each decision's test cell, hidden tests included, runs in a namespace prepared by the
notebook's own setup cell, in the assignment's source folder, as the autograder runs it.
This is cheap (no kernel); the lifecycle tests run the same cells through nbgrader.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from changekit.answer_models import QuoteCode, QuoteCoding
from changekit.experience import read_quotes
from changekit.paths import course_root


@dataclass(frozen=True)
class Decision:
    assignment: str
    setup: str  # grade_id of the notebook's setup (imports) cell
    answer: str  # grade_id of the cell where the trainee decides
    test: str  # grade_id of the decision's test cell
    variable: str
    wrong: object  # a plausible wrong choice
    because: str  # a phrase of the reasoning the feedback must give for it


DECISIONS = [
    Decision(
        "quantify_a_service_problem",
        "setup",
        "decide_practice",
        "test_first_practice",
        "first_practice_to_visit",
        "Y90004",
        "shows where the problem is, not what works",
    ),
    Decision(
        "quantify_a_service_problem",
        "setup",
        "decide_practice",
        "test_first_practice",
        "first_practice_to_visit",
        "Y90007",
        "no more than chance would give",
    ),
    Decision(
        "quantify_a_service_problem",
        "setup",
        "decide_latest_point",
        "test_latest_point",
        "latest_point_signal",
        "common cause",
        "A point inside the limits can still be special cause",
    ),
    Decision(
        "quantify_a_service_problem",
        "setup",
        "decide_launch_month",
        "test_launch_month",
        "launch_month_signal",
        "special cause improvement",
        "rebase once a change has bedded in",
    ),
    Decision(
        "local_landscape",
        "imports",
        "decide_practice",
        "test_practice_effect",
        "practice_not_explained_by_deprivation",
        "Y90027",
        "times the A&E use its population would predict",
    ),
    Decision(
        "local_landscape",
        "imports",
        "decide_segment",
        "test_target_segment",
        "target_segment",
        "healthy",
        "has no unmet need in the gap map",
    ),
    Decision(
        "local_landscape",
        "imports",
        "decide_segment",
        "test_target_segment",
        "target_segment",
        "acute_severe",
        "carries the largest share of the cost",
    ),
    Decision(
        "patient_experience",
        "imports",
        "decide_acuity",
        "test_acuity_when_shut",
        "acuity_when_shut",
        "sicker when shut",
        "are not, as a group, sicker",
    ),
    Decision(
        "national_standards_asthma",
        "setup",
        "decide_practice",
        "test_practice_to_learn_from",
        "practice_to_learn_from",
        "Y90028",
        "it cannot show what works",
    ),
    Decision(
        "national_standards_asthma",
        "setup",
        "decide_aim",
        "test_aim_reachable",
        "aim_reachable_without_change",
        True,
        "by changing the system",
    ),
    Decision(
        "baby_clinic_economics",
        "setup",
        "decide_pessimistic",
        "test_saves_money_at_pessimistic",
        "saves_money_at_pessimistic",
        True,
        "a loss. A saving at the base case is not a saving you can promise",
    ),
    Decision(
        "baby_clinic_economics",
        "setup",
        "decide_spread",
        "test_spread_advice",
        "spread_advice",
        "spread to all four now",
        "test it in one or two sites",
    ),
]


def cells(assignment: str) -> dict[str, str]:
    path = course_root() / "source" / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in notebook.cells
        if "nbgrader" in c.metadata
    }


def run(source: str, namespace: dict[str, object]) -> str:
    """Execute a cell's code (IPython magics dropped) and return what it printed."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 (the course's own notebook)
    return printed.getvalue()


@pytest.fixture
def in_source(monkeypatch: pytest.MonkeyPatch):
    """Run cells in an assignment's source folder, as the autograder runs them in the submission."""

    def enter(assignment: str) -> Path:
        folder = course_root() / "source" / assignment
        monkeypatch.chdir(folder)
        return folder

    return enter


def namespace_for(decision: Decision) -> tuple[dict[str, str], dict[str, object]]:
    source = cells(decision.assignment)
    namespace: dict[str, object] = {}
    run(source[decision.setup], namespace)
    return source, namespace


@pytest.mark.parametrize(
    "decision", DECISIONS, ids=lambda d: f"{d.assignment}:{d.variable}={d.wrong}"
)
def test_the_models_choice_gets_the_marks(decision: Decision, in_source) -> None:
    in_source(decision.assignment)
    source, namespace = namespace_for(decision)
    run(source[decision.answer], namespace)
    printed = run(source[decision.test], namespace)
    assert f"Recorded: {decision.variable} = {namespace[decision.variable]!r}" in printed


@pytest.mark.parametrize(
    "decision", DECISIONS, ids=lambda d: f"{d.assignment}:{d.variable}={d.wrong}"
)
def test_a_plausible_wrong_choice_gets_none_and_the_reasoning(
    decision: Decision, in_source
) -> None:
    in_source(decision.assignment)
    source, namespace = namespace_for(decision)
    run(source[decision.answer], namespace)
    right = namespace[decision.variable]
    namespace[decision.variable] = decision.wrong
    with pytest.raises(AssertionError) as failed:
        run(source[decision.test], namespace)
    message = str(failed.value)
    assert message.startswith("You chose") and str(decision.wrong) in message.split(".")[0]
    assert decision.because in message
    assert str(right) in message, "after marking, the feedback says what the data give"
    others = [
        d
        for d in DECISIONS
        if d.assignment == decision.assignment and d.variable != decision.variable
    ]
    for other in others:
        run(source[other.answer], namespace)
        answer = namespace[other.variable]
        if isinstance(answer, str):
            assert answer not in message.replace(str(decision.wrong), ""), (
                f"the feedback for {decision.variable} gives away {other.variable}"
            )


@pytest.mark.parametrize(
    "decision", DECISIONS[:1] + DECISIONS[4:5] + DECISIONS[9:10], ids=lambda d: d.variable
)
def test_a_choice_outside_the_options_is_caught_before_marking(
    decision: Decision, in_source
) -> None:
    in_source(decision.assignment)
    source, namespace = namespace_for(decision)
    namespace[decision.variable] = "not sure"
    with pytest.raises(AssertionError, match="which is not one of the options"):
        run(source[decision.test], namespace)


def test_quote_coding_feedback_lists_the_quotes_coded_differently(in_source) -> None:
    """The formative cell shows agreement with the tutor's coding only after marking."""
    folder = in_source("patient_experience")
    source = cells("patient_experience")
    shown: list[str] = []
    namespace: dict[str, object] = {}
    run(source["imports"], namespace)
    namespace["display"] = lambda markdown: shown.append(markdown.data)
    namespace["quotes"] = read_quotes(folder / "parent_quotes.csv")
    namespace["coding"] = QuoteCoding()
    run(source["test_coding_agreement"], namespace)  # once, to read the tutor's key
    tutor = namespace["_tutor_coding"]
    assert set(tutor) == set(namespace["quotes"]["quote_id"]), "the tutor has coded every quote"

    as_tutor = {q: QuoteCode(themes=t) for q, t in tutor.items()}
    namespace["coding"] = QuoteCoding(codes=as_tutor)
    run(source["test_coding_agreement"], namespace)
    assert f"the same themes on {len(tutor)} of {len(tutor)} quotes" in shown[-1]

    differently = dict(as_tutor, Q05=QuoteCode(themes=["gp_expertise"]))
    namespace["coding"] = QuoteCoding(codes=differently)
    printed = run(source["test_coding_agreement"], namespace)
    assert f"the same themes on {len(tutor) - 1} of {len(tutor)} quotes" in shown[-1]
    assert "| Q05 |" in shown[-1] and "Doubts about GPs and children" in shown[-1]
    assert "no marks" in printed.lower()
    release = course_root() / "release" / "patient_experience" / "patient_experience.ipynb"
    assert "_tutor_coding" not in release.read_text(), "the tutor's coding never reaches trainees"

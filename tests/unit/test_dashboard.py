"""The tutor dashboard's tables and charts, on a small made-up gradebook and on an empty one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from changekit.grading import dashboard
from changekit.grading.gradebook import course_settings, late_text
from changekit.grading.synthetic import Marked, Question, write_gradebook

pytestmark = pytest.mark.filterwarnings(
    "ignore::sqlalchemy.exc.SAWarning"
)  # nbgrader's own, harmless

QUANTIFY, LEADERSHIP = "quantify_a_service_problem", "leadership_self_and_stakeholders"
DUE = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
QUESTIONS = {
    QUANTIFY: [
        Question("test_easy", 2),
        Question("test_hard", 2),
        Question("interpret", 3, manual=True),
    ],
    LEADERSHIP: [Question("test_grid", 1)],
}


def marked(
    student: str, late: timedelta, easy: float | None, hard: float | None, interpret: float | None
) -> Marked:
    return Marked(
        student,
        QUANTIFY,
        DUE + late,
        {"test_easy": easy, "test_hard": hard, "interpret": interpret},
    )


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dashboard.Cohort:
    """ana on time and marked; ben 2 days 3 hours late, answer to mark; cal not autograded; dee absent."""
    state = tmp_path_factory.mktemp("state")
    submissions = [
        marked("ana", -timedelta(days=1), 2.0, 2.0, 3.0),
        marked("ben", timedelta(days=2, hours=3), 2.0, 0.0, None),
        marked("cal", -timedelta(hours=1), None, None, None),
        Marked("ana", LEADERSHIP, NOW, {"test_grid": 1.0}),
    ]
    write_gradebook(
        f"sqlite:///{state / 'gradebook.db'}",
        "pich-leadership",
        QUESTIONS,
        submissions,
        duedates={QUANTIFY: DUE, LEADERSHIP: NOW + timedelta(days=7)},
    )
    env = {"CHANGEKIT_STATE_DIR": str(state)}
    with course_settings(env=env).gradebook() as gradebook:
        gradebook.update_or_create_student("dee")
    return dashboard.load(env=env)


@pytest.fixture
def empty(tmp_path: Path) -> dashboard.Cohort:
    return dashboard.load(env={"CHANGEKIT_STATE_DIR": str(tmp_path / "nothing-yet")})


def test_status_shows_on_time_late_missing_and_failed(cohort: dashboard.Cohort) -> None:
    table = dashboard.status(cohort, now=NOW).set_index("student")
    assert table.loc["ana", QUANTIFY] == "on time"
    assert table.loc["ben", QUANTIFY] == "late (2 d 3 h)"
    assert table.loc["cal", QUANTIFY] == "on time, NOT AUTOGRADED"
    assert table.loc["dee", QUANTIFY] == "missing (overdue)"
    assert table.loc["dee", LEADERSHIP] == "not yet", "not due yet is not overdue"


def test_late_lists_only_late_submissions(cohort: dashboard.Cohort) -> None:
    late = dashboard.late(cohort)
    assert late[["trainee", "late by"]].values.tolist() == [["ben", "2 d 3 h"]]


def test_to_mark_counts_written_answers_waiting(cohort: dashboard.Cohort) -> None:
    table = dashboard.to_mark(cohort)
    assert table[["question", "waiting", "trainees"]].values.tolist() == [
        ["interpret", 1, "ben"]
    ], "ana is marked, and cal must be regraded before marking"


def test_not_autograded_names_the_failed_submission(cohort: dashboard.Cohort) -> None:
    assert dashboard.not_autograded(cohort)["student"].tolist() == ["cal"]


def test_question_difficulty_puts_the_hard_question_first(cohort: dashboard.Cohort) -> None:
    table = dashboard.question_difficulty(cohort)
    quantify = table[table["assignment"] == QUANTIFY]
    assert quantify["question"].tolist()[0] == "test_hard"
    hard = quantify.set_index("question").loc["test_hard"]
    assert (hard["marked"], hard["mean_percent"], hard["full_marks_percent"]) == (2, 50.0, 50.0)
    assert quantify.set_index("question").loc["interpret", "marked"] == 1, (
        "unmarked answers do not count"
    )


def test_summary_text_counts(cohort: dashboard.Cohort) -> None:
    text = dashboard.summary_text(cohort, now=NOW)
    assert text.startswith(
        "3 trainees, 4 submissions of 2 assignment(s). Late: 1. Missing and overdue: 1."
    )
    assert "Not autograded (look, then regrade): 1" in text


def test_charts_have_a_panel_per_assignment(cohort: dashboard.Cohort) -> None:
    scores = dashboard.plot_scores(cohort)
    questions = dashboard.plot_questions(cohort)
    assert [ax.get_title(loc="left") for ax in scores.axes] == [  # by due date, as in the gradebook
        f"{QUANTIFY}: 2 submissions",
        f"{LEADERSHIP}: 1 submission",
    ]
    labels = [t.get_text() for t in questions.axes[0].get_yticklabels()]
    assert labels[-1] == "test_hard", "the hardest question should be at the top"
    assert "interpret (written)" in labels


def test_empty_gradebook_says_no_submissions_yet(empty: dashboard.Cohort) -> None:
    assert empty.empty
    assert dashboard.summary_text(empty).startswith("No submissions yet")
    for table in (
        dashboard.status(empty),
        dashboard.late(empty),
        dashboard.to_mark(empty),
        dashboard.not_autograded(empty),
        dashboard.question_difficulty(empty),
    ):
        assert table.empty
    assert dashboard.show(dashboard.late(empty), "Nothing is late.").data == "Nothing is late."
    figure = dashboard.plot_scores(empty)
    assert dashboard.NO_SUBMISSIONS in [t.get_text() for t in figure.axes[0].texts]


def test_late_text_reads_naturally() -> None:
    assert [late_text(s) for s in (0, 30, 90, 3 * 3600 + 60, 2 * 86400)] == [
        "",
        "under a minute",
        "2 min",
        "3 h",
        "2 d",
    ]


def test_feedback_readiness_warns_while_answers_wait(cohort: dashboard.Cohort) -> None:
    table = dashboard.feedback_readiness(cohort).set_index("assignment")
    quantify = table.loc[QUANTIFY]
    assert quantify["feedback"].startswith("WAIT: ") and "ben (1)" in quantify["feedback"]
    assert quantify["not yet marked"] >= 1 and "not yet marked" in quantify["feedback"]
    assert table.loc[LEADERSHIP, "feedback"] == "ready to release", "nothing waits in leadership"
    assert "(do not release their feedback yet)" in dashboard.summary_text(cohort, now=NOW)


def test_feedback_readiness_is_empty_without_submissions(empty: dashboard.Cohort) -> None:
    assert dashboard.feedback_readiness(empty).empty

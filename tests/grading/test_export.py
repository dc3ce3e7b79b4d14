"""`changekit export`: a column per question per assignment, and a summary safe to share."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from changekit.grading.export import by_question, by_trainee, export, question_summary
from changekit.grading.gradebook import course_settings, grade_table
from changekit.grading.synthetic import Marked, Question, write_gradebook

QUANTIFY = "quantify_a_service_problem"
LEADERSHIP = "leadership_self_and_stakeholders"
QUESTIONS = {
    QUANTIFY: [Question("test_proportion", 2), Question("test_funnel", 2), Question("interpret", 3, manual=True)],
    LEADERSHIP: [Question("test_self_assessment", 1)],
}
SUBMITTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def cohort() -> list[Marked]:
    """Eight trainees: t0-t5 right on the proportion, t0-t1 right on the funnel; t7 not marked."""
    marks = []
    for i in range(8):
        scores = {"test_proportion": 2.0 if i < 6 else 0.0, "test_funnel": 2.0 if i < 2 else 1.0,
                  "interpret": 3.0 if i < 3 else None}
        if i == 7:
            scores = {name: None for name in scores}  # could not be autograded
        marks.append(Marked(f"t{i}", QUANTIFY, SUBMITTED, scores))
    marks.append(Marked("t0", LEADERSHIP, SUBMITTED, {"test_self_assessment": 1.0}))
    return marks


#: nbgrader's add_submission warns about its own session handling; the grades are right.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    state = tmp_path_factory.mktemp("state")
    write_gradebook(f"sqlite:///{state / 'gradebook.db'}", "pich-leadership", QUESTIONS, cohort())
    return {"CHANGEKIT_STATE_DIR": str(state)}


@pytest.fixture(scope="module")
def grades(env: dict[str, str]) -> pd.DataFrame:
    with course_settings(env=env).gradebook() as gradebook:
        return grade_table(gradebook)


def test_one_row_per_trainee_and_a_column_per_question(grades: pd.DataFrame) -> None:
    table = by_trainee(grades, ["t0", "absent"]).set_index("student")
    assert list(table.index) == ["absent", *(f"t{i}" for i in range(8))]
    assert list(table.columns) == [  # assignments in the gradebook's order, questions in the notebook's
        f"{LEADERSHIP}:test_self_assessment", f"{LEADERSHIP}:total", f"{LEADERSHIP}:to_mark",
        f"{QUANTIFY}:test_proportion", f"{QUANTIFY}:test_funnel", f"{QUANTIFY}:interpret",
        f"{QUANTIFY}:total", f"{QUANTIFY}:to_mark",
    ]
    assert table.loc["t0", f"{QUANTIFY}:total"] == 7.0
    assert table.loc["t4", f"{QUANTIFY}:to_mark"] == 1, "t4's written answer still waits for a tutor"
    assert table.loc["absent"].isna().all(), "a trainee who submitted nothing should have blank cells"
    assert pd.isna(table.loc["t7", f"{QUANTIFY}:test_proportion"]), "never graded is not zero"
    assert pd.isna(table.loc["t1", f"{LEADERSHIP}:total"])


def test_question_summary_counts_only_what_is_marked(grades: pd.DataFrame) -> None:
    summary = question_summary(grades).set_index("question")
    assert summary.loc["test_proportion", ["n", "n_full_marks"]].tolist() == [7, 6]
    assert summary.loc["test_proportion", "mean"] == pytest.approx(12 / 7, abs=0.01)
    assert summary.loc["test_funnel", "share_full_marks"] == pytest.approx(2 / 7, abs=0.001)
    assert summary.loc["interpret", "n"] == 3, "answers waiting for a tutor must not count"
    assert summary.loc["interpret", "kind"] == "manual"


def test_small_numbers_are_suppressed(grades: pd.DataFrame) -> None:
    safe = by_question(grades, threshold=5).set_index("question")
    assert safe.loc["test_proportion", "n"] == 7
    assert safe.loc["test_proportion", "share_full_marks"] == "<5", "1 trainee without full marks stands out"
    assert safe.loc["test_funnel", "n_full_marks"] == "<5"
    assert safe.loc["interpret", "n"] == "<5" and safe.loc["interpret", "mean"] == "<5"
    assert safe.loc["test_self_assessment", "n"] == "<5"
    open_table = by_question(grades, threshold=1).set_index("question")
    assert open_table.loc["test_funnel", "n_full_marks"] == 2, "threshold 1 should suppress nothing"


def test_export_writes_both_files(env: dict[str, str], tmp_path: Path) -> None:
    written = export(tmp_path / "out" / "grades.csv", assignment=QUANTIFY, env=env)
    trainees = pd.read_csv(written.by_trainee)
    questions = pd.read_csv(written.by_question)
    assert written.by_question.name == "grades_by_question.csv"
    assert f"{QUANTIFY}:test_funnel" in trainees.columns
    assert not any(c.startswith(LEADERSHIP) for c in trainees.columns), "--assignment should limit the export"
    assert list(questions["question"]) == ["test_proportion", "test_funnel", "interpret"]


def test_unknown_assignment_is_named(env: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no assignment called 'quantfy'.*quantify_a_service_problem"):
        export(tmp_path / "grades.csv", assignment="quantfy", env=env)


def test_empty_gradebook_exports_headers_only(tmp_path: Path) -> None:
    env = {"CHANGEKIT_STATE_DIR": str(tmp_path)}
    write_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "pich-leadership", {}, [])
    written = export(tmp_path / "grades.csv", env=env)
    assert written.trainees == 0 and written.questions == 0
    assert pd.read_csv(written.by_question).columns.tolist()[:2] == ["assignment", "question"]


def test_no_gradebook_yet_is_said_plainly_and_not_created(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no gradebook yet"):
        export(tmp_path / "grades.csv", env={"CHANGEKIT_STATE_DIR": str(tmp_path)})
    assert not (tmp_path / "gradebook.db").exists()

"""`changekit export`: a column per question per assignment, and a summary safe to share."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from changekit.grading.export import by_question, by_trainee, export, question_summary
from changekit.grading.gradebook import course_settings, grade_table
from changekit.grading.synthetic import Marked, Question, write_gradebook

QUANTIFY = "quantify_a_service_problem"
LEADERSHIP = "leadership_self_and_stakeholders"
QUESTIONS = {
    QUANTIFY: [
        Question("test_proportion", 2),
        Question("test_funnel", 2),
        Question("interpret", 3, manual=True),
    ],
    LEADERSHIP: [Question("test_self_assessment", 1)],
}
SUBMITTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def cohort() -> list[Marked]:
    """Eight trainees: t0-t5 right on the proportion, t0-t1 right on the funnel; t7 not marked."""
    marks = []
    for i in range(8):
        scores = {
            "test_proportion": 2.0 if i < 6 else 0.0,
            "test_funnel": 2.0 if i < 2 else 1.0,
            "interpret": 3.0 if i < 3 else None,
        }
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
    assert list(
        table.columns
    ) == [  # assignments in the gradebook's order, questions in the notebook's
        f"{LEADERSHIP}:test_self_assessment",
        f"{LEADERSHIP}:total",
        f"{LEADERSHIP}:to_mark",
        f"{QUANTIFY}:test_proportion",
        f"{QUANTIFY}:test_funnel",
        f"{QUANTIFY}:interpret",
        f"{QUANTIFY}:total",
        f"{QUANTIFY}:to_mark",
    ]
    assert table.loc["t0", f"{QUANTIFY}:total"] == 7.0
    assert table.loc["t4", f"{QUANTIFY}:to_mark"] == 1, (
        "t4's written answer still waits for a tutor"
    )
    assert table.loc["absent"].isna().all(), (
        "a trainee who submitted nothing should have blank cells"
    )
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
    assert safe.loc["test_proportion", "share_full_marks"] == "<5", (
        "1 trainee without full marks stands out"
    )
    assert safe.loc["test_funnel", "n_full_marks"] == "<5"
    assert safe.loc["test_proportion", "n_full_marks"] == "<5", "7 - 6 would give the 1 away"
    assert safe.loc["test_funnel", "share_full_marks"] == "<5", "7 x 0.286 would give the 2 away"
    assert safe.loc["test_funnel", "mean"] == "<5", (
        "scores of 1 or 2: 7 x 1.29 - 7 gives the 2 away"
    )
    assert safe.loc["interpret", "n"] == "<5" and safe.loc["interpret", "mean"] == "<5"
    assert safe.loc["test_self_assessment", "n"] == "<5"
    open_table = by_question(grades, threshold=1).set_index("question")
    assert open_table.loc["test_funnel", "n_full_marks"] == 2, "threshold 1 should suppress nothing"


def test_a_question_nobody_has_marked_yet_is_exported_blank(tmp_path: Path) -> None:
    """Right after autograding no written answer has a mark: the export lists it, blank, and counts it."""
    env = {"CHANGEKIT_STATE_DIR": str(tmp_path)}
    marks = [
        Marked(
            f"t{i}",
            QUANTIFY,
            SUBMITTED,
            {"test_proportion": 2.0, "test_funnel": float(i % 3), "interpret": None},
        )
        for i in range(6)
    ]
    marks.append(
        Marked(
            "t6",
            QUANTIFY,
            SUBMITTED,
            dict.fromkeys(["test_proportion", "test_funnel", "interpret"]),
        )
    )
    write_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "pich-leadership", QUESTIONS, marks)
    written = export(tmp_path / "grades.csv", env=env)

    trainees = pd.read_csv(written.by_trainee).set_index("student")
    assert list(trainees.columns) == [
        f"{QUANTIFY}:test_proportion",
        f"{QUANTIFY}:test_funnel",
        f"{QUANTIFY}:interpret",
        f"{QUANTIFY}:total",
        f"{QUANTIFY}:to_mark",
        f"{QUANTIFY}:submitted",
        f"{QUANTIFY}:due",
        f"{QUANTIFY}:extension_hours",
        f"{QUANTIFY}:lateness",
    ]
    assert trainees[f"{QUANTIFY}:interpret"].isna().all()
    assert trainees[f"{QUANTIFY}:to_mark"].tolist() == [1] * 7, (
        "every written answer waits, t6's too"
    )
    assert trainees.loc["t4", f"{QUANTIFY}:total"] == 3.0
    marks_only = [
        f"{QUANTIFY}:{q}" for q in ("test_proportion", "test_funnel", "interpret", "total")
    ]
    assert trainees.loc["t6", marks_only].isna().all(), "never graded is blank, not 0"
    questions = pd.read_csv(written.by_question).set_index("question")
    assert questions.loc["interpret", "n"] == 0 and pd.isna(questions.loc["interpret", "mean"])
    assert questions.loc["test_proportion", ["n", "n_full_marks"]].astype(str).tolist() == [
        "6",
        "6",
    ]
    assert questions.loc["test_funnel", "n_full_marks"] == "<5", "2 of 6 with full marks"


def test_export_writes_both_files(env: dict[str, str], tmp_path: Path) -> None:
    written = export(tmp_path / "out" / "grades.csv", assignment=QUANTIFY, env=env)
    trainees = pd.read_csv(written.by_trainee)
    questions = pd.read_csv(written.by_question)
    assert written.by_question.name == "grades_by_question.csv"
    assert f"{QUANTIFY}:test_funnel" in trainees.columns
    assert not any(c.startswith(LEADERSHIP) for c in trainees.columns), (
        "--assignment should limit the export"
    )
    assert list(questions["question"]) == ["test_proportion", "test_funnel", "interpret"]


def test_unknown_assignment_is_named(env: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="no assignment called 'quantfy'.*quantify_a_service_problem"
    ):
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


@st.composite
def cohorts(draw) -> tuple[pd.DataFrame, int]:
    """A grade table (as ``grade_table`` gives) of up to 30 trainees and 4 questions, and a threshold.

    Scores are whole marks from 0 to the maximum, often all-or-nothing (as a
    test cell's are), and some answers still wait for a tutor (blank).
    """
    rows = []
    for q in range(draw(st.integers(1, 4))):
        max_score = draw(st.sampled_from([1.0, 2.0, 3.0]))
        all_or_nothing = draw(st.booleans())
        marks = (
            st.sampled_from([0.0, max_score])
            if all_or_nothing
            else st.integers(0, int(max_score)).map(float)
        )
        for trainee in range(draw(st.integers(0, 30))):
            score = draw(st.one_of(st.none(), marks))
            rows.append(
                {
                    "student": f"t{trainee}",
                    "assignment": QUANTIFY,
                    "grade_id": f"q{q}",
                    "kind": "manual",
                    "score": score,
                    "max_score": max_score,
                    "needs_manual_grade": score is None,
                }
            )
    columns = [
        "student",
        "assignment",
        "grade_id",
        "kind",
        "score",
        "max_score",
        "needs_manual_grade",
    ]
    return pd.DataFrame(rows, columns=columns).astype({"score": float, "max_score": float}), draw(
        st.integers(2, 10)
    )


def worked_out(row: pd.Series) -> list[float]:
    """Every count a reader can work out from one published row: each count shown, its complement,
    n x share, and n x mean / max (the number with full marks when marks are all or nothing)."""
    shown = {
        c: row[c]
        for c in ("n", "n_full_marks", "mean", "share_full_marks")
        if not isinstance(row[c], str)
    }
    n = shown.get("n")
    derived = [shown[c] for c in ("n", "n_full_marks") if c in shown]
    if n is not None and "n_full_marks" in shown:
        derived.append(n - shown["n_full_marks"])
    for full in (
        n * shown["share_full_marks"] if n is not None and "share_full_marks" in shown else None,
        n * shown["mean"] / row["max_score"] if n is not None and "mean" in shown else None,
    ):
        if full is not None and not pd.isna(full):
            derived += [full, n - full]
    return derived


@given(cohorts())
def test_no_published_cell_gives_a_small_count_away(cohort: tuple[pd.DataFrame, int]) -> None:
    grades, threshold = cohort
    truth = question_summary(grades).set_index("question")
    published = by_question(grades, threshold=threshold).set_index("question")
    assert list(published.index) == list(truth.index)
    for question, row in published.iterrows():
        n, full = truth.loc[question, "n"], truth.loc[question, "n_full_marks"]
        small = {count for count in (n, full, n - full) if 1 <= count < threshold}
        revealed = {round(value) for value in worked_out(row)} & small
        assert not revealed, (
            f"{question}: published {row.to_dict()} gives away {revealed} (threshold {threshold})"
        )
        if not small:
            assert row["n"] == n and row["n_full_marks"] == full, (
                "nothing small: nothing suppressed"
            )

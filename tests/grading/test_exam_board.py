"""The exam board's sheet, the per-outcome summary and the e-portfolio's Word summaries, from a gradebook."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import docx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changekit import cli
from changekit.grading.export import by_outcome, export, outcome_scores, tutor_comments
from changekit.grading.gradebook import course_settings
from changekit.grading.moderation import (
    choose_second_marking,
    record_formgrader_mark,
    record_second_mark,
)
from changekit.grading.portfolio import write_summaries
from changekit.grading.roster import import_roster
from changekit.grading.synthetic import Marked, Question, write_gradebook
from tests.grading.test_export import worked_out

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
LEAD, DRIVERS = "leadership_self_and_stakeholders", "drivers_and_barriers"
QUESTIONS = {
    LEAD: [Question("test_stakeholders_complete", 2), Question("reflect_team", 2, manual=True)],
    DRIVERS: [
        Question("test_force_field_complete", 2),
        Question("reflect_strongest", 4, manual=True),
    ],
}
WHEN = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)
DUE = {
    LEAD: datetime(2027, 1, 15, 17, 0, tzinfo=UTC),
    DRIVERS: datetime(2027, 1, 29, 17, 0, tzinfo=UTC),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """ana and ben submitted both assignments (LEAD late); cal only LEAD; dee is on the roster only.

    dr_lee marked every written answer; dr_khan second-marked ben's DRIVERS answer 1 lower; ana has a comment.
    """
    state = tmp_path_factory.mktemp("state")
    env = {"CHANGEKIT_STATE_DIR": str(state)}
    write_gradebook(
        f"sqlite:///{state / 'gradebook.db'}",
        "pich-leadership",
        QUESTIONS,
        [
            Marked("ana", LEAD, WHEN, {"test_stakeholders_complete": 2.0, "reflect_team": 1.0}),
            Marked(
                "ana", DRIVERS, WHEN, {"test_force_field_complete": 2.0, "reflect_strongest": 4.0}
            ),
            Marked("ben", LEAD, WHEN, {"test_stakeholders_complete": 0.0, "reflect_team": 2.0}),
            Marked(
                "ben", DRIVERS, WHEN, {"test_force_field_complete": 2.0, "reflect_strongest": 3.0}
            ),
            Marked("cal", LEAD, WHEN, {"test_stakeholders_complete": 2.0, "reflect_team": None}),
        ],
        duedates=DUE,
    )
    (state / "roster.csv").write_text(
        "username,first_name,last_name\nana,Ana,Okafor\nben,Ben,Li\ncal,Cal,Reyes\ndee,Dee,Shah\n"
    )
    import_roster(env=env)
    with course_settings(env=env).gradebook() as gradebook:
        for student, assignment, grade_id in [
            ("ana", LEAD, "reflect_team"),
            ("ana", DRIVERS, "reflect_strongest"),
            ("ben", LEAD, "reflect_team"),
            ("ben", DRIVERS, "reflect_strongest"),
        ]:
            record_formgrader_mark(
                gradebook,
                gradebook.find_grade(grade_id, assignment, assignment, student).id,
                "dr_lee",
            )
        comment = gradebook.find_comment("reflect_team", LEAD, LEAD, "ana")
        comment.manual_comment = "Name the stakeholders you would engage first."
        gradebook.db.commit()
        choose_second_marking(gradebook, DRIVERS, ["dr_khan"], share=1.0, seed=3)
        record_second_mark(gradebook, DRIVERS, "ben", "reflect_strongest", 2.0, "dr_khan")
    return env


def test_the_exam_board_sheet_value_by_value(course: dict[str, str], tmp_path: Path) -> None:
    written = export(tmp_path / "grades.csv", env=course)
    board = pd.read_csv(written.exam_board, keep_default_na=False).set_index("student")
    assert list(board.index) == ["ana", "ben", "cal", "dee"]
    assert board.loc["ana", ["first_name", "last_name"]].tolist() == ["Ana", "Okafor"]
    assert board.columns[:10].tolist() == [
        "first_name",
        "last_name",
        "LO1:score",
        "LO1:out_of",
        "LO2:score",
        "LO2:out_of",
        "LO3:score",
        "LO3:out_of",
        "LO4:score",
        "LO4:out_of",
    ]
    # Read as text (keep_default_na=False keeps blanks blank), so numbers read "3.0".
    assert [board.loc["ana", f"LO{n}:score"] for n in (1, 3)] == ["3.0", "6.0"]
    assert [board.loc["ana", f"LO{n}:out_of"] for n in (1, 3)] == ["4.0", "6.0"]
    assert board.loc["cal", "LO1:score"] == "2.0" and board.loc["cal", "LO1:out_of"] == "2.0", (
        "unmarked answers wait"
    )
    assert board.loc["ana", "LO2:score"] == "" and board.loc["dee", "LO1:score"] == ""
    assert (
        board.loc["ben", f"{LEAD}:total"] == "2.0"
        and board.loc["ben", f"{DRIVERS}:reflect_strongest"] == "3.0"
    )
    assert (
        board.loc["ana", f"{LEAD}:lateness"].endswith("late")
        and board.loc["ana", f"{DRIVERS}:lateness"] == "on time"
    )
    assert board.loc["ana", f"{LEAD}:due"] == "Friday 15 January 2027, 17:00 GMT"
    assert (
        board.loc["ana", f"{LEAD}:extension_hours"] == "0.0"
        and board.loc["dee", f"{LEAD}:extension_hours"] == ""
    )
    assert (
        board.loc["ana", f"{LEAD}:marker"] == "dr_lee" and board.loc["cal", f"{LEAD}:marker"] == ""
    )
    assert board.loc["ben", f"{DRIVERS}:second_marker"] == "dr_khan"
    assert board.loc["ben", f"{DRIVERS}:moderation"] == "disagreement: awaiting agreed mark"
    assert board.loc["ana", f"{DRIVERS}:moderation"] == "awaiting second mark"
    assert board.loc["ana", f"{LEAD}:moderation"] == "not sampled"
    assert (
        board.loc["ana", f"{LEAD}:comments"]
        == "reflect_team: Name the stakeholders you would engage first."
    )
    assert board.loc["ben", f"{LEAD}:comments"] == "" and board.loc["dee", f"{LEAD}:comments"] == ""
    plain = pd.read_csv(written.by_trainee)
    assert "first_name" not in plain.columns, "the working sheet keeps its columns"


def test_the_outcome_summary_is_suppressed(course: dict[str, str], tmp_path: Path) -> None:
    written = export(tmp_path / "grades.csv", env=course)
    summary = pd.read_csv(written.by_outcome, keep_default_na=False).set_index("outcome")
    assert list(summary.index) == ["LO1", "LO2", "LO3", "LO4"]
    assert summary.loc["LO1", "n"] == "<5" and summary.loc["LO1", "mean"] == "<5"
    assert summary.loc["LO2", "n"] == "0"
    open_summary = pd.read_csv(
        export(tmp_path / "open.csv", env=course, threshold=1).by_outcome
    ).set_index("outcome")
    assert (
        open_summary.loc["LO1", "n"] == 3 and open_summary.loc["LO1", "n_full_marks"] == 1
    )  # cal: 2 of 2
    assert open_summary.loc["LO3", "mean"] == pytest.approx((100 + 5 / 6 * 100) / 2, abs=0.1)


def test_tutor_comments_leave_out_the_autograders(course: dict[str, str]) -> None:
    with course_settings(env=course).gradebook() as gradebook:
        comments = tutor_comments(gradebook, LEAD).set_index("student")["comments"]
    assert comments.to_dict() == {
        "ana": "reflect_team: Name the stakeholders you would engage first.",
        "ben": "",
        "cal": "",
    }


def test_a_word_summary_per_trainee(course: dict[str, str], tmp_path: Path) -> None:
    written = write_summaries(tmp_path / "portfolio", env=course)
    assert [p.name for p in written] == ["ana.docx", "ben.docx", "cal.docx"]
    document = docx.Document(str(written[0]))
    text = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Marks per learning outcome", "Assignments", "Tutors' comments"]
    assert "Trainee: Ana Okafor" in text
    assert (
        "leadership self and stakeholders: reflect_team: Name the stakeholders you would engage first."
        in text
    )
    outcomes, assignments = (
        [[cell.text for cell in row.cells] for row in table.rows] for table in document.tables
    )
    assert outcomes[0] == ["Learning outcome", "Marks", "Out of", "Per cent"]
    assert outcomes[1][1:] == ["3", "4", "75%"] and outcomes[1][0].startswith("LO1: Leadership")
    assert outcomes[2][1:] == ["not marked yet", "", ""]
    assert outcomes[3][1:] == ["6", "6", "100%"]
    assert assignments[0] == [
        "Assignment",
        "Marks",
        "Out of",
        "Submitted",
        "Due",
        "Extension",
        "Lateness",
        "Moderation",
    ]
    lead = assignments[1]
    assert lead[:3] == ["leadership self and stakeholders", "3", "4"]
    assert (
        lead[4] == "Friday 15 January 2027, 17:00 GMT"
        and lead[5] == "none"
        and lead[6].endswith("late")
    )
    assert assignments[2][7] == "awaiting second mark"
    cal = docx.Document(str(written[2]))
    assert [[c.text for c in row.cells] for row in cal.tables[1].rows][1][1] == "2 (1 to mark)"
    with pytest.raises(ValueError, match="1 of the trainees asked for"):
        write_summaries(tmp_path / "p2", students=["nobody"], env=course)


OUTCOME_CELLS = [
    (LEAD, "reflect_team"),
    ("local_landscape", "reflect_gaps"),
    (DRIVERS, "reflect_strongest"),
    ("patient_experience", "workshop_plan"),
]


@st.composite
def cohorts(draw) -> tuple[pd.DataFrame, int]:
    """A grade table of up to 30 trainees over questions of the four outcomes, some all-or-nothing, some unmarked."""
    rows = []
    for assignment, grade_id in draw(
        st.lists(st.sampled_from(OUTCOME_CELLS), min_size=1, max_size=4, unique=True)
    ):
        max_score = draw(st.sampled_from([1.0, 2.0, 4.0]))
        marks = (
            st.sampled_from([0.0, max_score])
            if draw(st.booleans())
            else st.integers(0, int(max_score)).map(float)
        )
        for trainee in range(draw(st.integers(0, 30))):
            score = draw(st.one_of(st.none(), marks))
            rows.append(
                {
                    "student": f"t{trainee}",
                    "assignment": assignment,
                    "grade_id": grade_id,
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


@settings(max_examples=150, deadline=None)
@given(cohorts())
def test_no_published_outcome_cell_gives_a_small_count_away(
    cohort: tuple[pd.DataFrame, int],
) -> None:
    grades, threshold = cohort
    scores = outcome_scores(grades)
    published = by_outcome(grades, threshold=threshold).set_index("outcome")
    for outcome, row in published.iterrows():
        mine = scores[scores["outcome"] == outcome]
        n, full = len(mine), int((mine["score"] >= mine["max_score"]).sum())
        small = {count for count in (n, full, n - full) if 1 <= count < threshold}
        revealed = {round(value) for value in worked_out(row)} & small
        assert not revealed, (
            f"{outcome}: published {row.to_dict()} gives away {revealed} (threshold {threshold})"
        )
        if not small:
            assert row["n"] == n and row["n_full_marks"] == full, (
                "nothing small: nothing suppressed"
            )


def test_the_portfolio_and_roster_commands(
    course: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", course["CHANGEKIT_STATE_DIR"])
    assert cli.main(["portfolio", "--student", "ben", "--out", str(tmp_path)]) == 0
    assert "1 Word summary" in capsys.readouterr().out and (tmp_path / "ben.docx").is_file()
    assert cli.main(["portfolio", "--student", "nobody", "--out", str(tmp_path)]) == 1
    assert "check the usernames" in capsys.readouterr().err
    bad = tmp_path / "roster.csv"
    bad.write_text("username,first_name\nana,Ana\n")
    assert (
        cli.main(["roster", str(bad)]) == 1 and "no column 'last_name'" in capsys.readouterr().err
    )

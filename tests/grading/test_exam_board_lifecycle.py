"""A marking round through real nbgrader, moderated, exported for the exam board row by row.

Three trainees on the roster submit the tiny assignment through a filesystem
exchange: ana the model answer on time, ben the untouched notebook on time,
cal the model answer after the due date. Stock ``nbgrader collect`` and
``autograde`` grade them; dr_lee marks ana's and ben's written answers and
dr_khan cal's, as the formgrader's save does in the grading service; the whole
marking is sampled for second marking, ben's second mark differs and the two
agree a mark on the command line (``changekit moderate``).
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from changekit import cli
from changekit.course import nbgrader
from changekit.grading import outcomes
from changekit.grading.deadlines import LONDON
from changekit.grading.export import export
from changekit.grading.gradebook import course_settings
from changekit.grading.moderation import (
    choose_second_marking,
    record_formgrader_mark,
    record_second_mark,
)
from changekit.grading.roster import import_roster
from tests.grading.test_deadlines_collect import Trainee
from tests.grading.tiny_course import ASSIGNMENT, env_for, make_course

pytestmark = [
    pytest.mark.lifecycle,
    pytest.mark.xdist_group("exam_board"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
COURSE_ID = "pich-leadership"
A = ASSIGNMENT


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("exam_board")
    root = make_course(base, None)
    env = env_for(base)
    (base / "state" / "roster.csv").write_text(
        "username,first_name,last_name,email\nana,Ana,Okafor,ana@nhs.net\nben,Ben,Li,\ncal,Cal,Reyes,\n"
    )
    assert import_roster(root=root, env=env) == (3, 0)
    nbgrader("release_assignment", A, "--force", cwd=root, env=env)
    trainees = {name: Trainee(base, name) for name in ("ana", "ben", "cal")}
    for trainee in trainees.values():
        trainee.fetch()
    source = root / "source" / A / f"{A}.ipynb"
    shutil.copy(source, trainees["ana"].home / COURSE_ID / A / f"{A}.ipynb")
    shutil.copy(source, trainees["cal"].home / COURSE_ID / A / f"{A}.ipynb")
    trainees["ana"].submit()
    trainees["ben"].submit()
    # The calendar holds whole seconds: the next one, so ana and ben (who submitted earlier in this
    # second) are on time, and cal, who submits once the clock has passed it, is late.
    due = (datetime.now(LONDON) + timedelta(seconds=1)).replace(tzinfo=None, microsecond=0)
    (root / "calendar.toml").write_text(f"[due]\n{A} = {due.isoformat()}\n")
    while datetime.now(LONDON).replace(tzinfo=None) <= due:
        time.sleep(0.01)
    trainees["cal"].submit()
    nbgrader("collect", A, cwd=root, env=env)
    nbgrader("autograde", A, "--force", cwd=root, env=env)

    settings = course_settings(root, env)
    with settings.gradebook() as gradebook:
        for student, score, marker in [
            ("ana", 2.0, "dr_lee"),
            ("ben", 1.0, "dr_lee"),
            ("cal", 1.5, "dr_khan"),
        ]:
            grade = gradebook.find_grade("reflect", A, A, student)
            grade.manual_score = (
                score  # what the formgrader's save does, then the grading service records it
            )
            grade.needs_manual_grade = False
            gradebook.db.commit()
            record_formgrader_mark(gradebook, grade.id, marker)
        comment = gradebook.find_comment("reflect", A, A, "ben")
        comment.manual_comment = "Say what you would do differently."
        gradebook.db.commit()
        sample = choose_second_marking(gradebook, A, ["dr_khan", "dr_lee"], share=1.0, seed=11)
        record_second_mark(gradebook, A, "ana", "reflect", 2.0, "dr_khan")
        record_second_mark(gradebook, A, "ben", "reflect", 0.0, "dr_khan")
    return {"root": root, "env": env, "due": due, "sample": sample}


def run_cli(monkeypatch: pytest.MonkeyPatch, round_: dict, *argv: str) -> int:
    """``changekit moderate ...`` as the lead wires it, in the course folder."""
    for name, value in round_["env"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CHANGEKIT_COURSE_ROOT", str(round_["root"]))
    return cli.main(["moderate", *argv])


def test_the_sample_covers_each_tutors_marking_with_another_tutor(round_: dict) -> None:
    sample = round_["sample"].set_index("student")
    assert sample["first_marker"].to_dict() == {"ana": "dr_lee", "ben": "dr_lee", "cal": "dr_khan"}
    assert sample["second_marker"].to_dict() == {
        "ana": "dr_khan",
        "ben": "dr_khan",
        "cal": "dr_lee",
    }
    assert set(sample["seed"]) == {11}


def test_the_exam_board_sheet_after_moderation(
    round_: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        run_cli(monkeypatch, round_, "agree", A, "ben", "reflect", "7", "--marker", "dr_patel") == 1
    )
    assert "must be from 0 to 2" in capsys.readouterr().err
    assert run_cli(monkeypatch, round_, "disagreements", A) == 0
    listed = capsys.readouterr().out
    assert "ben" in listed and "ana" not in listed and "cal" not in listed
    assert (
        run_cli(monkeypatch, round_, "agree", A, "ben", "reflect", "0.5", "--marker", "dr_patel")
        == 0
    )

    monkeypatch.setitem(outcomes.ASSIGNMENTS, A, "LO3")  # the tiny assignment assesses LO3 here
    written = export(tmp_path / "grades.csv", root=round_["root"], env=round_["env"])
    board = pd.read_csv(written.exam_board, keep_default_na=False, dtype=str).set_index("student")
    expected = {
        # name, LO3 marks and out of, each question, total, to mark, extension, lateness, markers, moderation, comments
        "ana": [
            "Ana",
            "Okafor",
            "5.0",
            "5.0",
            "2.0",
            "1.0",
            "2.0",
            "5.0",
            "0",
            "0.0",
            "on time",
            "dr_lee",
            "dr_khan",
            "second mark agrees",
            "",
        ],
        "ben": [
            "Ben",
            "Li",
            "0.5",
            "5.0",
            "0.0",
            "0.0",
            "0.5",
            "0.5",
            "0",
            "0.0",
            "on time",
            "dr_lee",
            "dr_khan",
            "agreed mark recorded",
            "reflect: Say what you would do differently.",
        ],
        "cal": [
            "Cal",
            "Reyes",
            "4.5",
            "5.0",
            "2.0",
            "1.0",
            "1.5",
            "4.5",
            "0",
            "0.0",
            None,
            "dr_khan",
            "dr_lee",
            "awaiting second mark",
            "",
        ],
    }
    columns = [
        "first_name",
        "last_name",
        "LO3:score",
        "LO3:out_of",
        f"{A}:test_answer",
        f"{A}:test_second",
        f"{A}:reflect",
        f"{A}:total",
        f"{A}:to_mark",
        f"{A}:extension_hours",
        f"{A}:lateness",
        f"{A}:marker",
        f"{A}:second_marker",
        f"{A}:moderation",
        f"{A}:comments",
    ]
    for student, values in expected.items():
        for column, value in zip(columns, values, strict=True):
            actual = board.loc[student, column]
            if value is None:
                assert actual.endswith("late") and actual != "on time", (
                    f"{student} {column}: {actual}"
                )
            else:
                assert actual == value, f"{student} {column}: {actual!r}, expected {value!r}"
    for lo in ("LO1", "LO2", "LO4"):
        assert (board[f"{lo}:score"] == "").all()
    for student in expected:
        assert board.loc[student, f"{A}:due"] == board.loc["ana", f"{A}:due"] != ""
        assert board.loc[student, f"{A}:submitted"].endswith(("GMT", "BST"))
    with course_settings(round_["root"], round_["env"]).gradebook() as gradebook:
        assert gradebook.find_grade("reflect", A, A, "ben").manual_score == 0.5
        assert gradebook.find_student("ana").email == "ana@nhs.net"

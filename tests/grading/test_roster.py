"""`changekit roster`: trainees' names into the gradebook, and a bad roster refused line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from changekit.course import name_trainees
from changekit.errors import DataError
from changekit.grading.gradebook import course_settings
from changekit.grading.roster import Trainee, default_roster, import_roster, read_roster
from changekit.grading.synthetic import write_gradebook

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

GOOD = (
    "username,first_name,last_name,email\nana,Ana,Okafor,ana.okafor@nhs.net\nben,Ben,Li-Walsh,\n\n"
)


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_roster_is_read(tmp_path: Path) -> None:
    assert read_roster(write(tmp_path, GOOD)) == [
        Trainee("ana", "Ana", "Okafor", "ana.okafor@nhs.net"),
        Trainee("ben", "Ben", "Li-Walsh", None),
    ]


def test_email_is_optional_and_a_spreadsheet_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeffusername,last_name,first_name\ncal,Reyes,Cal\n".encode())
    assert read_roster(path) == [Trainee("cal", "Cal", "Reyes")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("username,first_name\nana,Ana\n", r"no column 'last_name'"),
        (
            "username,first_name,last_name,nhs_number\nana,Ana,O,1\n",
            r"'nhs_number' is not part of a roster",
        ),
        ("", r"is empty"),
        ("username,first_name,last_name\n", r"no trainees"),
        (
            "username,first_name,last_name\nana,,Okafor\nben,Ben,\n",
            r"line 2: no first_name; line 3: no last_name",
        ),
        (
            "username,first_name,last_name\nana smith,Ana,O\n",
            r"line 2: a username that is blank or not a hub login",
        ),
        (
            "username,first_name,last_name\nana,Ana,O\nbob,B,C\nana,Ana,P\n",
            r"line 4: a username already on an earlier line",
        ),
        (
            "username,first_name,last_name,email\nana,Ana,O,not-an-address\n",
            r"line 2: an email that is not",
        ),
        ("username,first_name,last_name\nana,Ana,Okafor,Jr\n", r"line 2: more values"),
    ],
)
def test_a_bad_roster_names_the_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=expected) as raised:
        read_roster(path)
    assert str(path) in str(raised.value)
    for value in ("ana smith", "not-an-address", "nhs_number,"):
        assert value not in str(raised.value), "a value from the roster is echoed back"


def test_many_bad_lines_are_counted_not_all_listed(tmp_path: Path) -> None:
    lines = "".join(f"t{i},,X\n" for i in range(15))
    with pytest.raises(DataError, match=r"lines 2, 3, .* and 11 \(and 5 more\): no first_name"):
        read_roster(write(tmp_path, "username,first_name,last_name\n" + lines))


def test_missing_or_unreadable_files_are_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="There is no roster at"):
        read_roster(tmp_path / "nowhere.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("username,first_name,last_name\nana,Zo\xe9,X\n".encode("latin-1"))
    with pytest.raises(DataError, match="not a text CSV file in UTF-8"):
        read_roster(bad)


def test_names_reach_the_gradebook_and_keep_what_is_there(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    env = {"CHANGEKIT_STATE_DIR": str(state)}
    write_gradebook(f"sqlite:///{state / 'gradebook.db'}", "pich-leadership", {}, [])
    with course_settings(env=env).gradebook() as gradebook:
        gradebook.add_student("ben", email="ben@nhs.net")
    write(state, GOOD)
    assert import_roster(env=env) == (1, 1)
    with course_settings(env=env).gradebook() as gradebook:
        ana, ben = gradebook.find_student("ana"), gradebook.find_student("ben")
        assert (ana.first_name, ana.last_name, ana.email) == ("Ana", "Okafor", "ana.okafor@nhs.net")
        assert (ben.first_name, ben.last_name, ben.email) == ("Ben", "Li-Walsh", "ben@nhs.net")
    with pytest.raises(DataError):
        import_roster(
            write(tmp_path, "username,first_name,last_name\nana,,X\n", "bad.csv"), env=env
        )
    with course_settings(env=env).gradebook() as gradebook:
        assert gradebook.find_student("ana").first_name == "Ana", "a bad roster must change nothing"


def test_the_state_folders_roster_comes_first(tmp_path: Path) -> None:
    root, state = tmp_path / "course", tmp_path / "state"
    root.mkdir()
    state.mkdir()
    assert default_roster(root, state) == state / "roster.csv"
    write(root, GOOD)
    assert default_roster(root, state) == root / "roster.csv"
    write(state, GOOD)
    assert default_roster(root, state) == state / "roster.csv"


def test_publishing_names_the_trainees_from_a_roster(tmp_path: Path) -> None:
    """``changekit publish`` and ``start`` read the roster too: none is fine, a bad one is refused plainly."""
    root, state = tmp_path / "course", tmp_path / "state"
    root.mkdir()
    state.mkdir()
    env = {"CHANGEKIT_STATE_DIR": str(state)}
    write_gradebook(f"sqlite:///{state / 'gradebook.db'}", "pich-leadership", {}, [])
    name_trainees(root, env, state)  # no roster: nothing to do, and no error
    write(state, GOOD)
    name_trainees(root, env, state)
    with course_settings(root, env).gradebook() as gradebook:
        assert gradebook.find_student("ana").last_name == "Okafor"
    write(state, "username,first_name\nana,Ana\n")
    with pytest.raises(DataError, match="no column 'last_name'"):
        name_trainees(root, env, state)

"""``changekit forget``: one trainee erased everywhere, the other untouched, and the report exact.

Each test works on a fresh copy of the graded course (see conftest). After
forgetting, the trainee's name is searched for in every file of the course,
state, exchange, hub and homes folders, in every row of every gradebook
table, and in the raw bytes of both databases.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from changekit.admin.forget import search_roots, traces
from changekit.cli import main
from tests.admin.conftest import (
    ASSIGNMENT,
    FORGOTTEN,
    KEPT,
    Graded,
    copy_of,
    location_options,
    locations_at,
)

pytestmark = [
    pytest.mark.lifecycle,
    pytest.mark.xdist_group("admin-graded-course"),
]  # one graded course per run


def gradebook_rows(database: Path) -> list[str]:
    """Every row of every table of a SQLite database, as text."""
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return [
            repr(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')
        ]
    finally:
        connection.close()


def feedback_files(base: Path) -> set[str]:
    return {
        p.name
        for p in (base / "state" / "exchange" / "pich-leadership" / "feedback").glob("*.html")
    }


@pytest.fixture
def base(graded: Graded, tmp_path: Path) -> Path:
    return copy_of(graded, tmp_path)


def test_forget_leaves_no_trace_and_keeps_everyone_else(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locations = locations_at(base)
    assert traces(FORGOTTEN, search_roots(locations)), (
        "the fixture must hold the trainee's data to begin with"
    )
    kept_before = traces(KEPT, search_roots(locations))
    feedback_before = feedback_files(base)

    assert main(["forget", FORGOTTEN, "--yes", *location_options(base)]) == 0
    report = capsys.readouterr().out

    assert traces(FORGOTTEN, search_roots(locations)) == []
    portfolio = base / "state" / "exports" / "portfolio"
    assert not (portfolio / f"{FORGOTTEN}.docx").exists() and (portfolio / f"{KEPT}.docx").is_file()
    assert "Fay" not in (base / "state" / "roster.csv").read_text()
    for database in (base / "state" / "gradebook.db", base / "hub" / "jupyterhub.sqlite"):
        assert not any(FORGOTTEN in row for row in gradebook_rows(database)), (
            f"{database.name} has a row"
        )
        assert FORGOTTEN.encode() not in database.read_bytes(), (
            f"{database.name} keeps deleted rows in free pages"
        )
    for said in (
        "gradebook: student",
        "with 1 submissions",
        "moderation log: 1 rows",
        "e-portfolio summary",
        "roster.csv",
        "course folder:",
        "exchange submission:",
        "exchange feedback:",
        "export:",
        "home folder:",
        "local hub login:",
        "local hub password:",
        "hub user",
    ):
        assert said in report.split("Removed")[1], f"the report does not say it removed {said!r}"
    assert "Still mentioning" not in report

    assert (
        traces(KEPT, search_roots(locations)) == kept_before
    )  # nothing of the other trainee touched
    assert len(feedback_files(base)) == len(feedback_before) - 1
    gradebook = gradebook_rows(base / "state" / "gradebook.db")
    assert any(KEPT in row for row in gradebook)
    assert (base / "course" / "submitted" / KEPT / ASSIGNMENT).is_dir()
    assert (base / "home" / KEPT).is_dir()


def test_a_running_hub_is_left_alone_and_the_admin_told(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the hub running and no token, its database is not touched: the report says what to do."""
    (base / "hub" / "jupyterhub.pid").write_text(str(os.getpid()))  # a live process: this one
    assert main(["forget", FORGOTTEN, "--yes", *location_options(base)]) == 0
    report = capsys.readouterr().out
    assert "running hub's database" in report and "Admin page" in report
    assert (
        "Still mentioning" in report and "jupyterhub.sqlite" in report.split("Still mentioning")[1]
    )
    assert any(FORGOTTEN in row for row in gradebook_rows(base / "hub" / "jupyterhub.sqlite"))


def test_nothing_is_removed_without_confirmation(
    base: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = traces(FORGOTTEN, search_roots(locations_at(base)))
    monkeypatch.setattr("builtins.input", lambda _prompt: "no")
    assert main(["forget", FORGOTTEN, *location_options(base)]) == 1
    out = capsys.readouterr()
    assert "Found for" in out.out and "home folder" in out.out  # the admin saw what would go
    assert "Nothing was removed" in out.err
    assert traces(FORGOTTEN, search_roots(locations_at(base))) == before


def test_typing_the_name_confirms(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builtins.input", lambda _prompt: FORGOTTEN)
    assert main(["forget", FORGOTTEN, *location_options(base)]) == 0
    assert traces(FORGOTTEN, search_roots(locations_at(base))) == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["nobody_here"], "Nothing about 'nobody_here' was found"),
        (["../state"], "is not a trainee's user name"),
        (["ana*"], "is not a trainee's user name"),
        ([FORGOTTEN, "--hub-url", "http://127.0.0.1:8000"], "needs a token"),
    ],
)
def test_user_errors_exit_1_and_change_nothing(
    base: Path,
    argv: list[str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("CHANGEKIT_HUB_TOKEN", raising=False)
    before = traces(FORGOTTEN, search_roots(locations_at(base)))
    assert main(["forget", *argv, "--yes", *location_options(base)]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert traces(FORGOTTEN, search_roots(locations_at(base))) == before


def test_a_locked_gradebook_stops_forget_before_anything_is_removed(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = traces(FORGOTTEN, search_roots(locations_at(base)))
    holder = sqlite3.connect(base / "state" / "gradebook.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # e.g. a long grading run writing
    try:
        assert main(["forget", FORGOTTEN, "--yes", *location_options(base)]) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert "cannot be read" in err and "nothing was removed" in err and "Traceback" not in err
    assert traces(FORGOTTEN, search_roots(locations_at(base))) == before

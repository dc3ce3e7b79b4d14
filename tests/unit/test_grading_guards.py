"""The two guards of `changekit grade`, cheaply: what counts as graded, and one run at a time.

No notebook is run: the gradebook is a stand-in holding one submission, and
the folders are written by hand, so each rule is pinned in milliseconds (the
whole grading cycle is tested in tests/grading/test_parallel_grade.py).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc

from changekit.grading import parallel
from changekit.grading.gradebook import CourseSettings
from changekit.grading.parallel import GradingError, is_graded

ASSIGNMENT, STUDENT = "tiny", "t1"
STAMP = "2026-03-02 09:30:00.000000 UTC"
SUBMITTED_AT = 1_780_000_000  # seconds since 1970, for file times


@dataclass(frozen=True)
class Settings(CourseSettings):
    """Course settings whose gradebook is a stand-in (see ``gradebook_with``)."""

    stand_in: object = None

    def gradebook(self) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext(self.stand_in)


def gradebook_with(
    *, auto_score: float | None = 2.0, timestamp: str = STAMP, missing: bool = False
) -> object:
    """A gradebook holding one submission of notebook ``nb`` with one autograded test cell."""
    test = SimpleNamespace(
        cell=SimpleNamespace(name="test_answer"),
        auto_score=auto_score,
        notebook=SimpleNamespace(notebook=SimpleNamespace(solution_cells=[])),
    )
    record = SimpleNamespace(
        assignment=SimpleNamespace(notebooks=[SimpleNamespace(name="nb")]),
        timestamp=parse_utc(timestamp),
        notebooks=[SimpleNamespace(grades=[test])],
    )

    def find_submission(assignment: str, student: str) -> object:
        if missing:
            raise MissingEntry()
        return record

    return SimpleNamespace(find_submission=find_submission)


def settings_for(root: Path, gradebook: object = None) -> Settings:
    return Settings(
        CourseDirectory(root=str(root)), "course", "sqlite://", 30, root / "var", gradebook
    )


def write_submission(folder: Path, when: float) -> None:
    """A submission (or its autograded copy) of notebook ``nb``, its files dated ``when``."""
    folder.mkdir(parents=True)
    for name, text in (("nb.ipynb", "{}"), ("timestamp.txt", STAMP)):
        (folder / name).write_text(text)
        os.utime(folder / name, (when, when))
    os.utime(folder, (when, when))


@pytest.fixture
def graded(tmp_path: Path) -> Settings:
    """A course where trainee t1's submission was autograded 60 s after it was collected."""
    settings = settings_for(tmp_path)
    write_submission(settings.submitted(STUDENT, ASSIGNMENT), SUBMITTED_AT)
    write_submission(settings.autograded(STUDENT, ASSIGNMENT), SUBMITTED_AT + 60)
    return settings


def test_a_submission_graded_after_it_came_in_counts_as_graded(graded: Settings) -> None:
    assert is_graded(graded, gradebook_with(), ASSIGNMENT, STUDENT)


def test_a_notebook_edited_after_grading_is_graded_again(graded: Settings) -> None:
    """A notebook replaced after grading (a resubmission collected again, a file put back by hand)."""
    notebook = graded.submitted(STUDENT, ASSIGNMENT) / "nb.ipynb"
    os.utime(notebook, (SUBMITTED_AT + 120, SUBMITTED_AT + 120))
    assert not is_graded(graded, gradebook_with(), ASSIGNMENT, STUDENT)


@pytest.mark.parametrize(
    ("change", "gradebook"),
    [
        ("nothing", lambda: gradebook_with(missing=True)),
        ("nothing", lambda: gradebook_with(auto_score=None)),
        ("nothing", lambda: gradebook_with(timestamp="2026-03-03 10:00:00.000000 UTC")),
        ("copy removed", gradebook_with),
        ("copy of an older submission", gradebook_with),
    ],
    ids=[
        "not in the gradebook",
        "a test without a score",
        "gradebook holds another submission time",
        "autograded copy missing",
        "autograded copy of an earlier submission",
    ],
)
def test_anything_short_of_a_complete_grading_is_graded_again(
    graded: Settings, change: str, gradebook
) -> None:
    copy = graded.autograded(STUDENT, ASSIGNMENT)
    if change == "copy removed":
        (copy / "nb.ipynb").unlink()
    elif change == "copy of an older submission":
        (copy / "timestamp.txt").write_text("2026-03-01 08:00:00.000000 UTC")
    assert not is_graded(graded, gradebook(), ASSIGNMENT, STUDENT)


def test_a_second_run_on_the_course_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    refused = pytest.raises(GradingError, match="Another `changekit grade` is already running")
    with (
        parallel._exclusive(settings, ASSIGNMENT),
        refused,
        parallel._exclusive(settings, ASSIGNMENT),
    ):
        pass
    with parallel._exclusive(settings, ASSIGNMENT):  # free again once the first run ends
        assert (tmp_path / "autograded" / ".changekit-grade.lock").exists()


def test_grade_assignment_takes_the_lock_before_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, gradebook_with(missing=True))
    write_submission(settings.submitted(STUDENT, ASSIGNMENT), SUBMITTED_AT)
    graded_students: list[list[str]] = []
    monkeypatch.setattr(parallel, "course_settings", lambda root, env: settings)
    monkeypatch.setattr(parallel, "_check_assignment", lambda settings, assignment: None)
    monkeypatch.setattr(
        parallel,
        "_run",
        lambda _settings, _assignment, pending, _outcomes, **_: graded_students.append(pending),
    )
    monkeypatch.setattr(parallel, "_scores", lambda settings, assignment: {})
    with (
        parallel._exclusive(settings, ASSIGNMENT),
        pytest.raises(GradingError, match="already running"),
    ):
        parallel.grade_assignment(ASSIGNMENT, progress=False)
    assert graded_students == [], "nothing may be graded while another run holds the lock"
    parallel.grade_assignment(ASSIGNMENT, progress=False)
    assert graded_students == [[STUDENT]]

"""A course that has been through a real grading cycle, with a local hub's state, for the admin tests.

Two trainees fetch, submit (one the model answer, one the release untouched),
the tutor collects, autogrades, marks a written answer with a comment,
generates and releases feedback, which both fetch; grades are exported. The
hub folder holds the local hub's logins and a real JupyterHub database with
both users in it. Built once per session (about a minute) and only read by
the tests, which work on restored copies.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from jupyterhub import orm

from changekit.admin.locations import Locations, locate
from changekit.grading.export import export
from changekit.grading.moderation import record_formgrader_mark
from changekit.grading.portfolio import write_summaries
from changekit.grading.roster import import_roster
from changekit.hub.accounts import hash_password, write_private
from tests.grading.harness import Course, answer_with_model

ASSIGNMENT = "drivers_and_barriers"
FORGOTTEN = "amara_quist"
KEPT = "ben_hallam"


@dataclass(frozen=True)
class Graded:
    """The graded course's folders (as ``changekit backup`` sees them) and its base folder."""

    base: Path
    locations: Locations

    def options(self) -> list[str]:
        """The command-line options that point the admin commands at this course."""
        return location_options(self.base)


def location_options(base: Path) -> list[str]:
    """--course, --state, --hub-dir and --homes for a course laid out as the harness lays it out."""
    return [
        "--course",
        str(base / "course"),
        "--state",
        str(base / "state"),
        "--hub-dir",
        str(base / "hub"),
        "--homes",
        str(base / "home"),
    ]


def locations_at(base: Path) -> Locations:
    return locate(
        course=base / "course", state=base / "state", hub=base / "hub", homes=base / "home"
    )


def grading_cycle(course: Course) -> None:
    """Release, fetch, submit, collect, autograde, mark by hand, feedback out and back, export."""
    course.release_one(ASSIGNMENT)
    course.tutor("release_assignment", ASSIGNMENT, "--force")
    for name in (FORGOTTEN, KEPT):
        trainee = course.trainee(name)
        fetched = trainee.fetch(ASSIGNMENT)
        if name == FORGOTTEN:
            answer_with_model(fetched, course.root / "source" / ASSIGNMENT)
        trainee.submit(ASSIGNMENT)
    course.tutor("collect", ASSIGNMENT)
    course.tutor("autograde", ASSIGNMENT)
    with course.gradebook() as gradebook:  # what a tutor does in the formgrader
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, FORGOTTEN)
        manual = next(g for g in submission.grades if g.auto_score is None)
        manual.manual_score = manual.max_score
        comment = submission.comments[0]
        comment.manual_comment = "A clear force field; well argued."
        gradebook.db.commit()
        record_formgrader_mark(
            gradebook, manual.id, "tutor"
        )  # and what the grading service records
    course.tutor("generate_feedback", ASSIGNMENT)
    course.tutor("release_feedback", ASSIGNMENT)
    for name in (FORGOTTEN, KEPT):
        assert course.trainee(name).fetch_feedback(ASSIGNMENT), f"no feedback reached {name}"
    export(root=course.root, env=course.env)
    (course.state / "roster.csv").write_text(
        f"username,first_name,last_name\n{FORGOTTEN},Fay,Gone\n{KEPT},Kim,Kept\n"
    )
    import_roster(root=course.root, env=course.env)
    write_summaries(root=course.root, env=course.env)


def local_hub(folder: Path) -> None:
    """The local hub's state: logins, passwords and a JupyterHub database that knows both trainees."""
    names = {"tutor": "tutor", FORGOTTEN: "trainee", KEPT: "trainee"}
    write_private(
        folder / "accounts.json",
        json.dumps(
            {
                name: {"role": role, "hash": hash_password(f"pw-{name}")}
                for name, role in names.items()
            },
            indent=1,
        ),
    )
    write_private(
        folder / "credentials.txt",
        "".join(f"{role:8} {name:10} pw-{name}\n" for name, role in names.items()),
    )
    session = orm.new_session_factory(f"sqlite:///{folder / 'jupyterhub.sqlite'}")()
    try:
        for name in names:
            session.add(orm.User(name=name))
        session.commit()
    finally:
        session.close()
    (folder / "jupyterhub_cookie_secret").write_bytes(b"\x00" * 32)
    (folder / "jupyterhub_cookie_secret").chmod(0o600)


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    base = tmp_path_factory.mktemp("graded")
    course = Course(base)
    grading_cycle(course)
    local_hub(base / "hub")
    return Graded(base, locations_at(base))


@pytest.fixture
def restored_base(tmp_path: Path) -> Path:
    """An empty folder to restore into."""
    folder = tmp_path / "restored"
    folder.mkdir()
    return folder


def copy_of(graded: Graded, tmp_path: Path) -> Path:
    """A plain copy of the graded course's base folder, for tests that change it."""
    target = tmp_path / "copy"
    shutil.copytree(graded.base, target, symlinks=True)
    return target

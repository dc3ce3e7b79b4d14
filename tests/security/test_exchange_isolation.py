"""Production on one server: real system users, so the exchange really isolates trainees.

deploy/production/install.sh installs the course for real (its own Python
environment, system accounts, course folder, exchange, global nbgrader config)
into a scratch prefix; then each step of the cycle runs as the account that
would run it on a server, and each trainee tries what they must not manage.
Needs root (CI runs as root); skipped otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.security.conftest import COURSE, NEEDS_INSTALL, Server

pytestmark = [pytest.mark.security, pytest.mark.xdist_group("security"), NEEDS_INSTALL]

# Not the assignment the production-hub test submits, so each test collects only its own trainees.
ASSIGNMENT = "drivers_and_barriers"


@pytest.fixture(scope="module")
def graded(server: Server) -> Server:
    """install.sh released the course; two trainees fetch and submit; collect, autograde, return feedback."""
    course = server.course
    for trainee in server.trainees[:2]:
        server.nbgrader(trainee, "fetch_assignment", ASSIGNMENT)
        server.nbgrader(trainee, "submit", ASSIGNMENT)
    server.nbgrader(server.grader, "collect", ASSIGNMENT, cwd=course)
    server.nbgrader(server.grader, "autograde", ASSIGNMENT, cwd=course)
    server.nbgrader(server.grader, "generate_feedback", ASSIGNMENT, cwd=course)
    server.nbgrader(server.grader, "release_feedback", ASSIGNMENT, cwd=course)
    return server


def course_folder(server: Server) -> Path:
    return server.exchange / COURSE


def test_submissions_are_collected_under_each_trainees_own_name(graded: Server) -> None:
    collected = sorted(
        p.name for p in (graded.course / "submitted").iterdir() if (p / ASSIGNMENT).exists()
    )
    assert collected == sorted(graded.trainees[:2])


def test_trainee_cannot_list_other_submissions(graded: Server) -> None:
    inbound = course_folder(graded) / "inbound"
    done = graded.python(graded.trainees[1], f"import os; print(os.listdir({str(inbound)!r}))")
    assert done.returncode != 0 and "PermissionError" in done.stderr
    names = os.listdir(inbound)
    assert all(name.count("+") >= 3 for name in names), "submission names must carry a random part"


def test_trainee_cannot_read_another_trainees_work(graded: Server) -> None:
    other = graded.home(graded.trainees[0]) / COURSE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert other.exists()
    done = graded.python(graded.trainees[1], f"open({str(other)!r}).read()")
    assert done.returncode != 0 and "PermissionError" in done.stderr


def test_trainee_cannot_list_feedback(graded: Server) -> None:
    feedback = course_folder(graded) / "feedback"
    assert any(feedback.iterdir()), "feedback was not released"
    done = graded.python(graded.trainees[1], f"import os; print(os.listdir({str(feedback)!r}))")
    assert done.returncode != 0 and "PermissionError" in done.stderr


def test_each_trainee_fetches_only_their_own_feedback(graded: Server) -> None:
    for trainee in graded.trainees[:2]:
        graded.nbgrader(trainee, "fetch_feedback", ASSIGNMENT)
        files = list((graded.home(trainee) / COURSE / ASSIGNMENT / "feedback").rglob("*.html"))
        assert [f.name for f in files] == [f"{ASSIGNMENT}.html"]
        for other in graded.trainees[:2]:
            if other != trainee:
                assert other not in files[0].read_text()


def test_trainee_cannot_collect(graded: Server) -> None:
    done = graded.nbgrader(
        graded.trainees[0], "collect", ASSIGNMENT, cwd=graded.home(graded.trainees[0]), check=False
    )
    assert done.returncode != 0
    assert not (graded.home(graded.trainees[0]) / "submitted").exists()


def test_trainee_cannot_release(graded: Server) -> None:
    outbound = course_folder(graded) / "outbound" / ASSIGNMENT
    done = graded.python(
        graded.trainees[0], f"open({str(outbound / 'planted.ipynb')!r}, 'w').write('x')"
    )
    assert done.returncode != 0 and "PermissionError" in done.stderr
    assert not (outbound / "planted.ipynb").exists()


def test_trainee_cannot_read_the_gradebook_or_course(graded: Server) -> None:
    done = graded.python(graded.trainees[0], f"import os; os.listdir({str(graded.course)!r})")
    assert done.returncode != 0 and "PermissionError" in done.stderr


def test_tutor_can_read_the_course_and_gradebook(graded: Server) -> None:
    done = graded.python(
        graded.tutor, f"import os; print(sorted(os.listdir({str(graded.course)!r})))"
    )
    assert done.returncode == 0 and "submitted" in done.stdout

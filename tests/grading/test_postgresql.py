"""PostgreSQL as the gradebook and as the hub's database, on a real server from Debian's packages.

SQLite stays the embedded default; nbgrader's FAQ advises a database server
when several tutors grade at once. These tests run the course's own settings
(``CHANGEKIT_DB_URL``, ``CHANGEKIT_HUB_DB_URL``) against a throwaway server.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests
import sqlalchemy
from nbgrader.api import Gradebook

from changekit.grading.gradebook import open_gradebook
from changekit.paths import course_root
from tests.grading.harness import COURSE_ID, Course, notebook_path
from tests.hub.conftest import COURSE_PARTS, answers, hub_env, login, pick_port, wait_until
from tests.postgres import Server, postgres_server

pytestmark = pytest.mark.xdist_group("postgresql")

#: An assignment whose model answer is its source notebook alone.
ASSIGNMENT = "national_standards_asthma"
#: Seconds the hub may take to answer its login page on a busy machine.
HUB_READY_SECONDS = 600


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with postgres_server() as running:
        yield running


class PostgresCourse(Course):
    """The harness's throwaway course, with its gradebook in a PostgreSQL database."""

    db_url: str = ""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "CHANGEKIT_DB_URL": self.db_url}

    def gradebook(self) -> Gradebook:
        return open_gradebook(self.db_url, COURSE_ID)


def test_the_whole_grading_cycle_keeps_its_gradebook_in_postgresql(
    server: Server, tmp_path: Path
) -> None:
    course = PostgresCourse(tmp_path)
    course.db_url = server.create_database("gradebook")
    course.tutor("generate_assignment", ASSIGNMENT, "--force")
    course.tutor("release_assignment", ASSIGNMENT, "--force")
    model, untouched = course.trainee("model"), course.trainee("untouched")
    shutil.copy(
        notebook_path(course.root / "source" / ASSIGNMENT), notebook_path(model.fetch(ASSIGNMENT))
    )
    untouched.fetch(ASSIGNMENT)
    for trainee in (model, untouched):
        trainee.submit(ASSIGNMENT)
    course.tutor("collect", ASSIGNMENT)
    course.tutor("autograde", ASSIGNMENT)
    course.tutor("generate_feedback", ASSIGNMENT)

    with course.gradebook() as gradebook:
        top = gradebook.find_assignment(ASSIGNMENT).max_code_score
        scores = {
            name: gradebook.find_submission(ASSIGNMENT, name).code_score
            for name in ("model", "untouched")
        }
    assert top > 0
    assert scores == {"model": pytest.approx(top), "untouched": 0}
    assert not (course.state / "gradebook.db").exists(), (
        "an SQLite gradebook was made beside the PostgreSQL one"
    )
    feedback = course.root / "feedback" / "model" / ASSIGNMENT
    assert list(feedback.glob("*.html")), "no feedback was generated from the PostgreSQL gradebook"


def test_a_second_tutor_sees_the_first_ones_marks(server: Server, tmp_path: Path) -> None:
    """Two graders on one database: a manual mark written by one is read by the other at once."""
    url = server.create_database("shared")
    source = nbformat.read(
        course_root() / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
    )
    manual = next(
        c.metadata.nbgrader["grade_id"]
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.metadata["nbgrader"].get("grade")
    )
    with open_gradebook(url, COURSE_ID) as first:
        first.add_assignment(ASSIGNMENT)
        first.add_student("ana")
        first.add_notebook(ASSIGNMENT, ASSIGNMENT)
        first.add_grade_cell(manual, ASSIGNMENT, ASSIGNMENT, max_score=3, cell_type="markdown")
        first.add_submission(ASSIGNMENT, "ana")
        grade = first.find_grade(manual, ASSIGNMENT, ASSIGNMENT, "ana")
        grade.manual_score = 2
        first.db.commit()
        with open_gradebook(url, COURSE_ID) as second:
            assert second.find_grade(manual, ASSIGNMENT, ASSIGNMENT, "ana").manual_score == 2


def test_the_local_hub_runs_on_a_postgresql_database(server: Server, tmp_path: Path) -> None:
    url = server.create_database("hub")
    root, state = tmp_path / "course", tmp_path / "state"
    root.mkdir()
    for part in (p for p in COURSE_PARTS if p != "source"):
        (shutil.copytree if (course_root() / part).is_dir() else shutil.copy)(
            course_root() / part, root / part
        )
    # One assignment is enough to start the hub on; releasing all nine would only add time.
    shutil.copytree(course_root() / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    port = pick_port()
    env = {**hub_env(root, state, port), "CHANGEKIT_HUB_DB_URL": url}
    changekit = str(Path(sys.executable).parent / "changekit")
    log = tmp_path / "hub.log"
    with log.open("w") as out:
        hub = subprocess.Popen(
            [changekit, "start"],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        login_page = f"http://127.0.0.1:{port}/hub/login"
        wait_until(
            lambda: answers(login_page),
            f"the hub's login page at {login_page}",
            HUB_READY_SECONDS,
            hub,
            log,
        )
        passwords = dict(
            re.findall(r"^\s+\w+\s+(\w+)\s+password: (\S+)$", log.read_text(), re.MULTILINE)
        )
        answer = login(requests.Session(), f"http://127.0.0.1:{port}", "tutor", passwords["tutor"])
        assert answer.status_code == 302, f"the tutor's login was refused ({answer.status_code})"
        with sqlalchemy.create_engine(url).connect() as connection:
            users = {
                row[0] for row in connection.execute(sqlalchemy.text("SELECT name FROM users"))
            }
        assert {"tutor", *passwords} <= users
        assert not (state / "hub" / "jupyterhub.sqlite").exists()
    finally:
        subprocess.run([changekit, "stop"], env=env, cwd=root, capture_output=True, check=False)
        try:
            hub.wait(timeout=120)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()

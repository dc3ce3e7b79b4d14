"""Production on one server: real system users, so the exchange really isolates trainees.

deploy/production/install.sh installs the course for real (its own Python
environment, system accounts, course folder, exchange, global nbgrader config)
into a scratch prefix; then each step of the cycle runs as the account that
would run it on a server, and each trainee tries what they must not manage.
Needs root (CI runs as root); skipped otherwise.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from changekit.paths import course_root

pytestmark = [
    pytest.mark.security,
    pytest.mark.xdist_group("security"),
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd"), reason="needs root and useradd"),
]

ASSIGNMENT = "quantify_a_service_problem"
COURSE = "pich-leadership"
PREFIX = "pichsec"


@dataclass
class Server:
    base: Path
    course: Path
    exchange: Path
    venv_bin: Path
    etc: Path
    grader: str
    tutor: str
    trainees: tuple[str, str]

    def home(self, user: str) -> Path:
        return Path(f"/home/{user}")

    def run_as(self, user: str, *command: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run a command as ``user`` with the server's environment, as their Jupyter server would."""
        env = [
            f"HOME={self.home(user)}",
            f"PATH={self.venv_bin}:/usr/bin:/bin",
            f"JUPYTER_CONFIG_PATH={self.etc}",
            f"JUPYTER_DATA_DIR={self.home(user)}/.local/share/jupyter",
            f"CHANGEKIT_EXCHANGE={self.exchange}",
        ]
        done = subprocess.run(
            ["runuser", "-u", user, "--", "env", *env, *command],
            cwd=cwd or self.home(user), capture_output=True, text=True, check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{user}: {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def nbgrader(self, user: str, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return self.run_as(user, str(self.venv_bin / "nbgrader"), *args, cwd=cwd, check=check)

    def python(self, user: str, code: str) -> subprocess.CompletedProcess:
        return self.run_as(user, str(self.venv_bin / "python"), "-c", code, check=False)


def remove_accounts(names: list[str], groups: list[str]) -> None:
    for name in names:
        subprocess.run(["userdel", "-r", name], capture_output=True, check=False)
    for group in groups:
        subprocess.run(["groupdel", group], capture_output=True, check=False)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    base = Path("/var/tmp") / f"{PREFIX}-{secrets.token_hex(4)}"
    base.mkdir(mode=0o755)
    suffix = secrets.token_hex(2)
    grader, tutor = f"{PREFIX}g{suffix}", f"{PREFIX}tu{suffix}"
    trainees = (f"{PREFIX}a{suffix}", f"{PREFIX}b{suffix}")
    groups = [f"{PREFIX}-tutors-{suffix}", f"{PREFIX}-trainees-{suffix}"]
    env = dict(os.environ,
               PREFIX=str(base / "opt"), COURSE_DIR=str(base / "course"), EXCHANGE=str(base / "exchange"),
               JUPYTER_ETC=str(base / "etc-jupyter"), GRADER=grader, TUTORS=tutor, TRAINEES=" ".join(trainees),
               TUTORS_GROUP=groups[0], TRAINEES_GROUP=groups[1])
    try:
        install = subprocess.run(["bash", str(course_root() / "deploy/production/install.sh")], env=env,
                                 capture_output=True, text=True, check=False)
        assert install.returncode == 0, f"install.sh failed:\n{install.stdout}\n{install.stderr[-3000:]}"
        yield Server(base, base / "course", base / "exchange", base / "opt/venv/bin", base / "etc-jupyter",
                     grader, tutor, trainees)
    finally:
        remove_accounts([grader, tutor, *trainees], groups)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(server: Server) -> Server:
    """Release as the grader; both trainees fetch and submit; collect, autograde, return feedback."""
    course = server.course
    server.nbgrader(server.grader, "generate_assignment", ASSIGNMENT, "--force", cwd=course)
    server.nbgrader(server.grader, "release_assignment", ASSIGNMENT, "--force", cwd=course)
    for trainee in server.trainees:
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
    collected = sorted(p.name for p in (graded.course / "submitted").iterdir())
    assert collected == sorted(graded.trainees)


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
    for trainee in graded.trainees:
        graded.nbgrader(trainee, "fetch_feedback", ASSIGNMENT)
        files = list((graded.home(trainee) / COURSE / ASSIGNMENT / "feedback").rglob("*.html"))
        assert [f.name for f in files] == [f"{ASSIGNMENT}.html"]
        for other in graded.trainees:
            if other != trainee:
                assert other not in files[0].read_text()


def test_trainee_cannot_collect(graded: Server) -> None:
    done = graded.nbgrader(graded.trainees[0], "collect", ASSIGNMENT, cwd=graded.home(graded.trainees[0]), check=False)
    assert done.returncode != 0
    assert not (graded.home(graded.trainees[0]) / "submitted").exists()


def test_trainee_cannot_release(graded: Server) -> None:
    outbound = course_folder(graded) / "outbound" / ASSIGNMENT
    done = graded.python(graded.trainees[0], f"open({str(outbound / 'planted.ipynb')!r}, 'w').write('x')")
    assert done.returncode != 0 and "PermissionError" in done.stderr
    assert not (outbound / "planted.ipynb").exists()


def test_trainee_cannot_read_the_gradebook_or_course(graded: Server) -> None:
    done = graded.python(graded.trainees[0], f"import os; os.listdir({str(graded.course)!r})")
    assert done.returncode != 0 and "PermissionError" in done.stderr


def test_tutor_can_read_the_course_and_gradebook(graded: Server) -> None:
    done = graded.python(graded.tutor, f"import os; print(sorted(os.listdir({str(graded.course)!r})))")
    assert done.returncode == 0 and "submitted" in done.stdout

"""Hostile submissions reach nothing beyond their own sandboxed kernel; tampered ones are explained.

Five trainees submit code that tries to break out of grading, next to two
honest trainees (a model answer and an untouched release):

- ``thief`` reads ``source/`` (the hidden tests), another trainee's submission,
  the grader's tokens from its environment, and a listener on 127.0.0.1 (the
  environment is allow-listed with or without the sandbox; tests/unit/test_sandbox.py
  shows a stock kernel inheriting the token);
- ``vandal`` writes a file into another trainee's submission and sets every
  score in the gradebook to 99 with SQL;
- ``lingerer`` starts ``sleep`` in a session of its own, to outlive grading;
- ``filler`` writes a 100 MB file; ``forker`` starts 300 processes.

The same batch is graded three ways: by ``changekit grade --jobs 2`` and by
stock ``nbgrader autograde`` under the course's ``nbgrader_config.py`` (both
sandboxed: every attack fails, the honest trainees keep exactly their scores),
and by stock ``nbgrader autograde`` with ``CHANGEKIT_UNSANDBOXED_GRADING=1``,
where every attack must succeed, so that these tests can fail.

The ``changekit grade`` batch also holds tampered submissions (a duplicated
answer cell, an edited test, a cell that ignores interrupts, a renamed and a
missing notebook), whose outcomes must say what happened in plain words.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest

from changekit.course import tool_env
from changekit.grading import synthetic
from changekit.grading.gradebook import course_settings, snapshot
from changekit.grading.parallel import FAILED, GRADED, Report, grade_assignment
from changekit.grading.sandbox import ROOT_UID_BASE, UNSANDBOXED_SETTING
from tests.grading.tiny_course import ASSIGNMENT, WHEN, env_for, make_course

pytestmark = [pytest.mark.lifecycle, pytest.mark.xdist_group("hostile")]

CELL_TIMEOUT = "20"
FAKE_TOKEN = "fake-hub-token-4f1c9e"
HONEST = ("model", "untouched")
HOSTILE = ("thief", "vandal", "lingerer", "filler", "forker")
#: A distinct ``sleep`` duration per grading run, so that a leftover process can be found by its command line.
LINGER = {"changekit": "7001.1", "stock": "7001.2", "unsandboxed": "7001.3"}

PRELUDE = """x = 6 * 7
import os, socket, sqlite3, subprocess


def attempt(name, action):
    try:
        result = action()
    except Exception as error:
        print(f"BLOCKED {name}: {type(error).__name__}: {error}")
    else:
        print(f"BREACH {name}: {result!r}"[:200])
"""


def hostile_code(student: str, root: Path, state: Path, port: int, label: str) -> str:
    """The answer cell of one hostile trainee, aimed at the course in ``root`` (paths a trainee could guess)."""
    other = root / "submitted" / "model" / ASSIGNMENT
    attacks = {
        "thief": f'''
attempt("source", lambda: open({str(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")!r}).read().count("HIDDEN"))
attempt("other-read", lambda: len(open({str(other / f"{ASSIGNMENT}.ipynb")!r}).read()))
def tokens():
    found = sorted(k for k in os.environ if k.startswith(("JUPYTERHUB_", "CHANGEKIT_")))
    assert found, "no grader settings in the environment"
    return found
attempt("environment", tokens)
attempt("network", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=5).sendall(b"{label}"))
''',
        "vandal": f"""
attempt("other-write", lambda: open({str(other / "planted.txt")!r}, "w").write("planted"))
def rewrite_grades():
    db = sqlite3.connect("file:{state / "gradebook.db"}?mode=rw", uri=True, timeout=60)
    changed = db.execute("UPDATE grade SET manual_score = 99").rowcount
    db.commit()
    return changed
attempt("gradebook", rewrite_grades)
""",
        "lingerer": f'''
print("STARTED", subprocess.Popen(["sleep", "{LINGER[label]}"], start_new_session=True).pid)
''',
        "filler": f"""
fd, written = os.open("filler.bin", os.O_WRONLY | os.O_CREAT), 0
try:
    for _ in range(100):
        written += os.write(fd, bytes(2**20))
except OSError as error:
    print("DISK refused:", error)
os.close(fd)
print("DISK wrote", written // 2**20, "MB")
import glob
for run in glob.glob({str(Path(tempfile.gettempdir()) / "changekit-kernel-*" / "run")!r}):
    attempt("socket-folder", lambda: open(run + "/planted", "w").write("x"))
""",
        "forker": """
children = []
try:
    for _ in range(300):
        children.append(subprocess.Popen(["sleep", "60"]))
except OSError as error:
    print("FORK refused:", error)
print("FORK started", len(children))
for child in children:
    child.kill()
    child.wait()
""",
    }
    return PRELUDE + attacks[student]


TAMPERED = ("deaf", "duplicate", "edited_test", "renamed", "missing")
DEAF_CODE = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)\n"


def submit(base: Path, port: int, label: str, *, tampered: bool) -> None:
    """Place the honest and hostile submissions (and, with ``tampered``, the tampered ones) in the course."""
    root, state = base / "course", base / "state"
    source = nbformat.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    release = nbformat.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    model = synthetic.submission(source, release)
    notebooks = {"model": model, "untouched": release}
    for student in HOSTILE:
        code = hostile_code(student, root, state, port, label)
        notebooks[student] = synthetic.submission(source, release, replace={"answer": code})
    if tampered:
        duplicate, edited = nbformat.from_dict(model), nbformat.from_dict(model)
        duplicate.cells.insert(2, nbformat.from_dict(model.cells[1]))
        edited.cells[4].source = "assert True"
        notebooks |= {
            "deaf": synthetic.submission(source, release, replace={"second": DEAF_CODE}),
            "duplicate": duplicate,
            "edited_test": edited,
            "renamed": model,
            "missing": model,
        }
    for student, notebook in notebooks.items():
        synthetic.place_submission(root, ASSIGNMENT, student, notebook, when=WHEN)
    if tampered:
        folder = root / "submitted"
        (folder / "renamed" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").rename(
            folder / "renamed" / ASSIGNMENT / f"{ASSIGNMENT} (1).ipynb"
        )
        (folder / "missing" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").unlink()


class Listener:
    """A TCP listener on 127.0.0.1 that records what each connection sends."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(10)
                try:
                    self.received.append(connection.recv(100))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        self.server.close()
        self._thread.join(timeout=30)


def lingering(label: str) -> list[psutil.Process]:
    """Processes left running by the ``lingerer`` of one grading run."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if process.info["cmdline"] == ["sleep", LINGER[label]]:
            found.append(process)
    return found


def sandbox_processes() -> list[psutil.Process]:
    """Processes running under a sandbox user id (only given when the grader is root)."""
    return [
        p
        for p in psutil.process_iter(["uids"])
        if p.info["uids"] and p.info["uids"].real >= ROOT_UID_BASE
    ]


@dataclass
class Run:
    """One grading of the batch: where, the environment, and what it left behind."""

    label: str
    base: Path
    env: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)
    state: dict = field(default_factory=dict)
    leftovers: list[int] = field(default_factory=list)
    report: Report | None = None
    log: str = ""

    @property
    def root(self) -> Path:
        return self.base / "course"

    def collect(self) -> None:
        """Read what grading left: each notebook's printed output, the gradebook, stray processes."""
        for student in (*HONEST, *HOSTILE):
            path = self.root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            notebook = nbformat.read(path, as_version=4)
            self.outputs[student] = "".join(
                output.get("text", "")
                for cell in notebook.cells
                for output in cell.get("outputs", [])
            )
        (self.root / "autograded" / "filler" / ASSIGNMENT / "filler.bin").unlink(missing_ok=True)
        with course_settings(self.root, self.env).gradebook() as gradebook:
            self.state = snapshot(gradebook, ASSIGNMENT)
        self.leftovers = [p.pid for p in lingering(self.label)]


@dataclass
class Graded:
    changekit: Run
    stock: Run
    unsandboxed: Run
    listener: Listener
    strays: list[int]


def stock_autograde(run: Run) -> None:
    """Stock ``nbgrader autograde``, its output to a file: a process left behind may hold a pipe open for ever."""
    log = run.base / "autograde.log"
    with open(log, "w", encoding="utf-8") as out:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT],
            cwd=run.root,
            env=tool_env(run.env),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    run.log = log.read_text(encoding="utf-8")
    assert done.returncode == 0, run.log


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graded]:
    listener = Listener()
    template = tmp_path_factory.mktemp("hostile-template")
    make_course(template, None)
    runs = {}
    for label in LINGER:
        base = tmp_path_factory.mktemp(f"hostile-{label}")
        make_course(base, template)
        env = {**env_for(base, CELL_TIMEOUT), "JUPYTERHUB_API_TOKEN": FAKE_TOKEN}
        if label == "unsandboxed":
            env[UNSANDBOXED_SETTING] = "1"
        runs[label] = Run(label, base, env)
        submit(base, listener.port, label, tampered=label == "changekit")
    try:
        with ThreadPoolExecutor(1) as background:
            stock = background.submit(stock_autograde, runs["stock"])
            ours = runs["changekit"]
            ours.report = grade_assignment(
                ASSIGNMENT, root=ours.root, env=ours.env, jobs=2, progress=False
            )
            stock.result()
        strays = [p.pid for p in sandbox_processes()]
        stock_autograde(runs["unsandboxed"])
        for run in runs.values():
            run.collect()
        yield Graded(runs["changekit"], runs["stock"], runs["unsandboxed"], listener, strays)
    finally:
        listener.close()
        for label in LINGER:
            for process in lingering(label):
                process.kill()


SANDBOXED = ("changekit", "stock")
ATTACKS = {  # what each hostile trainee prints when an attack works
    "thief": ("BREACH source", "BREACH other-read", "BREACH environment", "BREACH network"),
    "vandal": ("BREACH other-write", "BREACH gradebook"),
}
#: The environment allow-list holds without the sandbox too: its failure is shown in tests/unit/test_sandbox.py.
ALWAYS_BLOCKED = ("BREACH environment",)


@pytest.mark.parametrize("student", ATTACKS)
def test_every_attack_works_without_the_sandbox(graded: Graded, student: str) -> None:
    printed = graded.unsandboxed.outputs[student]
    assert all(breach in printed for breach in ATTACKS[student] if breach not in ALWAYS_BLOCKED), (
        printed
    )
    assert "BLOCKED environment" in printed or student != "thief", printed


@pytest.mark.parametrize("label", SANDBOXED)
@pytest.mark.parametrize("student", ATTACKS)
def test_every_attack_fails_in_the_sandbox(graded: Graded, label: str, student: str) -> None:
    printed = getattr(graded, label).outputs[student]
    assert "BREACH" not in printed, printed
    assert printed.count("BLOCKED") == len(ATTACKS[student]), (
        f"the attacks did not all run: {printed}"
    )


def test_the_hidden_tests_and_the_token_stay_out_of_the_output(graded: Graded) -> None:
    for label in SANDBOXED:
        printed = getattr(graded, label).outputs["thief"]
        assert FAKE_TOKEN not in printed and "CHANGEKIT_" not in printed and "HIDDEN" not in printed


def test_no_connection_reaches_the_host_from_the_sandbox(graded: Graded) -> None:
    assert graded.listener.received == [b"unsandboxed"], "only the unsandboxed run may connect"


def grades(run: Run, student: str) -> dict:
    return {key: value for key, value in run.state.items() if key[0] == student}


def test_honest_trainees_keep_exactly_their_scores(graded: Graded) -> None:
    for label in SANDBOXED:
        state = getattr(graded, label).state
        assert state[("model", ASSIGNMENT, "grade", "test_answer")][:2] == (2.0, None), label
        assert state[("model", ASSIGNMENT, "grade", "test_second")][:2] == (1.0, None), label
        assert state[("untouched", ASSIGNMENT, "grade", "test_answer")][:2] == (0.0, None), label
    for student in HONEST:
        assert grades(graded.changekit, student) == grades(graded.stock, student), student


def test_the_gradebook_is_rewritten_without_the_sandbox(graded: Graded) -> None:
    manual = {value[1] for key, value in graded.unsandboxed.state.items() if key[2:3] == ("grade",)}
    assert 99 in manual, "the vandal's UPDATE should have reached the unsandboxed gradebook"
    for label in SANDBOXED:
        state = getattr(graded, label).state
        assert all(value[1] != 99 for key, value in state.items() if key[2:3] == ("grade",)), label


def test_no_file_is_planted_in_another_submission(graded: Graded) -> None:
    planted = "submitted/model/" + ASSIGNMENT + "/planted.txt"
    assert (graded.unsandboxed.root / planted).exists()
    assert (
        not (graded.changekit.root / planted).exists()
        and not (graded.stock.root / planted).exists()
    )


def test_no_process_outlives_grading(graded: Graded) -> None:
    assert graded.unsandboxed.leftovers, "without the sandbox the lingering sleep should survive"
    for label in SANDBOXED:
        run = getattr(graded, label)
        assert "STARTED" in run.outputs["lingerer"], "the lingerer did not run"
        assert run.leftovers == [], f"{label}: processes left behind: {run.leftovers}"
    assert graded.strays == [], "processes of a sandbox user were still running after grading"


def disk_written(printed: str) -> int:
    return int(printed.split("DISK wrote")[1].split()[0])


def forked(printed: str) -> int:
    return int(printed.split("FORK started")[1].split()[0])


def test_file_size_is_limited(graded: Graded) -> None:
    assert disk_written(graded.unsandboxed.outputs["filler"]) == 100
    for label in SANDBOXED:
        printed = getattr(graded, label).outputs["filler"]
        assert disk_written(printed) < 100 and "File too large" in printed, printed


@pytest.mark.skipif(
    os.geteuid() != 0, reason="only a root grader can close the socket folder (README: limits)"
)
def test_the_socket_folder_is_closed_once_the_kernel_runs(graded: Graded) -> None:
    for label in SANDBOXED:
        printed = getattr(graded, label).outputs["filler"]
        assert "BLOCKED socket-folder" in printed and "BREACH" not in printed, printed


def test_processes_are_limited(graded: Graded) -> None:
    assert forked(graded.unsandboxed.outputs["forker"]) == 300
    for label in SANDBOXED:
        printed = getattr(graded, label).outputs["forker"]
        assert forked(printed) < 300 and "FORK refused" in printed, printed


def outcome(graded: Graded, student: str):
    return next(o for o in graded.changekit.report.outcomes if o.student == student)


@pytest.mark.parametrize(
    ("student", "status", "words"),
    [
        ("deaf", FAILED, "ignored the request to stop"),
        (
            "duplicate",
            FAILED,
            "graded cells were altered: the cell 'answer' appears more than once",
        ),
        ("edited_test", GRADED, "graded cells were altered (test_second)"),
        ("renamed", FAILED, f"the notebook was renamed ('{ASSIGNMENT} (1).ipynb'"),
        ("missing", FAILED, "the submission holds no notebook"),
    ],
)
def test_tampered_submissions_are_explained(
    graded: Graded, student: str, status: str, words: str
) -> None:
    result = outcome(graded, student)
    said = result.reason or result.notes
    assert result.status == status and words in said, result
    assert "Error" not in said and "grade_id" not in said, said


def test_the_edited_test_is_put_back_and_scores_as_the_model(graded: Graded) -> None:
    assert (
        graded.changekit.report.scores["edited_test"][0]
        == graded.changekit.report.scores["model"][0]
        == 3.0
    )


def test_unsandboxed_grading_says_so_loudly(graded: Graded) -> None:
    assert "WITHOUT the sandbox" in graded.unsandboxed.log
    assert "WITHOUT the sandbox" not in graded.stock.log and graded.changekit.report.warning == ""


def test_hostile_trainees_are_still_graded(graded: Graded) -> None:
    for student in HOSTILE:
        assert outcome(graded, student).status == GRADED, outcome(graded, student)
    assert os.path.exists(graded.stock.root / "autograded" / "thief" / ASSIGNMENT)

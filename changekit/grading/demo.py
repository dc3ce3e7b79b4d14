"""``make demo``: a made-up cohort taken through the whole grading cycle, for the tutor dashboard.

About 30 synthetic trainees work on "quantify a service problem": some get
everything right, some stop part-way, some get tasks wrong, some hand in late,
and a few hand in something broken (a file that is no longer a notebook, code
that kills the kernel, a loop that never ends). Everything goes through the
real filesystem exchange, in a state folder of its own (``var/demo``), so the
tutor's real gradebook and submissions are never touched:

release -> each trainee fetches and submits (``--student``, own home folder)
-> collect -> ``changekit grade`` -> a tutor marks a few written answers ->
generate and release feedback -> one trainee fetches it.
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from changekit.course import generate_release, nbgrader
from changekit.errors import ChangekitError
from changekit.grading import synthetic
from changekit.grading.gradebook import CourseSettings, course_settings
from changekit.grading.parallel import Report, grade_assignment
from changekit.paths import course_root
from changekit.settings import current

ASSIGNMENT = "quantify_a_service_problem"
#: How the cohort is made up, in order (scaled to the cohort size asked for).
PROFILES = (
    ("right",) * 8
    + ("partly right",) * 10
    + ("wrong",) * 5
    + ("late",) * 4
    + ("not valid JSON", "crashes the kernel", "runaway loop")
)
#: The same cohort without the broken submissions (for timing grading itself).
VALID_PROFILES = tuple(p for p in PROFILES if p in {"right", "partly right", "wrong", "late"})
#: Seconds a cell may run when the demo grades (the runaway loop waits this long).
CELL_TIMEOUT = "15"
#: Left in the state folder so that the demo only ever wipes its own folder.
MARKER = ".changekit-demo"
SEED = 2026


class DemoError(ChangekitError, RuntimeError):
    """The demo cannot run; the message says why and what to do."""


@dataclass(frozen=True)
class Trainee:
    """One synthetic trainee and what they will hand in."""

    name: str
    profile: str
    notebook: NotebookNode

    @property
    def late(self) -> bool:
        return self.profile == "late"


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put things, and how grading went."""

    state_dir: Path
    course: Path
    trainees: list[Trainee]
    report: Report
    feedback: list[Path]

    @property
    def dashboard_command(self) -> str:
        """The command that opens the tutor dashboard on the demo's gradebook."""
        jupyter = Path(sys.executable).parent / "jupyter"
        notebook = course_root() / "notebooks" / "tutor_dashboard.ipynb"
        return f"CHANGEKIT_STATE_DIR={self.state_dir} {jupyter} lab {notebook}"


def plan_cohort(
    source: NotebookNode,
    release: NotebookNode,
    size: int = 30,
    seed: int = SEED,
    profiles: tuple[str, ...] = PROFILES,
) -> list[Trainee]:
    """The cohort, the same every time for a given size and seed, in the proportions of ``profiles``."""
    rng = random.Random(seed)
    tasks = synthetic.code_tasks(release)
    trainees = []
    for number in range(size):
        profile = profiles[number * len(profiles) // size]
        trainees.append(
            Trainee(
                f"trainee{number + 1:02d}", profile, _answers(profile, source, release, tasks, rng)
            )
        )
    return trainees


def _answers(
    profile: str, source: NotebookNode, release: NotebookNode, tasks: list[str], rng: random.Random
) -> NotebookNode:
    """The notebook a trainee of this profile hands in."""
    middle = tasks[len(tasks) // 2]
    if profile == "partly right" or (profile == "late" and rng.random() < 0.5):
        done = rng.randint(2, len(tasks) - 1)
        return synthetic.submission(
            source, release, right=set(tasks[:done]), written=rng.random() < 0.5
        )
    if profile == "wrong":
        return synthetic.submission(source, release, wrong=set(rng.sample(tasks[1:], 2)))
    if profile == "crashes the kernel":
        return synthetic.submission(source, release, replace={middle: synthetic.CRASH_CODE})
    if profile == "runaway loop":
        return synthetic.submission(source, release, replace={middle: synthetic.RUNAWAY_CODE})
    return synthetic.submission(source, release)  # right, late and right, or about to be broken


def prepare(state_dir: Path) -> Path:
    """Empty the demo's state folder (only if the demo made it) and copy the course into it."""
    state_dir = state_dir.resolve()
    if state_dir.exists() and any(state_dir.iterdir()) and not (state_dir / MARKER).exists():
        raise DemoError(
            f"{state_dir} holds files the demo did not make, so it will not touch them. "
            "Choose an empty folder with --state-dir."
        )
    shutil.rmtree(state_dir, ignore_errors=True)
    course = state_dir / "course"
    (course / "source").mkdir(parents=True)
    (state_dir / MARKER).write_text("Made by `changekit demo`; deleted and remade on every run.\n")
    shutil.copy(course_root() / "nbgrader_config.py", course)
    shutil.copytree(course_root() / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    return course


class Exchange:
    """The demo course's tutor and trainees, each running real nbgrader commands."""

    def __init__(self, state_dir: Path, course: Path) -> None:
        self.state_dir, self.course = state_dir, course
        self.course_id = current().course_id
        self.env = {
            "CHANGEKIT_STATE_DIR": str(state_dir),
            "CHANGEKIT_SHARED_ACCOUNT": "1",
            "CHANGEKIT_CELL_TIMEOUT": CELL_TIMEOUT,
            "JUPYTER_DATA_DIR": str(state_dir / "tutor-jupyter"),
        }

    def tutor(self, *args: str) -> str:
        return nbgrader(*args, cwd=self.course, env=self.env)

    def home(self, name: str) -> Path:
        """A trainee's home folder, with the exchange config their hub server would have."""
        home = self.state_dir / "home" / name
        if not home.exists():
            home.mkdir(parents=True)
            (home / "nbgrader_config.py").write_text(
                "c = get_config()\n"
                f"c.CourseDirectory.course_id = {self.course_id!r}\n"
                f"c.Exchange.root = {str(self.state_dir / 'exchange')!r}\n"
                "c.Exchange.path_includes_course = True\n"
            )
        return home

    def as_trainee(self, name: str, *args: str) -> str:
        home = self.home(name)
        env = {"JUPYTER_DATA_DIR": str(home / ".jupyter-data")}
        return nbgrader(*args, f"--course={self.course_id}", f"--student={name}", cwd=home, env=env)

    def hand_in(self, trainee: Trainee) -> None:
        """Fetch the assignment, write the trainee's answers into it, submit it."""
        self.as_trainee(trainee.name, "fetch_assignment", ASSIGNMENT)
        notebook = self.home(trainee.name) / self.course_id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        nbformat.write(trainee.notebook, notebook)
        if trainee.profile == "not valid JSON":
            synthetic.write_broken(notebook)
        self.as_trainee(trainee.name, "submit", ASSIGNMENT)


def set_due_date(settings: CourseSettings, when: datetime) -> None:
    """Give the assignment a due date in the gradebook (stored as UTC without a zone, as nbgrader does)."""
    with settings.gradebook() as gradebook:
        gradebook.update_or_create_assignment(
            ASSIGNMENT, duedate=when.astimezone(UTC).replace(tzinfo=None)
        )


def mark_some_written_answers(settings: CourseSettings, students: list[str]) -> None:
    """Play the tutor who has marked a few written answers in the formgrader already."""
    with settings.gradebook() as gradebook:
        for position, student in enumerate(students):
            for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks:
                written = {cell.name for cell in notebook.notebook.solution_cells}
                for grade in notebook.grades:
                    if grade.cell.name in written and grade.needs_manual_grade:
                        grade.manual_score = grade.max_score - position % 2
                        grade.needs_manual_grade = False
        gradebook.db.commit()


def run_demo(
    state_dir: Path, *, size: int = 30, jobs: int | None = None, say: Callable[[str], None] = print
) -> DemoResult:
    """Run the whole cycle for a synthetic cohort in ``state_dir``; return where things are."""
    course = prepare(Path(state_dir))
    exchange = Exchange(Path(state_dir).resolve(), course)
    say(f"Demo course in {course}; gradebook and exchange in {exchange.state_dir}")
    say(f"Releasing {ASSIGNMENT} ...")
    generate_release(course, exchange.env, ids=[ASSIGNMENT])
    exchange.tutor("release_assignment", ASSIGNMENT, "--force")
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    trainees = plan_cohort(source, release, size)
    settings = course_settings(course, exchange.env)
    with ThreadPoolExecutor(max_workers=jobs or 2) as pool:
        say(
            f"{sum(not t.late for t in trainees)} trainees fetch and submit before the due date ..."
        )
        list(pool.map(exchange.hand_in, [t for t in trainees if not t.late]))
        set_due_date(settings, datetime.now(UTC))
        say(f"Due date passed; {sum(t.late for t in trainees)} trainees submit late ...")
        list(pool.map(exchange.hand_in, [t for t in trainees if t.late]))
    say("Collecting ...")
    exchange.tutor("collect", ASSIGNMENT)
    report = grade_assignment(ASSIGNMENT, root=course, env=exchange.env, jobs=jobs)
    say(report.table())
    marked = [t.name for t in trainees if t.profile == "right"][:4]
    mark_some_written_answers(settings, marked)
    say(f"A tutor has marked the written answers of {', '.join(marked)}. Feedback ...")
    exchange.tutor("generate_feedback", ASSIGNMENT)
    exchange.tutor("release_feedback", ASSIGNMENT)
    first = trainees[0].name
    exchange.as_trainee(first, "fetch_feedback", ASSIGNMENT)
    feedback = sorted(
        (exchange.home(first) / exchange.course_id / ASSIGNMENT / "feedback").rglob("*.html")
    )
    return DemoResult(exchange.state_dir, course, trainees, report, feedback)

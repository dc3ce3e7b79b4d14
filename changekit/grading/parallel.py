"""Autograde a whole cohort in parallel, with nbgrader's own grades and nothing graded twice.

``grade_assignment`` finds every collected submission of an assignment, skips
those already graded, and shares the rest among ``jobs`` long-lived worker
processes (``changekit.grading.pool``, running ``changekit.grading.worker``),
each of which grades one submission at a time with nbgrader's ``Autograde``.
Unless told, ``jobs`` is sized from the CPUs and memory this process is
allowed (``changekit.grading.pool.job_count``), and the report says why. A
submission that hangs, crashes its kernel, floods its output or is not a
notebook at all fails on its own, with a reason; the others carry on.
Interrupted and run again, it carries on where it stopped. The report and the
course's grading lock (one run at a time) are here.

A submission counts as graded when its ``autograded/`` copy was made from the
current submission (same ``timestamp.txt``, written after it) and the
gradebook holds that submission's timestamp and a score for every test cell.
"""

from __future__ import annotations

import csv
import fcntl
import glob
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc
from tqdm import tqdm

from changekit.course import tool_env
from changekit.errors import ChangekitError
from changekit.grading.gradebook import (
    CourseSettings,
    course_settings,
    is_manual,
    late_text,
)
from changekit.grading.pool import STAGING, Pool, Worker, chosen_jobs
from changekit.grading.sandbox import UNSANDBOXED_WARNING, SandboxUnavailable, require_sandbox

GRADED, ALREADY_GRADED, FAILED = "graded", "already graded", "failed"

#: How often a submission is retried when the gradebook stays busy.
BUSY_RETRIES = 3


#: Told of each submission as it is graded: its outcome, how many are done, how many in all.
OnResult = Callable[["Outcome", int, int], None]


class GradingError(ChangekitError, RuntimeError):
    """Grading cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one trainee's submission in this run."""

    student: str
    status: str
    seconds: float = 0.0
    reason: str = ""
    notes: str = ""


@dataclass
class Report:
    """The result of one ``grade_assignment`` run."""

    assignment: str
    outcomes: list[Outcome]
    wall_seconds: float
    log_dir: Path
    interrupted: bool = False
    scores: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    warning: str = ""
    jobs_reason: str = ""
    """How many submissions were graded at once, and why (``changekit.grading.pool.job_count``)."""

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == FAILED]

    def rows(self) -> list[dict[str, str]]:
        """One row per submission: trainee, status, score, late, seconds, reason or note."""
        rows = []
        for outcome in sorted(self.outcomes, key=lambda o: o.student):
            score, top, late = self.scores.get(outcome.student, (None, None, 0))
            rows.append(
                {
                    "trainee": outcome.student,
                    "status": outcome.status,
                    "autograded score": ""
                    if score is None or outcome.status == FAILED
                    else f"{score:g}/{top:g}",
                    "late": f"{late_text(late)} late" if late else "",
                    "seconds": f"{outcome.seconds:.1f}" if outcome.seconds else "",
                    "reason or note": outcome.reason or outcome.notes,
                }
            )
        return rows

    def table(self, *, all_rows: bool = False) -> str:
        """A plain-text summary: totals, then the submissions that need a look (or every one)."""
        rows = [
            r
            for r in self.rows()
            if all_rows or r["status"] == FAILED or r["reason or note"] or r["late"]
        ]
        lines = [
            *([self.warning, ""] if self.warning else []),
            f"{self.assignment}: {self.count(GRADED)} graded now, {self.count(ALREADY_GRADED)} already "
            f"graded, {self.count(FAILED)} failed, in {self.wall_seconds:.0f} s"
            + (
                " (stopped early: run the same command again to carry on)"
                if self.interrupted
                else ""
            ),
            *([self.jobs_reason] if self.jobs_reason else []),
        ]
        if rows:
            lines += ["", *_format_table(rows)]
        lines += ["", f"Every submission, with times: {self.log_dir / 'summary.csv'}"]
        return "\n".join(lines)


def _format_table(rows: list[dict[str, str]]) -> list[str]:
    """Rows of dicts as aligned text columns (the reason column last, unpadded)."""
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns[:-1]}

    def line(values: dict[str, str]) -> str:
        return "  ".join(
            [*(values[c].ljust(widths[c]) for c in columns[:-1]), values[columns[-1]]]
        ).rstrip()

    return [line({c: c for c in columns}), *(line(r) for r in rows)]


def submitted_students(settings: CourseSettings, assignment: str) -> list[str]:
    """Trainees with a collected submission of ``assignment``, sorted."""
    placeholder = "\x00"  # cannot occur in a path, so only the student's part becomes a wildcard
    folders = glob.glob(
        glob.escape(str(settings.submitted(placeholder, assignment))).replace(placeholder, "*")
    )
    return sorted(Path(folder).parent.name for folder in folders if Path(folder).is_dir())


def is_graded(
    settings: CourseSettings, gradebook: Gradebook, assignment: str, student: str
) -> bool:
    """Whether this trainee's current submission has been autograded completely (see module doc)."""
    submitted = settings.submitted(student, assignment)
    autograded = settings.autograded(student, assignment)
    stamp = submitted / "timestamp.txt"
    try:
        record = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return False
    names = [
        f"{nb.name}.ipynb"
        for nb in record.assignment.notebooks
        if (submitted / f"{nb.name}.ipynb").exists()
    ]
    copies = [autograded / name for name in names]
    if not copies or not all(copy.is_file() for copy in copies):
        return False
    if stamp.exists():
        same = (autograded / "timestamp.txt").is_file() and (
            autograded / "timestamp.txt"
        ).read_text() == stamp.read_text()
        if not same or record.timestamp != parse_utc(stamp.read_text().strip()):
            return False
    submitted_at = max(path.stat().st_mtime for path in [*submitted.glob("*.ipynb"), submitted])
    if min(copy.stat().st_mtime for copy in copies) < submitted_at:
        return False
    return all(
        grade.auto_score is not None
        for nb in record.notebooks
        for grade in nb.grades
        if not is_manual(grade)
    )


@contextmanager
def _exclusive(settings: CourseSettings, assignment: str) -> Iterator[None]:
    """Hold the course's grading lock, or explain that another run holds it."""
    folder = Path(settings.coursedir.root) / settings.coursedir.autograded_directory
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".changekit-grade.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GradingError(
                "Another `changekit grade` is already running on this course. Wait for it to "
                "finish (or stop it), then run this command again."
            ) from None
        shutil.rmtree(folder / STAGING, ignore_errors=True)  # left by a run that was killed
        try:
            yield
        finally:
            shutil.rmtree(folder / STAGING, ignore_errors=True)


def submission_deadline(settings: CourseSettings, assignment: str) -> float | None:
    """Seconds one submission may take in all: every code cell at its timeout, plus start-up."""
    if settings.cell_timeout <= 0:
        return None
    notebooks = sorted((settings.root / "source" / assignment).glob("*.ipynb"))
    cells = sum(
        cell.get("cell_type") == "code"
        for path in notebooks
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    )
    return (cells + 5) * settings.cell_timeout + 120.0


def _check_assignment(settings: CourseSettings, assignment: str) -> None:
    """Refuse, in plain words, an assignment the gradebook does not know."""
    if not settings.has_gradebook:
        raise GradingError(
            f"There is no gradebook yet ({settings.db_url}). Generate the assignment "
            f"first (`changekit release`, or nbgrader generate_assignment {assignment})."
        )
    with settings.gradebook() as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(a.name for a in gradebook.assignments) or "none yet"
            raise GradingError(
                f"The gradebook ({settings.db_url}) has no assignment called '{assignment}' "
                f"(it has: {known}). Check the spelling, or run `changekit release` (nbgrader "
                "generate_assignment) for it first."
            ) from None


def _sandbox_warning(env: dict[str, str] | None) -> str:
    """Empty when grading will run in the sandbox; the warning when told to grade without it.

    Refuses (``GradingError``, saying how to install bubblewrap) when the
    sandbox is required and cannot start, before any submission is touched.
    """
    try:
        return "" if require_sandbox(tool_env(env)) else UNSANDBOXED_WARNING
    except SandboxUnavailable as error:
        raise GradingError(str(error)) from None


def _grade_one(pool: Pool, student: str, deadline: float | None) -> Outcome:
    """Grade one submission on this thread's worker, retrying while the gradebook is busy."""
    for _ in range(BUSY_RETRIES):
        reply = pool.worker().grade(student, deadline)
        if not reply.get("retry"):
            break
    status = GRADED if reply["ok"] else FAILED
    return Outcome(
        student, status, reply.get("seconds", 0.0), reply.get("reason", ""), reply.get("notes", "")
    )


def _scores(settings: CourseSettings, assignment: str) -> dict[str, tuple[float, float, float]]:
    """Autograded score, its maximum and seconds late, per trainee, from the gradebook."""
    with settings.gradebook() as gradebook:
        return {
            s.student_id: (s.code_score, s.max_code_score, s.total_seconds_late)
            for s in gradebook.assignment_submissions(assignment)
        }


def _write_summary(report: Report) -> None:
    rows = report.rows()
    with open(report.log_dir / "summary.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["trainee"])
        writer.writeheader()
        writer.writerows(rows)


def grade_assignment(
    assignment: str,
    *,
    root: Path | None = None,
    env: dict[str, str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    max_output_mb: float = 10,
    submission_timeout: float | None = None,
    progress: bool = True,
    on_result: OnResult | None = None,
) -> Report:
    """Autograde every collected submission of ``assignment`` not yet graded; return a report.

    ``jobs`` worker processes grade in parallel (default: as many as the CPUs
    and memory this process is allowed, ``changekit.grading.pool.job_count``); with
    ``force`` every submission is graded again. ``env`` overrides environment
    variables for this course (e.g. its ``CHANGEKIT_STATE_DIR``). ``on_result``
    is called (in the calling thread) with each submission's outcome as it
    finishes, how many have finished and how many are being graded.
    """
    settings = course_settings(root, env)
    warning = _sandbox_warning(env)
    _check_assignment(settings, assignment)
    students = submitted_students(settings, assignment)
    if not students:
        raise GradingError(
            f"No collected submissions of '{assignment}' in {settings.submitted('*', assignment).parent.parent}. "
            f"Collect them first: nbgrader collect {assignment}"
        )
    with settings.gradebook() as gradebook:
        done = (
            set()
            if force
            else {s for s in students if is_graded(settings, gradebook, assignment, s)}
        )
    pending = [s for s in students if s not in done]
    log_dir = settings.state / "grading" / f"{assignment}-{datetime.now():%Y%m%d-%H%M%S}"
    log_dir.mkdir(parents=True, exist_ok=True)
    outcomes = [Outcome(s, ALREADY_GRADED) for s in sorted(done)]
    sizing = chosen_jobs(jobs, settings)
    started = time.perf_counter()
    with _exclusive(settings, assignment):
        interrupted = _run(
            settings,
            assignment,
            pending,
            outcomes,
            env=env,
            log_dir=log_dir,
            jobs=sizing.jobs,
            max_output_mb=max_output_mb,
            deadline=submission_timeout or submission_deadline(settings, assignment),
            progress=progress,
            on_result=on_result,
        )
    report = Report(
        assignment,
        outcomes,
        time.perf_counter() - started,
        log_dir,
        interrupted,
        _scores(settings, assignment),
        warning,
        sizing.reason if pending else "",
    )
    _write_summary(report)
    return report


def _run(
    settings: CourseSettings,
    assignment: str,
    pending: list[str],
    outcomes: list[Outcome],
    *,
    env: dict[str, str] | None,
    log_dir: Path,
    jobs: int,
    max_output_mb: float,
    deadline: float | None,
    progress: bool,
    on_result: OnResult | None = None,
) -> bool:
    """Grade ``pending`` on ``jobs`` workers, appending to ``outcomes``; True if interrupted."""
    if not pending:
        return False
    jobs = max(1, min(jobs, len(pending)))
    with ExitStack() as logs:

        def start(number: int) -> Worker:
            log = logs.enter_context(open(log_dir / f"worker-{number}.log", "a", encoding="utf-8"))
            return Worker(settings, assignment, env, max_output_mb, log)

        return _share_out(
            Pool(start),
            pending,
            outcomes,
            jobs=jobs,
            deadline=deadline,
            label=f"Grading {assignment}",
            progress=progress,
            on_result=on_result,
        )


def _share_out(
    pool: Pool,
    pending: list[str],
    outcomes: list[Outcome],
    *,
    jobs: int,
    deadline: float | None,
    label: str,
    progress: bool,
    on_result: OnResult | None = None,
) -> bool:
    """Grade ``pending`` on ``jobs`` threads, each with its pool worker; True if interrupted."""
    bar = tqdm(
        total=len(pending),
        desc=label,
        unit="submission",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    executor = ThreadPoolExecutor(max_workers=jobs)
    futures = [executor.submit(_grade_one, pool, student, deadline) for student in pending]
    try:
        for done, future in enumerate(as_completed(futures), 1):
            outcomes.append(future.result())
            if on_result is not None:
                on_result(outcomes[-1], done, len(pending))
            bar.update()
            bar.set_postfix(failed=sum(o.status == FAILED for o in outcomes), refresh=False)
    except KeyboardInterrupt:
        executor.shutdown(wait=False, cancel_futures=True)
        pool.close(kill=True)
        return True
    finally:
        bar.close()
        executor.shutdown(wait=True)
        pool.close()
    return False

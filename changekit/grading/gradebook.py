"""The course's grading folders and gradebook, read the way nbgrader reads them.

Grading, export and the tutor dashboard all need the same few facts: where
submissions and autograded copies live, which gradebook to open, how long a
cell may run. They come from ``changekit.settings.settings_from``, where the
course's ``nbgrader_config.py`` takes them from too, so a tutor who points the
course at another state folder (``CHANGEKIT_STATE_DIR``) or database moves all
of them, and another course's settings (the demo's) are read by passing its
environment, never by changing this process's.

``grade_table`` flattens the gradebook into one row per trainee, assignment
and graded cell: the table the export and the dashboard are built on.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from nbgrader.api import Grade, Gradebook, SubmittedAssignment, TaskCell
from nbgrader.coursedir import CourseDirectory
from sqlalchemy import create_engine, inspect

from changekit.course import CourseError, tool_env
from changekit.grading.deadlines import late_text  # noqa: F401 (where the dashboard and the grader find it)
from changekit.settings import current, database_exists, settings_for, sqlite_file

#: Columns of ``grade_table``, in order.
GRADE_COLUMNS = [
    "student",
    "assignment",
    "notebook",
    "grade_id",
    "kind",
    "score",
    "max_score",
    "auto_score",
    "manual_score",
    "needs_manual_grade",
    "timestamp",
    "duedate",
    "seconds_late",
]

#: Their types, so that an empty table behaves like a full one.
GRADE_TYPES = {
    "score": float,
    "max_score": float,
    "auto_score": float,
    "manual_score": float,
    "needs_manual_grade": bool,
    "timestamp": "datetime64[us]",
    "duedate": "datetime64[us]",
    "seconds_late": float,
}


@dataclass(frozen=True)
class CourseSettings:
    """What grading needs to know about a course, from its settings (``changekit.settings``)."""

    coursedir: CourseDirectory
    course_id: str
    db_url: str
    cell_timeout: int
    state: Path

    @property
    def root(self) -> Path:
        return Path(self.coursedir.root)

    def submitted(self, student: str, assignment: str) -> Path:
        """A trainee's collected submission folder."""
        return Path(
            self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)
        )

    def autograded(self, student: str, assignment: str) -> Path:
        """Where the autograded copy of a trainee's submission goes."""
        return Path(
            self.coursedir.format_path(self.coursedir.autograded_directory, student, assignment)
        )

    def gradebook(self) -> Gradebook:
        """Open the course gradebook (use it in a ``with`` block so that it is closed)."""
        return open_gradebook(self.db_url, self.course_id)

    @property
    def has_gradebook(self) -> bool:
        """False when the gradebook is an SQLite file that does not exist yet (nothing released)."""
        return database_exists(self.db_url)


#: Run in a process of its own to create a gradebook (URL and course id on stdin, not in the process list).
CREATE_GRADEBOOK = (
    "import sys\n"
    "from nbgrader.api import Gradebook\n"
    "url, course_id = sys.stdin.read().split('\\n')\n"
    "Gradebook(url, course_id=course_id).close()\n"
)


def has_tables(db_url: str) -> bool:
    """Whether the database at ``db_url`` holds a gradebook's tables (an SQLite file not there yet: no)."""
    if not database_exists(db_url):
        return False
    engine = create_engine(db_url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def create_gradebook(db_url: str, course_id: str) -> None:
    """Create an empty gradebook at ``db_url`` as nbgrader does, in a process given the course tools' PATH.

    nbgrader creates a gradebook by running the ``alembic`` command from PATH,
    which a kernel started without the venv on PATH cannot find; the child
    process gets ``tool_env()`` instead of this process's environment being changed.
    """
    file = sqlite_file(db_url)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", CREATE_GRADEBOOK],
        input=f"{db_url}\n{course_id}",
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CourseError(f"The gradebook could not be created:\n{done.stderr[-2000:]}")


def open_gradebook(db_url: str, course_id: str) -> Gradebook:
    """Open a gradebook, creating it first if it has no tables yet, wherever this runs (a kernel included)."""
    if not has_tables(db_url):
        create_gradebook(db_url, course_id)
    return Gradebook(db_url, course_id=course_id)


def course_settings(
    root: Path | None = None, env: Mapping[str, str] | None = None
) -> CourseSettings:
    """The grading settings of the course in ``root`` (default: the course where this process stands).

    ``env`` adds to this process's environment for that course only (e.g.
    ``{"CHANGEKIT_STATE_DIR": "var/demo"}``); ``os.environ`` is not changed.
    """
    root = Path(root).resolve() if root else current().root
    settings = settings_for(root, env)
    coursedir = CourseDirectory(
        root=str(settings.root), course_id=settings.course_id, db_url=settings.db_url
    )
    return CourseSettings(
        coursedir, settings.course_id, settings.db_url, settings.cell_timeout, settings.state
    )


def is_manual(grade: Grade) -> bool:
    """Whether a grade is for an answer a tutor marks (a written answer, a task), not a test."""
    answers = {cell.name for cell in grade.notebook.notebook.solution_cells}
    return isinstance(grade.cell, TaskCell) or grade.cell.name in answers


def _grade_rows(submission: SubmittedAssignment) -> Iterator[dict[str, object]]:
    """One dict per graded cell of one submission (see ``GRADE_COLUMNS``)."""
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            cell = grade.cell
            manual = is_manual(grade)
            yield {
                "student": submission.student_id,
                "assignment": submission.assignment.name,
                "notebook": notebook.notebook.name,
                "grade_id": cell.name,
                "kind": "manual" if manual else "auto",
                "score": None
                if grade.auto_score is None and grade.manual_score is None
                else grade.score,
                "max_score": grade.max_score,
                "auto_score": grade.auto_score,
                "manual_score": grade.manual_score,
                "needs_manual_grade": bool(grade.needs_manual_grade),
                "timestamp": submission.timestamp,
                "duedate": submission.duedate,
                "seconds_late": submission.total_seconds_late,
            }


def grade_table(gradebook: Gradebook, assignment: str | None = None) -> pd.DataFrame:
    """Every grade in the gradebook (or one assignment's), one row per trainee and graded cell.

    ``kind`` is ``"auto"`` for autograded tests and ``"manual"`` for answers a
    tutor marks; ``score`` is the manual score where a tutor gave one, else
    the autograded score (nbgrader's own rule), and blank (NaN) where there is
    neither yet: an answer waiting for its tutor, or a test in a submission
    that could not be autograded. Empty gradebook: an empty table with the
    same columns.
    """
    names = [assignment] if assignment else [a.name for a in gradebook.assignments]
    rows = [
        row
        for name in names
        for submission in gradebook.assignment_submissions(name)
        for row in _grade_rows(submission)
    ]
    table = pd.DataFrame(rows, columns=GRADE_COLUMNS).astype(GRADE_TYPES)
    order = {name: position for position, name in enumerate(names)}  # the gradebook's: by due date
    return table.sort_values(
        ["assignment", "student", "notebook"],
        key=lambda c: c.map(order) if c.name == "assignment" else c,
        kind="stable",
        ignore_index=True,
    )


def snapshot(gradebook: Gradebook, assignment: str) -> dict[tuple[str, ...], tuple[object, ...]]:
    """Everything autograding records for an assignment, keyed so two gradebooks compare equal.

    Per graded cell: autograded and manual score, whether it needs manual
    grading, its maximum and the autograder's comment; per submitted notebook:
    the late penalty; per submission: the timestamp. Database ids (random in
    nbgrader) are left out, so the same grading done twice gives equal snapshots.
    """
    state: dict[tuple[str, ...], tuple[object, ...]] = {}
    for submission in gradebook.assignment_submissions(assignment):
        student = submission.student_id
        state[(student,)] = (submission.timestamp,)
        for notebook in submission.notebooks:
            name = notebook.notebook.name
            state[(student, name)] = (notebook.late_submission_penalty,)
            for grade in notebook.grades:
                state[(student, name, "grade", grade.cell.name)] = (
                    grade.auto_score,
                    grade.manual_score,
                    grade.needs_manual_grade,
                    grade.max_score,
                    grade.extra_credit,
                )
            for comment in notebook.comments:
                state[(student, name, "comment", comment.cell.name)] = (comment.auto_comment,)
    return state


def waiting_for_a_mark(grades: pd.DataFrame) -> pd.DataFrame:
    """The answers and tasks a tutor still has to mark, from ``grade_table``: assignment, student, grade_id."""
    waiting = grades[(grades["kind"] == "manual") & grades["needs_manual_grade"]]
    return waiting[["assignment", "student", "grade_id"]].reset_index(drop=True)


def unmarked_feedback_warning(grades: pd.DataFrame, assignment: str) -> str | None:
    """What to tell a tutor about to release feedback for ``assignment`` while answers wait; None if none do.

    Feedback generated now shows those answers as "not yet marked" and a score
    so far, and a trainee who reads it may not look again once it is marked.
    """
    waiting = waiting_for_a_mark(grades[grades["assignment"] == assignment])
    if waiting.empty:
        return None
    per_trainee = waiting.groupby("student").size()
    who = ", ".join(f"{student} ({count})" for student, count in per_trainee.items())
    return (
        f"{len(waiting)} answer{'s' if len(waiting) != 1 else ''} in {assignment} "
        f"{'are' if len(waiting) != 1 else 'is'} not yet marked, from {len(per_trainee)} "
        f"trainee{'s' if len(per_trainee) != 1 else ''}: {who}. Their feedback would show "
        "them as 'not yet marked'. Mark them in the formgrader (Manual Grading) before you "
        "release feedback to those trainees."
    )

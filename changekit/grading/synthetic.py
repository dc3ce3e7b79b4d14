"""Synthetic trainee submissions and gradebooks: no real trainee's work is ever needed.

The demo cohort, the grading tests and the benchmark all need notebooks that
look like what trainees hand in: fully right, partly done, wrong, or broken in
the ways that trouble an autograder (a runaway loop, a crashed kernel, a flood
of output, a file that is not a notebook any more). Every variant starts from
the released notebook, as a trainee's would, and only the answer cells change.

``write_gradebook`` fills a gradebook directly with marked submissions, for
what only reads a gradebook (the export and the tutor dashboard).
"""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from changekit.grading.gradebook import open_gradebook

#: The marker lines around a model answer in a source notebook.
_SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)

#: Code that never finishes: the cell times out and scores zero.
RUNAWAY_CODE = "while True:\n    pass\n"
#: Code that kills the Python kernel outright (as a segfault in a library would).
CRASH_CODE = "import os\nos._exit(1)\n"
#: A written answer for a manually graded cell (the tutor marks it in the formgrader).
WRITTEN_ANSWER = (
    "I would share the chart with the practices above the limits first, ask what lies "
    "behind their referrals, and agree one change to test with them in the next month."
)


def flood_code(lines: int, width: int = 80) -> str:
    """Code that prints ``lines`` lines of ``width`` characters (a trainee's debugging print)."""
    return f"for _line in range({lines}):\n    print('x' * {width})\n"


def answer_cells(notebook: NotebookNode) -> dict[str, NotebookNode]:
    """The cells a trainee answers (nbgrader ``solution: true``), by grade id, in order."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def code_tasks(notebook: NotebookNode) -> list[str]:
    """Grade ids of the code answer cells, in notebook order."""
    return [gid for gid, cell in answer_cells(notebook).items() if cell.cell_type == "code"]


def model_code(source_cell: NotebookNode) -> str:
    """A source cell's code as a trainee who got it right would have it: markers removed."""
    return _SOLUTION_MARKERS.sub("", source_cell.source)


def wrong_code(source_cell: NotebookNode) -> str:
    """The model answer followed by lines that throw each of its results away.

    The code runs without error, but every name the answer defines ends up as
    None, so the tests after it fail as they would for a wrong answer.
    """
    names = _assigned_names(_solution_block(source_cell.source))
    return (
        model_code(source_cell).rstrip("\n") + "\n" + "".join(f"{name} = None\n" for name in names)
    )


def _solution_block(source: str) -> str:
    """The lines between the solution markers of a source cell (the whole cell if none)."""
    match = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.DOTALL)
    return match.group(1) if match else source


def _assigned_names(code: str) -> list[str]:
    """Top-level names a piece of code assigns, in order, without repeats."""
    names: list[str] = []
    for node in ast.parse(code).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in names:
                names.append(target.id)
    return names


def submission(
    source: NotebookNode,
    release: NotebookNode,
    *,
    right: set[str] | None = None,
    wrong: set[str] = frozenset(),
    replace: dict[str, str] | None = None,
    written: bool = True,
) -> NotebookNode:
    """A trainee's copy of ``release`` with some answer cells filled in.

    ``right`` (default: every code task) get the model answer, ``wrong`` get
    ``wrong_code``, ``replace`` maps a grade id to code of your own (a runaway
    loop, a crash, a flood); other code cells keep the stub. With ``written``,
    every manually graded written answer gets ``WRITTEN_ANSWER``.
    """
    notebook = nbformat.from_dict(release)
    model = answer_cells(source)
    right = set(code_tasks(release)) if right is None else right
    replace = replace or {}
    for grade_id, cell in answer_cells(notebook).items():
        if cell.cell_type == "markdown":
            if written:
                cell.source = WRITTEN_ANSWER
        elif grade_id in replace:
            cell.source = replace[grade_id]
        elif grade_id in wrong:
            cell.source = wrong_code(model[grade_id])
        elif grade_id in right:
            cell.source = model_code(model[grade_id])
    return notebook


def write_broken(path: Path) -> None:
    """Cut a notebook file short, as an interrupted upload or a bad editor would."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")


def place_submission(
    root: Path,
    assignment: str,
    student: str,
    notebook: NotebookNode,
    *,
    when: datetime | None = None,
) -> Path:
    """Put a submission straight into ``submitted/`` as ``nbgrader collect`` leaves it.

    The released assignment's other files travel with it, and ``timestamp.txt``
    records ``when`` (default: now) in nbgrader's format. For tests and
    benchmarks: the demo goes through the real exchange instead.
    """
    release = root / "release" / assignment
    folder = root / "submitted" / student / assignment
    shutil.copytree(release, folder, dirs_exist_ok=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")
    when = (when or datetime.now(UTC)).astimezone(UTC)
    (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    return folder


@dataclass(frozen=True)
class Question:
    """A graded cell of a synthetic gradebook: a test, or a written answer a tutor marks."""

    name: str
    max_score: float
    manual: bool = False


@dataclass(frozen=True)
class Marked:
    """One synthetic submission: when it came in, and each question's score (None: not marked yet)."""

    student: str
    assignment: str
    timestamp: datetime
    scores: dict[str, float | None]


def write_gradebook(
    db_url: str,
    course_id: str,
    questions: dict[str, list[Question]],
    submissions: list[Marked],
    *,
    duedates: dict[str, datetime] | None = None,
) -> None:
    """Fill a gradebook directly, as if assignments had been released, submitted and marked.

    For tests and previews of what reads a gradebook (export, dashboard),
    without running a notebook. Each assignment has one notebook named after it.
    """
    duedates = duedates or {}
    with open_gradebook(db_url, course_id) as gradebook:
        for assignment, cells in questions.items():
            gradebook.add_assignment(assignment, duedate=_naive_utc(duedates.get(assignment)))
            gradebook.add_notebook(assignment, assignment)
            for question in cells:
                gradebook.add_grade_cell(
                    question.name,
                    assignment,
                    assignment,
                    max_score=question.max_score,
                    cell_type="markdown" if question.manual else "code",
                )
                if question.manual:
                    gradebook.add_solution_cell(question.name, assignment, assignment)
        for marked in submissions:
            gradebook.update_or_create_student(marked.student)
            gradebook.add_submission(
                marked.assignment, marked.student, timestamp=_naive_utc(marked.timestamp)
            )
            for name, score in marked.scores.items():
                grade = gradebook.find_grade(
                    name, marked.assignment, marked.assignment, marked.student
                )
                manual = name in {q.name for q in questions[marked.assignment] if q.manual}
                if score is not None:
                    setattr(grade, "manual_score" if manual else "auto_score", score)
                    grade.needs_manual_grade = False
        gradebook.db.commit()


def _naive_utc(moment: datetime | None) -> datetime | None:
    """A datetime as nbgrader stores it: UTC without a time zone."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment and moment.tzinfo else moment

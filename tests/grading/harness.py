"""A throwaway copy of the course and its trainees, driven through nbgrader's real CLI.

The course (source, config) is copied into a temporary folder with its own
gradebook and filesystem exchange. Each trainee has a home folder with the
nbgrader config a hub would give them, and fetches, submits and fetches
feedback with ``--student``, as the exchange records it.
"""

from __future__ import annotations

import ast
import html
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from changekit.course import generate_release, nbgrader
from changekit.paths import course_root

COURSE_ID = "pich-leadership"
CELL_TIMEOUT = "15"


@dataclass
class Course:
    """A course copied into ``base``: tutor commands run in ``root``."""

    base: Path
    root: Path = field(init=False)
    state: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = self.base / "course"
        self.state = self.base / "state"
        self.root.mkdir(parents=True)
        shutil.copytree(course_root() / "source", self.root / "source")
        shutil.copy(course_root() / "nbgrader_config.py", self.root)
        shutil.copy(course_root() / "calendar.toml", self.root)

    @property
    def env(self) -> dict[str, str]:
        """Environment for tutor commands: this course's state and a short cell timeout."""
        return {
            "CHANGEKIT_STATE_DIR": str(self.state),
            "CHANGEKIT_CELL_TIMEOUT": CELL_TIMEOUT,
            "CHANGEKIT_SHARED_ACCOUNT": "1",
            "JUPYTER_DATA_DIR": str(self.base / "tutor-data"),
        }

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    def tutor(self, *args: str) -> str:
        """Run an nbgrader command as the tutor, in the course root."""
        return nbgrader(*args, cwd=self.root, env=self.env)

    def release_one(self, assignment: str) -> None:
        """Generate one assignment as the formgrader's Generate does: stock nbgrader, course config."""
        self.tutor("generate_assignment", assignment, "--force")

    def release_all(self) -> list[str]:
        """Generate every assignment as ``changekit release`` (``make release``) does; return the ids."""
        return generate_release(self.root, self.env)

    def trainee(self, student: str) -> Trainee:
        return Trainee(self, student)

    def gradebook(self) -> Gradebook:
        return Gradebook(f"sqlite:///{self.state / 'gradebook.db'}", course_id=COURSE_ID)


@dataclass
class Trainee:
    """One trainee's home folder, with the exchange config a hub would provide."""

    course: Course
    student: str
    home: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home = self.course.base / "home" / self.student
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(self.course.exchange)!r}\n"
            "c.Exchange.path_includes_course = True\n"
        )

    def run(self, *args: str) -> str:
        env = {"JUPYTER_DATA_DIR": str(self.home / ".local-share-jupyter")}
        return nbgrader(*args, f"--student={self.student}", cwd=self.home, env=env)

    def folder(self, assignment: str) -> Path:
        """Where nbgrader puts a fetched assignment: <home>/<course>/<assignment>."""
        return self.home / COURSE_ID / assignment

    def fetch(self, assignment: str) -> Path:
        self.run("fetch_assignment", assignment, f"--course={COURSE_ID}")
        return self.folder(assignment)

    def submit(self, assignment: str) -> None:
        self.run("submit", assignment, f"--course={COURSE_ID}")

    def fetch_feedback(self, assignment: str) -> list[Path]:
        self.run("fetch_feedback", assignment, f"--course={COURSE_ID}")
        return sorted((self.folder(assignment) / "feedback").rglob("*.html"))


def notebook_path(folder: Path) -> Path:
    """The assignment's notebook: the one named like its folder."""
    return folder / f"{folder.name}.ipynb"


def answer_with_model(fetched: Path, source: Path) -> None:
    """Overwrite a fetched notebook with the source notebook: its model-answers cell holds the forms' answers."""
    shutil.copy(notebook_path(source), notebook_path(fetched))


MODEL_ANSWERS_TAG = "model-answers"


def model_answer_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells tagged ``model-answers`` (a source notebook has at most one)."""
    return [cell for cell in notebook.cells if MODEL_ANSWERS_TAG in cell.metadata.get("tags", [])]


def model_form_answers(notebook: nbformat.NotebookNode) -> dict[str, object]:
    """The form answers in a source notebook's model-answers cell, by store key.

    The cell is read, not run: each ``"key": Model.model_validate({...})`` entry
    gives ``key`` and the literal inside.
    """
    answers: dict[str, object] = {}
    for cell in model_answer_cells(notebook):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(value, ast.Call)
                        and getattr(value.func, "attr", "") == "model_validate"
                    ):
                        answers[ast.literal_eval(key)] = ast.literal_eval(value.args[0])
    return answers


MARK_SCHEME_BEGIN, MARK_SCHEME_END = "<!-- BEGIN MARK SCHEME -->", "<!-- END MARK SCHEME -->"


def manually_graded(notebook: nbformat.NotebookNode) -> list[int]:
    """Indexes of the cells a tutor marks: written answers and tasks."""
    return [
        index
        for index, cell in enumerate(notebook.cells)
        if (meta := cell.metadata.get("nbgrader", {})).get("task")
        or (meta.get("grade") and meta.get("solution"))
    ]


def mark_scheme_above(notebook: nbformat.NotebookNode, index: int) -> str:
    """The mark scheme for the manually graded cell at ``index``: in a task itself, else in the cell above."""
    cell = notebook.cells[index]
    holder = cell if cell.metadata.nbgrader.get("task") else notebook.cells[index - 1]
    found = re.search(rf"{MARK_SCHEME_BEGIN}(.*?){MARK_SCHEME_END}", holder.source, re.DOTALL)
    return found.group(1) if found else ""


def grade_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Autograded cells (tests) of a notebook, in order."""
    return [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
    ]


def hidden_test_lines(notebook: nbformat.NotebookNode) -> list[str]:
    """Every non-trivial line between hidden-test markers in a source notebook."""
    lines = []
    for cell in notebook.cells:
        for block in re.findall(
            r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source, re.DOTALL
        ):
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
    return lines


def visible_text(html_file: Path) -> str:
    """The text of an HTML feedback file with entities decoded (tags kept)."""
    return html.unescape(html_file.read_text(encoding="utf-8"))


def score(gradebook: Gradebook, assignment: str, student: str) -> float:
    """Autograded score of one submission (manual grades not yet given count zero)."""
    return gradebook.find_submission(assignment, student).code_score


def cell_score(gradebook: Gradebook, assignment: str, student: str, grade_id: str) -> float | None:
    """Score of one test cell in one submission, or None if it was never graded."""
    try:
        grade = gradebook.find_grade(grade_id, assignment, assignment, student)
    except MissingEntry:
        return None
    return grade.score


def max_code_score(gradebook: Gradebook, assignment: str) -> float:
    return gradebook.find_assignment(assignment).max_code_score

"""A tiny assignment (two code tasks, one written answer) in a throwaway course, for grading tests.

Generated once with nbgrader in this process, then copied (release and
gradebook) into as many courses as a test needs, so that each receives the
same submissions and can be graded a different way.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.converters import GenerateAssignment
from nbgrader.coursedir import CourseDirectory

from changekit.course import course_config, tool_env
from changekit.paths import course_root

ASSIGNMENT = "tiny"
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CELL_TIMEOUT = "10"


def meta(grade_id: str, **flags: object) -> dict[str, object]:
    """nbgrader cell metadata (schema 3)."""
    base = {"grade": False, "solution": False, "locked": False, "task": False}
    return {"nbgrader": {**base, **flags, "grade_id": grade_id, "schema_version": 3}}


def tiny_source() -> nbformat.NotebookNode:
    """Two code tasks with tests (2 and 1 marks) and one written answer (2 marks)."""
    cells = [
        new_markdown_cell(
            "A tiny assignment for grading tests.", metadata=meta("intro", locked=True)
        ),
        new_code_cell(
            "### BEGIN SOLUTION\nx = 6 * 7\n### END SOLUTION",
            metadata=meta("answer", solution=True),
        ),
        new_code_cell(
            'assert x == 42, "x should be 42"',
            metadata=meta("test_answer", grade=True, locked=True, points=2),
        ),
        new_code_cell(
            "### BEGIN SOLUTION\ny = x + 1\n### END SOLUTION",
            metadata=meta("second", solution=True),
        ),
        new_code_cell(
            'assert y == 43, "y should be one more than x"\n'
            "### BEGIN HIDDEN TESTS\nassert isinstance(y, int)\n### END HIDDEN TESTS",
            metadata=meta("test_second", grade=True, locked=True, points=1),
        ),
        new_markdown_cell(
            "### BEGIN SOLUTION\nA thoughtful answer.\n### END SOLUTION",
            metadata=meta("reflect", grade=True, solution=True, points=2),
        ),
    ]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def env_for(base: Path, cell_timeout: str = CELL_TIMEOUT) -> dict[str, str]:
    """The tutor's environment for the course in ``base``."""
    return {
        "CHANGEKIT_STATE_DIR": str(base / "state"),
        "CHANGEKIT_CELL_TIMEOUT": cell_timeout,
        "CHANGEKIT_SHARED_ACCOUNT": "1",
        "JUPYTER_DATA_DIR": str(base / "jupyter-data"),
    }


def generate(root: Path, env: dict[str, str]) -> None:
    """``nbgrader generate_assignment``, run in this process to save its start-up time."""
    # The course config reads this course's settings from the environment; nbgrader runs `alembic` from PATH.
    with mock.patch.dict(os.environ, {**env, "PATH": tool_env()["PATH"]}):
        config = course_config(root)
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = ASSIGNMENT
        GenerateAssignment(coursedir=coursedir, config=config).start()


def make_course(base: Path, template: Path | None) -> Path:
    """A course in ``base``: generated here, or copied (release and gradebook) from ``template``."""
    root = base / "course"
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(course_root() / "nbgrader_config.py", root)
    nbformat.write(tiny_source(), root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    if template is None:
        generate(root, env_for(base))
    else:
        shutil.copytree(template / "course" / "release", root / "release")
        (base / "state").mkdir()
        shutil.copy(template / "state" / "gradebook.db", base / "state" / "gradebook.db")
    return root

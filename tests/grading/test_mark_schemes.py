"""Every answer a tutor marks has a mark scheme per criterion, where the formgrader shows it, and trainees never see it.

The lifecycle tests (test_lifecycle.py) follow it through grading: back above the
answer in the autograded notebook the formgrader shows, and absent from feedback.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from changekit.course import assignments
from changekit.paths import course_root
from tests.grading.harness import (
    MARK_SCHEME_BEGIN,
    manually_graded,
    mark_scheme_above,
    notebook_path,
)

ROW = re.compile(
    r"^\|\s*(?P<criterion>[^|]+?)\s*\|\s*(?P<marks>\d+)\s*\|\s*(?P<what>[^|]+?)\s*\|$", re.MULTILINE
)


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(notebook_path(course_root() / "source" / assignment), as_version=4)


@pytest.mark.parametrize("assignment", assignments())
def test_every_manually_graded_cell_has_a_mark_scheme_that_adds_up(assignment: str) -> None:
    notebook = source_notebook(assignment)
    cells = manually_graded(notebook)
    for index in cells:
        meta = notebook.cells[index].metadata.nbgrader
        scheme = mark_scheme_above(notebook, index)
        assert scheme, (
            f"{assignment}/{meta['grade_id']}: no mark scheme in the cell above the answer (or in the task)"
        )
        holder = notebook.cells[index if meta.get("task") else index - 1].metadata.get(
            "nbgrader", {}
        )
        assert holder.get("locked") and (meta.get("task") or not holder.get("grade")), (
            f"{assignment}/{meta['grade_id']}: a mark scheme must sit in a locked cell, which autograde restores "
            "from the gradebook; anywhere else the formgrader would not show it"
        )
        rows = ROW.findall(scheme)
        assert len(rows) >= 2 or meta["points"] == 1, (
            f"{assignment}/{meta['grade_id']}: one row per criterion"
        )
        total = sum(int(marks) for _, marks, _ in rows)
        assert total == meta["points"], (
            f"{assignment}/{meta['grade_id']}: the criteria add up to {total}, the answer is worth {meta['points']}"
        )
        assert re.search(rf"\*\*Full marks \({meta['points']:g}\), for example:\*\* \S", scheme), (
            f"{assignment}/{meta['grade_id']}: no full-mark example"
        )
        partial = re.search(
            r"\*\*Partial \((\d+) of (\d+)\), for example:\*\* .+\*Why \1:\*", scheme, re.DOTALL
        )
        assert partial and 0 < int(partial.group(1)) < meta["points"], (
            f"{assignment}/{meta['grade_id']}: no partial example with why it earns what it earns"
        )


def test_the_course_has_manually_graded_answers() -> None:
    assert sum(len(manually_graded(source_notebook(a))) for a in assignments()) >= 20


@pytest.mark.parametrize("assignment", assignments())
def test_release_has_no_mark_scheme(assignment: str) -> None:
    text = notebook_path(course_root() / "release" / assignment).read_text(encoding="utf-8")
    assert "MARK SCHEME" not in text and "Mark scheme (tutors only)" not in text


def test_marker_is_the_one_nbgrader_removes() -> None:
    """The begin marker contains nbgrader's default delimiter, so ClearMarkScheme finds it."""
    from nbgrader.preprocessors import ClearMarkScheme

    assert ClearMarkScheme().begin_mark_scheme_delimeter in MARK_SCHEME_BEGIN

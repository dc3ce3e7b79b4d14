"""Preprocessors the course adds to nbgrader's pipelines (see nbgrader_config.py)."""

from __future__ import annotations

from pathlib import Path

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from changekit.grading.deadlines import due_note, read_calendar
from changekit.grading.feedback import graded_cell_titles


class TrimTracebacks(NbGraderPreprocessor):
    """Cut every error in feedback down to its last line: the exception and its message.

    nbgrader's ClearHiddenTests removes hidden tests from the cell source, but
    a traceback from a failing hidden test quotes the lines around the failing
    ``assert``, which would show trainees the hidden test. The message written
    for the trainee is kept; the code around it is not.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [
                    f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                ]
        return cell, resources


class TitleGradedCells(NbGraderPreprocessor):
    """Name every graded cell for the task, step or question it belongs to (``nbgrader.title``).

    The course's feedback page shows these titles instead of nbgrader's
    "Test cell" and "Written response" (see ``changekit.grading.feedback``).
    """

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        titles = graded_cell_titles(nb.cells)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade_id") in titles:
                meta["title"] = titles[meta["grade_id"]]
        return nb, resources


class FlagUnmarkedAnswers(NbGraderPreprocessor):
    """Mark each answer that still waits for a tutor (``nbgrader.unmarked``) and count them.

    Run after nbgrader's ``GetGrades``, which gives such an answer a score of 0;
    the feedback page says "not yet marked" instead, and its total says how
    many answers are still to be marked (``resources["nbgrader"]["unmarked"]``).
    """

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        waiting = 0
        with Gradebook(info["db_url"]) as gradebook:
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                meta.pop(
                    "unmarked", None
                )  # only the gradebook says what is unmarked, not the submission
                if not (meta.get("task") or (meta.get("grade") and meta.get("solution"))):
                    continue
                grade = gradebook.find_grade(
                    meta["grade_id"], info["notebook"], info["assignment"], info["student"]
                )
                meta["unmarked"] = bool(grade.needs_manual_grade)
                waiting += meta["unmarked"]
        info["unmarked"] = waiting
        return nb, resources


DUE_CELL_ID = "due-date"


class StateDueDate(NbGraderPreprocessor):
    """Say under the title when the assignment is due, from the course calendar (London time).

    Runs when an assignment is generated (the formgrader's Generate and
    ``changekit release`` alike), so what trainees fetch states the due date the
    tutor set in ``calendar.toml``. The cell is not graded and not locked.
    """

    calendar = Unicode("", help="Path of the course calendar (calendar.toml).").tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        nb.cells = [cell for cell in nb.cells if cell.get("id") != DUE_CELL_ID]
        due = (
            read_calendar(Path(self.calendar)).due.get(resources["nbgrader"]["assignment"])
            if self.calendar
            else None
        )
        if due is not None:
            cell = new_markdown_cell(due_note(due))
            cell["id"] = DUE_CELL_ID
            nb.cells.insert(min(1, len(nb.cells)), cell)
        return nb, resources

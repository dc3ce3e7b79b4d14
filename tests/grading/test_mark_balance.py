"""Where the course's marks go: to judgement, not to typing code the instructions spell out.

Every autograded cell of every source notebook says what its marks reward, in
``metadata.changekit.kind`` (what a tutor marks is ``written`` by nbgrader's own
metadata):

- ``scaffold``: a check of code the instructions give word for word (it still
  teaches; it is worth few or no marks);
- ``decision``: an autograded choice from a short list of named options, checked
  against the answer the data give;
- ``written``: an answer marked by the tutor against a mark scheme;
- ``completion``: a form or export checked for being complete;
- ``formative``: feedback for learning, worth no marks (e.g. agreement with the
  tutor's coding, shown after marking).

Run with ``-s`` to print the figures.
"""

from __future__ import annotations

from collections import Counter

import nbformat
import pytest

from changekit.course import assignments
from changekit.paths import course_root

KINDS = ("scaffold", "decision", "written", "completion", "formative")
MAX_SCAFFOLD_SHARE = 0.10
MIN_JUDGEMENT_SHARE = 0.60


def graded_cells(assignment: str) -> list[nbformat.NotebookNode]:
    """Cells that carry marks: autograded tests, manually graded answers and tasks."""
    path = course_root() / "source" / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    return [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        or cell.metadata.get("nbgrader", {}).get("task")
    ]


def by_tutor(cell: nbformat.NotebookNode) -> bool:
    """A written answer or a task that a tutor marks (nbgrader's own metadata says so)."""
    meta = cell.metadata["nbgrader"]
    return bool(meta.get("task") or (meta.get("grade") and meta.get("solution")))


def kind(cell: nbformat.NotebookNode) -> str | None:
    """The cell's ``changekit.kind``; what a tutor marks is ``written`` unless it says otherwise."""
    return cell.metadata.get("changekit", {}).get("kind", "written" if by_tutor(cell) else None)


def marks_by_kind() -> Counter[str]:
    """The course's marks added up by kind."""
    marks: Counter[str] = Counter()
    for assignment in assignments():
        for cell in graded_cells(assignment):
            marks[kind(cell)] += float(cell.metadata["nbgrader"]["points"])
    return marks


def test_every_graded_cell_says_what_its_marks_reward() -> None:
    unlabelled = [
        f"{a}: {cell.metadata['nbgrader']['grade_id']}"
        for a in assignments()
        for cell in graded_cells(a)
        if kind(cell) not in KINDS
    ]
    assert not unlabelled, (
        f"These autograded cells need metadata.changekit.kind, one of {', '.join(KINDS)} "
        f"(see docs/authoring.md): {unlabelled}"
    )


@pytest.mark.parametrize("assignment", assignments())
def test_kinds_match_how_the_cell_is_marked(assignment: str) -> None:
    for cell in graded_cells(assignment):
        meta = cell.metadata["nbgrader"]
        if kind(cell) == "written":
            assert by_tutor(cell), f"{meta['grade_id']} is 'written' but autograded"
        elif kind(cell) in KINDS:
            assert not by_tutor(cell), (
                f"{meta['grade_id']} is marked by the tutor, so its kind is 'written'"
            )
        if kind(cell) == "formative":
            assert meta["points"] == 0, f"{meta['grade_id']} is formative, so it carries no marks"


def test_at_most_a_tenth_of_the_marks_for_typing_given_code() -> None:
    marks = marks_by_kind()
    total = sum(marks.values())
    print(
        f"\nCourse marks: {total:g}; "
        + ", ".join(f"{k} {marks[k]:g} ({marks[k] / total:.0%})" for k in KINDS)
    )
    assert marks["scaffold"] / total <= MAX_SCAFFOLD_SHARE, (
        f"{marks['scaffold']:g} of {total:g} marks are for typing given code"
    )


def test_at_least_three_fifths_of_the_marks_for_judgement() -> None:
    marks = marks_by_kind()
    total = sum(marks.values())
    judgement = marks["decision"] + marks["written"]
    print(
        f"\nJudgement (decisions + written): {judgement:g} of {total:g} ({judgement / total:.0%})"
    )
    assert judgement / total >= MIN_JUDGEMENT_SHARE, (
        f"only {judgement:g} of {total:g} marks are for judgement"
    )


@pytest.mark.parametrize(
    "assignment",
    [
        "local_landscape",
        "quantify_a_service_problem",
        "patient_experience",
        "national_standards_asthma",
        "baby_clinic_economics",
    ],
)
def test_each_analytic_assignment_marks_decisions(assignment: str) -> None:
    decisions = [c for c in graded_cells(assignment) if kind(c) == "decision"]
    assert decisions, f"{assignment} has no autograded decision"
    assert all(c.metadata["nbgrader"]["points"] > 0 for c in decisions), "a decision is worth marks"

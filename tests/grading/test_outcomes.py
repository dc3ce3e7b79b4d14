"""Every graded cell of every assignment assesses exactly one of the theme's four learning outcomes."""

from __future__ import annotations

import nbformat
import pytest

from changekit.grading.outcomes import (
    ASSIGNMENTS,
    CELLS,
    OUTCOMES,
    UnmappedCell,
    outcome_of,
    outcome_or_blank,
)
from changekit.paths import course_root


def graded_cells() -> dict[str, list[str]]:
    """Each source assignment's graded cells (tests, written answers, tasks), by grade_id."""
    found = {}
    for path in sorted((course_root() / "source").glob("*/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        found[path.parent.name] = [
            cell.metadata.nbgrader["grade_id"]
            for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade")
            or cell.metadata.get("nbgrader", {}).get("task")
        ]
    return found


def test_every_graded_cell_maps_to_one_outcome() -> None:
    cells = graded_cells()
    assert set(cells) == set(ASSIGNMENTS), "every assignment (and only those) needs an outcome"
    for assignment, grade_ids in cells.items():
        for grade_id in grade_ids:
            assert outcome_of(assignment, grade_id) in OUTCOMES, f"{assignment}:{grade_id}"


def test_every_override_names_a_real_cell_and_every_outcome_is_assessed() -> None:
    cells = graded_cells()
    for assignment, grade_id in CELLS:
        assert grade_id in cells[assignment], (
            f"CELLS names {assignment}:{grade_id}, which is not a graded cell"
        )
    assessed = {outcome_of(a, g) for a, ids in cells.items() for g in ids}
    assert assessed == set(OUTCOMES)


def test_the_reflection_form_maps_part_by_part() -> None:
    assert [outcome_of("reflection", f"task_depth_lo{n}") for n in range(1, 5)] == [
        "LO1",
        "LO2",
        "LO3",
        "LO4",
    ]
    assert outcome_of("change_plan", "reflect_professions") == "LO4"
    assert outcome_of("change_plan", "test_smart_aim") == "LO3"


def test_an_unknown_assignment_is_named() -> None:
    with pytest.raises(UnmappedCell, match="'tutors_own'.*outcomes.py"):
        outcome_of("tutors_own", "q1")
    assert outcome_or_blank("tutors_own", "q1") == ""

"""Submissions that go wrong, graded through the real exchange.

On "quantify a service problem": a wrong decision loses that decision's marks while
the others keep theirs; an infinite loop is stopped by the cell timeout, costs only the tasks
that depend on it, and the batch goes on to the next trainee; a deleted test
cell is restored and graded rather than silently scoring zero.
"""

from __future__ import annotations

from collections.abc import Callable

import nbformat
import pytest

from tests.grading.harness import (
    Course,
    answer_with_model,
    cell_score,
    max_code_score,
    notebook_path,
    score,
)

pytestmark = [pytest.mark.lifecycle, pytest.mark.xdist_group("tampered")]
ASSIGNMENT = "quantify_a_service_problem"
WRONG_PRACTICE = 'first_practice_to_visit = "Y90007"\n'


def edit(
    path, change: Callable[[list[nbformat.NotebookNode]], list[nbformat.NotebookNode]]
) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = change(notebook.cells)
    nbformat.write(notebook, path)


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def replace_answer(grade: str, source: str):
    def change(cells):
        for cell in cells:
            if grade_id(cell) == grade:
                cell.source = source
        return cells

    return change


def delete_cell(grade: str):
    return lambda cells: [cell for cell in cells if grade_id(cell) != grade]


TAMPERING = {
    "wrong": replace_answer("decide_practice", WRONG_PRACTICE),
    "loop": replace_answer("decide_latest_point", "while True:\n    pass\n"),
    "deleted": delete_cell("test_first_practice"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    course = Course(tmp_path_factory.mktemp("tampered"))
    course.release_one(ASSIGNMENT)
    course.tutor("release_assignment", ASSIGNMENT, "--force")
    for student, change in TAMPERING.items():
        trainee = course.trainee(student)
        folder = trainee.fetch(ASSIGNMENT)
        answer_with_model(folder, course.root / "source" / ASSIGNMENT)
        edit(notebook_path(folder), change)
        trainee.submit(ASSIGNMENT)
    course.tutor("collect", ASSIGNMENT)
    log = course.tutor("autograde", ASSIGNMENT)
    gradebook = course.gradebook()
    yield gradebook, log
    gradebook.close()


def test_wrong_answer_loses_that_tasks_marks(graded) -> None:
    gradebook, _ = graded
    assert cell_score(gradebook, ASSIGNMENT, "wrong", "test_first_practice") == 0
    assert cell_score(gradebook, ASSIGNMENT, "wrong", "test_load_data") == 1
    assert cell_score(gradebook, ASSIGNMENT, "wrong", "test_latest_point") == 2, (
        "decision 2 does not use it"
    )
    assert score(gradebook, ASSIGNMENT, "wrong") < max_code_score(gradebook, ASSIGNMENT)


def test_infinite_loop_times_out_and_costs_only_dependent_tasks(graded) -> None:
    gradebook, log = graded
    assert "Timeout" in log or "timed out" in log.lower()
    assert cell_score(gradebook, ASSIGNMENT, "loop", "test_latest_point") == 0
    assert cell_score(gradebook, ASSIGNMENT, "loop", "test_first_practice") == 2, (
        "tasks before the loop keep their marks"
    )
    assert cell_score(gradebook, ASSIGNMENT, "loop", "test_launch_month") == 2, (
        "so do later tasks that do not use it"
    )
    assert 0 < score(gradebook, ASSIGNMENT, "loop") < max_code_score(gradebook, ASSIGNMENT)


def test_batch_goes_on_after_the_timeout(graded) -> None:
    gradebook, _ = graded
    graded_students = {s.student.id for s in gradebook.assignment_submissions(ASSIGNMENT)}
    assert graded_students == set(TAMPERING)
    assert score(gradebook, ASSIGNMENT, "wrong") > 0, (
        "the trainee graded after the loop was graded too"
    )


def test_deleted_test_cell_is_restored_and_graded(graded) -> None:
    gradebook, _ = graded
    assert cell_score(gradebook, ASSIGNMENT, "deleted", "test_first_practice") == 2
    assert score(gradebook, ASSIGNMENT, "deleted") == max_code_score(gradebook, ASSIGNMENT)

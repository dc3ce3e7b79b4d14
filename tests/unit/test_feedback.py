"""Titles a trainee can read for every graded cell of a notebook (changekit.grading.feedback)."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from changekit.grading.feedback import graded_cell_titles, headings


def locked(source: str, grade_id: str) -> nbformat.NotebookNode:
    return new_markdown_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "locked": True}})


def check(grade_id: str) -> nbformat.NotebookNode:
    return new_code_cell(
        "assert True", metadata={"nbgrader": {"grade": True, "grade_id": grade_id, "locked": True}}
    )


def answer(grade_id: str, source: str = "### My own heading\nmy answer") -> nbformat.NotebookNode:
    return new_markdown_cell(
        source, metadata={"nbgrader": {"grade": True, "solution": True, "grade_id": grade_id}}
    )


def test_headings_drop_marks_and_mark_schemes() -> None:
    cell = locked(
        "**Question 1 (2 marks): what kinds of barrier?**\n\n<!-- BEGIN MARK SCHEME -->\n"
        "#### Mark scheme (tutors only)\n**Full marks**\n<!-- END MARK SCHEME -->",
        "q",
    )
    assert headings(cell) == ["Question 1: what kinds of barrier?"]
    assert headings(locked("### Reading the tornado (2 marks, marked by your tutor)", "q")) == [
        "Reading the tornado"
    ]
    assert headings(locked("Some **bold** words in a sentence.", "q")) == []


def test_tests_take_their_task_and_are_numbered_when_they_share_it() -> None:
    cells = [
        locked("## Task 1: load the data (1 mark)\nRead the file.", "t1"),
        check("test_load"),
        locked("## Your task: a force-field analysis\n\n### Your analysis as saved", "t2"),
        check("test_a"),
        check("test_b"),
        locked("**Question 1 (2 marks): what kinds of barrier?**", "q1"),
        answer("reflect_1"),
    ]
    assert graded_cell_titles(cells) == {
        "test_load": "Task 1: load the data",
        "test_a": "Your task: a force-field analysis (check 1 of 2)",
        "test_b": "Your task: a force-field analysis (check 2 of 2)",
        "reflect_1": "Question 1: what kinds of barrier?",
    }


def test_a_trainees_own_heading_never_names_a_task() -> None:
    cells = [
        locked("### Question A", "qa"),
        answer("a", "## Task 9: I am in charge now"),
        check("test_after"),
    ]
    titles = graded_cell_titles(cells)
    assert titles["a"] == "Question A"
    assert titles["test_after"] == "Question A", "the unlocked answer's heading is ignored"


def test_tasks_take_their_own_heading() -> None:
    task = new_markdown_cell(
        "### Marked by your tutor: the quality of your plan (4 marks)\n\n1. Aim",
        metadata={"nbgrader": {"task": True, "grade_id": "quality", "locked": True}},
    )
    assert graded_cell_titles([task]) == {
        "quality": "Marked by your tutor: the quality of your plan"
    }


def test_tables_in_feedback_have_lines_and_space_between_columns() -> None:
    """A form's answer table (e.g. the self-assessment) must not run its cells together."""
    from changekit.grading.feedback import (
        NBGRADER_TEMPLATES,
        TEMPLATE_NAME,
        FeedbackExporter,
        template_dirs,
    )

    table = "| Dimension | My level | Level my role needs |\n|---|---|---|\n| Leading with care | proficient | strong |"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(table)])
    bootstrap = NBGRADER_TEMPLATES.parent / "static" / "node_modules" / "bootstrap" / "dist" / "css"
    exporter = FeedbackExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=template_dirs(),
        extra_template_paths=[str(bootstrap)],
    )
    resources = {"nbgrader": {"notebook": "n", "score": 0, "max_score": 0, "late_penalty": 0}}
    page, _ = exporter.from_notebook_node(notebook, resources=resources)
    assert "<td>proficient</td>" in page
    assert ".rendered_html th, .rendered_html td" in page and "padding: 0.3em 0.7em" in page

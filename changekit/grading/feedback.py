"""Feedback a trainee can read: each graded item named for its task, unmarked answers said to be so.

nbgrader's feedback page titles every autograded item "Test cell" and shows a
written answer that no tutor has marked yet as "Score: 0.0 / 3.0", like a real
zero. The course's feedback page (``FeedbackExporter``, a template that extends
nbgrader's) uses two facts the preprocessors in
``changekit.grading.preprocessors`` put in each graded cell's nbgrader
metadata: ``title`` (the task, step or question it belongs to, from the
notebook's own headings) and ``unmarked`` (a tutor has still to mark it).

Before feedback goes out, ``changekit feedback`` and the tutor dashboard warn
about answers still waiting for a tutor (``changekit.grading.gradebook.unmarked_feedback_warning``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbgrader
from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from traitlets import default

#: The course's feedback template (a folder under ``TEMPLATES``).
TEMPLATE_NAME = "changekit_feedback"
TEMPLATES = Path(__file__).parent / "templates"
#: nbgrader's formgrader templates, which hold the ``feedback`` template ours extends.
NBGRADER_TEMPLATES = (
    Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
)

_HEADING = re.compile(r"^\s*(?:#{1,4}\s+(?P<hash>.+?)|\*\*(?P<bold>[^*]+)\*\*)\s*$")
_MARK_SCHEME = re.compile(r"BEGIN MARK SCHEME.*?END MARK SCHEME", re.DOTALL)
_MARKS = re.compile(r"\s*\(\d+(?:\.\d+)?\s+marks?\b[^)]*\)")
_TASK = re.compile(r"^(?:your\s+)?(?:task|step|part)\b", re.IGNORECASE)


class FeedbackExporter(HTMLExporter):
    """nbgrader's HTML feedback exporter, under its own name so the course config can give it
    the course's template.

    The formgrader's *Generate feedback* button forces ``HTMLExporter.template_name``
    to nbgrader's ``feedback``; settings made for ``FeedbackExporter`` (a subclass)
    take precedence over that, so every way of generating feedback uses the same page.
    nbgrader's template folder is added to the search path so that ours can extend
    ``feedback/index.html.j2`` by name.
    """

    @default("template_paths")
    def _template_paths(self, prune: bool = True, root_dirs: list[str] | None = None) -> list[str]:
        return [*super()._template_paths(prune, root_dirs), str(NBGRADER_TEMPLATES)]


def template_dirs() -> list[str]:
    """Where the feedback template and the nbgrader template it extends are found."""
    return [str(TEMPLATES), str(NBGRADER_TEMPLATES)]


def headings(cell: NotebookNode) -> list[str]:
    """The headings (``# ...`` lines, or lines wholly in bold) of a markdown cell, cleaned.

    A mark scheme's own headings are not headings of the notebook.

    "(2 marks)" (or "(2 marks, marked by your tutor)") and trailing colons or full
    stops are dropped, so
    "**Question 1 (2 marks): what kinds of barrier are you facing?**" gives
    "Question 1: what kinds of barrier are you facing?".
    """
    if cell.cell_type != "markdown":
        return []
    found = []
    for line in _MARK_SCHEME.sub("", cell.source).splitlines():
        match = _HEADING.match(line)
        if match and "SOLUTION" not in line:
            text = _MARKS.sub("", match.group("hash") or match.group("bold")).strip(" *:.")
            if text:
                found.append(text)
    return found


def _kind(cell: NotebookNode) -> str | None:
    """'test', 'answer' (marked by a tutor), 'task' (marked by a tutor) or None for other cells."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("task"):
        return "task"
    if meta.get("grade"):
        return "answer" if meta.get("solution") else "test"
    return None


def graded_cell_titles(cells: Iterable[NotebookNode]) -> dict[str, str]:
    """A title a trainee can read for every graded cell, by ``grade_id``.

    - an autograded test: the nearest task, step or part heading above it
      ("Task 2: how many could have been seen in primary care?"), with
      "(check 2 of 3)" when several tests share it;
    - a written answer: the nearest heading above it (its question);
    - a task marked by the tutor: its own first heading.

    Each falls back to the nearest heading of any kind, then to a plain name.
    Only locked cells' headings count, so a trainee's own text never names a task.
    """
    latest: dict[str, str | None] = {"task": None, "any": None}
    titles: dict[str, str] = {}
    tests: dict[str, str] = {}
    for cell in cells:
        meta = cell.metadata.get("nbgrader", {})
        kind = _kind(cell)
        if kind == "task":
            titles[meta["grade_id"]] = (
                headings(cell) or [latest["any"] or "Marked by your tutor"]
            )[0]
        elif kind == "test":
            tests[meta["grade_id"]] = latest["task"] or latest["any"] or "Check"
        elif kind == "answer":
            titles[meta["grade_id"]] = latest["any"] or "Written answer"
        if meta.get("locked"):
            for text in headings(cell):
                latest["any"] = text
                if _TASK.match(text):
                    latest["task"] = text
    return titles | _number_shared(tests)


def _number_shared(titles: dict[str, str]) -> dict[str, str]:
    """Add "(check k of n)" to titles that several tests share."""
    counts = Counter(titles.values())
    seen: Counter[str] = Counter()
    numbered = {}
    for grade_id, title in titles.items():
        if counts[title] > 1:
            seen[title] += 1
            title = f"{title} (check {seen[title]} of {counts[title]})"
        numbered[grade_id] = title
    return numbered


@dataclass(frozen=True)
class FeedbackRelease:
    """What ``release_feedback`` did: who has a graded submission, who got feedback, who waits."""

    assignment: str
    trainees: list[str]
    released: list[str]
    warning: str | None

    @property
    def held(self) -> list[str]:
        """Trainees whose feedback was held back until their answers are marked."""
        return [trainee for trainee in self.trainees if trainee not in self.released]


def unmarked_warning(
    assignment: str, *, root: Path | None = None, env: dict[str, str] | None = None
) -> str | None:
    """What a tutor should hear before releasing ``assignment``'s feedback while answers wait (None if none do)."""
    from changekit.grading.gradebook import course_settings, grade_table, unmarked_feedback_warning

    settings = course_settings(root, env)
    if not settings.has_gradebook:
        return None
    with settings.gradebook() as gradebook:
        return unmarked_feedback_warning(grade_table(gradebook, assignment), assignment)


def release_feedback(
    assignment: str,
    *,
    include_unmarked: bool = False,
    root: Path | None = None,
    env: dict[str, str] | None = None,
) -> FeedbackRelease:
    """Generate every trainee's feedback on ``assignment`` and release it (``changekit feedback``).

    Trainees with answers not yet marked are held back unless
    ``include_unmarked``. Raises ``DataError`` when nothing is graded yet and
    ``CourseError`` when an nbgrader step fails.
    """
    from changekit.course import nbgrader
    from changekit.errors import DataError
    from changekit.grading.gradebook import (
        course_settings,
        grade_table,
        unmarked_feedback_warning,
        waiting_for_a_mark,
    )

    settings = course_settings(root, env)
    grades = None
    if settings.has_gradebook:
        with settings.gradebook() as gradebook:
            grades = grade_table(gradebook, assignment)
    trainees = [] if grades is None else sorted(set(grades["student"]))
    if not trainees:
        raise DataError(f"No graded submissions of {assignment} yet: collect and grade them first.")
    waiting = set(waiting_for_a_mark(grades)["student"])
    release = trainees if include_unmarked else [t for t in trainees if t not in waiting]
    nbgrader("generate_feedback", assignment, "--force", cwd=settings.root, env=env)
    for trainee in release:
        nbgrader("release_feedback", assignment, f"--student={trainee}", cwd=settings.root, env=env)
    return FeedbackRelease(
        assignment, trainees, release, unmarked_feedback_warning(grades, assignment)
    )

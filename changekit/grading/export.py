"""Per-question exports of the gradebook: one row per trainee, and one row per question.

``by_trainee`` is the tutor's working sheet: a column per graded cell per
assignment (``quantify_a_service_problem:test_proportion``), the assignment's
total, and how many of its answers still wait for a tutor's mark; the export
adds when each assignment was submitted, its due date, any extension and
lateness, in London time (``submission_times``).
``by_question`` is the cohort summary that can leave the teaching team: per
question the number of trainees marked, the mean and the share with full
marks, with small numbers suppressed (``changekit.governance``); ``by_outcome``
is the same per learning outcome (``changekit.grading.outcomes``).
``exam_board`` is the sheet for the exam board and the e-portfolio: names,
marks per learning outcome and per question, lateness and extension, marker
and moderation status (``changekit.grading.moderation``), tutors' comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook

from changekit.errors import ChangekitError
from changekit.governance import suppress_small_numbers
from changekit.grading.deadlines import lateness_text, london_text
from changekit.grading.gradebook import course_settings, grade_table
from changekit.grading.moderation import status
from changekit.grading.outcomes import OUTCOMES, outcome_or_blank


class ExportError(ChangekitError, ValueError):
    """Nothing to export as asked (no gradebook, an unknown assignment); the message says why."""


#: Per assignment columns ``by_trainee``'s sheet gains from ``submission_times``.
SUBMISSION_COLUMNS = ["submitted", "due", "extension_hours", "lateness"]

#: Columns of ``by_question``, in order.
QUESTION_COLUMNS = [
    "assignment",
    "question",
    "kind",
    "max_score",
    "n",
    "n_full_marks",
    "mean",
    "share_full_marks",
]


def by_trainee(grades: pd.DataFrame, students: list[str] | None = None) -> pd.DataFrame:
    """One row per trainee: each graded cell's score, then per assignment its total and answers to mark.

    ``grades`` is ``grade_table(...)``; a blank score is one not given yet
    (see there), and the total adds up the scores given so far. Trainees in ``students`` who submitted
    nothing get a row of blanks, so that the sheet lists the whole cohort.
    Columns keep the notebooks' order of questions.
    """
    students = sorted(set(students or []) | set(grades["student"]))
    frame = pd.DataFrame({"student": students}).set_index("student")
    for assignment, rows in grades.groupby("assignment", sort=False):
        # dropna=False: a question nobody has a score for yet (a written answer not
        # marked), or a trainee with no score yet, stays in the table, blank.
        scores = rows.pivot_table(
            index="student",
            columns="grade_id",
            values="score",
            aggfunc="first",
            sort=False,
            dropna=False,
        )
        scores = scores.reindex(columns=list(dict.fromkeys(rows["grade_id"])))  # notebook order
        scores.columns = [f"{assignment}:{grade_id}" for grade_id in scores.columns]
        per_student = rows.groupby("student")
        scores[f"{assignment}:total"] = per_student["score"].sum(min_count=1)
        waiting = rows["needs_manual_grade"] & (rows["kind"] == "manual")
        scores[f"{assignment}:to_mark"] = waiting.groupby(rows["student"]).sum()
        frame = frame.join(scores)
        frame[f"{assignment}:to_mark"] = frame[f"{assignment}:to_mark"].astype(
            "Int64"
        )  # blank, not 0.0
    return frame.reset_index()


def submission_times(gradebook: Gradebook, assignment: str | None = None) -> pd.DataFrame:
    """Per trainee and assignment: when it was submitted, its due date, extension and lateness, in London time.

    Columns: student, assignment, submitted, due (the trainee's own, with any
    extension), extension_hours and lateness ("on time", "1 day 2 hours late").
    """
    rows = [
        {
            "student": submission.student.id,
            "assignment": submission.assignment.name,
            "submitted": london_text(submission.timestamp),
            "due": london_text(submission.duedate),
            "extension_hours": round(submission.extension.total_seconds() / 3600, 1)
            if submission.extension
            else 0.0,
            "lateness": lateness_text(submission.total_seconds_late)
            if submission.timestamp
            else "not submitted",
        }
        for graded in gradebook.assignments
        if assignment in (None, graded.name)
        for submission in gradebook.assignment_submissions(graded.name)
    ]
    return pd.DataFrame(rows, columns=["student", "assignment", *SUBMISSION_COLUMNS])


def with_submission_times(trainees: pd.DataFrame, times: pd.DataFrame) -> pd.DataFrame:
    """``by_trainee``'s sheet with each assignment's submission time, due date, extension and lateness added."""
    for assignment, rows in times.groupby("assignment", sort=False):
        columns = rows.set_index("student")[SUBMISSION_COLUMNS]
        columns.columns = [f"{assignment}:{name}" for name in SUBMISSION_COLUMNS]
        trainees = trainees.join(columns, on="student")
    return trainees


def question_summary(grades: pd.DataFrame) -> pd.DataFrame:
    """Per question: how many trainees were marked on it, the mean, and how many got full marks.

    Answers still waiting for a tutor's mark are left out (their score is not
    known yet), so ``n`` can be smaller for written answers than for tests.
    """
    keys = ["assignment", "grade_id"]
    questions = grades.groupby(keys, sort=False).agg(
        kind=("kind", "first"), max_score=("max_score", "first")
    )
    marked = grades[grades["score"].notna() & ~grades["needs_manual_grade"]].assign(
        full=lambda g: g["score"] >= g["max_score"]
    )
    stats = marked.groupby(keys, sort=False).agg(
        n=("score", "size"), n_full_marks=("full", "sum"), mean=("score", "mean")
    )
    summary = questions.join(stats)
    summary[["n", "n_full_marks"]] = summary[["n", "n_full_marks"]].fillna(0).astype(int)
    summary["mean"] = summary["mean"].round(2)
    summary["share_full_marks"] = (
        summary["n_full_marks"] / summary["n"].where(summary["n"] > 0)
    ).round(3)
    return (
        summary.reset_index()
        .rename(columns={"grade_id": "question"})
        .reindex(columns=QUESTION_COLUMNS)
    )


def by_question(grades: pd.DataFrame, *, threshold: int = 5) -> pd.DataFrame:
    """``question_summary`` with small numbers suppressed, fit to share outside the teaching team.

    A count from 1 to ``threshold - 1`` is shown as ``"<threshold"``, and so is
    every cell it could be worked out from (``suppressed``).
    """
    return suppressed(question_summary(grades), threshold=threshold)


def suppressed(summary: pd.DataFrame, *, threshold: int = 5) -> pd.DataFrame:
    """A summary with columns n, n_full_marks, mean and share_full_marks, safe to share.

    A count from 1 to ``threshold - 1`` is shown as ``"<threshold"``. Where ``n``
    is small, the mean and share go with it. Where the trainees with full marks,
    or those without, number fewer than ``threshold``, the full-marks count, the
    share and the mean go: ``n - n_full_marks`` and ``n x share`` give those
    counts straight back, and so does ``n x mean / max_score`` when scores are
    all or nothing.
    """
    marker = f"<{threshold}"
    small_n = summary["n"].between(1, threshold - 1)
    split = summary["n_full_marks"].between(1, threshold - 1) | (
        summary["n"] - summary["n_full_marks"]
    ).between(1, threshold - 1)
    safe = suppress_small_numbers(summary, ["n"], threshold=threshold)
    for column in ("n_full_marks", "mean", "share_full_marks"):
        safe[column] = summary[column].astype(object).where(~(small_n | split), marker)
    return safe


def outcome_scores(grades: pd.DataFrame) -> pd.DataFrame:
    """Per trainee and learning outcome (``changekit.grading.outcomes``): marks given so far and out of how many.

    Columns student, outcome, score, max_score. Only answers with a mark count
    (an answer still waiting for a tutor adds to neither); graded cells of an
    assignment the course does not map are left out. A cell worth no marks adds nothing.
    """
    marked = grades[grades["score"].notna() & ~grades["needs_manual_grade"]]
    outcome = [
        outcome_or_blank(a, q)
        for a, q in zip(marked["assignment"], marked["grade_id"], strict=True)
    ]
    marked = marked.assign(outcome=outcome)
    marked = marked[marked["outcome"] != ""]
    table = marked.groupby(["student", "outcome"], as_index=False)[["score", "max_score"]].sum()
    return table.reindex(columns=["student", "outcome", "score", "max_score"])


def by_outcome(grades: pd.DataFrame, *, threshold: int = 5) -> pd.DataFrame:
    """Per learning outcome: trainees with a mark in it, their mean percentage and how many had full marks.

    Suppressed as ``by_question`` is (``suppressed``); ``max_score`` is 100 (a
    percentage), so ``n x mean / max_score`` means the same as there.
    """
    scores = outcome_scores(grades)
    scores = scores[scores["max_score"] > 0].assign(
        percent=lambda t: 100 * t["score"] / t["max_score"],
        full=lambda t: t["score"] >= t["max_score"],
    )
    stats = scores.groupby("outcome").agg(
        n=("percent", "size"), n_full_marks=("full", "sum"), mean=("percent", "mean")
    )
    summary = pd.DataFrame(
        {"outcome": list(OUTCOMES), "title": list(OUTCOMES.values()), "max_score": 100.0}
    )
    summary = summary.join(stats, on="outcome")
    summary[["n", "n_full_marks"]] = summary[["n", "n_full_marks"]].fillna(0).astype(int)
    summary["mean"] = summary["mean"].round(1)
    summary["share_full_marks"] = (
        summary["n_full_marks"] / summary["n"].where(summary["n"] > 0)
    ).round(3)
    return suppressed(summary, threshold=threshold)


def names(gradebook: Gradebook) -> pd.DataFrame:
    """Every trainee's username, first and last name (blank where no roster gave them: ``changekit roster``)."""
    rows = [
        {"student": s.id, "first_name": s.first_name or "", "last_name": s.last_name or ""}
        for s in gradebook.students
    ]
    return pd.DataFrame(rows, columns=["student", "first_name", "last_name"])


def tutor_comments(gradebook: Gradebook, assignment: str | None = None) -> pd.DataFrame:
    """Tutors' comments (nbgrader's manual comments) per trainee and assignment, one text per submission.

    Columns student, assignment, comments: each comment as ``question: text``,
    joined by " | ", in notebook order. Autograder messages are left out.
    """
    rows = []
    for graded in gradebook.assignments:
        if assignment not in (None, graded.name):
            continue
        for submission in gradebook.assignment_submissions(graded.name):
            texts = [
                f"{comment.cell.name}: {comment.manual_comment.strip()}"
                for notebook in submission.notebooks
                for comment in notebook.comments
                if comment.manual_comment and comment.manual_comment.strip()
            ]
            rows.append(
                {
                    "student": submission.student.id,
                    "assignment": graded.name,
                    "comments": " | ".join(texts),
                }
            )
    return pd.DataFrame(rows, columns=["student", "assignment", "comments"])


def exam_board(
    grades: pd.DataFrame,
    students: pd.DataFrame,
    times: pd.DataFrame,
    moderation: pd.DataFrame,
    comments: pd.DataFrame,
) -> pd.DataFrame:
    """The exam board's sheet: one row per trainee, names first, then marks per learning outcome, then per
    assignment each question's mark, total, answers to mark, submission time, due date, extension, lateness,
    marker, second marker, moderation status and the tutors' comments.

    ``students`` is ``names``; ``times`` ``submission_times``; ``moderation``
    ``changekit.grading.moderation.status``; ``comments`` ``tutor_comments``.
    """
    marks = by_trainee(grades, list(students["student"])).astype(
        {"student": object}
    )  # object even when empty
    sheet = students.astype({"student": object}).merge(marks, on="student", how="outer")
    sheet[["first_name", "last_name"]] = sheet[["first_name", "last_name"]].fillna("")
    scores = outcome_scores(grades)
    for outcome in OUTCOMES:
        mine = scores[scores["outcome"] == outcome].set_index("student")
        sheet[f"{outcome}:score"] = sheet["student"].map(mine["score"])
        sheet[f"{outcome}:out_of"] = sheet["student"].map(mine["max_score"])
    extra = times.merge(moderation, on=["student", "assignment"], how="outer").merge(
        comments, on=["student", "assignment"], how="outer"
    )
    per_assignment = [*SUBMISSION_COLUMNS, "marker", "second_marker", "moderation", "comments"]
    for assignment in dict.fromkeys([*grades["assignment"], *extra["assignment"]]):
        rows = extra[extra["assignment"] == assignment].set_index("student")
        for column in per_assignment:
            sheet[f"{assignment}:{column}"] = sheet["student"].map(rows[column])
    leading = [
        "student",
        "first_name",
        "last_name",
        *(f"{o}:{part}" for o in OUTCOMES for part in ("score", "out_of")),
    ]
    ordered = leading + sorted(
        (c for c in sheet.columns if c not in leading),
        key=lambda c: _assignment_order(c, list(dict.fromkeys(grades["assignment"]))),
    )
    return sheet[ordered].sort_values("student", ignore_index=True)


def _assignment_order(column: str, assignments: list[str]) -> int:
    """Sort key keeping each assignment's columns together, assignments in the gradebook's order."""
    name = column.split(":", 1)[0]
    return assignments.index(name) if name in assignments else len(assignments)


@dataclass(frozen=True)
class Exported:
    """The files ``export`` wrote and how many trainees and questions they hold."""

    by_trainee: Path
    by_question: Path
    trainees: int
    questions: int
    exam_board: Path | None = None
    by_outcome: Path | None = None


def export(
    out: Path | None = None,
    *,
    assignment: str | None = None,
    threshold: int = 5,
    root: Path | None = None,
    env: dict[str, str] | None = None,
) -> Exported:
    """Write the per-trainee CSV to ``out`` and beside it the per-question summary (``*_by_question.csv``),
    the exam board's sheet (``*_exam_board.csv``, ``exam_board``) and the per-outcome summary
    (``*_by_outcome.csv``).

    ``out`` defaults to ``exports/grades.csv`` in the course's state folder.
    ``assignment`` limits every file to one assignment.
    """
    settings = course_settings(root, env)
    if not settings.has_gradebook:
        raise ExportError(
            f"There is no gradebook yet ({settings.db_url}): nothing has been released "
            "and graded in this course, so there is nothing to export."
        )
    with settings.gradebook() as gradebook:
        if assignment and assignment not in {a.name for a in gradebook.assignments}:
            known = ", ".join(a.name for a in gradebook.assignments) or "none yet"
            raise ExportError(
                f"The gradebook has no assignment called '{assignment}' (it has: {known}). "
                "Check the spelling."
            )
        grades = grade_table(gradebook, assignment)
        students = [student.id for student in gradebook.students]
        times = submission_times(gradebook, assignment)
        board = exam_board(
            grades,
            names(gradebook),
            times,
            status(gradebook, assignment),
            tutor_comments(gradebook, assignment),
        )
    out = Path(out or settings.state / "exports" / "grades.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    beside = {
        part: out.with_name(f"{out.stem}_{part}{out.suffix or '.csv'}")
        for part in ("by_question", "exam_board", "by_outcome")
    }
    trainees = with_submission_times(by_trainee(grades, students), times)
    trainees.to_csv(out, index=False)
    summary = by_question(grades, threshold=threshold)
    summary.to_csv(beside["by_question"], index=False)
    board.to_csv(beside["exam_board"], index=False)
    by_outcome(grades, threshold=threshold).to_csv(beside["by_outcome"], index=False)
    return Exported(
        out,
        beside["by_question"],
        len(trainees),
        len(summary),
        beside["exam_board"],
        beside["by_outcome"],
    )

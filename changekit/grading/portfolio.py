"""A Word summary per trainee for their e-portfolio: marks per learning outcome, per assignment, comments.

Built from the same gradebook reads as the exam board's sheet
(``changekit.grading.export``) and written with the course's Word writer
(``changekit.report.write_docx``): a heading, the trainee's marks per
learning outcome, a table of assignments (marks, submitted, due date,
extension, lateness, moderation) and their tutors' comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from changekit.errors import DataError
from changekit.grading.export import names, outcome_scores, submission_times, tutor_comments
from changekit.grading.gradebook import course_settings, grade_table
from changekit.grading.moderation import status
from changekit.grading.outcomes import OUTCOMES
from changekit.report import Document, Heading, Table, Text, write_docx

OUTCOME_HEADERS = ["Learning outcome", "Marks", "Out of", "Per cent"]
ASSIGNMENT_HEADERS = [
    "Assignment",
    "Marks",
    "Out of",
    "Submitted",
    "Due",
    "Extension",
    "Lateness",
    "Moderation",
]
NO_MARK = "not marked yet"


@dataclass(frozen=True)
class Cohort:
    """What the summaries are built from, read from the gradebook once."""

    grades: pd.DataFrame
    names: pd.DataFrame
    times: pd.DataFrame
    moderation: pd.DataFrame
    comments: pd.DataFrame


def _number(value: float) -> str:
    """A mark as a person writes it: 7, 7.5."""
    return f"{value:g}"


def full_name(cohort: Cohort, student: str) -> str:
    """'First Last' from the roster, else the username."""
    row = cohort.names[cohort.names["student"] == student]
    name = (
        " ".join(part for part in row[["first_name", "last_name"]].iloc[0] if part)
        if not row.empty
        else ""
    )
    return name or student


def outcome_rows(cohort: Cohort, student: str) -> list[list[str]]:
    """One row per learning outcome: title, marks, out of, per cent (blank where nothing is marked yet)."""
    scores = outcome_scores(cohort.grades)
    mine = scores[scores["student"] == student].set_index("outcome")
    rows = []
    for outcome, title in OUTCOMES.items():
        if outcome in mine.index and mine.loc[outcome, "max_score"] > 0:
            score, out_of = mine.loc[outcome, "score"], mine.loc[outcome, "max_score"]
            rows.append(
                [
                    f"{outcome}: {title}",
                    _number(score),
                    _number(out_of),
                    f"{100 * score / out_of:.0f}%",
                ]
            )
        else:
            rows.append([f"{outcome}: {title}", NO_MARK, "", ""])
    return rows


def assignment_rows(cohort: Cohort, student: str) -> list[list[str]]:
    """One row per assignment the trainee submitted, in the gradebook's order."""
    grades = cohort.grades[cohort.grades["student"] == student]
    times = cohort.times[cohort.times["student"] == student].set_index("assignment")
    moderation = cohort.moderation[cohort.moderation["student"] == student].set_index("assignment")
    rows = []
    for assignment, own in grades.groupby("assignment", sort=False):
        marked = own[own["score"].notna()]
        waiting = int((own["needs_manual_grade"] & (own["kind"] == "manual")).sum())
        marks = _number(marked["score"].sum()) + (f" ({waiting} to mark)" if waiting else "")
        when = times.loc[assignment] if assignment in times.index else None
        extension = (
            f"{when['extension_hours']:g} hours"
            if when is not None and when["extension_hours"]
            else "none"
        )
        rows.append(
            [
                assignment.replace("_", " "),
                marks,
                _number(own["max_score"].sum()),
                when["submitted"] if when is not None else "",
                when["due"] if when is not None else "",
                extension,
                when["lateness"] if when is not None else "",
                moderation.loc[assignment, "moderation"] if assignment in moderation.index else "",
            ]
        )
    return rows


def trainee_summary(cohort: Cohort, student: str) -> Document:
    """The Word document for one trainee (see the module's docstring)."""
    blocks: list = [
        Text(full_name(cohort, student), label="Trainee:"),
        Heading("Marks per learning outcome"),
        Table(OUTCOME_HEADERS, outcome_rows(cohort, student)),
        Heading("Assignments"),
        Table(ASSIGNMENT_HEADERS, assignment_rows(cohort, student)),
        Heading("Tutors' comments"),
    ]
    comments = cohort.comments[
        (cohort.comments["student"] == student) & (cohort.comments["comments"] != "")
    ]
    for _, row in comments.iterrows():
        blocks.append(Text(row["comments"], label=f"{row['assignment'].replace('_', ' ')}:"))
    if comments.empty:
        blocks.append(Text("No written comments yet.", label=""))
    return Document("Leadership theme: marks and feedback", blocks)


def read_cohort(root: Path | None = None, env: dict[str, str] | None = None) -> tuple[Cohort, Path]:
    """The cohort from the course's gradebook, and the course's state folder."""
    settings = course_settings(root, env)
    if not settings.has_gradebook:
        raise DataError(
            f"There is no gradebook yet ({settings.db_url}): nothing has been graded to summarise."
        )
    with settings.gradebook() as gradebook:
        cohort = Cohort(
            grade_table(gradebook),
            names(gradebook),
            submission_times(gradebook),
            status(gradebook),
            tutor_comments(gradebook),
        )
    return cohort, settings.state


def write_summaries(
    out_dir: Path | None = None,
    *,
    students: list[str] | None = None,
    root: Path | None = None,
    env: dict[str, str] | None = None,
) -> list[Path]:
    """Write ``<username>.docx`` for each trainee who submitted (or those in ``students``); the paths written.

    ``out_dir`` defaults to ``exports/portfolio`` in the course's state folder.
    """
    cohort, state = read_cohort(root, env)
    out_dir = Path(out_dir or state / "exports" / "portfolio")
    out_dir.mkdir(parents=True, exist_ok=True)
    everyone = sorted(set(cohort.grades["student"]))
    unknown = sorted(set(students or []) - set(everyone))
    if unknown:
        raise DataError(
            f"{len(unknown)} of the trainees asked for have no graded submission in the gradebook; "
            "check the usernames (as in the export's student column)."
        )
    return [
        write_docx(trainee_summary(cohort, student), out_dir / f"{student}.docx")
        for student in (students or everyone)
    ]


def portfolio(student: list[str] | None = None, out: Path | None = None) -> int:
    """``changekit portfolio [--student NAME ...] [--out DIR]``: the Word summaries, and where they are."""
    written = write_summaries(out, students=student)
    if not written:
        print("No trainee has a graded submission yet: no Word summaries written.")
        return 0
    print(
        f"{len(written)} Word summar{'ies' if len(written) != 1 else 'y'} for the e-portfolio in "
        f"{written[0].parent}"
    )
    return 0

"""Moderation: who marked what and when, a second-marker sample, and agreed marks.

nbgrader's gradebook keeps one manual score per answer and not who gave it.
The course keeps the rest in two tables of its own in the same database as
the gradebook (SQLite or PostgreSQL), so that backups, several tutors at once
and ``CHANGEKIT_DB_URL`` all work as they do for the gradebook:

- ``changekit_marks``: every mark given, never overwritten: the answer
  (assignment, notebook, trainee, question), the score, the marker and the
  time (UTC), and whether it is a first mark (given in the formgrader, where
  the grading service records the tutor's hub login:
  ``changekit.hub.service_handlers.RecordedGradeHandler``), a second mark or
  an agreed mark;
- ``changekit_second_marking``: the sample each second marker re-marks, with
  the random seed it was drawn with, so the same draw can be made again.

A second mark is recorded beside the first and does not change the
gradebook; where the two differ by more than the tolerance, the agreed mark
the two markers settle on is written to the gradebook (the manual score, as
the formgrader writes it) and recorded with its marker.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from nbgrader.api import Gradebook, MissingEntry

from changekit.errors import DataError
from changekit.grading.gradebook import is_manual

FIRST, SECOND, AGREED = "first", "second", "agreed"
#: A first mark given before the grading service recorded markers, or outside it.
UNRECORDED = "(not recorded)"
#: What an erased marker's name becomes (``erase_person``).
ERASED = "(erased)"
DEFAULT_SHARE = 0.10

METADATA = sa.MetaData()
MARKS = sa.Table(
    "changekit_marks",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assignment", sa.String(128), nullable=False),
    sa.Column("notebook", sa.String(128), nullable=False),
    sa.Column("student", sa.String(128), nullable=False),
    sa.Column("grade_id", sa.String(128), nullable=False),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("marker", sa.String(128), nullable=False),
    sa.Column("marked_at", sa.DateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Index("changekit_marks_answer", "assignment", "student", "grade_id"),
)
SAMPLE = sa.Table(
    "changekit_second_marking",
    METADATA,
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("first_marker", sa.String(128), nullable=False),
    sa.Column("second_marker", sa.String(128), nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("share", sa.Float, nullable=False),
    sa.Column("drawn_at", sa.DateTime, nullable=False),
)

#: Columns of ``disagreements``.
DISAGREEMENT_COLUMNS = [
    "assignment",
    "student",
    "grade_id",
    "max_score",
    "first_mark",
    "first_marker",
    "second_mark",
    "second_marker",
    "difference",
    "agreed_mark",
    "agreed_by",
]


def tables(gradebook: Gradebook) -> sa.Engine:
    """The gradebook's database engine, with the moderation tables created if they are not there yet."""
    METADATA.create_all(gradebook.engine, checkfirst=True)
    return gradebook.engine


def _now() -> datetime:
    """Now, as the gradebook keeps times: UTC with no zone."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Answer:
    """One manually graded answer: which trainee's which question."""

    assignment: str
    notebook: str
    student: str
    grade_id: str


def record_mark(
    gradebook: Gradebook,
    answer: Answer,
    score: float | None,
    marker: str,
    kind: str = FIRST,
    when: datetime | None = None,
) -> None:
    """Add one mark to ``changekit_marks`` (the gradebook's own score is not touched here)."""
    if kind not in (FIRST, SECOND, AGREED):
        raise ValueError(f"kind must be {FIRST!r}, {SECOND!r} or {AGREED!r}")
    with tables(gradebook).begin() as connection:
        connection.execute(
            sa.insert(MARKS).values(
                assignment=answer.assignment,
                notebook=answer.notebook,
                student=answer.student,
                grade_id=answer.grade_id,
                score=score,
                marker=marker,
                marked_at=when or _now(),
                kind=kind,
            )
        )


def record_formgrader_mark(gradebook: Gradebook, grade_id: str, marker: str) -> None:
    """Record, as a first mark by ``marker``, the manual score the formgrader just saved.

    ``grade_id`` is nbgrader's id of the grade.
    """
    grade = gradebook.find_grade_by_id(grade_id)
    notebook = grade.notebook
    answer = Answer(
        notebook.assignment.assignment.name,
        notebook.notebook.name,
        notebook.assignment.student.id,
        grade.cell.name,
    )
    record_mark(gradebook, answer, grade.manual_score, marker, FIRST)


def marks(gradebook: Gradebook, assignment: str | None = None) -> pd.DataFrame:
    """Every recorded mark, oldest first (columns as ``changekit_marks``, without its id)."""
    query = sa.select(MARKS).order_by(MARKS.c.marked_at, MARKS.c.id)
    if assignment:
        query = query.where(MARKS.c.assignment == assignment)
    with tables(gradebook).connect() as connection:
        frame = pd.DataFrame(
            connection.execute(query).mappings().all(), columns=[c.name for c in MARKS.columns]
        )
    return frame.drop(columns="id")


def latest_marks(gradebook: Gradebook, assignment: str | None = None) -> pd.DataFrame:
    """Per answer and kind of mark, the latest one: assignment, student, grade_id, kind, score, marker, marked_at."""
    frame = marks(gradebook, assignment)
    keys = ["assignment", "student", "grade_id", "kind"]
    return (
        frame.groupby(keys, sort=False)
        .tail(1)
        .reset_index(drop=True)[[*keys, "score", "marker", "marked_at"]]
    )


def first_markers(gradebook: Gradebook, assignment: str) -> dict[str, str]:
    """Each marked submission's first marker: the tutor who gave most of its first marks (ties: by name).

    A submission whose answers are all marked but none through the grading
    service counts as marked by ``UNRECORDED``.
    """
    latest = latest_marks(gradebook, assignment)
    firsts = latest[latest["kind"] == FIRST]
    markers = {
        student: min(rows["marker"].value_counts().items(), key=lambda item: (-item[1], item[0]))[0]
        for student, rows in firsts.groupby("student")
    }
    for submission in gradebook.assignment_submissions(assignment):
        manual = [
            grade
            for notebook in submission.notebooks
            for grade in notebook.grades
            if grade.manual_score is not None
        ]
        if manual and submission.student.id not in markers:
            markers[submission.student.id] = UNRECORDED
    return markers


def sample_size(marked: int, share: float) -> int:
    """How many of a tutor's ``marked`` submissions a second marker re-marks: ``share`` of them, at least 1."""
    return min(marked, max(1, math.ceil(marked * share - 1e-9))) if marked else 0


def draw_sample(
    first: dict[str, str], second_markers: Sequence[str], *, share: float = DEFAULT_SHARE, seed: int
) -> dict[str, str]:
    """Which submissions each second marker re-marks: trainee -> second marker.

    ``first`` is trainee -> first marker (``first_markers``). From each first
    marker's submissions, ``sample_size`` are chosen at random with ``seed``
    (the same seed and the same marked submissions give the same sample), and
    each goes to a second marker other than its first marker, taking them in
    turn.
    """
    if not 0 < share <= 1:
        raise DataError(
            f"The share to second-mark must be more than 0 and at most 1 (0.1 is 10%); it was {share}."
        )
    if not second_markers:
        raise DataError("Name at least one second marker.")
    chosen: dict[str, str] = {}
    generator = random.Random(seed)
    turn = 0
    for marker in sorted(set(first.values())):
        own = sorted(student for student, by in first.items() if by == marker)
        others = [name for name in second_markers if name != marker]
        if not others:
            raise DataError(
                f"Every second marker named also gave the first marks of {len(own)} submissions: "
                "name another tutor as a second marker for them."
            )
        for student in sorted(generator.sample(own, sample_size(len(own), share))):
            chosen[student] = others[turn % len(others)]
            turn += 1
    return chosen


def choose_second_marking(
    gradebook: Gradebook,
    assignment: str,
    second_markers: Sequence[str],
    *,
    share: float = DEFAULT_SHARE,
    seed: int | None = None,
    replace: bool = False,
) -> pd.DataFrame:
    """Draw and record the second-marking sample of ``assignment``; return it (``second_marking``).

    Without ``seed`` a new random one is drawn and recorded. A sample already
    drawn for the assignment stands unless ``replace`` (its second marks are kept).
    """
    existing = second_marking(gradebook, assignment)
    if not existing.empty and not replace:
        raise DataError(
            f"{assignment} already has a second-marking sample ({len(existing)} submissions, "
            f"seed {existing['seed'].iloc[0]}). Ask for it to be replaced to draw again."
        )
    first = first_markers(gradebook, assignment)
    if not first:
        raise DataError(
            f"No submission of {assignment} has a tutor's mark yet: mark first, then draw the sample."
        )
    seed = secrets.randbelow(2**31) if seed is None else seed
    chosen = draw_sample(first, second_markers, share=share, seed=seed)
    drawn_at = _now()
    with tables(gradebook).begin() as connection:
        connection.execute(sa.delete(SAMPLE).where(SAMPLE.c.assignment == assignment))
        connection.execute(
            sa.insert(SAMPLE),
            [
                {
                    "assignment": assignment,
                    "student": student,
                    "first_marker": first[student],
                    "second_marker": second,
                    "seed": seed,
                    "share": share,
                    "drawn_at": drawn_at,
                }
                for student, second in chosen.items()
            ],
        )
    return second_marking(gradebook, assignment)


def second_marking(gradebook: Gradebook, assignment: str | None = None) -> pd.DataFrame:
    """The recorded sample: assignment, student, first_marker, second_marker, seed, share, drawn_at."""
    query = sa.select(SAMPLE).order_by(
        SAMPLE.c.assignment, SAMPLE.c.second_marker, SAMPLE.c.student
    )
    if assignment:
        query = query.where(SAMPLE.c.assignment == assignment)
    with tables(gradebook).connect() as connection:
        return pd.DataFrame(
            connection.execute(query).mappings().all(), columns=[c.name for c in SAMPLE.columns]
        )


def _manual_grade(gradebook: Gradebook, assignment: str, student: str, grade_id: str):
    """The gradebook's grade of one manually graded answer, or a DataError saying what is not there."""
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        raise DataError(
            f"There is no submission of {assignment} by that trainee in the gradebook."
        ) from None
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            if grade.cell.name == grade_id:
                if not is_manual(grade):
                    raise DataError(
                        f"'{grade_id}' in {assignment} is marked by its tests, not by a tutor."
                    )
                return grade
    raise DataError(
        f"{assignment} has no graded question '{grade_id}'. Check the question's name in the export."
    )


def _checked_score(grade, score: float) -> float:
    """``score`` if it lies between 0 and the question's maximum, else a DataError."""
    if not 0 <= score <= grade.max_score:
        raise DataError(
            f"A mark for '{grade.cell.name}' must be from 0 to {grade.max_score:g}; it was {score:g}."
        )
    return float(score)


def _answer(grade) -> Answer:
    notebook = grade.notebook
    return Answer(
        notebook.assignment.assignment.name,
        notebook.notebook.name,
        notebook.assignment.student.id,
        grade.cell.name,
    )


def record_second_mark(
    gradebook: Gradebook, assignment: str, student: str, grade_id: str, score: float, marker: str
) -> None:
    """Record a second marker's mark for one answer of a sampled submission (the gradebook keeps the first)."""
    sample = second_marking(gradebook, assignment)
    drawn = sample[sample["student"] == student]
    if drawn.empty:
        raise DataError(
            f"That submission of {assignment} is not in the second-marking sample: draw the "
            "sample first, and second-mark only the submissions it lists."
        )
    if drawn["first_marker"].iloc[0] == marker:
        raise DataError("A second mark must come from another tutor than the first marker.")
    grade = _manual_grade(gradebook, assignment, student, grade_id)
    record_mark(gradebook, _answer(grade), _checked_score(grade, score), marker, SECOND)


def disagreements(
    gradebook: Gradebook, assignment: str | None = None, *, tolerance: float = 0.0
) -> pd.DataFrame:
    """Second-marked answers whose second mark differs from the first by more than ``tolerance`` marks.

    One row per answer (``DISAGREEMENT_COLUMNS``), with the agreed mark and
    who recorded it where one has been (blank until then).
    """
    latest = latest_marks(gradebook, assignment)
    keys = ["assignment", "student", "grade_id"]
    by_kind = {kind: rows.set_index(keys) for kind, rows in latest.groupby("kind")}
    if SECOND not in by_kind:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    second = by_kind[SECOND]
    first_scores = _first_scores(gradebook, second.index)
    table = pd.DataFrame(
        {
            "first_mark": [first_scores[key][0] for key in second.index],
            "first_marker": [first_scores[key][1] for key in second.index],
            "max_score": [first_scores[key][2] for key in second.index],
            "second_mark": second["score"],
            "second_marker": second["marker"],
        },
        index=second.index,
    )
    table["difference"] = (table["second_mark"] - table["first_mark"]).abs()
    agreed = by_kind.get(AGREED, pd.DataFrame(columns=["score", "marker"]))
    table["agreed_mark"] = agreed["score"].reindex(table.index)
    table["agreed_by"] = agreed["marker"].reindex(table.index)
    differ = table["difference"].isna() | (table["difference"] > tolerance + 1e-9)
    return table[differ].reset_index().reindex(columns=DISAGREEMENT_COLUMNS)


def _first_scores(gradebook: Gradebook, keys: Iterable[tuple[str, str, str]]) -> dict:
    """Per answer key: its first mark (the last recorded first mark, else the gradebook's), its marker, its maximum."""
    latest = latest_marks(gradebook)
    firsts = latest[latest["kind"] == FIRST].set_index(["assignment", "student", "grade_id"])
    found = {}
    for key in keys:
        grade = _manual_grade(gradebook, *key)
        if key in firsts.index:
            found[key] = (firsts.loc[key, "score"], firsts.loc[key, "marker"], grade.max_score)
        else:
            found[key] = (grade.manual_score, UNRECORDED, grade.max_score)
    return found


def record_agreed_mark(
    gradebook: Gradebook, assignment: str, student: str, grade_id: str, score: float, marker: str
) -> None:
    """Write the agreed mark of a second-marked answer to the gradebook, and record it with its marker."""
    second = latest_marks(gradebook, assignment)
    has_second = (
        (second["student"] == student)
        & (second["grade_id"] == grade_id)
        & (second["kind"] == SECOND)
    ).any()
    if not has_second:
        raise DataError(
            f"'{grade_id}' of that submission of {assignment} has no second mark, so there is "
            "nothing to agree: an agreed mark settles a first and a second mark."
        )
    grade = _manual_grade(gradebook, assignment, student, grade_id)
    grade.manual_score = _checked_score(grade, score)
    grade.needs_manual_grade = False
    gradebook.db.commit()
    record_mark(gradebook, _answer(grade), grade.manual_score, marker, AGREED)


def status(
    gradebook: Gradebook, assignment: str | None = None, *, tolerance: float = 0.0
) -> pd.DataFrame:
    """Per submission: its first marker, second marker and moderation status, as the export shows them.

    Columns assignment, student, marker, second_marker, moderation: "not
    sampled", "awaiting second mark", "second mark agrees", "disagreement:
    awaiting agreed mark" or "agreed mark recorded".
    """
    names = [assignment] if assignment else [a.name for a in gradebook.assignments]
    sample = second_marking(gradebook, assignment).set_index(["assignment", "student"])
    latest = latest_marks(gradebook, assignment)
    differ = disagreements(gradebook, assignment, tolerance=tolerance)
    rows = []
    for name in names:
        first = first_markers(gradebook, name)
        for submission in gradebook.assignment_submissions(name):
            student = submission.student.id
            key = (name, student)
            second_marker = sample.loc[key, "second_marker"] if key in sample.index else ""
            mine = latest[(latest["assignment"] == name) & (latest["student"] == student)]
            open_ = differ[(differ["assignment"] == name) & (differ["student"] == student)]
            if not second_marker:
                state = "not sampled"
            elif not (mine["kind"] == SECOND).any():
                state = "awaiting second mark"
            elif open_.empty:
                state = "second mark agrees"
            elif open_["agreed_mark"].isna().any():
                state = "disagreement: awaiting agreed mark"
            else:
                state = "agreed mark recorded"
            rows.append(
                {
                    "assignment": name,
                    "student": student,
                    "marker": first.get(student, ""),
                    "second_marker": second_marker,
                    "moderation": state,
                }
            )
    return pd.DataFrame(
        rows, columns=["assignment", "student", "marker", "second_marker", "moderation"]
    )


def mentions(gradebook: Gradebook, name: str) -> int:
    """How many moderation rows name ``name``, as trainee or as marker (0 where the tables do not exist yet).

    Reads only: the tables are not created here.
    """
    if not set(METADATA.tables) <= set(sa.inspect(gradebook.engine).get_table_names()):
        return 0
    with gradebook.engine.connect() as connection:
        return sum(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(sa.or_(*[table.c[column] == name for column in columns]))
            ).scalar_one()
            for table, columns in (
                (MARKS, ("student", "marker")),
                (SAMPLE, ("student", "first_marker", "second_marker")),
            )
        )


def erase_person(gradebook: Gradebook, name: str) -> int:
    """Remove a trainee's moderation records and a tutor's name from marks they gave; how many rows changed.

    For ``changekit forget``: a trainee's marks and sample rows are deleted; a
    tutor's name in marks and samples becomes ``ERASED``.
    """
    with tables(gradebook).begin() as connection:
        changed = connection.execute(sa.delete(MARKS).where(MARKS.c.student == name)).rowcount
        changed += connection.execute(sa.delete(SAMPLE).where(SAMPLE.c.student == name)).rowcount
        changed += connection.execute(
            sa.update(MARKS).where(MARKS.c.marker == name).values(marker=ERASED)
        ).rowcount
        for column in ("first_marker", "second_marker"):
            changed += connection.execute(
                sa.update(SAMPLE).where(SAMPLE.c[column] == name).values({column: ERASED})
            ).rowcount
    return changed

"""Due dates, lateness and extensions, all in London time.

The course calendar (``calendar.toml`` in the course folder) gives each
assignment's due date as a London wall-clock time (GMT or BST as the date
falls). nbgrader keeps due dates in its gradebook as UTC without a zone, so
this module converts between the two, and every time a person reads is shown
in London time to the minute.

The late policy (README, "Deadlines and late work"): the last submission at or
before a trainee's own due date (the calendar's, plus any extension) is the
one collected and marked; a submission after it counts only when there was
none on time, and is flagged late. No marks are deducted: lateness is
reported to the tutor and in the export.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from changekit.errors import DataError

LONDON = ZoneInfo("Europe/London")
CALENDAR_FILE = "calendar.toml"


@dataclass(frozen=True)
class Calendar:
    """Each assignment's due date, as an aware datetime in London time."""

    due: Mapping[str, datetime]

    def due_utc(self, assignment: str) -> datetime | None:
        """The due date as nbgrader's gradebook stores it (UTC, no zone), or None if not set."""
        when = self.due.get(assignment)
        return None if when is None else gradebook_time(when)


def read_calendar(path: Path) -> Calendar:
    """The calendar in ``path`` (an empty one where the file does not exist).

    Each line under ``[due]`` is ``assignment = 2027-01-15T17:00:00`` in London
    time; a value with an offset or a zone is refused, because a tutor reading
    the file would misread it.
    """
    if not path.is_file():
        return Calendar({})
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise DataError(
            f"{path} is not a valid calendar file: {error}. "
            "Each line under [due] reads: assignment_name = 2027-01-15T17:00:00"
        ) from None
    due = table.get("due", {})
    if not isinstance(due, dict):
        raise DataError(
            f"{path}: 'due' must be a table: a line [due] followed by one line per assignment."
        )
    return Calendar({name: _london(name, value, path) for name, value in due.items()})


def _london(name: str, value: object, path: Path) -> datetime:
    """A calendar value as an aware London time, or a DataError naming the line."""
    if not isinstance(value, datetime) or value.tzinfo is not None:
        raise DataError(
            f"{path}: the due date of '{name}' ({value!r}) must be a London date and time with no "
            f"zone, written like {name} = 2027-01-15T17:00:00"
        )
    return value.replace(tzinfo=LONDON)


def course_calendar(root: Path) -> Calendar:
    """The calendar of the course in ``root``."""
    return read_calendar(root / CALENDAR_FILE)


def gradebook_time(when: datetime) -> datetime:
    """``when`` (aware) as nbgrader stores times: UTC with no zone."""
    return when.astimezone(UTC).replace(tzinfo=None)


def from_gradebook(when: datetime) -> datetime:
    """A gradebook time (UTC, no zone) as an aware London time."""
    return when.replace(tzinfo=UTC).astimezone(LONDON)


def london_text(when: datetime | None) -> str:
    """``when`` as a person reads it: 'Friday 15 January 2027, 17:00 GMT'; '' for None.

    A time with no zone is taken to be a gradebook time (UTC).
    """
    if when is None:
        return ""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    local = aware.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def due_note(due: datetime) -> str:
    """What a trainee reads under an assignment's title about its due date."""
    return (
        f"**Due: {london_text(due)}** (London time). Submit from the Assignment List before then; "
        "you can submit as often as you like, and your last submission before the due date is the one "
        "marked. A submission after it is marked only if you sent none in time, and is shown as late. "
        "If you need more time, ask your tutor for an extension before it is due."
    )


def personal_due(due: datetime | None, extension: timedelta | None) -> datetime | None:
    """A trainee's own due date: the assignment's plus their extension (either may be None)."""
    if due is None:
        return None
    return due + (extension or timedelta(0))


def extension_for(due: datetime, *, days: int = 0, hours: int = 0) -> timedelta:
    """The extension (as nbgrader stores it) that moves ``due`` (a gradebook time) by ``days`` and ``hours``.

    Days are London calendar days: a one-day extension of 17:00 on the Saturday
    before the clocks go forward ends at 17:00 on the Sunday, 23 hours later.
    Hours are elapsed hours.
    """
    local = from_gradebook(due)
    moved = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=LONDON)
    return gradebook_time(moved) - due + timedelta(hours=hours)


def seconds_late(submitted: datetime, due: datetime | None) -> float:
    """How many seconds after ``due`` the submission came (0 when on time or with no due date)."""
    if due is None:
        return 0.0
    return max(0.0, (submitted - due).total_seconds())


def chosen_submission(times: Iterable[datetime], due: datetime | None) -> datetime:
    """Which of one trainee's submission times counts under the late policy.

    The latest at or before ``due``; if none was on time, the latest of all.
    With no due date, the latest of all.
    """
    ordered = sorted(times, reverse=True)
    if not ordered:
        raise ValueError("chosen_submission needs at least one submission time")
    on_time = [when for when in ordered if due is None or when <= due]
    return on_time[0] if on_time else ordered[0]


def late_text(seconds: float) -> str:
    """How late, readably: '2 d 4 h', '3 h', '12 min' or 'under a minute' ('' when on time)."""
    if not seconds:
        return ""
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    days, hours = divmod(round(seconds / 3600), 24)
    return " ".join(
        part for part in (f"{days} d" if days else "", f"{hours} h" if hours else "") if part
    )


def lateness_text(late_seconds: float) -> str:
    """'on time', or how late ('2 d 4 h late', 'under a minute late')."""
    return f"{late_text(late_seconds)} late" if late_seconds > 0 else "on time"

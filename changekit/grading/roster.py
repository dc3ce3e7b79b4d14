"""Trainees' names from a roster CSV, put into the gradebook so the formgrader and the export show them.

nbgrader creates a trainee in the gradebook the first time it autogrades
them, with no name, so the formgrader lists "None, None". ``changekit roster``
reads ``roster.csv`` (one row per trainee: ``username``, ``first_name``,
``last_name`` and, optionally, ``email``) and adds or updates every trainee
in it, before or after they submit. The username is the trainee's hub login,
which is also their nbgrader student id.

A bad roster is refused as a whole, with every problem named by its line in
the file (the header is line 1) and its column; the values themselves are not
repeated, because they identify people.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook

from changekit.errors import DataError

ROSTER_FILE = "roster.csv"
REQUIRED = ("username", "first_name", "last_name")
OPTIONAL = ("email",)
#: What the hub and nbgrader accept as a login (as ``changekit forget`` checks it).
USERNAME = re.compile(r"[A-Za-z0-9_@][A-Za-z0-9_.@-]*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: Lines listed per problem before "and N more".
SHOWN = 10


@dataclass(frozen=True)
class Trainee:
    """One roster row."""

    username: str
    first_name: str
    last_name: str
    email: str | None = None


def _lines(numbers: list[int]) -> str:
    """'lines 3, 7 and 9' (at most ``SHOWN``, then how many more)."""
    shown = [str(n) for n in numbers[:SHOWN]]
    more = len(numbers) - len(shown)
    text = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return f"line{'s' if len(numbers) > 1 else ''} {text}" + (f" (and {more} more)" if more else "")


def _header_problem(path: Path, header: list[str] | None) -> str | None:
    """What is wrong with the roster's header line, if anything."""
    if not header:
        return (
            f"{path} is empty: its first line should be the header {','.join(REQUIRED + OPTIONAL)}."
        )
    columns = [column.strip() for column in header]
    missing = [column for column in REQUIRED if column not in columns]
    unknown = [column for column in columns if column not in REQUIRED + OPTIONAL]
    doubled = sorted(column for column, count in Counter(columns).items() if count > 1)
    if missing or unknown or doubled:
        parts = []
        if missing:
            parts.append(f"it has no column {', '.join(repr(c) for c in missing)}")
        if unknown:
            parts.append(
                f"the column{'s' if len(unknown) > 1 else ''} {', '.join(repr(c) for c in unknown)} "
                "{} not part of a roster".format("are" if len(unknown) > 1 else "is")
            )
        if doubled:
            parts.append(
                f"{', '.join(repr(c) for c in doubled)} appear{'s' if len(doubled) == 1 else ''} twice"
            )
        return (
            f"{path}: {'; '.join(parts)}. The first line must name the columns "
            f"{', '.join(REQUIRED)} and, if you like, email (and nothing else)."
        )
    return None


def read_roster(path: Path) -> list[Trainee]:
    """The trainees in the roster CSV at ``path``; a ``DataError`` naming every bad line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(
            f"There is no roster at {path}. Write one (a CSV file with the columns "
            f"{', '.join(REQUIRED)} and optional email) and give its path."
        ) from None
    except UnicodeDecodeError:
        raise DataError(
            f"{path} is not a text CSV file in UTF-8. Save it from your spreadsheet as "
            "'CSV UTF-8 (comma delimited)' and try again."
        ) from None
    except OSError as error:
        raise DataError(f"The roster {path} cannot be read ({error.strerror}).") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    problem = _header_problem(path, header)
    if problem:
        raise DataError(problem)
    columns = [column.strip() for column in header or []]
    problems: dict[str, list[int]] = {}
    trainees: list[tuple[int, Trainee]] = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) != len(columns):
            problems.setdefault(
                f"{'more' if len(cells) > len(columns) else 'fewer'} values than the "
                "header has columns (a comma inside a name needs the name in quotes)",
                [],
            ).append(line)
            continue
        row = {column: cell.strip() for column, cell in zip(columns, cells, strict=True)}
        for column in ("first_name", "last_name"):
            if not row[column]:
                problems.setdefault(f"no {column}", []).append(line)
        if not USERNAME.fullmatch(row["username"]):
            problems.setdefault(
                "a username that is blank or not a hub login (letters, digits, "
                "and _ . @ - only, no spaces)",
                [],
            ).append(line)
        email = row.get("email") or None
        if email is not None and not EMAIL.fullmatch(email):
            problems.setdefault(
                "an email that is not an e-mail address (leave it blank if unknown)", []
            ).append(line)
        trainees.append(
            (line, Trainee(row["username"], row["first_name"], row["last_name"], email))
        )
    seen: dict[str, int] = {}
    for line, trainee in trainees:
        if trainee.username and trainee.username in seen:
            problems.setdefault(
                "a username already on an earlier line (each trainee once)", []
            ).append(line)
        seen.setdefault(trainee.username, line)
    if problems:
        listed = "; ".join(f"{_lines(lines)}: {what}" for what, lines in problems.items())
        raise DataError(
            f"{path}: {listed}. Correct the roster and run this again; nothing was changed."
        )
    if not trainees:
        raise DataError(f"{path} has a header but no trainees: add one line per trainee.")
    return [trainee for _, trainee in trainees]


def apply_roster(gradebook: Gradebook, trainees: list[Trainee]) -> tuple[int, int]:
    """Add or update each trainee in the gradebook with their name and e-mail; (added, updated).

    A trainee already in the gradebook keeps their submissions and grades;
    an e-mail left blank in the roster leaves any e-mail already there.
    """
    known = {student.id for student in gradebook.students}
    for trainee in trainees:
        details = {"first_name": trainee.first_name, "last_name": trainee.last_name}
        if trainee.email:
            details["email"] = trainee.email
        gradebook.update_or_create_student(trainee.username, **details)
    added = sum(trainee.username not in known for trainee in trainees)
    return added, len(trainees) - added


def default_roster(root: Path, state: Path) -> Path:
    """Where the course keeps its roster: ``roster.csv`` in the state folder, else in the course folder.

    The state folder is the better place (it holds personal data already, and
    is backed up and erased with it); the course folder is read for a pilot.
    """
    in_state = state / ROSTER_FILE
    return (
        in_state if in_state.is_file() or not (root / ROSTER_FILE).is_file() else root / ROSTER_FILE
    )


def import_roster(
    path: Path | None = None, *, root: Path | None = None, env: dict[str, str] | None = None
) -> tuple[int, int]:
    """Read the roster (``path``, default ``default_roster``) into the course's gradebook; (added, updated).

    The whole roster is checked before anything is written.
    """
    from changekit.grading.gradebook import course_settings

    settings = course_settings(root, env)
    trainees = read_roster(Path(path) if path else default_roster(settings.root, settings.state))
    with settings.gradebook() as gradebook:
        return apply_roster(gradebook, trainees)


def roster(path: Path | None = None) -> int:
    """``changekit roster [PATH]``: trainees' names into the gradebook; a bad roster is a ``DataError``."""
    added, updated = import_roster(path)
    print(
        f"Roster read: {added} trainee{'s' if added != 1 else ''} added, {updated} updated with their "
        "names. The formgrader's Students page and `changekit export` show them."
    )
    return 0

"""Collection under the course's late policy, and extensions, through nbgrader's own gradebook.

``CollectOnTime`` is nbgrader's filesystem collect with one change: which of a
trainee's submissions it takes. It is set as ``ExchangeFactory.collect`` in
``nbgrader_config.py``, so the formgrader's Collect button, ``nbgrader
collect`` and ``changekit`` all collect the same way. Extensions live where
nbgrader keeps them (``SubmittedAssignment.extension``), so the formgrader and
autograde's lateness see them too.
"""

from __future__ import annotations

import glob
import os
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect

from changekit.errors import DataError
from changekit.grading.deadlines import (
    CALENDAR_FILE,
    chosen_submission,
    course_calendar,
    extension_for,
    personal_due,
)
from changekit.settings import Settings


class CollectOnTime(ExchangeCollect):
    """Collect each trainee's last submission at or before their own due date (else their last).

    The course calendar's due date is written into the gradebook first, so
    autograde reports lateness against it.
    """

    def init_src(self) -> None:
        super().init_src()
        assignment = self.coursedir.assignment_id
        due, extensions = self._due_and_extensions(assignment)
        by_trainee: dict[str, list[dict]] = defaultdict(list)
        student = self.coursedir.student_id or "*"
        for path in glob.glob(os.path.join(self.inbound_path, f"{student}+{assignment}+*")):
            record = self._path_to_record(path)
            by_trainee[record["username"]].append(record)
        self.src_records = []
        for trainee, records in sorted(by_trainee.items()):
            own_due = personal_due(due, extensions.get(trainee))
            chosen = chosen_submission((r["timestamp"] for r in records), own_due)
            self.src_records.append(next(r for r in records if r["timestamp"] == chosen))
        # A collected submission that is not the chosen one (a late copy collected
        # before an extension was granted, say) is replaced by the chosen one.
        self.before_duedate = True

    def _due_and_extensions(self, assignment: str) -> tuple[datetime | None, dict[str, timedelta]]:
        """The assignment's due date (the calendar's, written to the gradebook) and each trainee's extension."""
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            due = due_in_gradebook(gradebook, Path(self.coursedir.root), assignment)
            return due, extensions_in(gradebook, assignment)


def due_in_gradebook(gradebook: Gradebook, root: Path, assignment: str) -> datetime | None:
    """Write the course calendar's due date of ``assignment`` into the gradebook; return the gradebook's.

    Where the calendar has none, a due date set in the formgrader stands. None
    when the assignment is not in the gradebook or has no due date.
    """
    calendar_due = course_calendar(root).due_utc(assignment)
    if calendar_due is not None:
        return gradebook.update_or_create_assignment(assignment, duedate=calendar_due).duedate
    try:
        return gradebook.find_assignment(assignment).duedate
    except MissingEntry:
        return None


def extensions_in(gradebook: Gradebook, assignment: str) -> dict[str, timedelta]:
    """Every trainee's extension on ``assignment``."""
    return {
        submission.student.id: submission.extension
        for submission in gradebook.assignment_submissions(assignment)
        if submission.extension is not None
    }


def grant_extension(
    settings: Settings, assignment: str, trainee: str, *, days: int = 0, hours: int = 0
) -> timedelta | None:
    """Give ``trainee`` an extension on ``assignment`` (replacing any earlier one); 0 and 0 removes it.

    Days are London calendar days (see ``deadlines.extension_for``). Works
    before the trainee has submitted: the submission record nbgrader keeps
    extensions on is created, empty, and autograde fills it later. Returns the
    extension now in force.
    """
    if days < 0 or hours < 0:
        raise DataError(
            f"An extension cannot be negative (asked for {days} days and {hours} hours)."
        )
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        if assignment not in {a.name for a in gradebook.assignments}:
            raise DataError(
                f"There is no assignment '{assignment}' in the gradebook: release it first."
            )
        due = due_in_gradebook(gradebook, settings.root, assignment)
        if due is None:
            raise DataError(
                f"'{assignment}' has no due date: give it one in {CALENDAR_FILE}, then grant the extension."
            )
        gradebook.update_or_create_student(trainee)
        try:
            gradebook.find_submission(assignment, trainee)
        except MissingEntry:
            gradebook.add_submission(assignment, trainee)
        extension = extension_for(due, days=days, hours=hours)
        gradebook.grant_extension(assignment, trainee, minutes=extension.total_seconds() / 60)
        return gradebook.find_submission(assignment, trainee).extension

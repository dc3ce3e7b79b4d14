"""The course's error types: one base for every error a person can fix, and the data ones.

``ChangekitError`` is a request that cannot be done as given; its message,
written for the person who asked, says why and what to do. The ``changekit``
command shows it as that plain message with exit code 1, never a traceback
(see ``changekit.cli``); anything else that escapes a command is a bug (exit 2).
Every such error derives from it, under the name and in the module it always had:

- ``DataError`` (here): input data that cannot be used as given; also a ``ValueError``
- ``changekit.settings.CourseNotFound`` and ``SettingsError``: no course where the
  command runs, or a ``CHANGEKIT_*`` setting that cannot be used
- ``changekit.course.CourseError``: an nbgrader step failed (its output is in the message)
- ``changekit.grading.parallel.GradingError``: grading cannot start
- ``changekit.grading.demo.DemoError``: the demo cannot run where it was asked to
- ``changekit.admin.AdminError``: a backup, restore or erasure cannot be done as given
- ``changekit.hub.lifecycle.HubError``: the local hub cannot start

``DataError``'s message is written for a clinician, not a programmer: it names
the file, the column and the rows that are wrong and says how to fix them, so a
notebook can show it instead of a traceback.
"""


class ChangekitError(Exception):
    """A request that cannot be done as given; the message says why and what to do."""


class DataError(ChangekitError, ValueError):
    """Input data that cannot be used as given; the message says what to fix."""


class DataNote(UserWarning):
    """Data that was read, on an assumption the trainee should know about (shown, not raised)."""

"""The one error type for bad input data, and the note for data read on an assumption.

``DataError`` is a ``ValueError`` whose message is written for a clinician, not
a programmer: it names the file, the column and the rows that are wrong and
says how to fix them, so a notebook can show it instead of a traceback.
"""


class DataError(ValueError):
    """Input data that cannot be used as given; the message says what to fix."""


class DataNote(UserWarning):
    """Data that was read, on an assumption the trainee should know about (shown, not raised)."""

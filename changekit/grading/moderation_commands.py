"""``changekit moderate``: the second-marking sample, second marks, disagreements and agreed marks.

The first marks come from the formgrader (recorded with the tutor's login by
the grading service); these steps run the rest of moderation on the same
gradebook (``changekit.grading.moderation``). On the command line a marker
names themselves with ``--marker``. Each function is what one step of
``changekit moderate`` runs (``changekit.cli`` parses its options into the
keyword arguments); a request that cannot be done raises a ``DataError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from changekit.errors import DataError


@contextmanager
def _gradebook() -> Iterator[object]:
    """The course's gradebook, open; a ``DataError`` when there is none yet."""
    from changekit.grading.gradebook import course_settings

    settings = course_settings()
    if not settings.has_gradebook:
        raise DataError("There is no gradebook yet: release, collect and mark an assignment first.")
    with settings.gradebook() as gradebook:
        yield gradebook


def _show(table: pd.DataFrame, empty: str) -> int:
    """Print a table as the other commands do, or ``empty`` when it has no rows."""
    print(empty if table.empty else table.to_string(index=False))
    return 0


def sample(
    assignment: str,
    *,
    second_marker: list[str],
    share: float = 0.10,
    seed: int | None = None,
    replace: bool = False,
) -> int:
    """``moderate sample``: draw (and record) the submissions each second marker re-marks."""
    from changekit.grading.moderation import choose_second_marking

    with _gradebook() as gradebook:
        drawn = choose_second_marking(
            gradebook, assignment, second_marker, share=share, seed=seed, replace=replace
        )
    return _show(drawn, f"No submission of {assignment} was drawn for second marking.")


def status(assignment: str, *, tolerance: float = 0.0) -> int:
    """``moderate status``: per submission, its marker, second marker and moderation status."""
    from changekit.grading.moderation import status as moderation_status

    with _gradebook() as gradebook:
        table = moderation_status(gradebook, assignment, tolerance=tolerance)
    return _show(table, f"No submission of {assignment} has a recorded mark yet.")


def second_mark(assignment: str, trainee: str, question: str, score: float, *, marker: str) -> int:
    """``moderate second-mark``: record a second marker's mark for one answer."""
    from changekit.grading.moderation import record_second_mark

    with _gradebook() as gradebook:
        record_second_mark(gradebook, assignment, trainee, question, score, marker)
    print(
        "Second mark recorded; the gradebook keeps the first mark until an agreed mark is recorded."
    )
    return 0


def agree(assignment: str, trainee: str, question: str, score: float, *, marker: str) -> int:
    """``moderate agree``: record the agreed mark for one answer (it goes into the gradebook)."""
    from changekit.grading.moderation import record_agreed_mark

    with _gradebook() as gradebook:
        record_agreed_mark(gradebook, assignment, trainee, question, score, marker)
    print(
        "Agreed mark written to the gradebook (the formgrader shows it) and recorded with its marker."
    )
    return 0


def disagreements(assignment: str, *, tolerance: float = 0.0) -> int:
    """``moderate disagreements``: the answers whose second mark differs from the first."""
    from changekit.grading.moderation import disagreements as differing

    with _gradebook() as gradebook:
        table = differing(gradebook, assignment, tolerance=tolerance)
    return _show(table, f"No answer of {assignment} has a second mark that differs from its first.")

"""Where a problem is in a table, said the way a spreadsheet user counts rows.

Every reader in the course names the rows it cannot use as a trainee sees them
in Excel: the header is row 1, so the first data row is row 2. The helpers
here are the only place that counting is done:

- ``spreadsheet_rows``: the rows where a mask holds, as numbers;
- ``rows_phrase`` and ``rows_where``: the same as a short phrase for a
  message ("row 4", "rows 2, 5 and 9", "rows 2, 3, 4, 5, 6 and 40 more");
- ``require_unique``: the one check that a column's ids are not repeated,
  with the one message opening every reader uses
  ("Could not use '<file>': column '<name>', rows ... (the header is row 1) ...").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from changekit.errors import DataError

ROWS_SHOWN = 5
"""How many row numbers a message lists before it says "and N more"."""


def spreadsheet_rows(mask: pd.Series | np.ndarray) -> list[int]:
    """Rows where ``mask`` is True, numbered as in a spreadsheet (header = row 1).

    Counted by position in the table, whatever its index, so a table read
    from a file gives the rows as the file has them; a missing value counts
    as False.
    """
    if isinstance(mask, pd.Series):
        mask = mask.to_numpy(dtype=bool, na_value=False)
    return [int(i) + 2 for i in np.flatnonzero(mask)]


def rows_phrase(rows: list[int]) -> str:
    """Spreadsheet rows as a short phrase for a message.

    "row 4", "rows 2, 5 and 9" or "rows 2, 3, 4, 5, 6 and 40 more".
    """
    shown = ", ".join(str(r) for r in rows[:ROWS_SHOWN])
    if len(rows) == 1:
        return f"row {shown}"
    if len(rows) > ROWS_SHOWN:
        return f"rows {shown} and {len(rows) - ROWS_SHOWN} more"
    head, _, last = shown.rpartition(", ")
    return f"rows {head} and {last}"


def rows_where(mask: pd.Series) -> str:
    """Spreadsheet rows (the header is row 1) where ``mask`` is True, as a short phrase."""
    return rows_phrase(spreadsheet_rows(mask))


def require_unique(
    table: pd.DataFrame, column: str, path: str | Path, *, problem: str, fix: str, why: str = ""
) -> None:
    """Raise ``DataError`` if any value of ``column`` appears in more than one row.

    The message names the file and the column, lists every row holding a
    repeated value (all copies, so the trainee sees each pair), then says
    ``problem`` (what a repeat is here, e.g. "repeat the same child"), ``why``
    it matters (a sentence, if given) and the ``fix``. The repeated values
    themselves are not quoted: they are ids.
    """
    repeated = table[column].duplicated(keep=False)
    if repeated.any():
        raise DataError(
            f"Could not use '{Path(path).name}': column '{column}', {rows_where(repeated)} "
            f"(the header is row 1) {problem}. {why + ' ' if why else ''}To fix: {fix}."
        )

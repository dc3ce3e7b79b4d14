"""Rows counted as a spreadsheet counts them, and the one repeated-id check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from changekit.errors import DataError
from changekit.tables import on_distinct, require_unique, rows_phrase, rows_where, spreadsheet_rows


def test_rows_count_the_header_as_row_one() -> None:
    assert spreadsheet_rows(pd.Series([True, False, True])) == [2, 4]


def test_rows_are_counted_by_position_not_by_index_label() -> None:
    mask = pd.Series([False, True, True], index=[10, 3, 0])
    assert spreadsheet_rows(mask) == [3, 4]


def test_a_missing_value_counts_as_false_and_arrays_work_too() -> None:
    assert spreadsheet_rows(pd.Series([pd.NA, True], dtype="boolean")) == [3]
    assert spreadsheet_rows(np.array([True, False, True])) == [2, 4]
    assert spreadsheet_rows(pd.Series([], dtype=bool)) == []


@pytest.mark.parametrize(
    ("rows", "phrase"),
    [
        ([4], "row 4"),
        ([2, 9], "rows 2 and 9"),
        ([2, 5, 9], "rows 2, 5 and 9"),
        ([2, 3, 4, 5, 6], "rows 2, 3, 4, 5 and 6"),
        (list(range(2, 48)), "rows 2, 3, 4, 5, 6 and 41 more"),
    ],
)
def test_rows_phrase(rows: list[int], phrase: str) -> None:
    assert rows_phrase(rows) == phrase


def test_rows_where_is_the_phrase_for_a_mask() -> None:
    assert rows_where(pd.Series([False, True, False, True], index=[7, 6, 5, 4])) == "rows 3 and 5"


def test_require_unique_names_file_column_and_every_repeated_row_without_the_ids() -> None:
    table = pd.DataFrame({"child_id": ["C0001", "C0002", "C0001", "C0003"]})
    with pytest.raises(DataError) as raised:
        require_unique(
            table,
            "child_id",
            Path("folder") / "mine.csv",
            problem="repeat the same child",
            fix="remove the duplicate rows",
        )
    assert str(raised.value) == (
        "Could not use 'mine.csv': column 'child_id', rows 2 and 4 (the header is row 1) repeat the "
        "same child. To fix: remove the duplicate rows."
    )
    assert "C0001" not in str(raised.value)


def test_require_unique_says_why_before_the_fix_when_given() -> None:
    table = pd.DataFrame({"quote_id": ["Q01", "Q01"]})
    with pytest.raises(
        DataError,
        match=r"rows 2 and 3 \(the header is row 1\) share an id\. "
        r"Each quote needs its own id\. To fix: renumber them\.$",
    ):
        require_unique(
            table,
            "quote_id",
            "quotes.csv",
            problem="share an id",
            why="Each quote needs its own id.",
            fix="renumber them",
        )


def test_require_unique_accepts_distinct_values_and_leaves_the_table_alone() -> None:
    table = pd.DataFrame({"item": ["a", "b"]})
    assert require_unique(table, "item", "costs.csv", problem="p", fix="f") is None
    assert table["item"].tolist() == ["a", "b"]


def test_on_distinct_works_each_value_out_once_and_keeps_every_row() -> None:
    cells = pd.Series([" a", "b ", " a", np.nan, "b "], index=[5, 4, 3, 2, 1], name="reason")
    seen: list[int] = []

    def strip(values: pd.Series) -> pd.Series:
        seen.append(len(values))
        return values.str.strip()

    done = on_distinct(cells, strip)
    assert seen == [3], "each distinct value (the empty cell included) once"
    assert done.index.tolist() == [5, 4, 3, 2, 1] and done.name == "reason"
    assert (
        done.tolist()[:3] == ["a", "b", "a"] and done.tolist()[4] == "b" and pd.isna(done.iloc[3])
    )


def test_on_distinct_keeps_the_type_the_transform_returns() -> None:
    dates = on_distinct(pd.Series(["2025-03-13", "2025-03-13", "2025-01-01"]), pd.to_datetime)
    assert pd.api.types.is_datetime64_any_dtype(dates)
    assert dates.dt.day.tolist() == [13, 13, 1]

"""read_table and the sample-data readers: typed results and plain-English errors."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pandas as pd
import pytest

from changekit.data import (
    Column,
    DataError,
    Schema,
    read_table,
)
from changekit.governance import IdentifiableDataError
from changekit.referrals import REASONS, REFERRALS, read_referrals, read_services

SMALL = Schema(
    "small",
    (
        Column("service"),
        Column("count", "int", minimum=0),
        Column("seen_on", "date"),
        Column("outcome", allowed=("accepted", "redirected")),
        Column("note", required=False),
    ),
)
HEADER = "service,count,seen_on,outcome,note"
GOOD_ROWS = [
    "Health visiting,3,2024-01-31,accepted,",
    "School nursing,4,31/01/2024,redirected,see letter",
    "CAMHS,0,01/02/2024,accepted,",
]


def write(tmp_path: Path, rows: list[str], name: str = "extract.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def with_cell(row: int, column: str, value: str) -> list[str]:
    """GOOD_ROWS with one cell changed; ``row`` is the spreadsheet row (header = 1)."""
    rows = [r.split(",") for r in GOOD_ROWS]
    rows[row - 2][HEADER.split(",").index(column)] = value
    return [",".join(r) for r in rows]


# ---------------------------------------------------------------- the canonical files


def test_referrals_read_cleanly_with_types() -> None:
    table = read_referrals()
    assert list(table.columns) == REFERRALS.names
    assert 700 <= len(table) <= 1_400, "two years at about 15 a year per 1,000 of ~36,000 children"
    assert pd.api.types.is_datetime64_dtype(table["referral_date"])
    assert table["age_months"].dtype == "int64"
    assert table["decision_days"].dtype == "int64"
    assert pd.api.types.is_string_dtype(table["reason"])
    assert table.loc[table["outcome"] == "accepted", "redirected_to"].isna().all()
    assert table.loc[table["outcome"] == "redirected", "redirected_to"].notna().all()


def test_services_read_cleanly_with_types() -> None:
    table = read_services()
    assert "Community paediatrics" in set(table["service"])
    assert table["min_age_months"].dtype == "int64"
    assert table["max_age_months"].dtype == "int64"


def test_redirect_rate_is_calibrated() -> None:
    table = read_referrals()
    start = table["referral_date"].min().to_period("M")
    month = (table["referral_date"].dt.to_period("M") - start).map(lambda d: d.n) + 1
    redirected = table["outcome"] == "redirected"
    assert 0.30 <= redirected[month <= 12].mean() <= 0.40
    assert 0.12 <= redirected[month >= 19].mean() <= 0.20


def test_default_paths_follow_the_course_root(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CHANGEKIT_COURSE_ROOT", str(tmp_path))
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "data"))):
        read_referrals()


# ---------------------------------------------------------------- what a good file gives


def test_types_extra_columns_and_uk_dates(tmp_path: Path) -> None:
    path = write(tmp_path, [r + ",x" for r in GOOD_ROWS], header=HEADER + ",extra")
    table = read_table(path, SMALL)
    assert list(table["seen_on"].dt.strftime("%Y-%m-%d")) == [
        "2024-01-31",
        "2024-01-31",
        "2024-02-01",
    ]
    assert table["count"].dtype == "int64"
    assert list(table["extra"]) == ["x", "x", "x"], "extra columns are kept"
    assert table["note"].isna().sum() == 2, "empty optional cells are missing values"


def test_optional_int_column_is_nullable(tmp_path: Path) -> None:
    schema = Schema("s", (Column("service"), Column("count", "int", required=False)))
    table = read_table(write(tmp_path, ["A,", "B,2"], header="service,count"), schema)
    assert str(table["count"].dtype) == "Int64"
    assert table["count"].isna().tolist() == [True, False]


def _encoded(text: str, encoding: str) -> bytes:
    """``text`` as a file in ``encoding``; UTF-16 with its byte-order mark, as Excel writes it."""
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)  # "utf-16" writes a byte-order mark (little-endian here)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-be"])
def test_csv_encodings_excel_writes(tmp_path: Path, encoding: str) -> None:
    text = f"{HEADER}\r\nHealth visiting – £,1,2024-01-31,accepted,Zoë Brontë\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(_encoded(text, encoding))
    table = read_table(path, SMALL)
    assert table.loc[0, "service"] == "Health visiting – £"
    assert table.loc[0, "note"] == "Zoë Brontë"
    assert table.columns[0] == "service", "a byte-order mark must not stick to the header"


def test_semicolon_separated_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path, [r.replace(",", ";") for r in GOOD_ROWS], header=HEADER.replace(",", ";")
    )
    assert len(read_table(path, SMALL)) == 3


def test_xlsx_written_by_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "service": ["Health visiting – £", "CAMHS"],
            "count": [3, 0],
            "seen_on": pd.to_datetime(["2024-01-31", "2024-02-01 09:30"], format="ISO8601"),
            "outcome": ["accepted", "redirected"],
            "note": ["Zoë", None],
        }
    )
    path = tmp_path / "extract.xlsx"
    frame.to_excel(path, index=False)
    table = read_table(path, SMALL)
    assert table["service"].tolist() == ["Health visiting – £", "CAMHS"]
    assert table["count"].tolist() == [3, 0]
    assert table["seen_on"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-31", "2024-02-01"]
    assert table["note"].isna().tolist() == [False, True]


def test_trailing_empty_rows_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, [*GOOD_ROWS, ",,,,", ""])
    assert len(read_table(path, SMALL)) == 3


def test_multi_valued_allowed_column() -> None:
    table = read_services()
    assert table["reasons"].str.split(";").explode().isin(REASONS).all()


# ---------------------------------------------------------------- every error names file, column, row

CELL_ERRORS = [
    ("count", 3, "two", "'two'"),
    ("count", 4, "3.5", "whole number"),
    ("count", 2, "-1", "at least 0"),
    ("seen_on", 3, "13/31/2024", "day/month/year"),
    ("seen_on", 2, "01/13/2024", "month/day/year (US order)"),
    ("seen_on", 4, "31/02/2024", "'31/02/2024'"),
    ("seen_on", 2, "2024-13-01", "2024-03-31"),
    ("outcome", 3, "Accepted", "'accepted', 'redirected'"),
    ("outcome", 4, "", "empty"),
    ("service", 2, "", "empty"),
]


@pytest.mark.parametrize(("column", "row", "value", "says"), CELL_ERRORS)
def test_cell_errors_name_file_column_row_and_value(
    tmp_path: Path, column: str, row: int, value: str, says: str
) -> None:
    path = write(tmp_path, with_cell(row, column, value))
    with pytest.raises(DataError) as caught:
        read_table(path, SMALL)
    message = str(caught.value)
    assert "extract.csv" in message
    assert f"column '{column}'" in message
    assert f"row {row}" in message
    assert says in message
    assert "To fix" in message


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    rows = with_cell(2, "count", "lots")
    rows[1] = rows[1].replace("redirected", "maybe")
    with pytest.raises(DataError) as caught:
        read_table(write(tmp_path, rows), SMALL)
    message = str(caught.value)
    assert "column 'count', row 2" in message
    assert "column 'outcome', row 3" in message


def test_many_bad_rows_are_summarised(tmp_path: Path) -> None:
    rows = [f"S{i},x{i},2024-01-31,accepted," for i in range(20)]
    with pytest.raises(DataError, match=r"rows 2, 3, 4, 5, 6 and 15 more"):
        read_table(write(tmp_path, rows), SMALL)


def test_missing_columns_listed_with_near_matches(tmp_path: Path) -> None:
    header = "Service,count,Seen On,outcom,note"
    with pytest.raises(DataError) as caught:
        read_table(write(tmp_path, GOOD_ROWS, header=header), SMALL)
    message = str(caught.value)
    assert "extract.csv" in message
    assert "row 1" in message
    assert "'service', 'seen_on', 'outcome'" in message, "lists what is missing"
    assert "Columns found: 'Service', 'count', 'Seen On', 'outcom', 'note'" in message
    assert "rename 'Seen On' to 'seen_on'" in message
    assert "rename 'outcom' to 'outcome'" in message


def test_ragged_csv_names_the_row(tmp_path: Path) -> None:
    path = write(tmp_path, [*GOOD_ROWS[:2], GOOD_ROWS[2] + ",surplus"])
    with pytest.raises(DataError, match=r"'extract.csv'.*row 4"):
        read_table(path, SMALL)


def test_unknown_encoding_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(f"{HEADER}\n".encode() + b"A\x81\x8d,1,2024-01-31,accepted,\n")
    with pytest.raises(DataError, match=r"'odd.csv'.*row 2.*CSV UTF-8"):
        read_table(path, SMALL)


def test_missing_file_says_where_it_looked_and_suggests_names(tmp_path: Path) -> None:
    (tmp_path / "referrals.csv").write_text("x\n")
    with pytest.raises(DataError) as caught:
        read_table(tmp_path / "referals.csv", SMALL)
    message = str(caught.value)
    assert "'referals.csv'" in message and str(tmp_path) in message
    assert "Check the file name and the folder" in message
    assert "'referrals.csv'" in message


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("old.xls", b"anything", "'.xls' files are not supported"),
        ("fake.xlsx", b"not a zip", "not a readable Excel workbook"),
        ("renamed.csv", b"PK\x03\x04rest", "Excel workbook saved with a '.csv' name"),
        ("empty.csv", b"\n\n", "empty"),
    ],
)
def test_unreadable_files_say_how_to_save_them(
    tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=re.escape(says)) as caught:
        read_table(path, SMALL)
    assert name in str(caught.value)


def test_identifiable_data_is_refused_with_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, [r + ",943 476 5919" for r in GOOD_ROWS], header=HEADER + ",nhs_no")
    with pytest.raises(IdentifiableDataError) as caught:
        read_table(path, SMALL)
    message = str(caught.value)
    assert (
        "extract.csv" in message and "column 'nhs_no'" in message and "rows 2, 3 and 4" in message
    )
    assert "943" not in message, "the identifier itself is never echoed"


def test_identifiers_are_refused_before_any_message_could_quote_them(tmp_path: Path) -> None:
    path = write(tmp_path, with_cell(3, "count", "9434765919"))
    with pytest.raises(IdentifiableDataError) as caught:
        read_table(path, SMALL)
    assert "column 'count', row 3" in str(caught.value)
    assert "9434765919" not in str(caught.value)


def test_errors_are_value_errors() -> None:
    assert issubclass(DataError, ValueError)
    assert issubclass(IdentifiableDataError, DataError)

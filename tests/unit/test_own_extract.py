"""A trainee's own referral extract: their column names, outcome words, categories, dates and spreadsheet habits."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from changekit import data
from changekit.data import DataError
from changekit.errors import DataNote
from changekit.governance import IdentifiableDataError
from changekit.referrals import read_referrals

#: How a community paediatric service's own system might export its referrals.
OWN_HEADER = [
    "Ref no",
    "Date received",
    "GP practice",
    "Age (months)",
    "Reason",
    "Triage outcome",
    "Signposted to",
    "Days to decision",
    "Team",
]
OWN_ROWS = [
    ["R1", "13/03/2025", "F84001", "40", "Toe walking", "Accepted", "", "6", "North"],
    [
        "R2",
        "14/03/2025",
        "F84002",
        "52",
        "Speech delay",
        "Rejected - signposted",
        "health visiting ",
        "3",
        "North",
    ],
    [
        "R3",
        "17/03/2025",
        "F84001",
        "101",
        "Sleep",
        "rejected -  SIGNPOSTED",
        "School nursing",
        "4",
        "South",
    ],
]
COLUMNS = {
    "Ref no": "referral_id",
    "Date received": "referral_date",
    "GP practice": "practice_code",
    "Age (months)": "age_months",
    "Reason": "reason",
    "Triage outcome": "outcome",
    "Signposted to": "redirected_to",
    "Days to decision": "decision_days",
}
OUTCOMES = {"Rejected - signposted": "redirected"}


def csv_file(
    tmp_path: Path, rows: list[list[str]], header: list[str] = OWN_HEADER, name: str = "extract.csv"
) -> Path:
    path = tmp_path / name
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def with_dates(*dates: str) -> list[list[str]]:
    return [[*row[:1], date, *row[2:]] for row, date in zip(OWN_ROWS, dates, strict=False)]


def test_own_names_and_outcome_words_read_with_a_mapping(tmp_path: Path) -> None:
    table = read_referrals(csv_file(tmp_path, OWN_ROWS), columns=COLUMNS, outcomes=OUTCOMES)
    assert table["outcome"].tolist() == ["accepted", "redirected", "redirected"]
    assert table["referral_date"].tolist() == [pd.Timestamp(2025, 3, d) for d in (13, 14, 17)]
    assert table["age_months"].tolist() == [40, 52, 101]
    # Local categories are data: kept as the file has them, trimmed.
    assert table["reason"].tolist() == ["Toe walking", "Speech delay", "Sleep"]
    assert table["redirected_to"].tolist()[1:] == ["health visiting", "School nursing"]
    # Extra columns are kept.
    assert table["Team"].tolist() == ["North", "North", "South"]


def test_the_course_words_are_understood_in_any_case_without_a_mapping(tmp_path: Path) -> None:
    rows = [
        [*row[:5], word, *row[6:]]
        for row, word in zip(OWN_ROWS, ["Accepted", " REDIRECTED ", "accepted"], strict=True)
    ]
    table = read_referrals(csv_file(tmp_path, rows), columns=COLUMNS)
    assert table["outcome"].tolist() == ["accepted", "redirected", "accepted"]


def test_unknown_outcome_words_are_listed_with_the_line_to_write(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_referrals(csv_file(tmp_path, OWN_ROWS), columns=COLUMNS)
    message = str(caught.value)
    assert "column 'outcome'" in message and "rows 3 and 4" in message
    assert "'Rejected - signposted'" in message
    assert "outcomes={'Rejected - signposted': 'accepted or redirected'" in message


def test_an_outcome_mapped_to_neither_course_word_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match="map each of your outcome words to 'accepted' or 'redirected'"
    ):
        read_referrals(
            csv_file(tmp_path, OWN_ROWS), columns=COLUMNS, outcomes={"Rejected - signposted": "no"}
        )


def test_a_mapping_naming_a_column_the_file_lacks_lists_both_sets_of_names(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_referrals(
            csv_file(tmp_path, OWN_ROWS),
            columns={**COLUMNS, "Date recieved": "referral_date"},
            outcomes=OUTCOMES,
        )
    message = str(caught.value)
    assert "'Date recieved' is not a column of the file" in message
    assert "'Date received'" in message and "'referral_date'" in message


def test_without_a_mapping_the_error_shows_how_to_write_one(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"columns=\{'<name in your file>': 'referral_id', \.\.\.\}"
    ):
        read_referrals(csv_file(tmp_path, OWN_ROWS))


@pytest.mark.parametrize(
    "dates",
    [
        ("13/03/2025", "14/03/2025", "17/03/2025"),
        ("13-Mar-25", "14-Mar-25", "17-Mar-25"),
        ("13 March 2025", "14 March 2025", "17 March 2025"),
        ("13 Mar 2025", "14-Mar-2025", "17/03/25"),
        ("2025-03-13", "2025-03-14 09:30", "17.03.2025"),
    ],
)
def test_uk_and_iso_date_styles_are_read(tmp_path: Path, dates: tuple[str, ...]) -> None:
    table = read_referrals(
        csv_file(tmp_path, with_dates(*dates)), columns=COLUMNS, outcomes=OUTCOMES
    )
    assert table["referral_date"].tolist() == [pd.Timestamp(2025, 3, d) for d in (13, 14, 17)]


def test_dates_that_only_make_sense_month_first_are_refused_with_their_rows(tmp_path: Path) -> None:
    path = csv_file(tmp_path, with_dates("03/13/2025", "03/14/2025", "17/03/2025"))
    with pytest.raises(DataError) as caught:
        read_referrals(path, columns=COLUMNS, outcomes=OUTCOMES)
    message = str(caught.value)
    assert "column 'referral_date', rows 2 and 3" in message and "US order" in message


def test_a_file_whose_dates_read_either_way_is_read_day_first_and_says_so(tmp_path: Path) -> None:
    path = csv_file(tmp_path, with_dates("03/04/2025", "04/04/2025", "05/04/2025"))
    with pytest.warns(DataNote, match="read as day/month/year"):
        table = read_referrals(path, columns=COLUMNS, outcomes=OUTCOMES)
    assert table["referral_date"].tolist() == [pd.Timestamp(2025, 4, d) for d in (3, 4, 5)]


def test_one_unambiguous_date_settles_the_order_without_a_note(tmp_path: Path) -> None:
    path = csv_file(tmp_path, with_dates("03/04/2025", "13/04/2025", "05/04/2025"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataNote)
        table = read_referrals(path, columns=COLUMNS, outcomes=OUTCOMES)
    assert table["referral_date"].iloc[0] == pd.Timestamp(2025, 4, 3)


def test_an_empty_required_number_is_named_not_a_crash(tmp_path: Path) -> None:
    rows = [list(row) for row in OWN_ROWS]
    rows[1][3] = ""
    with pytest.raises(DataError) as caught:
        read_referrals(csv_file(tmp_path, rows), columns=COLUMNS, outcomes=OUTCOMES)
    assert "column 'age_months', row 3: found an empty cell" in str(caught.value)


def test_a_totals_row_at_the_bottom_is_named(tmp_path: Path) -> None:
    rows = [*OWN_ROWS, ["Total", "", "", "193", "", "", "", "13", ""]]
    with pytest.raises(DataError, match=r"row 5 looks like a totals row \('Total'\)"):
        read_referrals(csv_file(tmp_path, rows), columns=COLUMNS, outcomes=OUTCOMES)


def test_a_title_row_above_the_column_names_is_named(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    lines = [
        "Referrals to community paediatrics, March 2025" + "," * (len(OWN_HEADER) - 1),
        ",".join(OWN_HEADER),
        *(",".join(row) for row in OWN_ROWS),
    ]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="row 1 looks like a title or a merged heading.*in row 2"):
        read_referrals(path, columns=COLUMNS, outcomes=OUTCOMES)


def workbook(tmp_path: Path, rows: list[list[object]], title: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(OWN_HEADER))
    sheet.append(OWN_HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "extract.xlsx"
    book.save(path)
    return path


def excel_rows() -> list[list[object]]:
    """OWN_ROWS with real Excel date cells and numbers, as Excel itself saves them."""
    return [
        [row[0], datetime(2025, 3, day), row[2], int(row[3]), *row[4:7], int(row[7]), row[8]]
        for row, day in zip(OWN_ROWS, (13, 14, 17), strict=True)
    ]


def test_excel_date_cells_are_read(tmp_path: Path) -> None:
    table = read_referrals(workbook(tmp_path, excel_rows()), columns=COLUMNS, outcomes=OUTCOMES)
    assert table["referral_date"].tolist() == [pd.Timestamp(2025, 3, d) for d in (13, 14, 17)]
    assert table["decision_days"].tolist() == [6, 3, 4]


def test_a_merged_heading_in_a_workbook_is_named(tmp_path: Path) -> None:
    path = workbook(tmp_path, excel_rows(), title="Referrals, March 2025")
    with pytest.raises(DataError, match="merged heading.*in row 2"):
        read_referrals(path, columns=COLUMNS, outcomes=OUTCOMES)


def test_formulas_without_a_saved_value_are_named(tmp_path: Path) -> None:
    rows = excel_rows()
    rows[2][7] = "=H2+H3"  # written by a program: openpyxl saves no calculated value
    with pytest.raises(DataError) as caught:
        read_referrals(workbook(tmp_path, rows), columns=COLUMNS, outcomes=OUTCOMES)
    message = str(caught.value)
    assert "column 'Days to decision', row 4" in message and "Paste Special > Values" in message


def test_extra_columns_are_checked_for_identifiers_too(tmp_path: Path) -> None:
    rows = [[*row, nhs] for row, nhs in zip(OWN_ROWS, ["943 476 5919", "", ""], strict=True)]
    path = csv_file(tmp_path, rows, header=[*OWN_HEADER, "Notes"])
    with pytest.raises(IdentifiableDataError) as caught:
        read_referrals(path, columns=COLUMNS, outcomes=OUTCOMES)
    assert "Notes" in str(caught.value) and "943" not in str(caught.value)


def test_a_file_too_big_for_the_kernel_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = csv_file(tmp_path, OWN_ROWS * 2000)
    monkeypatch.setattr(data, "MAX_FILE_MB", 0.1)
    with pytest.raises(
        DataError, match=r"files over 0.1 MB are too big for your notebook's memory"
    ):
        read_referrals(path, columns=COLUMNS, outcomes=OUTCOMES)

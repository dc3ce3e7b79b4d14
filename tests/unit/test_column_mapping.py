"""The column-mapping form writes the read_referrals line a trainee's own extract needs, and checks it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from changekit.governance import IdentifiableDataError
from changekit.widgets.column_mapping import NOT_IN_FILE, column_mapping
from tests.unit.test_own_extract import COLUMNS, OWN_HEADER, OWN_ROWS, csv_file


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    return csv_file(tmp_path, OWN_ROWS)


def test_it_shows_the_files_names_and_first_rows(extract: Path) -> None:
    form = column_mapping(extract)
    assert form.columns["referral_date"].options == (NOT_IN_FILE, *OWN_HEADER)
    shown = form.widget.children[1].value
    assert "Toe walking" in shown and "Date received" in shown


def test_choosing_columns_and_outcome_words_writes_the_line_and_check_reads_the_file(
    extract: Path,
) -> None:
    form = column_mapping(extract)
    for course, file_name in ((c, f) for f, c in COLUMNS.items()):
        form.columns[course].value = file_name
    assert set(form.outcome_choices) == {"Rejected - signposted", "rejected -  SIGNPOSTED"}
    for dropdown in form.outcome_choices.values():
        dropdown.value = "redirected"
    assert form.code.value == (
        f"referrals = read_referrals({str(extract)!r}, columns={COLUMNS!r}, "
        "outcomes={'Rejected - signposted': 'redirected', 'rejected -  SIGNPOSTED': 'redirected'})"
    )
    table = form.check()
    assert table is not None and table["outcome"].tolist() == [
        "accepted",
        "redirected",
        "redirected",
    ]
    assert "Read 3 referrals" in form.result.value
    # The line it wrote reads the same table when pasted into a notebook.
    namespace: dict = {}
    exec("from changekit.referrals import read_referrals\n" + form.code.value, namespace)  # noqa: S102 (run as a notebook would)
    pd.testing.assert_frame_equal(namespace["referrals"], table)


def test_a_column_named_as_the_course_names_it_is_preset(tmp_path: Path) -> None:
    path = csv_file(tmp_path, OWN_ROWS, header=["Referral ID", *OWN_HEADER[1:]])
    assert column_mapping(path).columns["referral_id"].value == "Referral ID"


def test_check_shows_what_is_still_to_fix_instead_of_failing(extract: Path) -> None:
    form = column_mapping(extract)
    assert form.check() is None
    assert "Problem:" in form.result.value and 'role="alert"' in form.result.value


def test_a_file_with_identifiers_is_never_shown(tmp_path: Path) -> None:
    rows = [[*row[:8], "943 476 5919"] for row in OWN_ROWS]
    with pytest.raises(IdentifiableDataError):
        column_mapping(csv_file(tmp_path, rows))


def test_trainee_text_in_the_preview_is_escaped(tmp_path: Path) -> None:
    rows = [[*row[:4], "<img src=x onerror=alert(1)>", *row[5:]] for row in OWN_ROWS]
    shown = column_mapping(csv_file(tmp_path, rows)).widget.children[1].value
    assert "<img" not in shown and "&lt;img" in shown


def test_the_practice_extract_needs_a_mapping_and_reads_with_one(tmp_path: Path) -> None:
    from changekit.referrals import read_referrals
    from changekit.widgets.column_mapping import PRACTICE_NAMES, PRACTICE_OUTCOMES, practice_extract

    path = practice_extract(tmp_path, rows=50)
    form = column_mapping(path)
    assert form.columns["referral_date"].options == (NOT_IN_FILE, *PRACTICE_NAMES.values())
    for course, own in PRACTICE_NAMES.items():
        form.columns[course].value = own
    assert list(form.outcome_choices) == [PRACTICE_OUTCOMES["redirected"]], (
        "'Accepted' needs no mapping"
    )
    form.outcome_choices[PRACTICE_OUTCOMES["redirected"]].value = "redirected"
    table = form.check()
    assert table is not None and len(table) == 50
    assert set(table["outcome"]) == {"accepted", "redirected"}
    assert table["referral_date"].equals(read_referrals().head(50)["referral_date"])

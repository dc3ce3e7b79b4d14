"""Identifiers as real NHS exports carry them: headers, date and number formats, free text, and what messages say."""

from __future__ import annotations

import pandas as pd
import pytest

from changekit.data import DataError
from changekit.governance import (
    IdentifiableDataError,
    check_no_identifiers,
    mask,
    ten_digit_numbers,
)
from changekit.referrals import read_referrals

VALID = "9434765919"  # a made-up number with a valid modulus-11 check digit
GROUPED = {
    "non-breaking spaces": "943\u00a0476\u00a05919",
    "narrow spaces": "943\u202f476\u202f5919",
    "dots": "943.476.5919",
    "slashes": "943/476/5919",
    "en dashes": "943\u2013476\u20135919",
    "4-3-3 grouping": "9434 765 919",
    "double spaces": "943  476  5919",
}


def refused(table: pd.DataFrame) -> str:
    with pytest.raises(IdentifiableDataError) as caught:
        check_no_identifiers(table, source="extract.csv")
    return str(caught.value)


@pytest.mark.parametrize("written", GROUPED.values(), ids=GROUPED.keys())
def test_nhs_numbers_however_grouped_are_caught_and_not_repeated(written: str) -> None:
    message = refused(pd.DataFrame({"notes": ["seen", f"nhs no {written} in letter"]}))
    assert "column 'notes', row 3" in message and "NHS number" in message
    assert "5919" not in message and "919" not in message


def test_a_phone_number_and_a_wrong_check_digit_are_not_nhs_numbers() -> None:
    check_no_identifiers(
        pd.DataFrame({"contact": ["020 7946 0958", "943 476 5918", "0207 946 0958"]})
    )
    assert ten_digit_numbers("020 7946 0958") == []
    assert ten_digit_numbers(f"{VALID}/4010232137") == [VALID, "4010232137"]


@pytest.mark.parametrize("header", ["DateOfBirth", "D.O.B.", "Date born", "birthDate"])
@pytest.mark.parametrize("value", ["04-Mar-2015", "04/03/2015", "4 March 2015", "2015-03-04"])
def test_dates_of_birth_under_any_header_and_in_excel_display_forms(
    header: str, value: str
) -> None:
    message = refused(pd.DataFrame({header: [value]}))
    assert f"column '{header}', row 2: a full date of birth" in message
    assert value not in message


@pytest.mark.parametrize(
    "header", ["PatientName", "Pt name", "Name (child)", "ChildName", "Surname", "Forename"]
)
def test_name_columns_in_export_spellings(header: str) -> None:
    assert "a person's name" in refused(pd.DataFrame({header: ["Ada"]}))


@pytest.mark.parametrize(
    "text", ["home visit, sw1a 1aa, by HV", "lives at SW1A  1AA", "postcode: e1 6an"]
)
def test_postcodes_in_any_case_and_spacing_inside_free_text(text: str) -> None:
    message = refused(pd.DataFrame({"notes": [text]}))
    assert "a full postcode" in message
    assert "1aa" not in message.lower() and "6an" not in message.lower()


def test_an_outward_code_and_ordinary_words_are_not_postcodes() -> None:
    check_no_identifiers(
        pd.DataFrame({"area": ["SW1A", "E1"], "notes": ["seen at 10am", "x2 daily"]})
    )


def test_a_header_cell_that_is_an_identifier_is_caught_by_position() -> None:
    """A file whose first row is a child's record rather than column names."""
    message = refused(pd.DataFrame([["a"]], columns=[f"{VALID[:3]} {VALID[3:6]} {VALID[6:]}"]))
    assert "column number 1 (its name in row 1), row 1: a valid NHS number" in message
    assert VALID[6:] not in message


def test_the_message_says_how_to_proceed_after_a_false_alarm() -> None:
    assert "false alarm" in refused(pd.DataFrame({"name": ["Health visiting"]}))


def test_mask_hides_long_numbers_and_postcodes_only() -> None:
    assert mask("call 020 7946 0958 or SW1A 1AA, ref 12, age 40") == (
        "call [number hidden] or [postcode hidden], ref 12, age 40"
    )


def test_error_messages_about_other_problems_do_not_quote_long_numbers(tmp_path) -> None:
    path = tmp_path / "extract.csv"
    path.write_text(
        "referral_id,referral_date,practice_code,age_months,reason,outcome,redirected_to,decision_days\n"
        "R1,13/03/2025,F84001,ring 020 7946 0958,Sleep,accepted,,3\n"
    )
    with pytest.raises(DataError) as caught:
        read_referrals(path)
    assert "column 'age_months', row 2" in str(caught.value)
    assert "7946" not in str(caught.value) and "[number hidden]" in str(caught.value)


def test_decimals_are_not_nhs_numbers_but_dotted_groups_are() -> None:
    assert ten_digit_numbers("123.4567891") == []
    assert ten_digit_numbers("rate 94.34765919 per 1,000") == []
    assert ten_digit_numbers("943.476.5919") == [VALID]

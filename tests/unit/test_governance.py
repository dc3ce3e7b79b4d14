"""Identifier checks and small-number suppression, with generated inputs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from changekit.errors import DataError
from changekit.governance import (
    IdentifiableDataError,
    check_no_identifiers,
    find_identifiers,
    suppress_small_numbers,
)
from changekit.referrals import read_referrals, read_services

EXAMPLES = settings(max_examples=60, deadline=None)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_digit(first_nine: str) -> int:
    """The modulus-11 check digit (10 means no valid number has these first nine digits)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    return (11 - total % 11) % 11


def formatted(digits: str, style: str) -> str:
    """An NHS number written as plain digits, 3-3-4 with spaces, or 3-3-4 with dashes."""
    if style == "plain":
        return digits
    sep = " " if style == "spaced" else "-"
    return sep.join([digits[:3], digits[3:6], digits[6:]])


#: Edge numbers every run tries, all with valid check digits: a CHI number with its leading
#: zero (born 1 February 2003), the first and last CHI dates (1 January, 31 December), the
#: first number after the CHI range, and the last ten-digit number.
LEADING_ZERO_CHI = "0102031231"
EDGE_NUMBERS = (LEADING_ZERO_CHI, "0101000006", "3112990005", "3113000009", "9999999999")


@st.composite
def valid_nhs_numbers(draw) -> str:
    """Ten digits with a correct check digit: a Scottish CHI number (its first six digits a real
    date of birth, DDMMYY, so a zero first for the first nine days of a month: a spreadsheet that
    stores it as a number drops that zero) or a number of the ranges above CHI's (Northern
    Ireland, England, Wales and the rest)."""
    if draw(st.booleans()):
        born = draw(st.dates(date(1900, 1, 1), date(2099, 12, 31)))
        first_nine = born.strftime("%d%m%y") + f"{draw(st.integers(0, 999)):03d}"
    else:
        first_nine = f"{draw(st.integers(311_300_000, 999_999_999)):09d}"
    check = check_digit(first_nine)
    assume(check != 10)
    return first_nine + str(check)


@st.composite
def invalid_nhs_numbers(draw) -> str:
    """A valid number (see above) with its last digit changed, so that the check digit is wrong."""
    valid = draw(valid_nhs_numbers())
    last = draw(st.integers(0, 9).filter(lambda d: d != int(valid[-1])))
    return valid[:9] + str(last)


@st.composite
def postcodes(draw) -> tuple[str, str]:
    """(full postcode, its outward code) in UK format, e.g. ("SW1A 1AA", "SW1A")."""
    area = draw(st.text(LETTERS, min_size=1, max_size=2))
    district = str(draw(st.integers(0, 9))) + draw(st.sampled_from(["", *"0123456789", *LETTERS]))
    inward = str(draw(st.integers(0, 9))) + draw(st.text(LETTERS, min_size=2, max_size=2))
    outward = area + district
    return outward + draw(st.sampled_from([" ", ""])) + inward, outward


def table_with(
    value: object, *, column: str, position: int, row: int, rows: int = 4
) -> pd.DataFrame:
    """A harmless table with ``value`` in one cell of an extra column at ``position``."""
    frame = pd.DataFrame(
        {
            "referral_id": [f"R{i:06d}" for i in range(1, rows + 1)],
            "practice_code": ["Y90001"] * rows,
            "referral_date": pd.to_datetime(["2024-04-01"] * rows),
            "count": list(range(rows)),
        }
    )
    cells: list[object] = [""] * rows
    cells[row] = value
    frame.insert(position, column, cells)
    return frame


def refused(frame: pd.DataFrame) -> str:
    with pytest.raises(IdentifiableDataError) as caught:
        check_no_identifiers(frame, source="extract.csv")
    return str(caught.value)


# ---------------------------------------------------------------- NHS numbers


@EXAMPLES
@given(
    number=valid_nhs_numbers(),
    style=st.sampled_from(["plain", "spaced", "dashed"]),
    position=st.integers(0, 4),
    row=st.integers(0, 3),
)
@example(number=LEADING_ZERO_CHI, style="spaced", position=0, row=3)
def test_valid_nhs_numbers_are_always_caught(
    number: str, style: str, position: int, row: int
) -> None:
    message = refused(table_with(formatted(number, style), column="id", position=position, row=row))
    assert "column 'id'" in message and f"row {row + 2}" in message
    assert "valid NHS number" in message
    assert number not in message and number[:3] + " " + number[3:6] not in message


def with_examples(*cases: dict[str, object]):
    """Apply ``@example`` for each case (hypothesis's pins for the edges)."""

    def apply(test):
        for case in reversed(cases):
            test = example(**case)(test)
        return test

    return apply


@EXAMPLES
@given(number=valid_nhs_numbers(), row=st.integers(0, 3))
@with_examples(*({"number": number, "row": 1} for number in EDGE_NUMBERS))
def test_nhs_numbers_stored_as_numbers_or_inside_text_are_caught(number: str, row: int) -> None:
    as_int = pd.DataFrame({"nhs": [int(number) if i == row else 1 for i in range(4)]})
    assert f"row {row + 2}" in refused(as_int)
    in_text = table_with(
        f"see NHS no. {formatted(number, 'spaced')}.", column="notes", position=0, row=row
    )
    assert f"row {row + 2}" in refused(in_text)


@EXAMPLES
@given(
    number=invalid_nhs_numbers(),
    style=st.sampled_from(["plain", "spaced", "dashed"]),
    position=st.integers(0, 4),
)
def test_ten_digits_with_a_wrong_check_digit_are_not_caught(
    number: str, style: str, position: int
) -> None:
    assert (
        find_identifiers(
            table_with(formatted(number, style), column="id", position=position, row=1)
        )
        == []
    )
    corrected = number[:9] + str(check_digit(number[:9]))  # the right check digit is caught
    assert find_identifiers(
        table_with(formatted(corrected, style), column="id", position=position, row=1)
    )


@pytest.mark.parametrize("order", ["valid first", "valid second"])
@pytest.mark.parametrize("separator", [" and ", ", ", "/", "\n"])
def test_every_ten_digit_number_in_a_cell_is_checked(order: str, separator: str) -> None:
    """A cell holding two numbers (a reference and an NHS number) is caught whichever comes first."""
    valid, invalid = "9434765919", "9434765918"
    numbers = [valid, invalid] if order == "valid first" else [invalid, valid]
    message = refused(table_with(separator.join(numbers), column="notes", position=0, row=2))
    assert "column 'notes', row 4: a valid NHS number" in message
    assert (
        find_identifiers(
            table_with(f"{invalid}{separator}{invalid}", column="notes", position=0, row=2)
        )
        == []
    )


def test_scottish_chi_number_with_a_real_date_is_caught() -> None:
    first_nine = "010203123"  # born 1 February 2003
    number = first_nine + str(check_digit(first_nine))
    assert check_digit(first_nine) != 10
    assert "row 3" in refused(table_with(number, column="chi", position=0, row=1))


# ---------------------------------------------------------------- postcodes


@EXAMPLES
@given(code=postcodes(), lower=st.booleans(), position=st.integers(0, 4), row=st.integers(0, 3))
def test_full_postcodes_are_caught(
    code: tuple[str, str], lower: bool, position: int, row: int
) -> None:
    full = code[0].lower() if lower else code[0]
    message = refused(table_with(full, column="home", position=position, row=row))
    assert "column 'home'" in message and f"row {row + 2}" in message and "postcode" in message
    assert code[0] not in message


@EXAMPLES
@given(code=postcodes(), position=st.integers(0, 4))
def test_outward_codes_are_allowed(code: tuple[str, str], position: int) -> None:
    assert find_identifiers(table_with(code[1], column="area", position=position, row=0)) == []
    assert find_identifiers(table_with(code[0], column="area", position=position, row=0))


def test_postcode_inside_an_address_is_caught() -> None:
    assert "row 2" in refused(
        table_with("12 High Street, London SW1A 1AA", column="address", position=0, row=0)
    )


# ---------------------------------------------------------------- dates of birth and names


@pytest.mark.parametrize("column", ["Date of Birth", "dob", "DOB", "birth_date", "child_birthdate"])
@pytest.mark.parametrize(
    "value", ["2015-03-04", "04/03/2015", "4 March 2015", pd.Timestamp("2015-03-04")]
)
def test_full_dates_of_birth_are_caught(column: str, value: object) -> None:
    frame = table_with(value, column=column, position=1, row=2)
    if isinstance(value, pd.Timestamp):
        frame[column] = pd.to_datetime(frame[column].replace("", None))
    message = refused(frame)
    assert f"column '{column}'" in message and "row 4" in message and "date of birth" in message
    assert "2015" not in message


@pytest.mark.parametrize(
    ("column", "value"),
    [("year_of_birth", 2015), ("dob", "2015"), ("dob", "03/2015"), ("age_months", 37)],
)
def test_age_and_year_of_birth_are_allowed(column: str, value: object) -> None:
    assert find_identifiers(table_with(value, column=column, position=0, row=0)) == []


@pytest.mark.parametrize(
    "column",
    ["name", "Name", "First Name", "firstname", "surname", "Forename", "patient_name",
     "Child's name", "child name", "mother_name", "name_of_child", "Full name"],
)  # fmt: skip
def test_name_columns_with_values_are_caught(column: str) -> None:
    message = refused(table_with("Alex", column=column, position=2, row=3))
    assert f"column '{column}'" in message and "row 5" in message and "name" in message
    assert "Alex" not in message


@pytest.mark.parametrize(
    "column", ["practice_name", "service", "service_name", "username_count", "gp_practice"]
)
def test_other_name_like_columns_are_allowed(column: str) -> None:
    assert find_identifiers(table_with("Alex", column=column, position=0, row=0)) == []


def test_empty_name_column_is_allowed() -> None:
    assert find_identifiers(table_with("", column="surname", position=0, row=0)) == []
    assert find_identifiers(table_with("Alex", column="surname", position=0, row=0))


def test_message_explains_why_and_how_to_fix() -> None:
    message = refused(table_with("SW1A 1AA", column="postcode", position=0, row=0))
    assert message.startswith("extract.csv")
    assert "Why this matters" in message and "synthetic or anonymised" in message
    assert "To fix: keep only the outward code" in message


def test_every_finding_is_reported_together() -> None:
    frame = table_with("SW1A 1AA", column="postcode", position=0, row=0).assign(surname="Smith")
    message = refused(frame)
    assert "column 'postcode'" in message and "column 'surname'" in message


def test_course_data_passes() -> None:
    for table in (read_referrals(), read_services()):
        assert len(table) > 0
        assert find_identifiers(table) == []


# ---------------------------------------------------------------- small-number suppression


@EXAMPLES
@given(
    counts=st.lists(st.integers(-3, 60), min_size=1, max_size=30),
    threshold=st.integers(1, 10),
)
def test_small_counts_never_survive_and_others_are_unchanged(
    counts: list[int], threshold: int
) -> None:
    table = pd.DataFrame({"group": [f"g{i}" for i in range(len(counts))], "n": counts})
    before = table.copy()
    result = suppress_small_numbers(table, threshold=threshold)
    pd.testing.assert_frame_equal(table, before)  # the input is never modified
    for original, shown in zip(counts, result["n"], strict=True):
        if 1 <= original <= threshold - 1:
            assert shown == f"<{threshold}"
        else:
            assert shown == original and not isinstance(shown, str)
    assert result["group"].tolist() == table["group"].tolist()


def test_zero_stays_zero_and_default_marker_is_less_than_five() -> None:
    result = suppress_small_numbers(pd.DataFrame({"n": [0, 1, 4, 5, 12]}))
    assert result["n"].tolist() == [0, "<5", "<5", 5, 12]


def test_default_columns_are_the_integer_columns() -> None:
    table = pd.DataFrame(
        {"n": [2, 9], "rate": [2.0, 3.0], "flag": [True, False], "label": ["2", "3"]}
    )
    result = suppress_small_numbers(table)
    assert result["n"].tolist() == ["<5", 9]
    pd.testing.assert_frame_equal(result.drop(columns="n"), table.drop(columns="n"))


def test_chosen_columns_threshold_marker_and_nullable_ints() -> None:
    table = pd.DataFrame({"a": pd.array([3, None, 10], dtype="Int64"), "b": [3, 3, 3]})
    result = suppress_small_numbers(table, ["a"], threshold=8, marker="*")
    assert result["a"].tolist()[0] == "*" and pd.isna(result["a"].tolist()[1])
    assert result["a"].tolist()[2] == 10
    assert result["b"].tolist() == [3, 3, 3]


def test_bad_arguments_explain_themselves() -> None:
    table = pd.DataFrame({"n": [1], "label": ["x"]})
    with pytest.raises(DataError, match="no column named 'm'"):
        suppress_small_numbers(table, ["m"])
    with pytest.raises(DataError, match="'label' does not hold numbers"):
        suppress_small_numbers(table, ["label"])
    with pytest.raises(ValueError, match="threshold must be 1 or more"):
        suppress_small_numbers(table, threshold=0)

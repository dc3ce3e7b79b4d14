"""Keep patient-identifiable data out of the course, and small numbers out of exports.

The course runs on synthetic data, but trainees may bring an extract from their
own service. ``check_no_identifiers`` refuses a table that holds anything that
identifies a child - NHS numbers, full postcodes, full dates of birth, names -
before it reaches a notebook. ``suppress_small_numbers`` hides small counts in
anything a trainee exports (1 to 4 shown as "<5" by default), so that a child
cannot be recognised from a table. Publishers' rules differ: NHS England's Hospital
Episode Statistics, for one, hide 1 to 7 and round other counts to the nearest 5.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import nhs_number
import numpy as np
import pandas as pd

from changekit.errors import DataError
from changekit.tables import rows_phrase, spreadsheet_rows

__all__ = [
    "Finding",
    "IdentifiableDataError",
    "check_free_text",
    "check_no_identifiers",
    "find_identifiers",
    "identifiers_in_text",
    "suppress_small_numbers",
]

# What may stand between the digit groups of a number as exports write it: any
# Unicode space (a non-breaking one from Excel included), a slash or a dash. A dot
# only in the 3.3.4 form: elsewhere it is a decimal point (Value 123.4567891).
_SEPARATOR = r"[\s/\-\u2010-\u2015]"
_DOTTED = re.compile(r"(?<![\d.])\d{3}\.\d{3}\.\d{4}(?![\d.])")
# Ten digits, grouped in any way (3-3-4, 4-3-3, none). The first pattern is a
# cheap filter for whole columns; the second finds runs of digit groups in a cell.
_NHS_FILTER = rf"\d(?:{_SEPARATOR}{{0,3}}\d){{9}}"
_DIGIT_GROUPS = re.compile(rf"\d+(?:{_SEPARATOR}{{1,3}}\d+)*")
# A full UK postcode: outward code (area, district) and inward code (sector, unit),
# in any case and spacing. An outward code alone ("SW1A") does not match.
_POSTCODE = r"(?:[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}|GIR\s*0AA)"
# A date with day, month and year, as systems and Excel write them (2015-03-04,
# 04/03/2015, 04-Mar-2015, 4th March 2015); month-and-year or year alone does not match.
_FULL_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{1,2}(?:st|nd|rd|th)?[ /-][A-Za-z]{3,9},?[ /-]\d{2,4}"
)
_BIRTH_DATE_COLUMN = re.compile(
    r"\b(dob|d o b|date of birth|birth ?date|birthday|date born|born)\b"
)
_PERSON = (
    r"(patient|pt|child|children|baby|infant|mother|mum|father|dad|parent|carer|guardian|client|pupil"
    r"|person|young person)s?"
)
_BIRTH_WORDS = r"(?:d\.? ?o\.? ?b\b\.?|date of birth|birth ?date|birthday|born)"
# In free text a full date is a date of birth only when a word next to it says so
# ("DOB: 03/04/2019", "born on 3 March 2019", "12.05.2018 (date of birth)"): a
# PDSA cycle or a SMART aim's deadline is a full date too.
_BIRTH_DATE_IN_TEXT = re.compile(
    rf"\b{_BIRTH_WORDS}\W{{0,3}}(?:on |was |is )?(?:{_FULL_DATE})|(?:{_FULL_DATE})\W{{0,3}}{_BIRTH_WORDS}",
    re.IGNORECASE,
)
_NAME_COLUMN = re.compile(
    r"^(full )?names?$"
    r"|\b(first|last|family|given|middle|maiden|fore|sur|christian) ?names?\b"
    rf"|\b{_PERSON} (full )?names?\b|\bnames? (of )?(the )?{_PERSON}\b"
)

WHY = (
    "Why this matters: names, NHS numbers, full dates of birth and full postcodes identify "
    "a child, and patient-identifiable data must never leave the clinical record system for "
    "course work. This course uses only synthetic or anonymised data."
)


FALSE_ALARM = (
    "If a flagged column holds no patient data (a false alarm: a service's phone number that happens "
    "to pass the NHS number check, a practice code shaped like a postcode, a column called 'name' that "
    "holds service names), rename or remove that column in your copy of the file and read it again: "
    "the check itself is never switched off."
)


class IdentifiableDataError(DataError):
    """A table holds data that could identify a patient; the message says where and what to do."""


@dataclass(frozen=True)
class Finding:
    """One kind of identifier found in one column, at the given spreadsheet rows."""

    column: str
    rows: list[int]
    what: str
    fix: str


@dataclass(frozen=True)
class _Check:
    """A kind of identifier: how to spot it in a column and how to remove it."""

    what: str
    fix: str
    detect: Callable[[str, pd.Series], pd.Series]


def _column_text(column: pd.Series) -> pd.Series:
    """The column as text ("" where empty), so one set of patterns covers every dtype.

    Dates become YYYY-MM-DD. Whole numbers of 9 or 10 digits become 10-digit
    strings with any leading zero restored (a spreadsheet drops it), because that
    is how NHS numbers end up as numbers; other numbers and booleans cannot hold
    an identifier.
    """
    empty = pd.Series("", index=column.index, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(column):
        return empty
    if pd.api.types.is_numeric_dtype(column):
        values = pd.to_numeric(column, errors="coerce").astype("float64")
        candidate = (values >= 1e8) & (values < 1e10) & (values % 1 == 0)
        empty[candidate] = [f"{int(v):010d}" for v in values[candidate]]
        return empty
    return column.astype(object).where(column.notna(), "").astype(str)


def _nhs_numbers(_name: str, text: pd.Series) -> pd.Series:
    """Cells holding a 10-digit number, however grouped, whose modulus-11 check digit is valid."""
    candidates = text.str.contains(_NHS_FILTER, regex=True) | text.str.contains(_DOTTED, regex=True)
    found = pd.Series(False, index=text.index)
    for label in candidates[candidates].index:
        found[label] = any(nhs_number.is_valid(n) for n in ten_digit_numbers(text[label]))
    return found


def ten_digit_numbers(text: str) -> list[str]:
    """Every 10-digit number in ``text``: consecutive digit groups whose digits add up to exactly ten.

    "943 476 5919", "9434 765 919" and "9434765919/4010232137" hold such
    numbers; a phone number "020 7946 0958" (eleven digits) does not.
    """
    numbers = [dotted.replace(".", "") for dotted in _DOTTED.findall(text)]
    for run in _DIGIT_GROUPS.findall(text):
        groups = re.findall(r"\d+", run)
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) >= 10:
                    break
            if len(digits) == 10:
                numbers.append(digits)
    return numbers


def _postcodes(_name: str, text: pd.Series) -> pd.Series:
    """Cells that are, or contain, a full postcode in any case and spacing."""
    return text.str.contains(rf"(?<![A-Za-z0-9]){_POSTCODE}(?![A-Za-z0-9])", regex=True)


def _birth_dates(name: str, text: pd.Series) -> pd.Series:
    """Full dates in a column named like a date of birth (year of birth is fine)."""
    if not _BIRTH_DATE_COLUMN.search(name):
        return pd.Series(False, index=text.index)
    return text.str.contains(_FULL_DATE, regex=True)


def _names(name: str, text: pd.Series) -> pd.Series:
    """Filled cells in a column named like a person's name (not a practice or service name)."""
    if not _NAME_COLUMN.search(name):
        return pd.Series(False, index=text.index)
    return text.str.strip() != ""


_NHS_CHECK = _Check(
    "a valid NHS number (10 digits with a correct check digit)",
    "delete the column, or replace each number with a pseudonymous id (such as R000001) "
    "whose key stays in the clinical system",
    _nhs_numbers,
)
_POSTCODE_CHECK = _Check(
    "a full postcode",
    "keep only the outward code (for example 'SW1A'), or replace the postcode with a "
    "deprivation decile",
    _postcodes,
)
_BIRTH_DATE_CHECK = _Check(
    "a full date of birth",
    "replace it with age in months at the time of the event, or with year of birth",
    _birth_dates,
)
_CHECKS = (
    _NHS_CHECK,
    _POSTCODE_CHECK,
    _BIRTH_DATE_CHECK,
    _Check(
        "a person's name",
        "delete the column; use a pseudonymous id if you need to tell children apart",
        _names,
    ),
)


def _normalised_name(name: object) -> str:
    """A column name in lower case with punctuation as spaces and CamelCase split.

    "Child's Name" -> "childs name", "DateOfBirth" -> "date of birth", "Name (child)" -> "name child".
    """
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name))
    text = re.sub(r"['\u2019]", "", words.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def find_identifiers(df: pd.DataFrame, place_names: Iterable[str] = ()) -> list[Finding]:
    """Every identifier found, column by column, with spreadsheet row numbers ([] if none).

    Each check runs on a column's distinct values only (most columns repeat a
    few categories), then maps back to the rows. Columns in ``place_names``
    are known to name places, not people (Fingertips' "Parent Name" is the
    parent area): their header does not make them a name column, and every
    other check still runs on them.
    """
    findings = _header_findings(df)
    for position, label in enumerate(df.columns):
        codes, distinct = pd.factorize(_column_text(df.iloc[:, position]))
        text = pd.Series(distinct, dtype=object).astype(str)
        name = _normalised_name(label)
        for check in _CHECKS:
            if check.detect is _names and label in place_names:
                continue
            rows = spreadsheet_rows(check.detect(name, text).to_numpy(dtype=bool)[codes])
            if rows:
                findings.append(Finding(column_label(label, position), rows, check.what, check.fix))
    return findings


def _header_findings(df: pd.DataFrame) -> list[Finding]:
    """Identifiers in the header cells themselves (a file whose first row is a patient's record)."""
    headers = pd.Series([str(label) for label in df.columns], dtype=object)
    findings = []
    for check in (_NHS_CHECK, _POSTCODE_CHECK):
        for position in np.flatnonzero(check.detect("", headers).to_numpy(dtype=bool)):
            findings.append(
                Finding(
                    f"{POSITION}{int(position) + 1} (its name in row 1)", [1], check.what, check.fix
                )
            )
    return findings


#: How a finding names a column by its position (counting from 1) where its name must not be repeated.
POSITION = "number "


def column_label(label: object, position: int) -> str:
    """A column's name, or ``number N`` where the name itself looks identifying and must not be repeated."""
    name = str(label)
    return f"{POSITION}{position + 1}" if mask(name) != name else name


def column_phrase(column: str) -> str:
    """How a message names a finding's column: "column 'Notes'" or "column number 3"."""
    return f"column {column}" if column.startswith(POSITION) else f"column '{column}'"


def mask(text: str) -> str:
    """``text`` with anything that could be an identifier hidden: runs of nine or more digits, postcodes.

    For every message that quotes what a trainee's file holds, so that no
    message repeats an NHS number, a phone number or a postcode.
    """
    hidden = re.sub(rf"\d(?:{_SEPARATOR}{{0,3}}\d){{8,}}", "[number hidden]", text)
    return re.sub(rf"(?<![A-Za-z0-9]){_POSTCODE}(?![A-Za-z0-9])", "[postcode hidden]", hidden)


def check_no_identifiers(
    df: pd.DataFrame, *, source: str = "this table", place_names: Iterable[str] = ()
) -> None:
    """Raise ``IdentifiableDataError`` if any column holds patient-identifiable data.

    Looks for NHS numbers with a valid check digit (plain, spaced 3-3-4 or with
    dashes, as text or as a number), full UK postcodes, full dates in a column
    named like a date of birth, and filled columns named like a person's name.
    Rows are counted as in a spreadsheet (the header is row 1). The message never
    repeats the identifier itself.
    """
    findings = find_identifiers(df, place_names)
    if not findings:
        return
    lines = [
        (
            f"{source} looks like it holds patient-identifiable data, so it was not used "
            "(row numbers count the header as row 1):"
        )
    ]
    lines += [
        f"- {column_phrase(f.column)}, {rows_phrase(f.rows)}: {f.what}. To fix: {f.fix}."
        for f in findings
    ]
    lines += [WHY, FALSE_ALARM]
    raise IdentifiableDataError("\n".join(lines))


def identifiers_in_text(text: str) -> list[_Check]:
    """The kinds of patient identifier in one piece of free text: NHS numbers with a
    valid check digit (however grouped), full postcodes (any case and spacing),
    and full dates that a word next to them calls a date of birth.
    """
    cell = pd.Series([text], dtype=object)
    found = [check for check in (_NHS_CHECK, _POSTCODE_CHECK) if check.detect("", cell).iloc[0]]
    if _BIRTH_DATE_IN_TEXT.search(text):
        found.append(_BIRTH_DATE_CHECK)
    return found


def _text_fields(value: object, where: tuple[str, ...] = ()) -> Iterable[tuple[str, str]]:
    """Every string in a JSON-like answer, with where it is ("stakeholders / 2 / name"; lists count from 1)."""
    if isinstance(value, str):
        yield " / ".join(where) or "the answer", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_fields(item, (*where, str(key)))
    elif isinstance(value, list):
        for number, item in enumerate(value, 1):
            yield from _text_fields(item, (*where, str(number)))


def check_free_text(answer: object, *, form: str) -> None:
    """Raise ``IdentifiableDataError`` if any text in ``answer`` (a form's JSON) holds a patient identifier.

    The message names the form and each field, says what kind of identifier
    and how to fix it, and never repeats the identifier itself.
    """
    problems = [
        f"- {where}: {check.what}. To fix: {check.fix}."
        for where, text in _text_fields(answer)
        for check in identifiers_in_text(text)
    ]
    if problems:
        raise IdentifiableDataError(
            "\n".join(
                [
                    f'Not saved: your "{form}" answer looks like it holds patient-identifiable data.',
                    *problems,
                    (
                        "What you typed is still in the form; your last saved answer is kept. Take the "
                        "identifier out and the form saves again."
                    ),
                    WHY,
                ]
            )
        )


def _integer_columns(table: pd.DataFrame) -> list[str]:
    """Names of the columns holding whole numbers (not booleans)."""
    return [
        name
        for name in table.columns
        if pd.api.types.is_integer_dtype(table[name])
        and not pd.api.types.is_bool_dtype(table[name])
    ]


def suppress_small_numbers(
    table: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    threshold: int = 5,
    marker: str | None = None,
) -> pd.DataFrame:
    """A copy of ``table`` with counts from 1 to ``threshold - 1`` replaced by ``marker``.

    Use it on any table a trainee exports: a count of 1 or 2 can identify a
    child. Zero stays 0 (it reveals no one), larger values are unchanged and the
    input is never modified. ``columns`` defaults to every integer column;
    ``marker`` defaults to ``"<{threshold}"``, so "<5" for the usual threshold.
    """
    if threshold < 1:
        raise ValueError(f"threshold must be 1 or more; got {threshold}.")
    label = f"<{threshold}" if marker is None else marker
    chosen = _integer_columns(table) if columns is None else list(columns)
    unknown = [str(c) for c in chosen if c not in table.columns]
    if unknown:
        raise DataError(
            f"suppress_small_numbers: no column named {', '.join(map(repr, unknown))}; "
            f"the table has {', '.join(map(repr, map(str, table.columns)))}. Check the spelling."
        )
    result = table.copy()
    for name in chosen:
        values = table[name]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise DataError(
                f"suppress_small_numbers: column '{name}' does not hold numbers, so it cannot be "
                "suppressed. Pass only the columns that hold counts."
            )
        small = ((values > 0) & (values < threshold)).fillna(False).astype(bool)
        if small.any():
            result[name] = values.astype(object).where(~small, label)
    return result

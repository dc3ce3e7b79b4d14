"""Read the course's tables, and a trainee's own extract, against a schema.

``read_table`` takes a CSV (UTF-8, UTF-8 with a byte-order mark, or Windows-1252
as Excel writes it) or an Excel workbook (.xlsx), checks it against a
``Schema`` and returns a typed DataFrame. Anything wrong - a missing file, a
misnamed column, a word where a number should be, a date in US order, a value
outside the allowed list, an empty cell - raises one ``DataError`` that names
the file, the column and the rows (counted as in a spreadsheet: the header is
row 1) and says how to fix it. Every file first goes through
``governance.check_no_identifiers``, so patient-identifiable data never reaches
a notebook (nor an error message).

The readers of each kind of data build on it: ``changekit.referrals`` (case
study 1's referrals and services directory), ``experience``, ``population``,
``asthma``, ``economics`` and ``fingertips``; their files are described in
``data/README.md``.
"""

from __future__ import annotations

import codecs
import difflib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from changekit import governance, synthetic
from changekit.errors import DataError, DataNote
from changekit.tables import on_distinct, rows_phrase, spreadsheet_rows

__all__ = [
    "Column",
    "DataError",
    "Schema",
    "checked_cells",
    "file_label",
    "name_key",
    "quoted_values",
    "read_table",
    "require_columns",
]

Kind = Literal["text", "int", "number", "date"]

VALUES_SHOWN = 3


@dataclass(frozen=True)
class Column:
    """One column a table must have.

    ``kind`` is the type its cells must hold; ``required`` means no cell may be
    empty; ``allowed`` lists the only values a text cell may take (each item,
    when ``separator`` splits a cell into several); ``minimum`` and ``maximum``
    bound a number; ``place_name`` says the column names places, not people
    (so a header such as "Parent Name" is not taken for a person's name).
    """

    name: str
    kind: Kind = "text"
    required: bool = True
    allowed: tuple[str, ...] | None = None
    separator: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    place_name: bool = False


@dataclass(frozen=True)
class Schema:
    """The columns a table must have; any other columns are kept as text."""

    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """The required column names, in order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class _Problem:
    """One thing wrong in one column: where, what was found, what was expected, the fix."""

    column: str
    rows: list[int]
    found: str
    expected: str
    fix: str

    def __str__(self) -> str:
        return (
            f"- column '{self.column}', {rows_phrase(self.rows)}: found {self.found}; "
            f"expected {self.expected}. To fix: {self.fix}."
        )


def file_label(path: Path) -> str:
    """How a message names a file: its name, then the folder it is in."""
    return f"'{path.name}' (in {path.parent.resolve()})"


def quoted_values(values: pd.Series) -> str:
    """The first few distinct values, quoted: "'two', '3.5'" (long numbers and postcodes hidden)."""
    distinct = list(dict.fromkeys(values.tolist()))
    shown = ", ".join(repr(governance.mask(str(v))) for v in distinct[:VALUES_SHOWN])
    return shown + (
        f" and {len(distinct) - VALUES_SHOWN} other values" if len(distinct) > VALUES_SHOWN else ""
    )


# ---------------------------------------------------------------- reading files


def _check_exists(path: Path) -> None:
    """Raise a DataError that helps find the file if ``path`` is not a file."""
    if path.is_file():
        return
    folder = path.parent
    if path.is_dir():
        problem = "is a folder, not a file"
    elif not folder.is_dir():
        problem = f"was not found: there is no folder {folder.resolve()}"
    else:
        problem = f"was not found in {folder.resolve()}"
    message = f"The file '{path.name}' {problem}. Check the file name and the folder"
    if folder.is_dir():
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
        close = difflib.get_close_matches(path.name, names, n=3, cutoff=0.6)
        if close:
            message += f"; files there with similar names: {', '.join(map(repr, close))}"
    raise DataError(message + ".")


def _decode(data: bytes, path: Path) -> str:
    """Text from CSV bytes: UTF-8 (with or without BOM), UTF-16 or Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"Could not read {file_label(path)}: row {row} has characters in an unknown text "
            "encoding. To fix: open it in Excel and use File > Save As > 'CSV UTF-8 "
            "(Comma delimited)'."
        ) from None


def _delimiter(text: str) -> str:
    """The separator of the header line: comma, unless Excel used semicolons or tabs."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def _read_csv(path: Path) -> pd.DataFrame:
    """Every cell of a CSV as stripped text, "" where empty."""
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise DataError(
            f"Could not read {file_label(path)}: it is an Excel workbook saved with a "
            "'.csv' name. To fix: rename it to end in '.xlsx', or open it in Excel and use "
            "Save As > 'CSV UTF-8 (Comma delimited)'."
        )
    text = _decode(data, path)
    if not text.strip():
        raise DataError(
            f"Could not read {file_label(path)}: it is empty (row 1 should hold the column "
            "names). To fix: check you saved the right file."
        )
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=_delimiter(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f"row {line.group(1)}" if line else "a row"
        raise DataError(
            f"Could not read {file_label(path)}: {where} has a different number of cells from "
            "the header row (row 1), often a comma inside a value without quotes. To fix: open "
            "the file in Excel, check that row, and save it again as 'CSV UTF-8'."
        ) from None


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV would hold: dates as ISO, whole floats without '.0'."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, datetime):
        has_time = (value.hour, value.minute, value.second) != (0, 0, 0)
        return value.isoformat(sep=" ") if has_time else value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> pd.DataFrame:
    """Every cell of the first sheet of a workbook as text, "" where empty."""
    try:
        sheet = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, InvalidFileException, ValueError, KeyError, OSError):
        raise DataError(
            f"Could not read {file_label(path)}: it is not a readable Excel workbook. "
            "To fix: open it in Excel and save it again as 'Excel Workbook (.xlsx)' or "
            "'CSV UTF-8'."
        ) from None
    cells = sheet.map(_cell_text).rename(columns=str)
    if (cells == "").any().any():
        _check_formulas(path, cells)
    return cells


def _check_formulas(path: Path, cells: pd.DataFrame) -> None:
    """Refuse empty-looking cells that hold a formula Excel never calculated (no value saved with it)."""
    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        found: dict[str, list[int]] = {}
        for row, values in enumerate(sheet.iter_rows(min_row=2, values_only=True)):
            for col, value in enumerate(values[: cells.shape[1]]):
                if (
                    isinstance(value, str)
                    and value.startswith("=")
                    and row < len(cells)
                    and cells.iat[row, col] == ""
                ):
                    found.setdefault(cells.columns[col], []).append(row + 2)
    finally:
        workbook.close()
    if found:
        where = "; ".join(f"column '{name}', {rows_phrase(rows)}" for name, rows in found.items())
        raise DataError(
            f"Could not use {file_label(path)}: {where} hold a formula with no value saved (the file was "
            "written by a program, not saved from Excel). To fix: open it in Excel and save it, or replace "
            "the formulas with their values (Copy, then Paste Special > Values)."
        )


_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    ".csv": _read_csv,
    ".txt": _read_csv,
    ".xlsx": _read_xlsx,
    ".xlsm": _read_xlsx,
}


#: The largest file a trainee's kernel reads: about 1 GB of memory once every cell is text.
MAX_FILE_MB = 100


def _check_size(path: Path) -> None:
    """Refuse, before reading, a file too big for a trainee's kernel to hold."""
    megabytes = path.stat().st_size / 2**20
    if megabytes > MAX_FILE_MB:
        raise DataError(
            f"Could not read {file_label(path)}: it is {megabytes:,.0f} MB, and files over "
            f"{MAX_FILE_MB} MB are too big for your notebook's memory. To fix: export only the "
            "columns and the months you need (a year of referrals is usually well under 10 MB)."
        )


def _read_cells(path: Path) -> pd.DataFrame:
    """Every cell as stripped text, headers stripped, trailing empty rows dropped."""
    _check_exists(path)
    _check_size(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DataError(
            f"Could not read {file_label(path)}: '{path.suffix or 'no extension'}' "
            "files are not supported. To fix: save it from Excel as 'CSV UTF-8' (.csv) or "
            "'Excel Workbook' (.xlsx)."
        )
    cells = reader(path).fillna("")
    cells.columns = [str(c).strip() for c in cells.columns]
    cells = cells.apply(lambda column: on_distinct(column, lambda values: values.str.strip()))
    filled = (cells != "").any(axis=1).to_numpy().nonzero()[0]
    return cells.iloc[: filled[-1] + 1 if filled.size else 0]


# ---------------------------------------------------------------- checking columns


def name_key(name: str) -> str:
    """A column name without case, spaces or punctuation: "Referral Date" -> "referraldate"."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _suggestion(name: str, found: list[str]) -> str | None:
    """A near match among the found columns for a missing one, as advice."""
    same = [f for f in found if name_key(f) == name_key(name)]
    close = same or difflib.get_close_matches(name, found, n=1, cutoff=0.75)
    return f"rename '{close[0]}' to '{name}'" if close else None


def require_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    what: str = "the table",
    fix: str = "Check the spelling, or read the file again with the course's read_... function.",
) -> None:
    """Raise ``DataError`` naming any columns ``frame`` lacks, the ones it has, and ``fix``.

    For tables already in memory (a file is checked against its schema when read).
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what[0].upper()}{what[1:]} has no column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}. "
            f"Its columns are: {', '.join(map(str, frame.columns))}. {fix}"
        )


_TOTALS = re.compile(r"^(grand\s+|sub)?totals?\s*:?$", re.IGNORECASE)


def _check_layout(cells: pd.DataFrame, path: Path) -> None:
    """Refuse a title or merged heading above the column names, and a totals row below the data."""
    unnamed = [c for c in cells.columns if not c or c.startswith("Unnamed:")]
    if len(unnamed) >= max(2, len(cells.columns) / 2):
        filled = (cells.head(10) != "").sum(axis=1)
        where = (
            f"the column names seem to be in row {int(filled.to_numpy().argmax()) + 2}"
            if len(filled)
            else "no row below it holds data"
        )
        raise DataError(
            f"Could not use {file_label(path)}: row 1 looks like a title or a merged heading, not the column "
            f"names ({len(unnamed)} of its {len(cells.columns)} cells are empty); {where}. To fix: delete the "
            "rows above the column names and unmerge any merged heading cells, so that row 1 holds one name per "
            "column."
        )
    if len(cells):
        last = cells.iloc[-1]
        if last.str.fullmatch(_TOTALS).any():
            raise DataError(
                f"Could not use {file_label(path)}: row {len(cells) + 1} looks like a totals row "
                f"('{last[last.str.fullmatch(_TOTALS)].iloc[0]}'), not data. To fix: delete it; the course "
                "does its own counting."
            )


def _rename(
    cells: pd.DataFrame, columns: Mapping[str, str], schema: Schema, path: Path
) -> pd.DataFrame:
    """The file's columns renamed to the course's as ``columns`` maps them ({name in the file: course's name})."""
    if not columns:
        return cells
    found = {name_key(c): c for c in cells.columns}
    unknown = [name for name in columns if name_key(name) not in found]
    wrong = [course for course in columns.values() if course not in schema.names]
    if unknown or wrong:
        lines = [f"The columns= you gave do not fit {file_label(path)}:"]
        lines += [f"- '{name}' is not a column of the file." for name in unknown]
        lines += [f"- '{name}' is not one of the course's columns." for name in wrong]
        lines.append(f"The file's columns: {', '.join(map(repr, cells.columns))}.")
        lines.append(f"The course's columns: {', '.join(map(repr, schema.names))}.")
        lines.append(
            "To fix: write columns={'name in your file': 'course name', ...} with names from these lists."
        )
        raise DataError("\n".join(lines))
    return cells.rename(columns={found[name_key(name)]: course for name, course in columns.items()})


def _check_columns(cells: pd.DataFrame, schema: Schema, path: Path) -> None:
    """Raise a DataError listing the schema's columns the file lacks, with near matches."""
    found = list(cells.columns)
    missing = [name for name in schema.names if name not in found]
    if not missing:
        return
    advice = [s for s in (_suggestion(m, found) for m in missing) if s]
    lines = [
        (
            f"{file_label(path)} is missing {len(missing)} column(s) in its header (row 1): "
            f"{', '.join(map(repr, missing))}."
        ),
        f"Columns found: {', '.join(map(repr, found)) or 'none'}.",
    ]
    if advice:
        lines.append(f"Did you mean: {'; '.join(advice)}?")
    lines.append(
        "To fix: make the names in row 1 match exactly (lower case, underscores for spaces), "
        "then save the file and try again; or, leaving the file as it is, tell the reader which of "
        f"your columns is which: columns={{'<name in your file>': '{missing[0]}', ...}}."
    )
    raise DataError("\n".join(lines))


# ---------------------------------------------------------------- converting values


def _check_allowed(cells: pd.Series, filled: pd.Series, column: Column) -> list[_Problem]:
    """Cells (or items of a cell) outside the column's allowed list."""
    if column.allowed is None:
        return []
    if column.separator is None:
        ok = cells.isin(column.allowed)
    else:
        items = cells.str.split(column.separator, regex=False).explode().str.strip()
        ok = items.isin(column.allowed).groupby(level=0).all()
    bad = filled & ~ok
    if not bad.any():
        return []
    each = (
        f"each item (separated by '{column.separator}') to be one of"
        if column.separator
        else "one of"
    )
    return [
        _Problem(
            column.name,
            spreadsheet_rows(bad),
            quoted_values(cells[bad]),
            f"{each}: {', '.join(map(repr, column.allowed))}",
            "correct the spelling (capitals matter) or choose one of the allowed values",
        )
    ]


def _to_text(
    cells: pd.Series, filled: pd.Series, column: Column
) -> tuple[pd.Series, list[_Problem]]:
    """Text cells, with empty cells as missing values."""
    return cells.where(filled).astype("str"), _check_allowed(cells, filled, column)


def _range_phrase(column: Column, whole: bool) -> str:
    """How a message describes the numbers a column accepts."""
    kind = "a whole number" if whole else "a number"
    if column.minimum is not None and column.maximum is not None:
        return f"{kind} from {column.minimum:g} to {column.maximum:g}"
    if column.minimum is not None:
        return f"{kind} of at least {column.minimum:g}"
    if column.maximum is not None:
        return f"{kind} of at most {column.maximum:g}"
    return kind


def _to_number(
    cells: pd.Series, filled: pd.Series, column: Column
) -> tuple[pd.Series, list[_Problem]]:
    """Numbers (whole for ``int`` columns), checked against the column's range."""
    whole = column.kind == "int"
    values = pd.to_numeric(cells.where(filled), errors="coerce")
    not_number = filled & (values.isna() | (values % 1 != 0 if whole else False))
    low = values < column.minimum if column.minimum is not None else False
    high = values > column.maximum if column.maximum is not None else False
    out_of_range = filled & ~not_number & (low | high)
    problems = [
        _Problem(
            column.name,
            spreadsheet_rows(bad),
            quoted_values(cells[bad]),
            _range_phrase(column, whole),
            fix,
        )
        for bad, fix in (
            (not_number, "type the number only (no words, units or symbols) in these cells"),
            (out_of_range, "check these values; correct any typing errors"),
        )
        if bad.any()
    ]
    if problems:
        return values, problems
    if not whole:
        return values.astype("float64"), []
    # Empty cells (reported by the caller when the column is required) stay missing.
    return values.astype("int64" if column.required and filled.all() else "Int64"), []


_TIME_OF_DAY = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
#: Date formats read, in order: ISO, then UK day-first ones as clinical systems and Excel write them.
DAY_FIRST_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b %y",
    "%d-%B-%Y",
)
#: US month-first formats: never used to read a date, only to explain why one was refused.
MONTH_FIRST_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y")
US_ORDER_FIX = (
    "these can only be month/day/year (US order), which is never guessed: convert the column to "
    "day/month/year or year-month-day (in Excel: Format Cells > Date > English (United Kingdom))"
)
#: Numeric dates whose first two parts could each be a day or a month (03/04/2025).
_BOTH_ORDERS = re.compile(r"^(0?[1-9]|1[0-2])[/.-](0?[1-9]|1[0-2])[/.-]\d{2,4}$")


def _parse(days: pd.Series, formats: Iterable[str]) -> pd.Series:
    """Dates read with the first of ``formats`` that fits each cell (NaT where none does)."""
    values = pd.Series(pd.NaT, index=days.index, dtype="datetime64[ns]")
    for form in formats:
        todo = values.isna() & days.notna()
        if not todo.any():
            break
        values = values.fillna(pd.to_datetime(days.where(todo), format=form, errors="coerce"))
    return values


def _to_date(
    cells: pd.Series, filled: pd.Series, column: Column
) -> tuple[pd.Series, list[_Problem]]:
    """Dates in ISO or UK day-first forms (2025-03-13, 13/03/2025, 13-Mar-25, 13 March 2025).

    A time of day is dropped. US month/day order is never guessed: cells that
    only make sense that way are reported as such.
    """
    days = on_distinct(
        cells.where(filled), lambda text: text.str.replace(_TIME_OF_DAY, "", regex=True)
    )
    values = on_distinct(days, lambda text: _parse(text, DAY_FIRST_FORMATS))
    bad = filled & values.isna()
    if not bad.any():
        return values, []
    month_first = bad & _parse(days.where(bad), MONTH_FIRST_FORMATS).notna()
    unreadable = bad & ~month_first
    problems = [
        _Problem(column.name, spreadsheet_rows(rows), quoted_values(cells[rows]), expected, fix)
        for rows, expected, fix in (
            (month_first, "day/month/year, as UK systems write dates", US_ORDER_FIX),
            (
                unreadable,
                "a date such as 31/03/2024, 31-Mar-24, 31 March 2024 or 2024-03-31",
                "write dates as day/month/year or year-month-day",
            ),
        )
        if rows.any()
    ]
    return values, problems


def day_first_guessed(cells: pd.Series) -> bool:
    """Whether every numeric date in ``cells`` could be read either way round (so day-first was assumed)."""
    distinct = pd.Series(cells.unique(), dtype=object)  # the answer is the same for each repeat
    numeric = distinct[distinct.str.contains(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", regex=True)]
    numeric = numeric.str.replace(_TIME_OF_DAY, "", regex=True)
    return bool(len(numeric)) and bool(numeric.str.fullmatch(_BOTH_ORDERS).all())


_CONVERTERS: dict[
    str, Callable[[pd.Series, pd.Series, Column], tuple[pd.Series, list[_Problem]]]
] = {
    "text": _to_text,
    "int": _to_number,
    "number": _to_number,
    "date": _to_date,
}


def _convert(cells: pd.DataFrame, schema: Schema, path: Path) -> pd.DataFrame:
    """The schema's columns converted to their types; raises one DataError listing every problem."""
    table = cells.copy()
    problems: list[_Problem] = []
    for column in schema.columns:
        raw = cells[column.name]
        filled = raw != ""
        if column.required and not filled.all():
            problems.append(
                _Problem(
                    column.name,
                    spreadsheet_rows(~filled),
                    "an empty cell",
                    "a value in every row",
                    "fill in these cells, or delete rows that are not data (such as totals)",
                )
            )
        table[column.name], found = _CONVERTERS[column.kind](raw, filled, column)
        problems += found
        if column.kind == "date" and not found and day_first_guessed(raw[filled]):
            warnings.warn(
                DataNote(
                    f"In {file_label(path)}, every date in column '{column.name}' could be day/month or "
                    "month/day (such as 03/04/2025): they were read as day/month/year, as UK systems write "
                    "them. If yours writes month/day/year, convert the column before reading it."
                ),
                stacklevel=4,
            )
    if problems:
        heading = (
            f"Could not use {file_label(path)}: {len(problems)} problem(s) to fix "
            "(row numbers count the header as row 1, as in Excel):"
        )
        raise DataError("\n".join([heading, *map(str, problems)]))
    return table


# ---------------------------------------------------------------- public readers


def read_table(
    path: str | Path,
    schema: Schema,
    columns: Mapping[str, str] | None = None,
    recode: Mapping[str, Callable[[pd.Series, Path], pd.Series]] | None = None,
) -> pd.DataFrame:
    """Read a CSV or .xlsx file, check it against ``schema`` and return it typed.

    Dates become ``datetime64``, whole numbers ``int64`` (``Int64`` where cells
    may be empty), other numbers ``float64`` and text ``str`` (empty cells
    missing). Columns not in the schema are kept as text. ``columns`` maps the
    file's own column names to the schema's; ``recode`` turns a column's local
    words into the schema's before checking. Raises ``DataError`` (naming the
    file, column, rows and fix) for any problem, and
    ``governance.IdentifiableDataError`` for patient-identifiable data. A
    table read from one of the course's sample files is marked as synthetic
    (a ``changekit.synthetic.SyntheticFrame``), so charts and exports say so.
    """
    path = Path(path)
    cells = _read_cells(path)
    # First, so that no later message can quote an identifier back to the user.
    places = [c.name for c in schema.columns if c.place_name]
    governance.check_no_identifiers(cells, source=file_label(path), place_names=places)
    _check_layout(cells, path)
    cells = _rename(cells, columns or {}, schema, path)
    _check_columns(cells, schema, path)
    for name, recoder in (recode or {}).items():
        cells[name] = recoder(cells[name], path)
    table = _convert(cells, schema, path)
    return (
        synthetic.mark(table) if synthetic.is_sample_file(path) else table
    )  # for charts' captions


def checked_cells(path: str | Path) -> pd.DataFrame:
    """Every cell of a file as text, once the whole file has passed the identifier check.

    For forms that show a trainee their own file before it is read against a
    schema (the column-mapping form), so that nothing identifying is ever shown.
    """
    path = Path(path)
    cells = _read_cells(path)
    governance.check_no_identifiers(cells, source=file_label(path))
    return cells

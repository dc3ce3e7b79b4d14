"""Knowing when a table, chart or export comes from the course's made-up sample data.

Every file in ``data/`` (and its copy in an assignment folder) is synthetic:
made up for teaching, calibrated to published figures, about no real patient.
So that nothing fictional lands in a portfolio unmarked:

- ``changekit.data.read_table`` (behind every reader) returns a table read
  from a sample file as a ``SyntheticFrame``: a DataFrame like any other,
  except that what pandas makes from it (a column, a filter, a ``groupby``
  count) stays a ``SyntheticFrame`` or ``SyntheticSeries``, so a chart drawn
  from a trainee's own monthly counts of the sample referrals still knows.
  A file is a sample file when its bytes are exactly those of a file in
  ``data/``: their SHA-256 sums are listed in ``sample_checksums.txt`` beside
  this module (rewritten with ``data/`` by ``changekit.course.refresh_data``),
  so a trainee's copy is recognised even where the course folder is out of
  reach. A trainee's own extract, or a sample file they have edited, is never
  marked;
- library functions that build a new table from a marked one say so in its
  ``attrs["synthetic"]`` (``carry``), and charts and exports that find either
  mark (``is_synthetic``) show ``CAPTION``.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TypeVar

import pandas as pd

CAPTION = "Synthetic data: made up for teaching, not real patients"
ATTR = "synthetic"
CHECKSUMS = Path(__file__).with_name("sample_checksums.txt")
SAMPLE_SUFFIXES = frozenset({".csv", ".xlsx"})

T = TypeVar("T")


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def _sample_sums() -> frozenset[str]:
    """The sums in ``sample_checksums.txt`` (``sha256  name`` per line, as sha256sum writes)."""
    lines = CHECKSUMS.read_text(encoding="utf-8").splitlines() if CHECKSUMS.exists() else []
    return frozenset(line.split()[0] for line in lines if line.strip())


def is_sample_file(path: str | Path) -> bool:
    """Whether ``path`` is, byte for byte, one of the course's sample data files."""
    return Path(path).is_file() and file_sha256(path) in _sample_sums()


def write_checksums(data_dir: Path, out: Path = CHECKSUMS) -> Path:
    """List the SHA-256 of every data file (CSV or Excel) in ``data_dir`` in ``out``."""
    files = sorted(p for p in Path(data_dir).iterdir() if p.suffix in SAMPLE_SUFFIXES)
    out.write_text("".join(f"{file_sha256(p)}  {p.name}\n" for p in files), encoding="utf-8")
    _sample_sums.cache_clear()
    return out


class SyntheticSeries(pd.Series):
    """A column of the course's sample data (what pandas makes from it stays marked)."""

    @property
    def _constructor(self) -> type[SyntheticSeries]:
        return SyntheticSeries

    @property
    def _constructor_expanddim(self) -> type[SyntheticFrame]:
        return SyntheticFrame


class SyntheticFrame(pd.DataFrame):
    """A table of the course's sample data (what pandas makes from it stays marked)."""

    @property
    def _constructor(self) -> type[SyntheticFrame]:
        return SyntheticFrame

    @property
    def _constructor_sliced(self) -> type[SyntheticSeries]:
        return SyntheticSeries


def mark(table: pd.DataFrame) -> SyntheticFrame:
    """``table`` as sample data: a ``SyntheticFrame`` with ``attrs["synthetic"]`` set."""
    marked = SyntheticFrame(table)
    marked.attrs[ATTR] = True
    return marked


def is_synthetic(*sources: object) -> bool:
    """Whether any of ``sources`` (tables, columns, charts) is marked as synthetic sample data."""
    return any(
        isinstance(source, SyntheticFrame | SyntheticSeries)
        or getattr(source, "attrs", {}).get(ATTR) is True
        for source in sources
    )


def carry(result: T, *sources: object) -> T:
    """Mark ``result`` (a new table or column) as synthetic when any of ``sources`` is; return it."""
    if is_synthetic(*sources):
        result.attrs[ATTR] = True  # type: ignore[attr-defined]
    return result

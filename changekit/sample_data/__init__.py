"""The seeded generator behind every file in ``data/``.

Each module in ``GENERATORS`` has ``generate() -> dict[str, DataFrame]``
(file name to table), deterministic for its fixed seed. ``write_all`` writes
them as UTF-8 CSV with fixed formatting, so regenerating gives byte-identical
files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from changekit.sample_data import (
    asthma,
    attendances,
    baby_clinic,
    fingertips,
    population,
    referrals,
    services,
)

GENERATORS: list[Callable[[], dict[str, pd.DataFrame]]] = [
    referrals.generate,
    services.generate,
    population.generate,
    attendances.generate,
    asthma.generate,
    baby_clinic.generate,
    fingertips.generate,
]


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write one table the same way every time: UTF-8, ``\\n`` line ends, no index."""
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_all(out_dir: Path) -> list[Path]:
    """Generate every sample data file into ``out_dir``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for generate in GENERATORS:
        for name, table in generate().items():
            path = out_dir / name
            write_csv(table, path)
            written.append(path)
    return written

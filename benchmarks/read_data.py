"""Benchmark: reading the sample referrals with ``changekit.referrals`` against pandas alone.

    .venv/bin/python benchmarks/read_data.py --repeats 5

``read_referrals`` decodes the file, checks every column against its schema,
looks for patient identifiers and parses dates; the baseline is a bare
``pandas.read_csv`` of the same file, measured in the same run. Reported: the
best of ``--repeats`` runs of each, and their ratio (the cost of the checks).
Not a test: the seconds depend on the machine and on what else it is doing;
the ratio much less so. (It replaces a unit test that asserted a wall-clock
time under half a second.)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import pandas as pd

from changekit.paths import data_dir
from changekit.referrals import read_referrals


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs of ``run`` (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    path = data_dir() / "referrals.csv"
    read_referrals(path)  # imports and caches warmed for both
    baseline = best_seconds(lambda: pd.read_csv(path), args.repeats)
    checked = best_seconds(lambda: read_referrals(path), args.repeats)
    print(f"{'pandas.read_csv (baseline)':32} {baseline:8.3f} s")
    print(f"{'changekit read_referrals':32} {checked:8.3f} s   {checked / baseline:5.1f}x the baseline")


if __name__ == "__main__":
    main()

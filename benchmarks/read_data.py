"""Benchmark: ``read_referrals`` against pandas' plain ``read_csv`` of the same file, in the same run.

    .venv/bin/python benchmarks/read_data.py                  # the sample, 1 million rows, 200 MB
    .venv/bin/python benchmarks/read_data.py --sizes sample   # only the course's sample file

``read_referrals`` decodes the file, checks every column against its schema,
looks for patient identifiers in every cell and header, and parses dates; the
baseline is a bare ``pandas.read_csv(path)`` (pandas' own type guessing) of the
same file. Three files: the course's sample (``data/referrals.csv``), and
synthetic extracts of 1 million rows and of 200 MB built from it (rows repeated
with new ids, UK dates as a clinical system writes them).

Each read runs in a fresh Python process, so that one read's memory does not
hide another's: time is the best of ``--repeats`` runs; peak memory is the
process's peak resident memory (``ru_maxrss``) less its resident memory just
before the read (imports done), i.e. what the read itself added at its peak.
Reported as ratios against the baseline (goal: within 2x the time and 3x the
memory). The size guard (``changekit.data.MAX_FILE_MB``) is lifted in the
measuring process, so that files beyond it are measured too; the table says
which files a trainee's ``read_referrals`` refuses up front. Not a test:
seconds depend on the machine and on what else it is doing; the ratios much
less so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from changekit.data import MAX_FILE_MB
from changekit.paths import data_dir

ONE_MILLION = 1_000_000
TARGET_MB = 200

#: Run in a child process: import, note the resident memory, read, report time and peak.
CHILD = r"""
import json, resource, sys, time
import pandas as pd
from changekit import data
from changekit.referrals import read_referrals

data.MAX_FILE_MB = float("inf")  # measure the reading itself, even beyond the size guard
path, how = sys.argv[1], sys.argv[2]
read = (lambda: pd.read_csv(path)) if how == "pandas" else (lambda: read_referrals(path))

def resident_kb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024

before = resident_kb()
started = time.perf_counter()
table = read()
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": (peak - before) / 1024, "rows": len(table)}))
"""


def measure(path: Path, how: str) -> dict[str, float]:
    """One read of ``path`` by ``how`` ("pandas" or "changekit") in a fresh process."""
    env = {**os.environ, "CHANGEKIT_COURSE_ROOT": str(data_dir().parent)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), how],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(path: Path, how: str, repeats: int) -> dict[str, float]:
    """The fastest time and the smallest peak of ``repeats`` fresh-process reads."""
    runs = [measure(path, how) for _ in range(repeats)]
    return {
        "seconds": min(r["seconds"] for r in runs),
        "peak_mb": min(r["peak_mb"] for r in runs),
        "rows": runs[0]["rows"],
    }


def extract(folder: Path, *, rows: int | None = None, megabytes: int | None = None) -> Path:
    """A synthetic extract of ``rows`` rows or about ``megabytes`` MB, repeating the sample's rows."""
    sample = pd.read_csv(data_dir() / "referrals.csv", dtype=str, keep_default_na=False)
    sample["referral_date"] = pd.to_datetime(sample["referral_date"]).dt.strftime("%d/%m/%Y")
    row_bytes = len(sample.to_csv(index=False).encode()) / len(sample)
    wanted = rows if rows is not None else int((megabytes or 0) * 2**20 / row_bytes)
    repeats = -(-wanted // len(sample))
    table = pd.concat([sample] * repeats, ignore_index=True).head(wanted)
    table["referral_id"] = [f"R{n:08d}" for n in range(len(table))]
    name = f"referrals_{rows}_rows.csv" if rows is not None else f"referrals_{megabytes}_mb.csv"
    path = folder / name
    table.to_csv(path, index=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["sample", "million", "200mb"],
        choices=["sample", "million", "200mb"],
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="changekit-read-bench-") as scratch:
        folder = Path(scratch)
        files = {
            "sample": lambda: data_dir() / "referrals.csv",
            "million": lambda: extract(folder, rows=ONE_MILLION),
            "200mb": lambda: extract(folder, megabytes=TARGET_MB),
        }
        print(
            "| file | rows | MB | pandas s | changekit s | time ratio | pandas peak MB "
            "| changekit peak MB | memory ratio | changekit peak / file size | size guard |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for size in args.sizes:
            path = files[size]()
            megabytes = path.stat().st_size / 2**20
            base = best(path, "pandas", args.repeats)
            ours = best(path, "changekit", args.repeats)
            print(
                f"| {size} | {ours['rows']:,} | {megabytes:,.0f} | {base['seconds']:.2f} | "
                f"{ours['seconds']:.2f} | {ours['seconds'] / base['seconds']:.2f}x | {base['peak_mb']:,.0f} | "
                f"{ours['peak_mb']:,.0f} | {ours['peak_mb'] / base['peak_mb']:.2f}x | "
                f"{ours['peak_mb'] / megabytes:.1f}x | "
                f"{'refused (over ' + str(MAX_FILE_MB) + ' MB)' if megabytes > MAX_FILE_MB else 'read'} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""A hand-made mutation sample: deliberate bugs in the library, and whether the unit tests catch each.

    .venv/bin/python benchmarks/mutation_sample.py /tmp/course-copy [--only ID ...] [--json FILE]

Run it on a throwaway copy of the course (``git archive HEAD | tar -x -C
/tmp/course-copy``), never on a working tree: for each mutant it patches one
line of the copy, runs that module's unit test file(s) with ``pytest -x``,
and puts the line back (also when interrupted). A mutant is *killed* when
the tests fail, *survives* when they pass; a mutant whose line is not in the
copy (the code has moved) is reported as *missing*, so that the sample is
kept up to date rather than silently shrinking. Hypothesis runs with its
``ci`` profile (``CI=1``: derandomised), so a rerun gives the same answer.

Not a test: it takes about half an hour on a busy 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mutant:
    """One deliberate bug: replace ``old`` (which must occur once) by ``new`` in ``file``."""

    id: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


U = "tests/unit/"
MUTANTS = [
    Mutant(
        "data-utf16",
        "changekit/data.py",
        "if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):",
        "if False:",
        (U + "test_data.py",),
    ),
    Mutant(
        "data-bom",
        "changekit/data.py",
        "data = data.removeprefix(codecs.BOM_UTF8)",
        "pass",
        (U + "test_data.py",),
    ),
    Mutant(
        "data-cp1252",
        "changekit/data.py",
        'return data.decode("cp1252")',
        'return data.decode("latin-1")',
        (U + "test_data.py",),
    ),
    Mutant(
        "gov-leading-zero",
        "changekit/governance.py",
        "candidate = (values >= 1e8)",
        "candidate = (values >= 1e9)",
        (U + "test_governance.py",),
    ),
    Mutant(
        "gov-two-numbers",
        "changekit/governance.py",
        "found[label] = any(nhs_number.is_valid(n) for n in numbers)",
        "found[label] = nhs_number.is_valid(next(numbers))",
        (U + "test_governance.py",),
    ),
    Mutant(
        "gov-postcode-within",
        "changekit/governance.py",
        "return whole | within",
        "return whole",
        (U + "test_governance.py",),
    ),
    Mutant(
        "gov-dob-slashes",
        "changekit/governance.py",
        r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}",
        "",
        (U + "test_governance.py",),
    ),
    Mutant(
        "gov-empty-name",
        "changekit/governance.py",
        'return text.str.strip() != ""',
        "return pd.Series(True, index=text.index)",
        (U + "test_governance.py",),
    ),
    Mutant(
        "gov-suppress-edge",
        "changekit/governance.py",
        "small = ((values > 0) & (values < threshold))",
        "small = ((values > 0) & (values <= threshold))",
        (U + "test_governance.py",),
    ),
    Mutant(
        "answers-fsync",
        "changekit/answers.py",
        "                handle.flush()\n                os.fsync(handle.fileno())\n            os.replace",
        "                handle.flush()\n            os.replace",
        (U + "test_answers.py",),
    ),
    Mutant(
        "answers-lock",
        "changekit/answers.py",
        "        with self._locked():\n            try:\n                answers = self._read()\n"
        "            except _Unreadable as reason:\n                backup, problem = self._backup(move=True)",
        "        with contextlib.nullcontext():\n            try:\n                answers = self._read()\n"
        "            except _Unreadable as reason:\n                backup, problem = self._backup(move=True)",
        (U + "test_answers.py",),
    ),
    Mutant(
        "answers-backup-kept",
        "changekit/answers.py",
        "            if move:\n                self.path.unlink()",
        "            if move:\n                pass",
        (U + "test_answers.py",),
    ),
    Mutant(
        "stats-all-events",
        "changekit/stats.py",
        "if pooled in (0.0, 1.0):",
        "if pooled == 0.0:",
        (U + "test_stats.py",),
    ),
    Mutant(
        "stats-wilson-edge",
        "changekit/stats.py",
        "high = 1.0 if k == n else _clip(high)",
        "high = _clip(high)",
        (U + "test_stats.py",),
    ),
    Mutant(
        "spc-pchart-shift",
        "changekit/spc.py",
        "    shift_run: int = 7,\n    trend_run: int = 7,\n    rebase: Iterable[int] = (),\n"
        '    labels: Iterable[object] | None = None,\n) -> pd.DataFrame:\n    """A p-chart',
        "    shift_run: int = 6,\n    trend_run: int = 7,\n    rebase: Iterable[int] = (),\n"
        '    labels: Iterable[object] | None = None,\n) -> pd.DataFrame:\n    """A p-chart',
        (U + "test_spc.py",),
    ),
    Mutant(
        "spc-provisional",
        "changekit/spc.py",
        "if period_size < MIN_STABLE_POINTS:",
        "if period_size <= MIN_STABLE_POINTS:",
        (U + "test_spc.py",),
    ),
    Mutant(
        "spc-trend-length",
        "changekit/spc.py",
        "if steps.size >= run - 1:",
        "if steps.size >= run:",
        (U + "test_spc.py",),
    ),
    Mutant(
        "spc-outside-tie",
        "changekit/spc.py",
        "return (y > np.asarray(upl, dtype=float)) | (y < np.asarray(lpl, dtype=float))",
        "return (y >= np.asarray(upl, dtype=float)) | (y <= np.asarray(lpl, dtype=float))",
        (U + "test_spc.py",),
    ),
    Mutant(
        "econ-repeated-month",
        "changekit/economics.py",
        'out_of_order = clinic["month"].diff() <= pd.Timedelta(0)',
        'out_of_order = clinic["month"].diff() < pd.Timedelta(0)',
        (U + "test_economics.py",),
    ),
    Mutant(
        "econ-break-even-rounding",
        "changekit/economics.py",
        "    while month > 1 and net_saving(activity, costs, months=month - 1) >= 0:\n        month -= 1\n",
        "",
        (U + "test_economics.py",),
    ),
    Mutant(
        "econ-horizon",
        "changekit/economics.py",
        "if setup / margin > horizon:",
        "if setup / margin >= horizon:",
        (U + "test_economics.py",),
    ),
    Mutant(
        "grading-is-graded-mtime",
        "changekit/grading/parallel.py",
        "if min(copy.stat().st_mtime for copy in copies) < submitted_at:",
        "if min(copy.stat().st_mtime for copy in copies) < 0:",
        (U + "test_grading_guards.py",),
    ),
    Mutant(
        "grading-is-graded-stamp",
        "changekit/grading/parallel.py",
        "if not same or record.timestamp != parse_utc(stamp.read_text().strip()):",
        "if not same:",
        (U + "test_grading_guards.py",),
    ),
    Mutant(
        "grading-lock-shared",
        "changekit/grading/parallel.py",
        "fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)",
        "fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)",
        (U + "test_grading_guards.py",),
    ),
    Mutant(
        "grading-lock-not-taken",
        "changekit/grading/parallel.py",
        "    with _exclusive(settings, assignment):\n",
        "    with ExitStack():\n",
        (U + "test_grading_guards.py",),
    ),
    Mutant(
        "export-unmarked-waiting",
        "changekit/grading/export.py",
        'marked = grades[grades["score"].notna() & ~grades["needs_manual_grade"]]',
        'marked = grades[grades["score"].notna()]',
        ("tests/grading/test_export.py",),
    ),
    Mutant(
        "export-share-rounding",
        "changekit/grading/export.py",
        '.where(summary["n"] > 0)).round(3)',
        '.where(summary["n"] > 0)).round(1)',
        ("tests/grading/test_export.py",),
    ),
    Mutant(
        "cli-stop-any-hub",
        "changekit/hub/lifecycle.py",
        "return runs_jupyterhub and recorded is not None and Path(recorded).resolve() == state",
        "return runs_jupyterhub and recorded is not None",
        (U + "test_stop.py",),
    ),
]


def run(copy: Path, mutant: Mutant) -> str:
    """Apply ``mutant`` to ``copy``, run its tests, revert; 'killed', 'survived' or 'missing'."""
    path = copy / mutant.file
    original = path.read_text(encoding="utf-8")
    if original.count(mutant.old) != 1:
        return "missing"
    tests = [t for t in mutant.tests if (copy / t).exists()]
    if not tests:
        return "survived (no test file)"
    path.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=copy,
            env={**os.environ, "CI": "1"},
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(original, encoding="utf-8")
    return "survived" if done.returncode == 0 else "killed"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("copy", type=Path, help="a throwaway copy of the course")
    parser.add_argument("--only", nargs="*", help="mutant ids to run (default: all)")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    results = []
    for mutant in MUTANTS:
        if args.only and mutant.id not in args.only:
            continue
        started = time.monotonic()
        outcome = run(args.copy.resolve(), mutant)
        results.append(
            {**asdict(mutant), "outcome": outcome, "seconds": round(time.monotonic() - started, 1)}
        )
        print(f"{mutant.id:28} {outcome:24} {results[-1]['seconds']:6.1f} s", flush=True)
    killed = sum(r["outcome"] == "killed" for r in results)
    print(f"\n{killed} of {len(results)} killed")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

"""Benchmark: the grading sandbox's cost, sandboxed against unsandboxed grading of the same cohort.

    .venv/bin/python benchmarks/sandbox.py --submissions 20

Builds the same throwaway course as ``autograde.py`` (the real "quantify a
service problem" assignment, N synthetic submissions) twice, then grades one
copy with ``changekit grade --jobs J`` in the sandbox and the other with
``CHANGEKIT_UNSANDBOXED_GRADING=1``, alternating, ``--rounds`` times each
(``--force`` after the first), so that both meet the same changes in the
machine's load. Reports the best wall time and the peak memory of each, the
ratio of wall times, and checks that both wrote identical grades, cell by cell.
CPU time is not compared: a sandboxed kernel's CPU time does not reach its
grader's accounting of children (the kernel is reaped inside its own PID
namespace), so it would flatter the sandbox. Not a test: it takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from autograde import (
    ASSIGNMENT,
    Timing,
    common_arguments,
    compare,
    env_for,
    grades_line,
    machine,
    prepare,
    timed_command,
)

from changekit.grading.sandbox import UNSANDBOXED_SETTING

MODES = {"unsandboxed": {UNSANDBOXED_SETTING: "1"}, "sandboxed": {}}


def grade(mode: str, base: Path, args: argparse.Namespace, force: bool, log: Path) -> Timing:
    """One ``changekit grade`` of the whole cohort in ``base``, timed."""
    script = (
        "import sys; from changekit.grading.parallel import grade_assignment; "
        f"r = grade_assignment({ASSIGNMENT!r}, root=sys.argv[1], jobs={args.jobs}, force={force}, "
        "progress=False); print(r.table()); sys.exit(1 if r.failed else 0)"
    )
    env = {**env_for(base, args.cell_timeout), **MODES[mode]}
    return timed_command(
        f"`changekit grade --jobs {args.jobs}`, {mode}",
        [sys.executable, "-c", script, str(base / "course")],
        base / "course",
        env,
        args.submissions,
        log,
    )


def markdown(
    best: dict[str, Timing],
    args: argparse.Namespace,
    compared: int,
    differing: list[str],
    loads: list[tuple[float, float, float]],
) -> str:
    """The results as a Markdown table with the ratios."""
    sandboxed, unsandboxed = best["sandboxed"], best["unsandboxed"]
    lines = [
        (
            f"Measured {datetime.now():%Y-%m-%d %H:%M}, {args.submissions} submissions, {args.rounds} rounds "
            f"(best of each), on {machine()}."
        ),
        (
            "Load average (1, 5, 15 min) before each run: "
            f"{'; '.join(', '.join(f'{x:.1f}' for x in load) for load in loads)}."
        ),
        "",
        "| method | best wall time (s) | per submission (s) | peak memory (MB) |",
        "|---|---:|---:|---:|",
        *(
            f"| {t.method} | {t.wall_seconds:.0f} | {t.per_submission:.2f} | {t.peak_mb:.0f} |"
            for t in best.values()
        ),
        "",
        (
            f"- Sandboxed takes **{sandboxed.wall_seconds / unsandboxed.wall_seconds:.2f}x** the unsandboxed wall "
            "time (goal: within 1.15x)."
        ),
        grades_line(compared, differing),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="gradings of each copy, alternating")
    common_arguments(parser)
    args = parser.parse_args(argv)
    work, stock, ours, _ = prepare(args, "changekit-bench-sandbox-")
    bases = {"unsandboxed": stock, "sandboxed": ours}
    runs: dict[str, list[Timing]] = {mode: [] for mode in MODES}
    loads = []
    for round_ in range(args.rounds):
        for mode in MODES:
            print(f"round {round_ + 1}: {mode} ...", flush=True)
            loads.append(os.getloadavg())
            runs[mode].append(
                grade(mode, bases[mode], args, round_ > 0, work / f"{mode}-{round_ + 1}.log")
            )
            print(f"  {runs[mode][-1].wall_seconds:.0f} s", flush=True)
    best = {mode: min(timings, key=lambda t: t.wall_seconds) for mode, timings in runs.items()}
    compared, differing = compare(stock, ours, args.cell_timeout)
    report = markdown(best, args, compared, differing, loads)
    print("\n" + report)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "date": datetime.now().isoformat(timespec="seconds"),
                    "machine": machine(),
                    "submissions": args.submissions,
                    "jobs": args.jobs,
                    "runs": {mode: [asdict(t) for t in timings] for mode, timings in runs.items()},
                    "grades_compared": compared,
                    "grades_differing": differing,
                    "load_averages": loads,
                },
                indent=2,
            )
        )
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())

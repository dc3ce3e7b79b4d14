"""Benchmark: grading a cohort with stock `nbgrader autograde`, with `changekit grade`, and the floor.

    .venv/bin/python benchmarks/autograde.py --submissions 200

Builds a throwaway course (the real "quantify a service problem" assignment)
with N synthetic submissions (right, partly right, wrong; the demo cohort's
mix without its broken files), then, in the same run and on the same machine:

1. stock: one `nbgrader autograde <assignment>` over all submissions;
2. changekit: `changekit grade <assignment> --jobs J` on an identical copy;
3. floor: the same notebooks executed with nbclient alone, J at a time
   (kernel start and every cell, and nothing else: no gradebook, no copies).

For each it reports wall time, time per submission, CPU time per submission
(user + system, of every process it started, kernels included: unlike wall
time this hardly changes when other work shares the machine) and peak memory
(the sum of the resident memory of the process tree, sampled every 0.2 s, so
shared pages count more than once), then the ratios, and checks that stock
and changekit wrote identical grades. Not a test: it takes a while.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import psutil

from changekit.course import generate_release, tool_env
from changekit.grading import synthetic
from changekit.grading.demo import VALID_PROFILES, plan_cohort
from changekit.grading.gradebook import course_settings, snapshot
from changekit.paths import course_root

ASSIGNMENT = "quantify_a_service_problem"
SUBMITTED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Timing:
    """One way of grading (or executing) the cohort."""

    method: str
    wall_seconds: float
    per_submission: float
    cpu_per_submission: float
    peak_mb: float


class PeakMemory:
    """Samples the resident memory of a process and its descendants until stopped."""

    def __init__(self, pid: int, *, include_root: bool = True) -> None:
        self.pid, self.include_root, self.peak = pid, include_root, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                root = psutil.Process(self.pid)
                tree = root.children(recursive=True) + ([root] if self.include_root else [])
                total = 0
                for process in tree:
                    try:
                        total += process.memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
            except psutil.NoSuchProcess:
                continue
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def children_cpu() -> float:
    """CPU seconds used so far by every finished (and waited-for) descendant of this process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def env_for(base: Path, cell_timeout: int) -> dict[str, str]:
    return {
        "CHANGEKIT_STATE_DIR": str(base / "state"),
        "CHANGEKIT_SHARED_ACCOUNT": "1",
        "CHANGEKIT_CELL_TIMEOUT": str(cell_timeout),
        "JUPYTER_DATA_DIR": str(base / "jupyter-data"),
    }


def build(work: Path, submissions: int, cell_timeout: int) -> tuple[Path, Path, Path]:
    """Two identical courses (stock, changekit) and a folder of the same notebooks for the floor."""
    stock, ours, floor = work / "stock", work / "changekit", work / "floor"
    root = stock / "course"
    (root / "source").mkdir(parents=True)
    shutil.copy(course_root() / "nbgrader_config.py", root)
    shutil.copytree(course_root() / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    generate_release(root, env_for(stock, cell_timeout), ids=[ASSIGNMENT])
    source = nbformat.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    release = nbformat.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for trainee in plan_cohort(source, release, submissions, profiles=VALID_PROFILES):
        synthetic.place_submission(
            root, ASSIGNMENT, trainee.name, trainee.notebook, when=SUBMITTED_AT
        )
    shutil.copytree(stock, ours, ignore=shutil.ignore_patterns("jupyter-data"))
    shutil.copytree(root / "submitted", floor)
    return stock, ours, floor


def timed_command(
    method: str, command: list[str], cwd: Path, env: dict[str, str], count: int, log: Path
) -> Timing:
    """Run one command, measuring wall time, CPU time and the peak memory of its process tree."""
    started, cpu = time.perf_counter(), children_cpu()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=tool_env(env), stdout=out, stderr=subprocess.STDOUT
        )
        memory = PeakMemory(process.pid)
        code = process.wait()
    wall = time.perf_counter() - started
    peak = memory.stop()
    if code not in (0, 1):
        raise SystemExit(f"{method} failed (exit code {code}); see {log}")
    return Timing(method, wall, wall / count, (children_cpu() - cpu) / count, peak)


def execute_one(folder: str, timeout: int) -> float:
    """Execute one submitted notebook in its folder with nbclient; return the seconds it took."""
    from nbclient import NotebookClient

    started = time.perf_counter()
    path = Path(folder) / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=timeout,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": folder}},
    ).execute()
    return time.perf_counter() - started


def floor(folders: list[Path], jobs: int, timeout: int) -> Timing:
    """Execute every notebook with nbclient alone, ``jobs`` at a time (the least grading could cost)."""
    started, cpu = time.perf_counter(), children_cpu()
    memory = PeakMemory(os.getpid(), include_root=False)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(execute_one, [str(f) for f in folders], [timeout] * len(folders)))
    wall, count = time.perf_counter() - started, len(folders)
    return Timing(
        f"floor: nbclient only, {jobs} at a time",
        wall,
        wall / count,
        (children_cpu() - cpu) / count,
        memory.stop(),
    )


def compare(stock: Path, ours: Path, cell_timeout: int) -> tuple[int, list[str]]:
    """How many gradebook entries were compared, and those that differ."""
    states = []
    for base in (stock, ours):
        with course_settings(base / "course", env_for(base, cell_timeout)).gradebook() as gradebook:
            states.append(snapshot(gradebook, ASSIGNMENT))
    differing = [
        repr(k)
        for k in sorted(states[0].keys() | states[1].keys(), key=repr)
        if states[0].get(k) != states[1].get(k)
    ]
    return len(states[0]), differing


def machine() -> str:
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def markdown(
    timings: list[Timing],
    submissions: int,
    compared: int,
    differing: list[str],
    loads: list[tuple[float, float, float]],
) -> str:
    """The results as a Markdown table with the ratios."""
    stock, ours, floor_ = timings
    cores = os.cpu_count() or 1
    lines = [
        f"Measured {datetime.now():%Y-%m-%d %H:%M}, {submissions} submissions, on {machine()}.",
        (
            "Load average (1, 5, 15 min) before each run: "
            f"{'; '.join(', '.join(f'{x:.1f}' for x in load) for load in loads)}."
        ),
        "",
        "| method | wall time (s) | per submission (s) | CPU per submission (s) | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {t.method} | {t.wall_seconds:.0f} | {t.per_submission:.2f} | {t.cpu_per_submission:.2f} "
            f"| {t.peak_mb:.0f} |"
            for t in timings
        ),
        "",
        f"- changekit is **{stock.wall_seconds / ours.wall_seconds:.2f}x** faster than stock nbgrader.",
        f"- changekit takes **{ours.wall_seconds / floor_.wall_seconds:.2f}x** the floor's time.",
        (
            f"- stock takes {stock.wall_seconds / floor_.wall_seconds:.2f}x the floor's time. Executing a "
            f"notebook alone costs {floor_.cpu_per_submission:.2f} CPU s, so on {cores} CPUs no grader could "
            f"beat stock's {stock.per_submission:.2f} s a submission by more than "
            f"{stock.per_submission / (floor_.cpu_per_submission / cores):.1f}x."
        ),
        grades_line(compared, differing),
    ]
    return "\n".join(lines)


def grades_line(compared: int, differing: list[str]) -> str:
    """The report's line on whether two gradings wrote identical grades."""
    return f"- Grades: {compared} gradebook entries compared, " + (
        "all identical."
        if not differing
        else f"{len(differing)} differ: {', '.join(differing[:5])}"
    )


def prepare(args: argparse.Namespace, prefix: str) -> tuple[Path, Path, Path, Path]:
    """The work folder (``--workdir`` or a temporary one) and the courses ``build`` makes in it."""
    work = args.workdir or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    print(f"Building {args.submissions} submissions in {work} ...", flush=True)
    return (work, *build(work, args.submissions, args.cell_timeout))


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every grading benchmark takes: cell timeout, where to work, JSON output."""
    parser.add_argument("--cell-timeout", type=int, default=60, help="seconds a cell may run")
    parser.add_argument(
        "--workdir", type=Path, help="keep the courses here (default: a temporary folder)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument(
        "--jobs", type=int, default=2, help="parallel jobs for changekit and the floor"
    )
    common_arguments(parser)
    args = parser.parse_args(argv)
    work, stock, ours, floor_dir = prepare(args, "changekit-bench-")
    n, loads = args.submissions, []
    python = str(Path(sys.executable))

    print("stock nbgrader autograde ...", flush=True)
    loads.append(os.getloadavg())
    nbgrader_bin = str(Path(sys.executable).parent / "nbgrader")
    stock_time = timed_command(
        "stock `nbgrader autograde`",
        [nbgrader_bin, "autograde", ASSIGNMENT],
        stock / "course",
        env_for(stock, args.cell_timeout),
        n,
        work / "stock.log",
    )
    print(f"  {stock_time.wall_seconds:.0f} s", flush=True)

    print(f"changekit grade --jobs {args.jobs} ...", flush=True)
    loads.append(os.getloadavg())
    script = (
        "import sys; from changekit.grading.parallel import grade_assignment; "
        f"r = grade_assignment({ASSIGNMENT!r}, root=sys.argv[1], jobs={args.jobs}, progress=False); "
        "print(r.table()); sys.exit(1 if r.failed else 0)"
    )
    ours_time = timed_command(
        f"`changekit grade --jobs {args.jobs}`",
        [python, "-c", script, str(ours / "course")],
        ours / "course",
        env_for(ours, args.cell_timeout),
        n,
        work / "changekit.log",
    )
    print(f"  {ours_time.wall_seconds:.0f} s", flush=True)

    print(f"floor: nbclient, {args.jobs} at a time ...", flush=True)
    loads.append(os.getloadavg())
    folders = sorted(p.parent for p in floor_dir.glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))
    floor_time = floor(folders, args.jobs, args.cell_timeout)
    print(f"  {floor_time.wall_seconds:.0f} s", flush=True)

    compared, differing = compare(stock, ours, args.cell_timeout)
    timings = [stock_time, ours_time, floor_time]
    report = markdown(timings, n, compared, differing, loads)
    print("\n" + report)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "date": datetime.now().isoformat(timespec="seconds"),
                    "machine": machine(),
                    "submissions": n,
                    "jobs": args.jobs,
                    "timings": [asdict(t) for t in timings],
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

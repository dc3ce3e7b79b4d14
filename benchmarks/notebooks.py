"""How heavy each notebook is to run top to bottom, against an empty notebook, in the same run.

    .venv/bin/python benchmarks/notebooks.py [--rounds 2] [--json FILE]

Each notebook (the source version of every assignment, and notebooks/*.ipynb)
is copied with its folder into a scratch folder and executed top to bottom
with nbclient in a fresh kernel, as a trainee's "Run All" or the grader does;
the baseline is a one-cell notebook (``1 + 1``) run the same way, interleaved
with the others so that both see the same load. Reported per notebook: the
median wall time over ``--rounds`` and the kernel's CPU time (user + system,
which other work on the machine barely moves), each with its ratio to the
empty notebook's, and the kernel's peak resident memory (sampled every 0.05 s). Issue 15's goals: every
notebook within 3x the empty one, and at most 250 MB per kernel.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from changekit.paths import course_root

ROOT = course_root()
TIMEOUT_SECONDS = 600


def notebooks() -> list[Path]:
    """Every assignment's source notebook, then the ungraded ones."""
    return sorted(ROOT.glob("source/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*.ipynb"))


def peak_rss(process: psutil.Process, stop: threading.Event, peak: list[int]) -> None:
    """Keep the largest resident memory of ``process`` (and its children) seen until ``stop``."""
    while not stop.is_set():
        try:
            total = process.memory_info().rss + sum(
                c.memory_info().rss for c in process.children(recursive=True)
            )
            peak[0] = max(peak[0], total)
        except psutil.Error:
            return
        time.sleep(0.05)


def cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU time of ``process`` so far: barely moved by other work on the machine."""
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def run(notebook: nbformat.NotebookNode, folder: Path) -> tuple[float, float, int]:
    """Wall seconds to start a kernel and run every cell in ``folder``, the kernel's CPU seconds and peak bytes."""
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        allow_errors=True,
    )
    began = time.monotonic()
    with client.setup_kernel():
        kernel = psutil.Process(client.km.provisioner.process.pid)
        stop, peak = threading.Event(), [0]
        watcher = threading.Thread(target=peak_rss, args=(kernel, stop, peak))
        watcher.start()
        try:
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            cpu = cpu_seconds(kernel)
        finally:
            stop.set()
            watcher.join()
    return time.monotonic() - began, cpu, peak[0]


def measure(path: Path | None, scratch: Path) -> tuple[float, float, int]:
    """Run one notebook (``None``: the empty baseline) in a copy of its folder."""
    if path is None:
        return run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), scratch)
    folder = scratch / path.parent.name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(path.parent, folder)
    if (
        path.parent.name == "notebooks"
    ):  # the tutor dashboard reads the course's gradebook from its folder
        shutil.copy(ROOT / "nbgrader_config.py", scratch)
    return run(nbformat.read(folder / path.name, as_version=4), folder)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="notebook-bench-") as scratch:
        for _ in range(args.rounds):
            for path in [None, *notebooks()]:
                name = "(empty notebook)" if path is None else str(path.relative_to(ROOT))
                seconds, cpu, memory = measure(path, Path(scratch))
                entry = results.setdefault(name, {"seconds": [], "cpu": [], "mb": []})
                entry["seconds"].append(seconds)
                entry["cpu"].append(cpu)
                entry["mb"].append(memory / 2**20)
                print(
                    f"{name}: {seconds:.1f} s, kernel CPU {cpu:.1f} s, {memory / 2**20:.0f} MB",
                    flush=True,
                )
    empty = {key: statistics.median(results["(empty notebook)"][key]) for key in ("seconds", "cpu")}
    print("\n| notebook | wall s | wall vs empty | kernel CPU s | CPU vs empty | peak kernel MB |")
    print("|---|---|---|---|---|---|")
    for name, entry in results.items():
        wall, cpu = statistics.median(entry["seconds"]), statistics.median(entry["cpu"])
        print(
            f"| {name} | {wall:.1f} | {wall / empty['seconds']:.1f}x | {cpu:.1f} | {cpu / empty['cpu']:.1f}x "
            f"| {max(entry['mb']):.0f} |"
        )
    print(f"(medians of {args.rounds} rounds)")
    print(f"\nload average at the end: {psutil.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

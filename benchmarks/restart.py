"""How long a second `changekit start` takes to reach the login page, against one bare Jupyter process.

    .venv/bin/python benchmarks/restart.py [--runs 3]

A copy of the course is started once (which releases every assignment) and
stopped; then it is started ``--runs`` times more on the unchanged course, each
time timing from the command to the first 200 from ``/hub/login``. The
baseline, measured in the same run and interleaved with the starts so that
both see the same load, is one `jupyter --version` process. Reported: the
median of each and their ratio (issue 15's goal: at most 8x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COURSE_PARTS = ("source", "release", "notebooks", "data", "deploy", "nbgrader_config.py")
#: A ceiling for one start on a busy machine; a start that takes longer is reported, not timed.
CEILING_SECONDS = 600


def is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` at 127.0.0.1."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A base port whose neighbours the hub also uses (+1, +2, +10) are free."""
    for port in range(23000, 40000, 20):
        if all(is_free(port + offset) for offset in (0, 1, 2, 10)):
            return port
    raise RuntimeError("no free port between 23000 and 40000")


def timed_start(root: Path, env: dict[str, str], url: str, log: Path) -> float:
    """Seconds from `changekit start` to a 200 from the login page; the hub is stopped afterwards."""
    began = time.monotonic()
    with log.open("a") as out:
        hub = subprocess.Popen(
            [str(BIN / "changekit"), "start"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while time.monotonic() - began < CEILING_SECONDS:
            if hub.poll() is not None:
                raise RuntimeError(f"the hub exited early; see {log}")
            try:
                if requests.get(f"{url}/hub/login", timeout=5).status_code == 200:
                    return time.monotonic() - began
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no login page within {CEILING_SECONDS} s; see {log}")
    finally:
        subprocess.run(
            [str(BIN / "changekit"), "stop"], cwd=root, env=env, check=False, capture_output=True
        )
        try:
            hub.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(hub.pid, 9)
            hub.wait()


def bare_jupyter() -> float:
    """Seconds for one `jupyter --version`: Python and Jupyter's own start-up, nothing of the course."""
    began = time.monotonic()
    subprocess.run([str(BIN / "jupyter"), "--version"], check=True, capture_output=True)
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="second starts to time (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="restart-bench-") as scratch:
        root, state = Path(scratch) / "course", Path(scratch) / "state"
        root.mkdir()
        for part in COURSE_PARTS:
            (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, root / part)
        port = free_port()
        env = dict(
            os.environ,
            CHANGEKIT_STATE_DIR=str(state),
            CHANGEKIT_PORT=str(port),
            PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
        )
        url, log = f"http://127.0.0.1:{port}", Path(scratch) / "hub.log"
        first = timed_start(root, env, url, log)
        starts, bare = [], []
        for _ in range(args.runs):
            bare.append(bare_jupyter())
            starts.append(timed_start(root, env, url, log))
            bare.append(bare_jupyter())
        start, baseline = statistics.median(starts), statistics.median(bare)
        print(f"first start (releases every assignment): {first:.1f} s")
        print(
            f"second start, median of {args.runs}:       {start:.1f} s  {[round(s, 1) for s in starts]}"
        )
        print(f"bare `jupyter --version`, median of {len(bare)}: {baseline:.2f} s")
        print(
            f"ratio second start / bare Jupyter:       {start / baseline:.1f}x (goal: at most 8x)"
        )
        print(f"load average during the run: {os.getloadavg()}")


if __name__ == "__main__":
    main()

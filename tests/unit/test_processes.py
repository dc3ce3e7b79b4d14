"""The session-end check of tests/conftest.py finds what a test started and left running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import SESSION_VARIABLE, started_by

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


@pytest.mark.parametrize("how", ["environment", "working folder", "command line"])
def test_a_process_left_running_is_found_until_it_is_stopped(tmp_path: Path, how: str) -> None:
    base = tmp_path / "base"
    (base / "work").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != SESSION_VARIABLE}
    command, cwd = list(SLEEPER), None
    if how == "environment":
        env[SESSION_VARIABLE] = "run-1"
    elif how == "working folder":
        cwd = base / "work"
    else:
        command.append(str(base / "work" / "notebook.ipynb"))
    process = subprocess.Popen(command, env=env, cwd=cwd)
    try:
        assert process.pid in {p.pid for p in started_by("run-1", base)}
        assert process.pid not in {p.pid for p in started_by("run-2", tmp_path / "other")}
    finally:
        process.kill()
        process.wait()
    assert process.pid not in {p.pid for p in started_by("run-1", base)}


def test_a_folder_whose_name_extends_the_base_is_not_the_base(tmp_path: Path) -> None:
    """pytest-5 must not claim the processes of a neighbouring run's pytest-50."""
    neighbour = tmp_path / "pytest-50"
    neighbour.mkdir()
    process = subprocess.Popen(
        [*SLEEPER, str(neighbour / "x")],
        cwd=neighbour,
        env={k: v for k, v in os.environ.items() if k != SESSION_VARIABLE},
    )
    try:
        assert process.pid not in {p.pid for p in started_by("run-1", tmp_path / "pytest-5")}
        assert process.pid in {p.pid for p in started_by("run-1", neighbour)}
    finally:
        process.kill()
        process.wait()

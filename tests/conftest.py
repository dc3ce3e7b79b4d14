"""Shared by every test: Hypothesis profiles, a check that no process outlives the run, and shared fixtures.

Hypothesis: the ``ci`` profile (loaded when the ``CI`` environment variable is
set) is derandomised, so a CI run tries the same examples every time and a
failure there can be repeated; ``dev`` draws new examples on each run. Neither
has a deadline: on a busy shared machine one slow example is not a bug.

Processes: each pytest process marks its environment (``tests.processes``);
when the session ends, any process the tests started that is still running is
killed and the run fails, naming it, so that a fixture that forgets to stop a
hub, a server or a worker is found at once instead of hours later.

Fixtures: ``browser`` (Debian's Chromium through Playwright); for tests that
read files the way a trainee does, ``sample_csvs`` (a sample-data generator's
tables written as CSV, as ``make data`` writes them) and ``text_file`` (a
file of given text in the test's own folder).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from hypothesis import HealthCheck, settings
from playwright.sync_api import Browser, sync_playwright

from tests.hub import journeys
from tests.processes import describe, session_marker, started_by

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

#: Seconds a process that is already stopping may take to exit before it counts as left behind.
EXIT_GRACE_SECONDS = 15


@pytest.fixture(scope="session", autouse=True)
def nothing_left_running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fail the run if a process started by its tests is still running at the end (and kill it)."""
    marker = session_marker()
    base = tmp_path_factory.getbasetemp().resolve()
    yield
    _, left = psutil.wait_procs(started_by(marker, base), timeout=EXIT_GRACE_SECONDS)
    if left:
        listed = describe(left)
        for process in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        pytest.fail(
            f"the tests left {len(left)} process(es) running (now killed):\n{listed}", pytrace=False
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (the hub, inert-HTML and production tests)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=journeys.CHROMIUM, args=journeys.CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def sample_csvs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Callable[[], dict]], Path]:
    """Write a sample-data generator's tables as CSV into a new folder, and return the folder.

    ``sample_csvs(baby_clinic.generate)`` gives a folder holding
    ``baby_clinic.csv`` and ``unit_costs.csv`` exactly as ``make data`` writes
    them. Tests read from it and write their altered copies to ``tmp_path``.
    """
    from changekit.sample_data import write_csv  # pandas: only for the tests that use it

    def write(generate: Callable[[], dict]) -> Path:
        folder = tmp_path_factory.mktemp(generate.__module__.rsplit(".", 1)[-1])
        for name, table in generate().items():
            write_csv(table, folder / name)
        return folder

    return write


@pytest.fixture
def text_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` (UTF-8) to a file called ``name`` in this test's ``tmp_path``; return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write

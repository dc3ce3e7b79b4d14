"""A real local hub, started with `changekit start` on a copy of the course, for hub and browser tests."""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests

from changekit.hub.lifecycle import end_processes
from changekit.paths import course_root
from changekit.settings import DEFAULT_STOP_SECONDS

COURSE_PARTS = ("source", "release", "notebooks", "data", "deploy", "nbgrader_config.py")


@dataclass
class Hub:
    url: str
    port: int
    root: Path
    state: Path
    passwords: dict[str, str]
    process: subprocess.Popen
    log: Path

    @property
    def course_id(self) -> str:
        return "pich-leadership"

    def session(self, user: str, password: str | None = None) -> requests.Session:
        """A logged-in HTTP session (the password defaults to the user's own)."""
        session = requests.Session()
        login(session, self.url, user, self.passwords[user] if password is None else password)
        return session


def login(session: requests.Session, url: str, user: str, password: str) -> requests.Response:
    """Post the hub's login form, with its XSRF token, as a browser would."""
    page = session.get(f"{url}/hub/login")
    token = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    data = {"username": user, "password": password, "_xsrf": token.group(1) if token else ""}
    return session.post(f"{url}/hub/login?next=/hub/home", data=data, allow_redirects=False)


def ports_free(*ports: int) -> bool:
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT counts as free
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def pick_port() -> int:
    """A base port whose neighbours the hub uses (+1 proxy API, +2 hub API, +10 formgrader) are free."""
    for _ in range(200):
        port = random.randrange(20000, 40000, 20)
        if ports_free(port, port + 1, port + 2, port + 10):
            return port
    raise RuntimeError("no free ports")


#: Seconds `changekit start` may take per assignment it generates and releases (two nbgrader
#: commands each; about 12 s on an idle 2-core machine, several times that when it is busy).
PUBLISH_SECONDS_PER_ASSIGNMENT = 60
#: Seconds from the course being published to the hub's login page answering.
HUB_START_SECONDS = 180


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def wait_until(
    ready: Callable[[], bool], what: str, seconds: float, process: subprocess.Popen, log: Path
) -> None:
    """Poll ``ready`` until it holds; fail naming ``what`` was awaited if the process ends or time runs out."""
    deadline = time.monotonic() + seconds
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(
                f"`changekit start` exited (code {process.returncode}) while waiting for "
                f"{what}:\n{log.read_text()[-4000:]}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"waited {seconds:.0f} s for {what}, in vain:\n{log.read_text()[-4000:]}"
            )
        time.sleep(0.5)


def hub_env(root: Path, state: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CHANGEKIT_COURSE_ROOT=str(root), CHANGEKIT_STATE_DIR=str(state), CHANGEKIT_PORT=str(port)
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


def stop_hub(process: subprocess.Popen, env: dict[str, str]) -> None:
    """Stop what `changekit start` began, whatever stage it reached: `changekit stop`, then its
    process group (nbgrader commands while publishing), then anything of its tree still left."""
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    try:
        subprocess.run(
            [str(Path(sys.executable).parent / "changekit"), "stop"],
            env=env,
            check=False,
            timeout=DEFAULT_STOP_SECONDS + 60,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        end_processes(tree, 20)
        process.wait(timeout=30)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``stops_hub`` run after every other test, so none finds the shared hub stopped."""
    last = [item for item in items if item.get_closest_marker("stops_hub")]
    items[:] = [item for item in items if not item.get_closest_marker("stops_hub")] + last


@contextlib.contextmanager
def running_hub(base: Path) -> Iterator[Hub]:
    """`changekit start` on a copy of the course in ``base``; stopped on every path, a failed start included."""
    root, state = base / "course", base / "state"
    root.mkdir()
    for part in COURSE_PARTS:
        source = course_root() / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    port = pick_port()
    env = hub_env(root, state, port)
    log = base / "hub.log"
    url = f"http://127.0.0.1:{port}"
    assignments = sum(1 for folder in (root / "source").iterdir() if folder.is_dir())
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "changekit"), "start"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
            start_new_session=True,
        )
    try:
        wait_until(
            lambda: "Released to the exchange" in log.read_text() or answers(f"{url}/hub/login"),
            f"the course's {assignments} assignments to be published (log line 'Released to the exchange')",
            PUBLISH_SECONDS_PER_ASSIGNMENT * assignments,
            process,
            log,
        )
        wait_until(
            lambda: answers(f"{url}/hub/login"),
            f"the hub's login page at {url}/hub/login to answer 200",
            HUB_START_SECONDS,
            process,
            log,
        )
        print(
            f"hub: login page answered {time.monotonic() - started:.1f} s after `changekit start`"
        )
        passwords = dict(
            re.findall(r"^\s+\w+\s+(\w+)\s+password: (\S+)$", log.read_text(), re.MULTILINE)
        )
        yield Hub(url, port, root, state, passwords, process, log)
    finally:
        stop_hub(process, env)


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The hub the hub and browser tests share."""
    with running_hub(tmp_path_factory.mktemp("hub")) as started:
        yield started

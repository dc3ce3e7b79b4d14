"""A real local hub, started with `changekit start` on a copy of the course, for hub and browser tests."""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, sync_playwright

from changekit.paths import course_root
from tests.hub import journeys

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


def wait_for(url: str, seconds: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub exited early:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the hub did not answer in {seconds} s:\n{log.read_text()[-4000:]}")


def hub_env(root: Path, state: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CHANGEKIT_COURSE_ROOT=str(root), CHANGEKIT_STATE_DIR=str(state), CHANGEKIT_PORT=str(port))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    base = tmp_path_factory.mktemp("hub")
    root, state = base / "course", base / "state"
    root.mkdir()
    for part in COURSE_PARTS:
        source = course_root() / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    port = pick_port()
    env = hub_env(root, state, port)
    log = base / "hub.log"
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / "changekit"), "start"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        # Generous: releasing every assignment takes minutes on a busy 2-core machine.
        wait_for(f"{url}/hub/login", 600, process, log)
        print(f"hub: login page answered {time.monotonic() - started:.1f} s after `changekit start`")
        passwords = dict(re.findall(r"^\s+\w+\s+(\w+)\s+password: (\S+)$", log.read_text(), re.MULTILINE))
        yield Hub(url, port, root, state, passwords, process, log)
    finally:
        subprocess.run([str(Path(sys.executable).parent / "changekit"), "stop"], env=env, check=False)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=journeys.CHROMIUM, args=journeys.CHROMIUM_ARGS)
        yield chromium
        chromium.close()

"""`changekit stop` (what `make stop` runs) ends the hub and what it started, even when its state folder has gone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from changekit import cli
from changekit.hub import lifecycle
from changekit.settings import current

#: A stand-in for JupyterHub, named `jupyterhub` as the real one is: it starts a "server" and,
#: like a hub whose state folder was deleted under it, ignores SIGTERM.
STUBBORN_HUB = textwrap.dedent("""\
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    print(server.pid, flush=True)
    time.sleep(600)
""")


def start_fake_hub(
    folder: Path, state: Path, script: str
) -> tuple[subprocess.Popen, psutil.Process]:
    """Run ``script`` as a program called `jupyterhub` for the state folder ``state``; return it and its server."""
    program = folder / "bin" / "jupyterhub"
    program.parent.mkdir(parents=True)
    program.write_text(script)
    env = dict(os.environ, CHANGEKIT_STATE_DIR=str(state))
    hub = subprocess.Popen(
        [sys.executable, str(program)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    server = psutil.Process(int(hub.stdout.readline()))
    return hub, server


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "state"
    (folder / "hub").mkdir(parents=True)
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", str(folder))
    monkeypatch.setenv("CHANGEKIT_STOP_SECONDS", "2")
    return folder


@pytest.fixture
def stubborn_hub(tmp_path: Path, state: Path) -> Iterator[tuple[subprocess.Popen, psutil.Process]]:
    hub, server = start_fake_hub(tmp_path, state, STUBBORN_HUB)
    try:
        yield hub, server
    finally:
        lifecycle.end_processes(
            [psutil.Process(hub.pid), server] if hub.poll() is None else [server], 0
        )
        hub.wait()


def test_stop_finds_the_hub_after_its_state_folder_was_deleted(
    state: Path,
    stubborn_hub: tuple[subprocess.Popen, psutil.Process],
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub, server = stubborn_hub
    shutil.rmtree(state)
    assert cli.main(["stop"]) == 0
    hub.wait(timeout=30)  # (already reaped by stop, which ran in this process: no exit code here)
    assert not psutil.pid_exists(hub.pid), (
        "a hub that ignores SIGTERM is killed after CHANGEKIT_STOP_SECONDS"
    )
    assert not lifecycle.running(server), "the hub's server must not outlive it"
    out = capsys.readouterr()
    assert "did not stop within 2 s, so it was killed" in out.err
    assert f"Stopped the course hub (process {hub.pid})" in out.out


def test_stop_uses_the_pid_file_and_removes_it(
    state: Path, stubborn_hub: tuple[subprocess.Popen, psutil.Process]
) -> None:
    hub, _ = stubborn_hub
    current().hub_pid_file.write_text(str(hub.pid))
    assert lifecycle.running_hubs(current()) == [psutil.Process(hub.pid)]
    assert cli.main(["stop"]) == 0
    hub.wait(timeout=30)
    assert not psutil.pid_exists(hub.pid)
    assert not current().hub_pid_file.exists()


def test_a_hub_of_another_state_folder_is_left_alone(
    tmp_path: Path,
    state: Path,
    stubborn_hub: tuple[subprocess.Popen, psutil.Process],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub, server = stubborn_hub
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", str(tmp_path / "other"))
    assert cli.main(["stop"]) == 0
    assert "No course hub is running" in capsys.readouterr().out
    assert hub.poll() is None and server.is_running()


def test_a_stale_pid_file_is_removed(state: Path) -> None:
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        current().hub_pid_file.write_text(str(idle.pid))  # a live process, but not a course hub
        assert cli.main(["stop"]) == 0
        assert idle.poll() is None, "stop must not signal a process that is not the course hub"
        assert not current().hub_pid_file.exists()
    finally:
        idle.kill()
        idle.wait()


#: A hub that stops at once when asked. `make stop` runs in another process than the one that
#: started the hub (a shell, a test fixture), so the stopped hub stays a zombie until that parent
#: reaps it: stop must see it as stopped, not wait for it.
POLITE_HUB = textwrap.dedent("""\
    import subprocess, sys, time
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    print(server.pid, flush=True)
    time.sleep(600)
""")


def test_a_hub_that_stopped_is_not_waited_for_as_a_zombie(tmp_path: Path, state: Path) -> None:
    hub, server = start_fake_hub(tmp_path, state, POLITE_HUB)
    try:
        env = dict(os.environ, CHANGEKIT_STATE_DIR=str(state), CHANGEKIT_STOP_SECONDS="600")
        # A stop that waited for the zombie would take the full 600 s, and time out here.
        done = subprocess.run(
            [sys.executable, "-m", "changekit.cli", "stop"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "did not stop within" not in done.stderr
        assert f"Stopped the course hub (process {hub.pid})" in done.stdout
        assert not lifecycle.running(server)
    finally:
        lifecycle.end_processes([psutil.Process(hub.pid), server], 0)
        hub.wait()

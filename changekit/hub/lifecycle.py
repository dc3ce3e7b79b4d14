"""Start and stop the local hub: what ``changekit start`` and ``changekit stop`` (``make start``/``stop``) do.

``start`` releases what changed, prepares the hub's accounts, exchange and
home folders (``changekit.hub.local``) and then becomes JupyterHub with
``deploy/local/jupyterhub_config.py``. ``stop`` finds that hub (from its pid
file, or by looking when the file or the whole state folder has gone), asks it
to stop and kills whatever it leaves.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

import psutil

from changekit import course
from changekit.errors import ChangekitError
from changekit.hub import local
from changekit.hub.accounts import Account
from changekit.settings import Settings, current

HUB_CONFIG = "deploy/local/jupyterhub_config.py"


class HubError(ChangekitError):
    """The local hub cannot start as asked; the message says why and what to do."""


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` at 127.0.0.1."""
    with socket.socket() as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as servers do: TIME_WAIT is free
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def hub_ports(port: int) -> tuple[int, ...]:
    """The ports the local hub uses: its own, its proxy's API, the hub's API and the formgrader's."""
    return port, port + 1, port + 2, port + 10


def print_accounts(accounts: list[Account] | None, credentials: Path) -> None:
    """Show new passwords once; afterwards only say where they are kept."""
    if accounts is None:
        print(f"Logins: as before; the passwords are in {credentials} (readable by you only).")
        return
    print(f"New logins (shown once; kept in {credentials}, readable by you only):")
    for account in accounts:
        print(f"    {account.role:8} {account.name:10} password: {account.password}")


def start(port: int | None = None) -> int:
    """Release what changed to the exchange, prepare the hub, then become the local JupyterHub.

    ``port`` defaults to ``CHANGEKIT_PORT`` (8000). Does not return: the
    process is replaced by JupyterHub. ``HubError`` when a port it needs is taken.
    """
    settings = current()
    port = settings.port if port is None else port
    if not all(port_is_free(p) for p in hub_ports(port)):
        raise HubError(
            f"Port {', '.join(map(str, hub_ports(port)))} on 127.0.0.1 is in use (is the course "
            "already running? `make stop` stops it). To use other ports: CHANGEKIT_PORT=9000 make start"
        )
    print("Preparing the course: releasing assignments whose source changed ...", flush=True)
    released, unchanged = course.publish(settings.root, state=settings.state)
    if released:
        print(f"Released to the exchange: {', '.join(released)}")
    if unchanged:
        print(f"Unchanged since last released: {', '.join(unchanged)}")
    print_accounts(local.prepare(settings), settings.hub / "credentials.txt")
    print(
        f"\nThe course hub is starting at  http://127.0.0.1:{port}/\n"
        "Trainees: log in, open the Assignments tab (Nbgrader > Assignment List), fetch, submit.\n"
        f"Tutor: log in as 'tutor', then open http://127.0.0.1:{port}/services/{settings.course_id}/formgrader "
        "for the formgrader.\nStop with Ctrl-C here, or `make stop` from another terminal.\n",
        flush=True,
    )
    become_hub(settings, port)
    return 0  # not reached: become_hub replaces this process


def become_hub(settings: Settings, port: int) -> None:
    """Replace this process with JupyterHub on ``port``, in the hub's folder, for this course."""
    env = course.tool_env(
        {
            "CHANGEKIT_COURSE_ROOT": str(settings.root),
            "CHANGEKIT_STATE_DIR": str(settings.state),
            "CHANGEKIT_PORT": str(port),
            "CHANGEKIT_SERVICE_PORT": str(port + 10),
        }
    )
    command = [
        str(Path(sys.executable).parent / "jupyterhub"),
        "-f",
        str(settings.root / HUB_CONFIG),
    ]
    os.chdir(settings.hub)
    # A shell that started us in the background left SIGINT ignored, and every
    # server would inherit that and ignore the hub's request to stop.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execve(command[0], command, env)


def is_course_hub(process: psutil.Process, state: Path) -> bool:
    """Whether ``process`` is a JupyterHub that ``changekit start`` began for the state folder ``state``.

    ``start`` passes ``CHANGEKIT_STATE_DIR`` to the hub it becomes, so the hub
    can be told apart from any other even when its pid file (or the whole state
    folder) has been deleted.
    """
    try:
        command = process.cmdline()
        environment = process.environ()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    runs_jupyterhub = any(Path(part).name == "jupyterhub" for part in command[:2])
    recorded = environment.get("CHANGEKIT_STATE_DIR")
    return runs_jupyterhub and recorded is not None and Path(recorded).resolve() == state


def running_hubs(settings: Settings) -> list[psutil.Process]:
    """The course hubs running for this state folder: the one in the pid file, else any found by looking."""
    with contextlib.suppress(OSError, ValueError, psutil.NoSuchProcess):
        recorded = psutil.Process(int(settings.hub_pid_file.read_text()))
        if is_course_hub(recorded, settings.state):
            return [recorded]
    return [process for process in psutil.process_iter() if is_course_hub(process, settings.state)]


def running(process: psutil.Process) -> bool:
    """Whether ``process`` still runs: a zombie (exited, not yet reaped by its parent) does not."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for_exit(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """Wait up to ``seconds`` for ``processes`` to exit; return those still running.

    Not ``psutil.wait_procs``: it waits for a zombie whose parent is another
    process (the hub started by a test or a shell) until its timeout.
    """
    deadline = time.monotonic() + seconds
    alive = [p for p in processes if running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if running(p)]
    return alive


def end_processes(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """Wait up to ``seconds`` for ``processes`` to exit, then SIGKILL those left; return those killed."""
    alive = wait_for_exit(processes, seconds)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    wait_for_exit(alive, 10)
    return alive


def stop() -> int:
    """Stop the course hub with SIGTERM, so that it stops its servers and proxy; kill what is left.

    The hub is found from its pid file or, if that (or the whole state folder)
    has gone, by looking for it. A hub that has not finished within
    ``CHANGEKIT_STOP_SECONDS`` (one whose state folder was deleted can hang
    while shutting down) is killed, with every server and proxy it started.
    """
    settings = current()
    hubs = running_hubs(settings)
    if not hubs:
        print(f"No course hub is running for {settings.state}.")
    for hub in hubs:
        with contextlib.suppress(psutil.NoSuchProcess):
            tree = [hub, *hub.children(recursive=True)]  # taken now: orphans are hard to find later
            hub.terminate()
            killed = end_processes([hub], settings.stop_seconds)
            if killed:
                print(
                    f"The hub (process {hub.pid}) did not stop within {settings.stop_seconds:.0f} s, so it was "
                    "killed, with its servers and proxy.",
                    file=sys.stderr,
                )
            # A hub that stopped has stopped its servers and proxy; any it left are killed.
            end_processes(tree, 0 if killed else 10)
        print(f"Stopped the course hub (process {hub.pid}) and its servers.")
    settings.hub_pid_file.unlink(missing_ok=True)
    return 0

"""The ``changekit`` command line: course tooling for tutors and admins.

    changekit start     publish the course and run the local JupyterHub on 127.0.0.1
    changekit stop      stop the hub that ``start`` began
    changekit release   regenerate release/ from source/
    changekit publish   release to the exchange the assignments named or changed
    changekit data      regenerate data/ and the copies in source/
    changekit grade     autograde an assignment's submissions in parallel
    changekit export    grades per trainee and per question, as CSV
    changekit demo      a made-up cohort graded end to end, for the dashboard
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

import psutil

from changekit import course
from changekit.admin import commands as admin_commands
from changekit.grading import commands as grading_commands
from changekit.hub import local
from changekit.hub.accounts import Account
from changekit.paths import course_root, state_dir
from changekit.settings import CourseNotFound, current

HUB_CONFIG = "deploy/local/jupyterhub_config.py"


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` at 127.0.0.1."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is free
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def hub_pid_file(state: Path) -> Path:
    """Where JupyterHub records its process id (see deploy/local/jupyterhub_config.py)."""
    return state / "hub" / "jupyterhub.pid"


def print_accounts(accounts: list[Account] | None, credentials: Path) -> None:
    """Show new passwords once; afterwards only say where they are kept."""
    if accounts is None:
        print(f"Logins: as before; the passwords are in {credentials} (readable by you only).")
        return
    print(f"New logins (shown once; kept in {credentials}, readable by you only):")
    for account in accounts:
        print(f"    {account.role:8} {account.name:10} password: {account.password}")


def start(args: argparse.Namespace) -> int:
    """Publish every assignment to the exchange, then become the local JupyterHub."""
    settings = current()
    root, state = settings.root, settings.state
    port = args.port
    if not all(port_is_free(p) for p in (port, port + 1, port + 2, port + 10)):
        print(f"Port {port}, {port + 1}, {port + 2} or {port + 10} on 127.0.0.1 is in use (is the course already "
              "running? `make stop` stops it). To use other ports: CHANGEKIT_PORT=9000 make start",
              file=sys.stderr)
        return 1
    print("Preparing the course: releasing assignments whose source changed ...", flush=True)
    released, unchanged = course.publish(root, state=state)
    if released:
        print(f"Released to the exchange: {', '.join(released)}")
    if unchanged:
        print(f"Unchanged since last released: {', '.join(unchanged)}")
    hub = settings.hub
    accounts = local.prepare(hub, root, settings.course_id, settings.exchange)
    print_accounts(accounts, hub / "credentials.txt")
    print(
        f"\nThe course hub is starting at  http://127.0.0.1:{port}/\n"
        "Trainees: log in, open the Assignments tab (Nbgrader > Assignment List), fetch, submit.\n"
        f"Tutor: log in as 'tutor', then open http://127.0.0.1:{port}/services/{settings.course_id}/formgrader "
        "for the formgrader.\nStop with Ctrl-C here, or `make stop` from another terminal.\n",
        flush=True,
    )
    env = course.tool_env({
        "CHANGEKIT_COURSE_ROOT": str(root),
        "CHANGEKIT_STATE_DIR": str(state),
        "CHANGEKIT_PORT": str(port),
        "CHANGEKIT_SERVICE_PORT": str(port + 10),
    })
    command = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(root / HUB_CONFIG)]
    os.chdir(hub)
    # A shell that started us in the background left SIGINT ignored, and every
    # server would inherit that and ignore the hub's request to stop.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execve(command[0], command, env)
    return 0  # not reached: exec replaces this process


#: Seconds the hub may take to stop its servers and proxy after SIGTERM before it is killed.
STOP_SECONDS = float(os.environ.get("CHANGEKIT_STOP_SECONDS", "60"))


def _is_course_hub(process: psutil.Process, state: Path) -> bool:
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


def running_hubs(state: Path) -> list[psutil.Process]:
    """The course hubs running for ``state``: the one in its pid file, else any found by looking."""
    with contextlib.suppress(OSError, ValueError, psutil.NoSuchProcess):
        recorded = psutil.Process(int(hub_pid_file(state).read_text()))
        if _is_course_hub(recorded, state):
            return [recorded]
    return [process for process in psutil.process_iter() if _is_course_hub(process, state)]


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


def stop(args: argparse.Namespace) -> int:
    """Stop the course hub with SIGTERM, so that it stops its servers and proxy; kill what is left.

    The hub is found from its pid file or, if that (or the whole state folder)
    has gone, by looking for it. A hub that has not finished within
    ``STOP_SECONDS`` (one whose state folder was deleted can hang while
    shutting down) is killed, with every server and proxy it started.
    """
    state = state_dir()
    hubs = running_hubs(state)
    if not hubs:
        print(f"No course hub is running for {state}.")
        hub_pid_file(state).unlink(missing_ok=True)
        return 0
    for hub in hubs:
        with contextlib.suppress(psutil.NoSuchProcess):
            tree = [hub, *hub.children(recursive=True)]  # taken now: orphans are hard to find later
            hub.terminate()
            killed = end_processes([hub], STOP_SECONDS)
            if killed:
                print(f"The hub (process {hub.pid}) did not stop within {STOP_SECONDS:.0f} s, so it was "
                      "killed, with its servers and proxy.", file=sys.stderr)
            # A hub that stopped has stopped its servers and proxy; any it left are killed.
            end_processes(tree, 0 if killed else 10)
        print(f"Stopped the course hub (process {hub.pid}) and its servers.")
    hub_pid_file(state).unlink(missing_ok=True)
    return 0


def release(args: argparse.Namespace) -> int:
    """Regenerate ``release/`` from ``source/``."""
    for assignment in course.generate_release():
        print(f"release/{assignment} regenerated")
    return 0


def publish(args: argparse.Namespace) -> int:
    """Release to the exchange the assignments named, and every one whose source changed."""
    unknown = sorted(set(args.assignments) - set(course.assignments()))
    if unknown:
        print(f"No assignment called {', '.join(unknown)} in {course_root() / 'source'}; "
              f"the assignments are: {', '.join(course.assignments())}", file=sys.stderr)
        return 1
    released, unchanged = course.publish(force=args.assignments)
    for assignment in released:
        print(f"released {assignment}")
    if unchanged:
        print(f"unchanged since last released (name one to release it again): {', '.join(unchanged)}")
    return 0


def data(args: argparse.Namespace) -> int:
    """Regenerate ``data/`` and refresh the copies in ``source/``."""
    for path in course.refresh_data():
        print(f"wrote {path.relative_to(course_root())}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one subcommand."""
    parser = argparse.ArgumentParser(prog="changekit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="run the course hub on 127.0.0.1")
    start_parser.add_argument("--port", type=int, default=int(os.environ.get("CHANGEKIT_PORT", "8000")))
    start_parser.set_defaults(run=start)
    commands.add_parser("stop", help="stop the course hub").set_defaults(run=stop)
    commands.add_parser("release", help="regenerate release/ from source/").set_defaults(run=release)
    publish_parser = commands.add_parser("publish", help="generate and release assignments to the exchange")
    publish_parser.add_argument("assignments", nargs="*",
                                help="assignment ids to release again (default: only those whose source changed)")
    publish_parser.set_defaults(run=publish)
    commands.add_parser("data", help="regenerate data/ and its copies").set_defaults(run=data)
    grading_commands.register(commands)
    admin_commands.register(commands)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (course.CourseError, CourseNotFound) as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

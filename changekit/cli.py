"""The ``changekit`` command line: course tooling for tutors and admins.

    changekit start     publish the course and run the local JupyterHub on 127.0.0.1
    changekit stop      stop the hub that ``start`` began
    changekit release   regenerate release/ from source/
    changekit publish   generate assignments and release them to the exchange
    changekit data      regenerate data/ and the copies in source/
    changekit grade     autograde an assignment's submissions in parallel
    changekit export    grades per trainee and per question, as CSV
    changekit demo      a made-up cohort graded end to end, for the dashboard
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from pathlib import Path

from changekit import course
from changekit.grading import commands as grading_commands
from changekit.hub import local
from changekit.hub.accounts import Account
from changekit.paths import course_root, state_dir

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


def hub_pid_file() -> Path:
    """Where JupyterHub records its process id (see deploy/local/jupyterhub_config.py)."""
    return state_dir() / "hub" / "jupyterhub.pid"


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
    root, state = course_root(), state_dir()
    port = args.port
    if not all(port_is_free(p) for p in (port, port + 1, port + 2, port + 10)):
        print(f"Port {port}, {port + 1}, {port + 2} or {port + 10} on 127.0.0.1 is in use (is the course already "
              "running? `make stop` stops it). To use other ports: CHANGEKIT_PORT=9000 make start",
              file=sys.stderr)
        return 1
    print("Preparing the course: generating and releasing the assignments ...", flush=True)
    released = course.publish(root)
    print(f"Released to the exchange: {', '.join(released)}")
    hub = state / "hub"
    accounts = local.prepare(hub, root, course.course_id(), course.exchange_root(root))
    print_accounts(accounts, hub / "credentials.txt")
    print(
        f"\nThe course hub is starting at  http://127.0.0.1:{port}/\n"
        "Trainees: log in, open the Assignments tab (Nbgrader > Assignment List), fetch, submit.\n"
        f"Tutor: log in as 'tutor', then open http://127.0.0.1:{port}/services/{course.course_id()}/formgrader "
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


def stop(args: argparse.Namespace) -> int:
    """Stop the hub recorded in its pid file; it stops its servers and proxy with it.

    JupyterHub deletes its pid file as the last step of a clean shutdown, so
    the file going away is the sign that everything has stopped.
    """
    path = hub_pid_file()
    if not path.exists():
        print("No course hub is running (no var/hub/jupyterhub.pid).")
        return 0
    pid = int(path.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        print("The course hub had already stopped.")
        path.unlink(missing_ok=True)
        return 0
    for _ in range(600):
        if not path.exists():
            print(f"Stopped the course hub (process {pid}) and its servers.")
            return 0
        time.sleep(0.1)
    print(f"The hub (process {pid}) is still stopping; check again in a moment.", file=sys.stderr)
    return 1


def release(args: argparse.Namespace) -> int:
    """Regenerate ``release/`` from ``source/``."""
    for assignment in course.generate_release():
        print(f"release/{assignment} regenerated")
    return 0


def publish(args: argparse.Namespace) -> int:
    """Generate assignments (all, or those named) and release them to the exchange."""
    unknown = sorted(set(args.assignments) - set(course.assignments()))
    if unknown:
        print(f"No assignment called {', '.join(unknown)} in {course_root() / 'source'}; "
              f"the assignments are: {', '.join(course.assignments())}", file=sys.stderr)
        return 1
    for assignment in course.publish(ids=args.assignments or None):
        print(f"released {assignment}")
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
    publish_parser.add_argument("assignments", nargs="*", help="assignment ids (default: every assignment)")
    publish_parser.set_defaults(run=publish)
    commands.add_parser("data", help="regenerate data/ and its copies").set_defaults(run=data)
    grading_commands.register(commands)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except course.CourseError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""A throwaway PostgreSQL server from Debian's packages, for the tests that prove PostgreSQL works.

The server runs as the ``postgres`` system account (PostgreSQL refuses root) in
a fresh cluster under the test's temporary folder, listening on 127.0.0.1 on a
free port and on a socket in that folder; it is stopped on every path.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Seconds ``pg_ctl`` may wait for the server to accept connections (it polls; a busy machine is slow).
READY_SECONDS = 300


@dataclass(frozen=True)
class Server:
    port: int
    socket_dir: Path

    def url(self, database: str) -> str:
        """A SQLAlchemy URL for ``database`` (psycopg 3 driver), as the course's settings take it."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name``; return its URL."""
        psql = Path(server_bin()) / "psql"
        run_as_postgres(
            [
                str(psql),
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f'CREATE DATABASE "{name}"',
            ]
        )
        return self.url(name)


def server_bin() -> str | None:
    """Debian's PostgreSQL server programs (``/usr/lib/postgresql/<version>/bin``), newest first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return str(Path(found[0]).parent) if found else None


def skip_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "PostgreSQL tests start a server as the postgres account: run as root (as CI does)"
    if server_bin() is None or shutil.which("runuser") is None:
        return (
            "PostgreSQL is not installed: `make test` installs Debian's postgresql when run as root"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: it is in requirements.lock; run `make test` to install it"
    return None


def run_as_postgres(command: list[str]) -> str:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[Server]:
    """Start a fresh cluster in a folder of its own under /tmp; stop it and remove the folder however the block ends.

    Not under pytest's temporary tree: that is private to root, and the server
    runs as the postgres account.
    """
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    binaries = Path(server_bin())
    base = Path(tempfile.mkdtemp(prefix="changekit-pg-"))
    data, sockets = base / "data", base / "sockets"
    data.mkdir()
    sockets.mkdir()
    for folder in (base, data, sockets):
        shutil.chown(folder, "postgres")
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(base / "postgres.log")]
    try:
        run_as_postgres(
            [str(binaries / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres"]
        )
        port = free_port()
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        run_as_postgres([*pg_ctl, "-o", options, "-w", "-t", str(READY_SECONDS), "start"])
        yield Server(port, sockets)
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *pg_ctl, "-m", "fast", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)

"""Finding the processes a test run started, so that none outlives it.

Every process a test starts carries the run's marker in its environment
(``SESSION_VARIABLE``, set by ``tests/conftest.py`` and inherited), or runs in
(or names) a folder under pytest's temporary base folder: JupyterHub gives its
servers a fresh environment, but their home folders are there.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psutil

#: Environment variable naming the pytest process whose tests started a process.
SESSION_VARIABLE = "CHANGEKIT_TEST_SESSION"


def _ancestors() -> set[int]:
    """This process and the processes above it (pytest, its xdist controller, the shell)."""
    me = psutil.Process()
    return {me.pid, *(parent.pid for parent in me.parents())}


def _belongs(process: psutil.Process, session: str, base: Path) -> bool:
    """Whether ``process`` was started by this test session (see the module doc)."""
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if process.environ().get(SESSION_VARIABLE) == session:
            return True
        if Path(process.cwd()).is_relative_to(base):
            return True
        folder = str(base)
        return any(part == folder or folder + os.sep in part for part in process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def started_by(session: str, base: Path) -> list[psutil.Process]:
    """Processes still running that this test session started (itself and its parents excluded)."""
    skip = _ancestors()
    return [p for p in psutil.process_iter() if p.pid not in skip and _belongs(p, session, base)]


def describe(processes: list[psutil.Process]) -> str:
    """One line per process: pid and command, for a failure message."""
    lines = []
    for process in processes:
        try:
            command = " ".join(process.cmdline())[:200]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            command = "(gone)"
        lines.append(f"  {process.pid}: {command}")
    return "\n".join(lines)


def session_marker() -> str:
    """The marker for this pytest process, set in its environment so every child inherits it."""
    marker = f"{os.getpid()}-{uuid.uuid4().hex}"
    os.environ[SESSION_VARIABLE] = marker
    return marker

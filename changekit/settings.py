"""Every path and id of the course, worked out in one place.

As nbgrader does, the course is the folder you stand in: the nearest folder,
from the working directory upwards, that holds ``nbgrader_config.py`` and a
``source/`` folder (``CHANGEKIT_COURSE_ROOT`` names it outright). Everything
else follows from that folder and the environment:

- ``CHANGEKIT_COURSE_ID``    course id (default ``pich-leadership``)
- ``CHANGEKIT_STATE_DIR``    folder for the gradebook, exchange and hub (default ``<course>/var``)
- ``CHANGEKIT_DB_URL``       gradebook URL (default SQLite in the state folder; PostgreSQL:
  ``postgresql+psycopg://user:password@host/database``)
- ``CHANGEKIT_HUB_DIR``      the hub's own folder: accounts, database, cookie secret, pid file (default
  ``<state>/hub``; a production server keeps it root-only, away from the course folder)
- ``CHANGEKIT_HOMES``        the folder holding the users' homes (default ``<hub>/home``)
- ``CHANGEKIT_HUB_DB_URL``   the hub's database URL (default SQLite in the hub's folder)
- ``CHANGEKIT_EXCHANGE``     exchange root (default ``<state>/exchange``)
- ``CHANGEKIT_TRAINEE_DIR``  where "fetch" puts assignments when one person plays trainee and
  tutor on this machine (default ``<state>/trainee``)
- ``CHANGEKIT_CELL_TIMEOUT`` seconds one cell may run when grading (default 60)
- ``CHANGEKIT_SHARED_ACCOUNT`` set where one OS account runs every trainee's server
- ``CHANGEKIT_NGSHARE``      set where the exchange is ngshare (Kubernetes), so the course's
  config leaves nbgrader's exchange classes to ngshare's own
- ``CHANGEKIT_PORT``         the local hub's port on 127.0.0.1 (default 8000; it also uses the
  next two and the tenth above)
- ``CHANGEKIT_STOP_SECONDS`` seconds ``changekit stop`` gives the hub before killing it (default 60)

A production install (deploy/production/install.sh) also writes the server's
own values into ``<course>/server.env``, so that a tutor or admin running
nbgrader or ``changekit`` by hand in the course folder finds the installed
exchange and state without exporting anything; the environment wins over it.

``settings_from`` reads nothing but that file (no global state), so the
course's ``nbgrader_config.py``, the command line, the hub configs and the
tests all get the same answer from the same inputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from changekit.errors import ChangekitError

DEFAULT_COURSE_ID = "pich-leadership"
DEFAULT_CELL_TIMEOUT = 60
DEFAULT_PORT = 8000
DEFAULT_STOP_SECONDS = 60.0
CONFIG_FILE = "nbgrader_config.py"
SERVER_SETTINGS = "server.env"
#: The file in the hub's folder where JupyterHub records its process id (``c.JupyterHub.pid_file``).
HUB_PID_FILE = "jupyterhub.pid"

Number = TypeVar("Number", int, float)


class CourseNotFound(ChangekitError, RuntimeError):
    """No course folder where the user stands; the message says how to point at one."""


class SettingsError(ChangekitError, ValueError):
    """A ``CHANGEKIT_*`` setting that cannot be used; the message names it and what it must be."""


@dataclass(frozen=True)
class Settings:
    """The course's paths and ids, all absolute."""

    root: Path
    course_id: str
    state: Path
    db_url: str
    hub: Path
    """The hub's own folder: accounts, credentials, its database and pid file."""
    homes: Path
    hub_db_url: str
    exchange: Path
    trainee_dir: Path
    cell_timeout: int
    shared_account: bool
    ngshare: bool
    port: int
    stop_seconds: float

    @property
    def data(self) -> Path:
        """The canonical sample data, ``data/`` in the course folder."""
        return self.root / "data"

    @property
    def hub_pid_file(self) -> Path:
        """Where JupyterHub records its process id (``c.JupyterHub.pid_file`` in the hub configs)."""
        return self.hub / HUB_PID_FILE


def is_course(folder: Path) -> bool:
    """Whether ``folder`` is a course folder: it holds ``nbgrader_config.py`` and ``source/``."""
    return (folder / CONFIG_FILE).is_file() and (folder / "source").is_dir()


def find_course_root(env: Mapping[str, str], cwd: Path) -> Path:
    """``CHANGEKIT_COURSE_ROOT``, else the nearest course folder from ``cwd`` upwards."""
    if env.get("CHANGEKIT_COURSE_ROOT"):
        return Path(env["CHANGEKIT_COURSE_ROOT"]).resolve()
    cwd = cwd.resolve()
    for folder in (cwd, *cwd.parents):
        if is_course(folder):
            return folder
    raise CourseNotFound(
        f"No course folder here ({cwd}): none of its folders upwards holds {CONFIG_FILE} and source/. "
        "Run the command from the course folder (the one with nbgrader_config.py), "
        "or set CHANGEKIT_COURSE_ROOT to it."
    )


def server_settings(root: Path) -> dict[str, str]:
    """The ``CHANGEKIT_*`` values in ``<root>/server.env`` (none where there is no such file)."""
    path = root / SERVER_SETTINGS
    lines = path.read_text().splitlines() if path.is_file() else []
    pairs = (line.partition("=") for line in lines)
    return {
        key.strip(): value.strip()
        for key, _, value in pairs
        if key.strip().startswith("CHANGEKIT_") and value
    }


def number(env: Mapping[str, str], name: str, default: Number) -> Number:
    """The setting ``name`` as a number of ``default``'s type (``default`` when unset).

    Raises ``SettingsError`` for text that is not such a number, or a negative one.
    """
    kind = type(default)
    text = env.get(name) or str(default)
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(
            f"{name} must be a {'whole ' if kind is int else ''}number, not {text!r}: "
            f"set it to one, or unset it for the default ({default})."
        ) from None
    if value < 0:
        raise SettingsError(
            f"{name} cannot be negative ({text}): set it to {default} or more, or unset it."
        )
    return value


def settings_from(env: Mapping[str, str], cwd: Path) -> Settings:
    """The course's settings for the environment ``env`` and working directory ``cwd``."""
    root = find_course_root(env, cwd)
    env = {**server_settings(root), **env}
    state = Path(env.get("CHANGEKIT_STATE_DIR") or root / "var").resolve()
    hub = Path(env.get("CHANGEKIT_HUB_DIR") or state / "hub").resolve()
    return Settings(
        root=root,
        course_id=env.get("CHANGEKIT_COURSE_ID") or DEFAULT_COURSE_ID,
        state=state,
        db_url=env.get("CHANGEKIT_DB_URL") or f"sqlite:///{state / 'gradebook.db'}",
        hub=hub,
        homes=Path(env.get("CHANGEKIT_HOMES") or hub / "home").resolve(),
        hub_db_url=env.get("CHANGEKIT_HUB_DB_URL") or f"sqlite:///{hub / 'jupyterhub.sqlite'}",
        exchange=Path(env.get("CHANGEKIT_EXCHANGE") or state / "exchange"),
        trainee_dir=Path(env.get("CHANGEKIT_TRAINEE_DIR") or state / "trainee"),
        cell_timeout=number(env, "CHANGEKIT_CELL_TIMEOUT", DEFAULT_CELL_TIMEOUT),
        shared_account=bool(env.get("CHANGEKIT_SHARED_ACCOUNT")),
        ngshare=bool(env.get("CHANGEKIT_NGSHARE")),
        port=number(env, "CHANGEKIT_PORT", DEFAULT_PORT),
        stop_seconds=number(env, "CHANGEKIT_STOP_SECONDS", DEFAULT_STOP_SECONDS),
    )


def sqlite_file(db_url: str) -> Path | None:
    """The file of an SQLite database URL (``sqlite:///path``); None for a database server's URL."""
    prefix = "sqlite:///"
    return Path(db_url.removeprefix(prefix)) if db_url.startswith(prefix) else None


def database_exists(db_url: str) -> bool:
    """False only for an SQLite URL whose file is not there yet; a database server's counts as there."""
    file = sqlite_file(db_url)
    return file is None or file.exists()


def settings_for(root: Path, env: Mapping[str, str] | None = None) -> Settings:
    """The settings of the course in ``root``, for this process's environment with ``env`` added.

    How another course (the demo's, a test's) is read: ``os.environ`` is not changed.
    """
    return settings_from({**os.environ, **(env or {}), "CHANGEKIT_COURSE_ROOT": str(root)}, root)


def current() -> Settings:
    """The settings of this process: its environment and working directory."""
    return settings_from(os.environ, Path.cwd())

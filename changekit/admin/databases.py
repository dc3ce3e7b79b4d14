"""Copies of the course's two databases (gradebook and hub) that are consistent while they are in use.

SQLite is copied with its online backup API (``sqlite3.Connection.backup``):
the copy is one consistent state of the database even while the hub or the
formgrader writes to it, which a plain file copy is not. PostgreSQL is dumped
with ``pg_dump`` (a consistent snapshot too) and loaded back with ``psql``;
both come from Debian's ``postgresql-client``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from changekit.admin import AdminError


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL; None for any other kind of database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "").resolve()


def kind(url: str) -> str:
    """'sqlite' or 'postgresql'; ``AdminError`` for a database the admin commands cannot copy."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise AdminError(
            f"The database {safe_url(url)} is {backend}; backup and restore handle SQLite and PostgreSQL only."
        )
    return backend


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and the archive's manifest."""
    return make_url(url).render_as_string(hide_password=True)


def copy_sqlite(source: Path, destination: Path) -> None:
    """A consistent copy of the SQLite database ``source`` (read-only; works while it is in use)."""
    reader = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=60)
    writer = sqlite3.connect(destination)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _libpq_environment(url: URL) -> dict[str, str]:
    """Connection settings for pg_dump and psql as libpq variables (a password never on the command line)."""
    settings = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    return {**os.environ, **{name: str(value) for name, value in settings.items() if value}}


def _postgres_tool(name: str, url: str) -> str:
    """The path of ``pg_dump`` or ``psql``, or ``AdminError`` saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise AdminError(
            f"The database {safe_url(url)} is PostgreSQL, and copying it needs '{name}', which is not "
            "installed here. Install Debian's postgresql-client (apt-get install postgresql-client) "
            "and run the command again; nothing was written."
        )
    return found


def dump_postgresql(url: str, destination: Path) -> None:
    """A plain-SQL dump of a PostgreSQL database made with ``pg_dump`` (a consistent snapshot)."""
    command = [
        _postgres_tool("pg_dump", url),
        "--no-owner",
        "--no-privileges",
        "--file",
        str(destination),
    ]
    done = subprocess.run(
        command, env=_libpq_environment(make_url(url)), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AdminError(f"pg_dump could not copy {safe_url(url)}: {done.stderr.strip()}")


def check_empty_postgresql(url: str) -> None:
    """``AdminError`` unless the PostgreSQL database at ``url`` can be reached and has no tables yet."""
    query = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    command = [
        _postgres_tool("psql", url),
        "--no-psqlrc",
        "--tuples-only",
        "--no-align",
        "--command",
        query,
    ]
    done = subprocess.run(
        command, env=_libpq_environment(make_url(url)), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AdminError(f"psql cannot reach {safe_url(url)}: {done.stderr.strip()}")
    if done.stdout.strip() != "0":
        raise AdminError(
            f"The database {safe_url(url)} already has tables, and restore never overwrites. "
            "Restore into a new, empty database (createdb NAME) and give its URL."
        )


def load_postgresql(url: str, dump: Path) -> None:
    """Load a ``pg_dump`` file into an empty PostgreSQL database (stops at the first error)."""
    command = [
        _postgres_tool("psql", url),
        "--quiet",
        "--set",
        "ON_ERROR_STOP=1",
        "--file",
        str(dump),
    ]
    done = subprocess.run(
        command, env=_libpq_environment(make_url(url)), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AdminError(
            f"psql could not load the gradebook into {safe_url(url)}: {done.stderr.strip()} "
            "Restore into a new, empty database (createdb NAME) and give its URL."
        )


def copy_database(url: str, destination: Path) -> bool:
    """Write a consistent copy of the database at ``url`` to ``destination``; False if it does not exist yet."""
    if kind(url) == "postgresql":
        dump_postgresql(url, destination)
        return True
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return False
    copy_sqlite(path, destination)
    return True

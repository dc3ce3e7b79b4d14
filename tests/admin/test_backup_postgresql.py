"""A PostgreSQL gradebook is backed up with pg_dump and restored with psql into an empty database.

A real PostgreSQL server (Debian's, started here on loopback, as ``nobody``
when the tests run as root, because PostgreSQL refuses to run as root) holds
a gradebook-shaped table written through psql: no PostgreSQL driver for
Python is needed, as the backup talks to the server only through pg_dump.
Without pg_dump on PATH the backup stops with a plain message.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from changekit.cli import main
from tests.hub.conftest import pick_port

pytestmark = pytest.mark.lifecycle

POSTGRES_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def as_server_user(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL server command as ``nobody`` when we are root (initdb and postgres refuse root)."""
    prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + command, check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 with trust logins; yields its base URL (no database)."""
    assert POSTGRES_BIN, (
        "PostgreSQL is not installed: apt-get install postgresql (see the Makefile)"
    )
    bin_dir = POSTGRES_BIN[-1]
    folder = Path(tempfile.mkdtemp(prefix="changekit-pg-"))
    try:
        folder.chmod(0o755)  # nobody must reach the data folder inside
        data = folder / "data"
        data.mkdir()
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(data, nobody.pw_uid, nobody.pw_gid)
        as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
        port = pick_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data}"
        as_server_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-t",
                "120",
                "-l",
                str(data / "server.log"),
                "start",
            ]
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}"
        finally:
            as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def course(tmp_path: Path) -> list[str]:
    """A course folder (its settings only) and the options that point the admin commands at it."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "nbgrader_config.py", root)
    return [
        "--course",
        str(root),
        "--state",
        str(tmp_path / "state"),
        "--homes",
        str(tmp_path / "home"),
    ]


def test_a_postgresql_gradebook_round_trips(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    psql(f"{server}/postgres", "CREATE DATABASE gradebook")
    psql(f"{server}/postgres", "CREATE DATABASE restored")
    psql(
        f"{server}/gradebook",
        "CREATE TABLE grade (student text, cell text, score real); "
        "INSERT INTO grade VALUES ('amara_quist', 'force_field', 4), ('ben_hallam', 'plan', 2.5)",
    )
    archive = tmp_path / "pg.tar.gz"

    assert (
        main(
            [
                "backup",
                "--out",
                str(archive),
                "--gradebook-url",
                f"{server}/gradebook",
                *course(tmp_path),
            ]
        )
        == 0
    )
    assert "gradebook: postgresql" in capsys.readouterr().out

    restore_to = tmp_path / "restored"
    assert (
        main(
            [
                "restore",
                str(archive),
                "--course",
                str(restore_to / "course"),
                "--state",
                str(restore_to / "state"),
                "--gradebook-url",
                f"{server}/restored",
            ]
        )
        == 0
    )
    assert "gradebook: loaded into" in capsys.readouterr().out
    query = "SELECT student, cell, score FROM grade ORDER BY student"
    assert psql(f"{server}/restored", query) == psql(f"{server}/gradebook", query) != ""

    # Restoring again into the same, no longer empty, database is refused before anything is written.
    again = tmp_path / "again"
    assert (
        main(
            [
                "restore",
                str(archive),
                "--course",
                str(again / "course"),
                "--state",
                str(again / "state"),
                "--gradebook-url",
                f"{server}/restored",
            ]
        )
        == 1
    )
    assert "already has tables" in capsys.readouterr().err
    assert not again.exists(), "nothing may be written when the database is refused"


def test_restore_asks_where_a_postgresql_gradebook_goes(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    psql(f"{server}/postgres", "CREATE DATABASE asks")
    archive = tmp_path / "pg.tar.gz"
    assert (
        main(
            [
                "backup",
                "--out",
                str(archive),
                "--gradebook-url",
                f"{server}/asks",
                *course(tmp_path),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "restore",
                str(archive),
                "--course",
                str(tmp_path / "restored"),
                "--state",
                str(tmp_path / "restored-state"),
            ]
        )
        == 1
    )
    assert "--gradebook-url" in capsys.readouterr().err
    assert not (tmp_path / "restored").exists()


def test_without_pg_dump_the_backup_stops_and_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no pg_dump anywhere on PATH
    archive = tmp_path / "pg.tar.gz"
    url = "postgresql://pich:secret@db.example.nhs.uk/gradebook"
    assert main(["backup", "--out", str(archive), "--gradebook-url", url, *course(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "needs 'pg_dump', which is not installed here" in err and "postgresql-client" in err
    assert "secret" not in err, "the password must never be printed"
    assert not archive.exists(), "no half-written archive may be left"

"""The restore drill: back up a graded course while its databases are in use, restore it into new folders.

Every file comes back with the same content and mode, every gradebook row is
the same, the hub's database too, and the restored gradebook works through
nbgrader's API. The backup is taken while another connection holds an
uncommitted write on the gradebook (as the formgrader does mid-save): the
backup neither waits for it nor contains it.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest

from changekit.admin import backup as backup_module
from changekit.cli import main
from tests.admin.conftest import ASSIGNMENT, FORGOTTEN, KEPT, Graded, location_options

pytestmark = [
    pytest.mark.lifecycle,
    pytest.mark.xdist_group("admin-graded-course"),
]  # one graded course per run

DATABASES = {"gradebook.db", "jupyterhub.sqlite"}


def tree(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: relative path -> (kind, mode, content hash or link target).

    The two databases are compared by their rows instead (a consistent copy
    need not be the same bytes).
    """
    entries = {}
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            path = Path(folder) / name
            if name in DATABASES:
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                entries[str(path.relative_to(root))] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                entries[str(path.relative_to(root))] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                entries[str(path.relative_to(root))] = ("file", stat.S_IMODE(info.st_mode), digest)
    return entries


def rows(database: Path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, read through SQLite."""
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }
    finally:
        connection.close()


@pytest.fixture(scope="module")
def archive(graded: Graded, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup made with ``changekit backup`` while the gradebook has a write in progress."""
    out = tmp_path_factory.mktemp("backups") / "drill.tar.gz"
    gradebook = graded.base / "state" / "gradebook.db"
    writer = sqlite3.connect(gradebook, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO student (id) VALUES ('written_during_the_backup')")
    try:
        assert main(["backup", "--out", str(out), *graded.options()]) == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    return out


def test_the_archive_is_readable_by_its_owner_only(archive: Path) -> None:
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "databases/gradebook" in names and "databases/hub" in names
    assert any(name.startswith("exchange/") for name in names), (
        "the exchange is inside the state part's copy"
    )
    assert not any("/.venv/" in name or name.endswith(".pid") for name in names)


def test_restore_drill_gives_back_identical_files_and_gradebook(
    graded: Graded, archive: Path, restored_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", str(archive), *location_options(restored_base)]) == 0
    assert "every file matches its checksum" in capsys.readouterr().out

    for folder in ("course", "state", "hub", "home"):
        original, restored = tree(graded.base / folder), tree(restored_base / folder)
        assert original, f"nothing in {folder} to compare"
        assert restored == original, f"{folder} differs after restore"
    inbound = restored_base / "state" / "exchange" / "pich-leadership" / "inbound"
    assert stat.S_IMODE(inbound.stat().st_mode) == stat.S_IMODE(
        (graded.locations.exchange / "pich-leadership" / "inbound").stat().st_mode
    )

    original, restored = (
        rows(graded.base / "state" / "gradebook.db"),
        rows(restored_base / "state" / "gradebook.db"),
    )
    assert restored == original
    assert {"student", "submitted_assignment", "grade", "comment"} <= set(original)
    assert {row[0] for row in restored["student"]} == {FORGOTTEN, KEPT}  # not the uncommitted row
    assert any("well argued" in str(row) for row in restored["comment"]), (
        "the tutor's comment is missing"
    )
    assert rows(restored_base / "hub" / "jupyterhub.sqlite") == rows(
        graded.base / "hub" / "jupyterhub.sqlite"
    )


def test_the_restored_gradebook_works_through_nbgrader(
    graded: Graded, archive: Path, restored_base: Path
) -> None:
    assert main(["restore", str(archive), *location_options(restored_base)]) == 0
    from nbgrader.api import Gradebook

    scores = {}
    for base in (graded.base, restored_base):
        with Gradebook(
            f"sqlite:///{base / 'state' / 'gradebook.db'}", course_id="pich-leadership"
        ) as gradebook:
            submission = gradebook.find_submission(ASSIGNMENT, FORGOTTEN)
            scores[base] = (submission.score, submission.max_score)
    assert scores[restored_base] == scores[graded.base] and scores[graded.base][0] > 0


def test_restore_refuses_to_overwrite(
    archive: Path, restored_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (restored_base / "state").mkdir()
    (restored_base / "state" / "precious.txt").write_text("keep me")
    assert main(["restore", str(archive), *location_options(restored_base)]) == 1
    message = capsys.readouterr().err
    assert "not empty" in message and "state" in message and "Traceback" not in message
    assert (restored_base / "state" / "precious.txt").read_text() == "keep me"
    assert not (restored_base / "course").exists(), (
        "nothing may be written when the restore is refused"
    )


def test_a_damaged_backup_is_reported_not_restored(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose content no longer matches its checksum fails the restore with a plain message."""
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source:
            data = source.extractfile(member) if member.isfile() else None
            if member.name.endswith(".ipynb") and member.name.startswith("course/submitted/"):
                content = data.read().replace(b"{", b"[", 1)  # type: ignore[union-attr]
                member.size = len(content)
                target.addfile(member, io.BytesIO(content))
            else:
                target.addfile(member, data)
    assert main(["restore", str(damaged), *location_options(tmp_path / "into")]) == 1
    assert "differ from the backup" in capsys.readouterr().err


def test_a_truncated_backup_is_reported_plainly(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert main(["restore", str(truncated), *location_options(tmp_path / "into")]) == 1
    err = capsys.readouterr().err
    assert "damaged or incomplete" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["restore", "/nonexistent/backup.tar.gz"], "There is no backup file"),
        (["backup", "--course", "/nonexistent/course"], "is not a course folder"),
    ],
)
def test_user_errors_exit_1_with_a_plain_message(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_a_file_that_is_not_a_backup_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(__file__, arcname="course/x.py")
    assert main(["restore", str(other), "--course", str(tmp_path / "c")]) == 1
    assert "not a backup made by 'changekit backup'" in capsys.readouterr().err


def test_parts_nested_in_the_local_layout_follow_their_outer_part(tmp_path: Path) -> None:
    """course/var/hub/home: each stored once, and restored inside its outer part's new place."""
    manifest = {
        "parts": {
            "course": {"path": "/old/course", "inside": None, "relative": None},
            "state": {"path": "/old/course/var", "inside": "course", "relative": "var"},
            "hub": {"path": "/old/course/var/hub", "inside": "state", "relative": "hub"},
            "homes": {"path": "/old/course/var/hub/home", "inside": "hub", "relative": "home"},
            "exchange": {"path": "/srv/exchange", "inside": None, "relative": None},
        }
    }
    targets = backup_module.targets_for(manifest, {"course": tmp_path / "new", "exchange": None})
    assert targets["homes"] == tmp_path / "new" / "var" / "hub" / "home"
    assert targets["exchange"] == Path("/srv/exchange")

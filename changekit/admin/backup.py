"""``changekit backup`` and ``changekit restore``: the whole course in one archive, and back.

A backup is one ``.tar.gz`` file (mode 0600: it holds trainees' work and the
hub's secrets) with:

- ``<part>/...``: the folders, each under its own name: ``course`` (the course
  folder, with submitted/, autograded/ and feedback/), ``state`` (gradebook
  folder, exports), ``exchange``, ``hub`` (accounts, cookie secret) and
  ``homes`` (the trainees' home folders). A folder inside another (the local
  layout keeps ``state`` inside ``course``) is stored once, under its own name,
  and the manifest records where it sat, so that a restore into new folders
  keeps the layout. The Python environment, caches and runtime files are left
  out.
- ``databases/gradebook`` and ``databases/hub``: consistent copies made while
  the hub runs (SQLite's online backup API, or ``pg_dump``; see
  ``changekit.admin.databases``), never the live files.
- ``manifest.json`` (last): where each part came from, owners and modes are in
  the tar headers, and a SHA-256 of every file, which ``restore`` checks.

Each file is read once, into a spooled copy, before it is added: a file the
hub rewrites in place while the backup runs is stored as one whole version
(the answer store replaces files by rename, so its files are never torn).
``restore`` writes only into folders that do not exist or are empty, so it
never overwrites a live course.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import socket
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from changekit.admin import AdminError, databases
from changekit.admin.locations import Locations

FORMAT = 1
MANIFEST = "manifest.json"
PARTS = ("course", "state", "exchange", "hub", "homes")
#: Folder names never backed up: rebuilt from the lock file or by tools, or runtime only.
LEFT_OUT = frozenset(
    {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}
)
#: Files never backed up: they describe processes, not data.
RUNTIME_FILES = frozenset({"jupyterhub.pid", "jupyterhub-proxy.pid"})
SPOOL_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Part:
    """One folder in the archive: its name, where it was, and the part it sat inside (if any)."""

    name: str
    path: Path
    inside: str | None = None
    relative: str | None = None


@dataclass
class Summary:
    """What a backup or restore did, for the admin: counts per part, databases, anything skipped."""

    archive: Path
    files: dict[str, int] = field(default_factory=dict)
    size: int = 0
    databases: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as lines of plain text."""
        out = [f"    {name:9} {count} files" for name, count in self.files.items()]
        out += [f"    database  {line}" for line in self.databases]
        out += [f"    skipped   {line}" for line in self.skipped]
        return out


# ------------------------------------------------------------------ backup


def parts_of(locations: Locations) -> list[Part]:
    """The folders to back up that exist, each with the part it sits inside (innermost wins)."""
    found: dict[str, Path] = {}
    for name in PARTS:
        path: Path = getattr(locations, name)
        if path.is_dir() and path not in found.values():
            found[name] = path
    parts = []
    for name, path in found.items():
        outer = [
            (other, where)
            for other, where in found.items()
            if other != name and where in path.parents
        ]
        if outer:
            other, where = max(outer, key=lambda pair: len(pair[1].parts))
            parts.append(Part(name, path, other, path.relative_to(where).as_posix()))
        else:
            parts.append(Part(name, path))
    return parts


class _Hashing(io.RawIOBase):
    """A reader that feeds everything read through it into a SHA-256."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


class ArchiveWriter:
    """Adds folders and database copies to an open archive, keeping a checksum of each file."""

    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.checksums: dict[str, str] = {}

    def add_file(self, path: Path, name: str, like: os.stat_result | None = None) -> bool:
        """Add one regular file, read once into a spooled copy; False if it vanished meanwhile."""
        try:
            with (
                open(path, "rb") as handle,
                tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as copy,
            ):
                info = self.tar.gettarinfo(fileobj=handle, arcname=name)
                info.type, info.linkname = tarfile.REGTYPE, ""  # a hard-linked file is stored whole
                hashing = _Hashing(handle)
                while chunk := hashing.read(2**20):
                    copy.write(chunk)
                info.size = copy.tell()
                copy.seek(0)
                if like is not None:
                    info.mode, info.uid, info.gid = (
                        stat.S_IMODE(like.st_mode),
                        like.st_uid,
                        like.st_gid,
                    )
                    info.uname = info.gname = ""
                self.tar.addfile(info, copy)
        except FileNotFoundError:
            return False
        self.checksums[name] = hashing.digest.hexdigest()
        return True

    def add_entry(self, path: Path, name: str) -> None:
        """Add a folder or a symbolic link as it is (the link is not followed)."""
        self.tar.add(path, arcname=name, recursive=False)

    def add_json(self, name: str, content: dict[str, Any]) -> None:
        """Add a small JSON document (the manifest)."""
        data = json.dumps(content, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o600, int(dt.datetime.now().timestamp())
        self.tar.addfile(info, io.BytesIO(data))


def _walk(part: Part, leave_out: set[Path]) -> Iterator[tuple[Path, str]]:
    """Every entry of a part (folders first), as (path, name in the archive); skips what is left out."""
    for folder, subfolders, files in os.walk(part.path):
        here = Path(folder)
        links = [s for s in subfolders if (here / s).is_symlink()]  # stored as links, not followed
        subfolders[:] = sorted(
            s
            for s in subfolders
            if s not in links and s not in LEFT_OUT and here / s not in leave_out
        )
        relative = here.relative_to(part.path)
        yield here, (Path(part.name) / relative).as_posix()
        for name in sorted(files + links):
            if name not in RUNTIME_FILES and here / name not in leave_out:
                yield here / name, (Path(part.name) / relative / name).as_posix()


def _add_part(writer: ArchiveWriter, part: Part, leave_out: set[Path], summary: Summary) -> None:
    """Add one part's folders, links and regular files; count what went in, note what did not."""
    count = 0
    for path, name in _walk(part, leave_out):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue  # removed while the backup ran
        if stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
            writer.add_entry(path, name)
        elif stat.S_ISREG(mode):
            count += writer.add_file(path, name)
        else:
            summary.skipped.append(f"{path} (not a regular file: a socket or device)")
    summary.files[part.name] = count


def _database_sidecars(path: Path) -> set[Path]:
    """A SQLite file and its journal files: copied through the backup API, never as files."""
    return {path, *(path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm"))}


def _place(path: Path, parts: list[Part]) -> dict[str, str]:
    """Where a file sits: the innermost part holding it and the path inside, or its absolute path."""
    holders = [part for part in parts if part.path in path.parents]
    if not holders:
        return {"path": str(path)}
    part = max(holders, key=lambda p: len(p.path.parts))
    return {"part": part.name, "relative": path.relative_to(part.path).as_posix()}


def _add_database(
    writer: ArchiveWriter, name: str, url: str, parts: list[Part], summary: Summary
) -> dict | None:
    """Add a consistent copy of one database; its manifest entry, or None if it does not exist yet."""
    kind = databases.kind(url)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / name
        if not databases.copy_database(url, copy):
            summary.databases.append(f"{name}: none yet at {databases.safe_url(url)}")
            return None
        entry: dict[str, Any] = {
            "kind": kind,
            "url": databases.safe_url(url),
            "member": f"databases/{name}",
        }
        original = databases.sqlite_path(url)
        if original is not None:
            entry.update(_place(original, parts))
        writer.add_file(copy, entry["member"], like=original.stat() if original else None)
    summary.databases.append(f"{name}: {kind}, copied consistently from {entry['url']}")
    return entry


def default_archive(locations: Locations) -> Path:
    """``<state>/backups/pich-backup-<UTC time>.tar.gz`` (left out of later backups)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return locations.state / "backups" / f"{locations.course_id}-backup-{stamp}.tar.gz"


def backup(locations: Locations, archive: Path | None = None) -> Summary:
    """Write one archive holding the course's folders and consistent copies of its databases."""
    archive = (archive or default_archive(locations)).absolute()
    archive.parent.mkdir(parents=True, exist_ok=True)
    if archive.exists():
        raise AdminError(f"{archive} already exists; give another name with --out.")
    parts = parts_of(locations)
    db_files = {
        name: databases.sqlite_path(url)
        for name, url in (("gradebook", locations.gradebook_url), ("hub", locations.hub_db_url))
    }
    leave_out = {archive.parent, *(p.path for p in parts)}
    for path in db_files.values():
        leave_out |= _database_sidecars(path) if path else set()
    summary = Summary(archive)
    os.close(
        os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    )  # owner-only from the start
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "course_id": locations.course_id,
        "host": socket.gethostname(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "parts": {
            p.name: {"path": str(p.path), "inside": p.inside, "relative": p.relative} for p in parts
        },
        "databases": {},
    }
    try:
        with tarfile.open(archive, "w:gz") as tar:
            writer = ArchiveWriter(tar)
            for part in parts:
                _add_part(writer, part, leave_out - {part.path}, summary)
            for name, url in (
                ("gradebook", locations.gradebook_url),
                ("hub", locations.hub_db_url),
            ):
                entry = _add_database(writer, name, url, parts, summary)
                if entry is not None:
                    manifest["databases"][name] = entry
            manifest["files"] = writer.checksums
            writer.add_json(MANIFEST, manifest)
    except BaseException:
        archive.unlink(missing_ok=True)  # never leave half an archive that looks like a backup
        raise
    summary.size = archive.stat().st_size
    return summary


# ----------------------------------------------------------------- restore


def read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    """The archive's manifest; ``AdminError`` if this is not a changekit backup."""
    try:
        member = tar.getmember(MANIFEST)
        content = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    except (KeyError, AttributeError, json.JSONDecodeError):
        raise AdminError(
            f"{archive} is not a backup made by 'changekit backup' (it has no manifest)."
        ) from None
    if content.get("format") != FORMAT:
        raise AdminError(
            f"{archive} is in backup format {content.get('format')!r}; this changekit reads {FORMAT}."
        )
    return content


def targets_for(manifest: dict[str, Any], given: dict[str, Path | None]) -> dict[str, Path]:
    """Where each part goes: as given; else inside its outer part's new place; else where it was."""
    targets: dict[str, Path] = {}
    parts = manifest["parts"]

    def target(name: str) -> Path:
        if name not in targets:
            entry = parts[name]
            if given.get(name) is not None:
                targets[name] = Path(given[name]).absolute()  # type: ignore[arg-type]
            elif entry["inside"] is not None:
                targets[name] = target(entry["inside"]) / entry["relative"]
            else:
                targets[name] = Path(entry["path"])
        return targets[name]

    for name in parts:
        target(name)
    return targets


def _check_empty(targets: dict[str, Path]) -> None:
    """Refuse to restore over anything: every target must be missing or an empty folder."""
    occupied = [
        f"{name} -> {path}"
        for name, path in targets.items()
        if path.exists() and any(path.iterdir())
    ]
    if occupied:
        raise AdminError(
            "Restore writes only into new or empty folders, and these are not empty: "
            + "; ".join(occupied)
            + ". Give new folders (--course, --state, --exchange, --hub-dir, --homes), or move the "
            "old ones aside first."
        )


def _keep_attributes(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo:
    """Refuse unsafe entries (absolute paths, '..', links leading outside) but keep modes and owners.

    tarfile's own 'data' filter also drops group and other write bits, which
    the exchange needs (its folders are 1777 and 2733), so it is used here
    only to check.
    """
    tarfile.data_filter(member, destination)
    return member


def _database_places(
    dbs: dict[str, Any], targets: dict[str, Path], scratch: Path
) -> dict[str, Path]:
    """Archive member -> where it is restored: a SQLite copy goes back in place, a dump to ``scratch``."""
    places = {}
    for entry in dbs.values():
        if entry["kind"] == "postgresql":
            places[entry["member"]] = scratch / entry["member"]
        elif "part" in entry:
            places[entry["member"]] = targets[entry["part"]] / entry["relative"]
        else:
            places[entry["member"]] = Path(entry["path"])
    taken = [str(path) for path in places.values() if path.exists()]
    if taken:
        raise AdminError(
            f"Restore never overwrites a database, and {', '.join(taken)} exists; move it aside first."
        )
    return places


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, root: Path, name: str) -> None:
    """Extract one entry as ``root/name``; folders get their modes later (see ``_finish_folders``)."""
    member = member.replace(name=name, deep=False)
    tar.extract(member, root, set_attrs=not member.isdir(), filter=_keep_attributes)


def _finish_folders(folders: list[tuple[tarfile.TarInfo, Path]]) -> None:
    """Give folders their owner, mode and time last, deepest first, as tar does."""
    for member, path in sorted(folders, key=lambda pair: len(pair[1].parts), reverse=True):
        if os.geteuid() == 0:
            os.chown(path, member.uid, member.gid)
        os.chmod(path, member.mode)
        os.utime(path, (member.mtime, member.mtime))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(2**20):
            digest.update(chunk)
    return digest.hexdigest()


def restore(
    archive: Path, given: dict[str, Path | None], database_urls: dict[str, str | None]
) -> Summary:
    """Put a backup back: folders into new or empty places, databases back, every file checked.

    ``given`` maps part names to new places (None: see ``targets_for``);
    ``database_urls`` gives an empty PostgreSQL database for a PostgreSQL copy.
    """
    if not archive.is_file():
        raise AdminError(f"There is no backup file {archive}.")
    summary = Summary(archive)
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 (closed by the with block below)
    except (tarfile.TarError, OSError) as error:
        raise AdminError(f"{archive} cannot be read as a backup ({error}).") from None
    with tar:
        try:
            _restore_from(tar, archive, given, database_urls, summary)
        except (tarfile.TarError, EOFError, zlib.error) as error:
            raise AdminError(
                f"{archive} is damaged or incomplete ({error}); try an earlier backup. Delete the folders "
                "this restore wrote before you restore again."
            ) from None
        except OSError as error:
            raise AdminError(
                f"The restore could not write {error.filename or 'a file'} ({error.strerror or error}). Free "
                "space or fix the permission, delete the folders this restore wrote, and restore again."
            ) from None
    summary.size = archive.stat().st_size
    return summary


def _restore_from(
    tar: tarfile.TarFile,
    archive: Path,
    given: dict[str, Path | None],
    database_urls: dict[str, str | None],
    summary: Summary,
) -> None:
    """The body of ``restore``: check the targets, extract, verify, load databases."""
    manifest = read_manifest(tar, archive)
    targets = targets_for(manifest, given)
    dbs = manifest["databases"]
    _check_empty(targets)
    postgres = {
        name: database_urls.get(name)
        for name, entry in dbs.items()
        if entry["kind"] == "postgresql"
    }
    missing = [name for name, url in postgres.items() if not url]
    if missing:
        raise AdminError(
            f"The {' and '.join(missing)} database in this backup is PostgreSQL: give an empty database to "
            "restore it into with --gradebook-url (or --hub-db-url), e.g. postgresql://pich@localhost/pich_restored."
        )
    for url in postgres.values():
        databases.check_empty_postgresql(url)  # type: ignore[arg-type]
    folders: list[tuple[tarfile.TarInfo, Path]] = []
    written: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as scratch:
        places = _database_places(dbs, targets, Path(scratch))
        for member in tar:
            part, _, rest = member.name.partition("/")
            if member.name in places:
                root, name = places[member.name].parent, places[member.name].name
            elif part in targets:
                root, name = targets[part], rest or "."
            else:
                continue
            try:
                _extract(tar, member, root, name)
            except tarfile.FilterError as error:
                summary.skipped.append(f"{member.name} ({error})")
                continue
            if member.isdir():
                folders.append((member, root / name))
            elif member.isfile():
                written[member.name] = root / name
                summary.files[part] = summary.files.get(part, 0) + 1
        _finish_folders(folders)
        _verify(manifest["files"], written)
        for name, entry in dbs.items():
            if entry["kind"] == "postgresql":
                databases.load_postgresql(postgres[name], written[entry["member"]])  # type: ignore[arg-type]
                summary.databases.append(
                    f"{name}: loaded into {databases.safe_url(postgres[name])}"
                )
            else:
                summary.databases.append(f"{name}: {written[entry['member']]}")
    summary.files.pop("databases", None)


def _verify(checksums: dict[str, str], written: dict[str, Path]) -> None:
    """Every file the manifest lists was restored with the same content; ``AdminError`` otherwise."""
    wrong = [
        name
        for name, digest in checksums.items()
        if name in written and _sha256(written[name]) != digest
    ]
    absent = [name for name in checksums if name not in written]
    if wrong or absent:
        raise AdminError(
            f"The restore is incomplete: {len(wrong)} files differ from the backup and {len(absent)} are missing "
            f"(first: {(wrong + absent)[0]}). The archive may be damaged; try an earlier backup."
        )

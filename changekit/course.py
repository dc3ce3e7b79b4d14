"""Course tooling: keep data, source and release in step, and publish to the exchange.

Every nbgrader step runs the real ``nbgrader`` command in the course root, so
what the tools do is exactly what a tutor would do by hand.
"""

from __future__ import annotations

import filecmp
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from changekit.errors import ChangekitError
from changekit.grading.deadlines import course_calendar
from changekit.paths import course_root, state_dir
from changekit.sample_data import write_all
from changekit.settings import database_exists
from changekit.synthetic import write_checksums


class CourseError(ChangekitError, RuntimeError):
    """An nbgrader step failed; the message holds what nbgrader said."""


def course_config(root: Path | None = None) -> Config:
    """The course's ``nbgrader_config.py`` as nbgrader reads it (environment applied)."""
    root = root or course_root()
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def assignments(root: Path | None = None) -> list[str]:
    """The assignment ids: folders under ``source/`` that hold a notebook, sorted."""
    source = (root or course_root()) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for course tools: this venv's ``bin`` first on PATH.

    nbgrader runs ``alembic`` from PATH when it creates a gradebook, so the
    venv must come first even when the caller did not activate it.
    """
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def nbgrader(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run one ``nbgrader`` command in ``cwd``; return its output or raise CourseError."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    done = subprocess.run(
        command, cwd=cwd, env=tool_env(env), capture_output=True, text=True, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise CourseError(f"'nbgrader {' '.join(args)}' failed in {cwd}:\n{output}")
    return output


def generate_release(
    root: Path | None = None, env: dict[str, str] | None = None, ids: list[str] | None = None
) -> list[str]:
    """Regenerate ``release/`` from ``source/`` (every assignment, or ``ids``); return the ids.

    This is exactly ``nbgrader generate_assignment`` (the formgrader's Generate)
    with the course config, which leaves out the source notebooks' model
    answers: nothing is removed afterwards, so every way of generating gives
    the same release.
    """
    root = root or course_root()
    ids = ids or assignments(root)
    for assignment in ids:
        nbgrader("generate_assignment", assignment, "--force", cwd=root, env=env)
    return ids


def source_digest(root: Path, assignment: str, ignore: list[str]) -> str:
    """A hash of what a release of ``assignment`` is made from: its source files, the course config and its due date.

    Files matching ``ignore`` (nbgrader's ``CourseDirectory.ignore``) do not
    count, so a notebook's checkpoints or the outputs it writes do not trigger
    a new release.
    """
    folder = root / "source" / assignment
    digest = hashlib.sha256((root / "nbgrader_config.py").read_bytes())
    digest.update(repr(course_calendar(root).due.get(assignment)).encode() + b"\0")
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_dir() or any(
            fnmatch.fnmatch(part, pattern) for part in parts for pattern in ignore
        ):
            continue
        digest.update("/".join(parts).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def published_record(state: Path) -> Path:
    """Where ``publish`` notes the source digest of each assignment it released."""
    return state / "published.json"


def publish(
    root: Path | None = None,
    env: dict[str, str] | None = None,
    state: Path | None = None,
    force: list[str] | None = None,
) -> tuple[list[str], list[str]]:
    """Generate and release to the exchange every assignment whose source changed since it was last released.

    Returns (released now, unchanged). An unchanged course costs a few file
    reads instead of two nbgrader commands per assignment, so ``make start``
    goes straight to the hub. The assignments in ``force`` are released
    whatever their state; deleting ``<state>/published.json`` releases
    everything again. A roster (``<state>/roster.csv``) names the trainees
    in the gradebook each time (``name_trainees``).
    """
    root = root or course_root()
    state = state or state_dir()
    config = course_config(root)
    record = published_record(state)
    recorded = (
        json.loads(record.read_text())
        if record.exists() and database_exists(config.CourseDirectory.db_url)
        else {}
    )
    ignore = list(config.CourseDirectory.ignore)
    digests = {
        assignment: source_digest(root, assignment, ignore) for assignment in assignments(root)
    }
    outbound = Path(config.Exchange.root) / config.CourseDirectory.course_id / "outbound"
    stale = [
        assignment
        for assignment, digest in digests.items()
        if assignment in (force or ())
        or recorded.get(assignment) != digest
        or not (outbound / assignment).is_dir()
        or not (root / "release" / assignment).is_dir()
    ]
    if stale:
        generate_release(root, env, ids=stale)
    for assignment in stale:
        nbgrader("release_assignment", assignment, "--force", cwd=root, env=env)
        recorded[assignment] = digests[assignment]
        write_atomically(record, json.dumps(recorded, indent=1, sort_keys=True))
    calendar = course_calendar(root)
    for assignment in stale:
        due = calendar.due_utc(assignment)
        if due is not None:  # so the formgrader shows it, and the dashboard knows what is overdue
            nbgrader(
                "db",
                "assignment",
                "add",
                assignment,
                f"--duedate={due.isoformat(sep=' ')} UTC",
                cwd=root,
                env=env,
            )
    name_trainees(root, env, state)
    return stale, [a for a in digests if a not in stale]


def name_trainees(root: Path, env: dict[str, str] | None, state: Path) -> None:
    """Put the trainees' names from the course's roster into the gradebook, when there is a roster.

    No roster is fine (the formgrader shows user names); a bad one is a ``DataError`` naming its lines.
    """
    from changekit.grading.roster import default_roster, import_roster

    path = default_roster(root, state)
    if path.is_file():
        import_roster(path, root=root, env=env)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a reader never sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def data_copies(root: Path | None = None) -> list[tuple[Path, Path]]:
    """Pairs (canonical file in ``data/``, its copy in an assignment under ``source/``).

    A copy is any file in ``source/<assignment>/`` named like a file in ``data/``.
    """
    root = root or course_root()
    canonical = {p.name: p for p in (root / "data").iterdir() if p.suffix in {".csv", ".xlsx"}}
    return [
        (canonical[copy.name], copy)
        for copy in sorted((root / "source").glob("*/*"))
        if copy.name in canonical
    ]


def stale_copies(root: Path | None = None) -> list[Path]:
    """Copies in ``source/`` that differ from their canonical file in ``data/``."""
    return [
        copy
        for original, copy in data_copies(root)
        if not filecmp.cmp(original, copy, shallow=False)
    ]


def refresh_data(root: Path | None = None) -> list[Path]:
    """Regenerate ``data/``, refresh every copy in ``source/``; return the files written.

    Also rewrites the package's list of sample-data checksums (``changekit.synthetic``).
    """
    root = root or course_root()
    written = write_all(root / "data")
    for original, copy in data_copies(root):
        shutil.copyfile(original, copy)
        written.append(copy)
    write_checksums(root / "data")  # in the package: how readers know the sample data
    return written

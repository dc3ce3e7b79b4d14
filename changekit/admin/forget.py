"""``changekit forget <trainee>``: erase one trainee everywhere the course keeps data (UK GDPR, Article 17).

First a plan: every place that holds the trainee's data, found by looking
(nothing is assumed). Then, once the admin confirms, each item is removed and
reported. Finally the course, state, exchange, hub and homes folders are
searched for the name again, and anything that still mentions it is listed,
so the report never claims more than was done.

What is erased:

- the gradebook: the student and, through nbgrader's Gradebook API, their
  submissions with every grade and comment; a SQLite gradebook is then
  vacuumed, so the deleted rows do not linger in free pages;
- the course's moderation log beside the gradebook: marks given to the
  trainee are deleted, and a tutor's name on marks they gave becomes "(erased)"
  (``changekit.grading.moderation.erase_person``);
- ``submitted/``, ``autograded/`` and ``feedback/`` folders of the trainee;
- the exchange: their inbound submissions, and their feedback files (named by a
  hash of each submission's secret, recomputed here as nbgrader does);
- rows for them in CSV exports under ``<state>/exports`` and in the roster
  (``roster.csv``), and their Word summary under ``<state>/exports/portfolio``;
- their home folder under the homes folder the admin gives (``--homes``; the
  local hub's homes by default);
- the local hub's login (``accounts.json``) and password line (``credentials.txt``);
- the hub's user record: through the hub's REST API when a token is given
  (first of all, so that a refused token stops forget before anything is
  erased), or straight from the hub's database while the hub is stopped.

What the course cannot erase by itself is listed as a to-do for the admin:
the user record of a running hub without a token, the Unix account, the
hub's logs and earlier backups.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.utils import notebook_hash
from sqlalchemy.exc import SQLAlchemyError

from changekit.admin import AdminError, databases
from changekit.admin.backup import LEFT_OUT
from changekit.admin.locations import Locations
from changekit.grading.gradebook import open_gradebook
from changekit.grading.moderation import erase_person, mentions
from changekit.grading.roster import ROSTER_FILE
from changekit.hub.accounts import write_private
from changekit.settings import HUB_PID_FILE

#: What nbgrader accepts as a student id, and what is safe in a path.
_VALID_NAME = re.compile(r"[A-Za-z0-9_@][A-Za-z0-9_.@-]*")
SCAN_LIMIT = 64 * 2**20
"""Files larger than this are not searched for the name afterwards (the course has none)."""


@dataclass
class Item:
    """One thing to erase: what it is, in words, and how to erase it."""

    description: str
    erase: Callable[[], None]


@dataclass
class Plan:
    """Everything found for one trainee: items to erase and notes for the admin."""

    name: str
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_path(self, path: Path, what: str) -> None:
        """Erase a file or folder (a folder with everything in it)."""
        if path.is_dir() and not path.is_symlink():
            self.items.append(Item(f"{what}: {path}/", lambda: shutil.rmtree(path)))
        elif path.exists() or path.is_symlink():
            self.items.append(Item(f"{what}: {path}", path.unlink))


@dataclass(frozen=True)
class HubApi:
    """The hub's REST API, reached with an admin token (``users`` scope)."""

    url: str
    token: str

    def _call(self, method: str, name: str) -> int:
        request = urllib.request.Request(
            f"{self.url.rstrip('/')}/hub/api/users/{name}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return 404
            raise AdminError(
                f"The hub at {self.url} refused {method} for user '{name}' ({error.code} "
                f"{error.reason}); the token needs the admin:users scope."
            ) from None
        except urllib.error.URLError as error:
            raise AdminError(
                f"The hub at {self.url} cannot be reached ({error.reason}); check --hub-url."
            ) from None

    def has_user(self, name: str) -> bool:
        return self._call("GET", name) == 200

    def delete_user(self, name: str) -> None:
        """Delete the user (the hub stops their server first); a user already gone is fine."""
        self._call("DELETE", name)


def check_name(name: str) -> None:
    """``AdminError`` unless ``name`` is a single plain user name (no paths, spaces or wildcards)."""
    if not _VALID_NAME.fullmatch(name):
        raise AdminError(
            f"'{name}' is not a trainee's user name: give the name exactly as they log in "
            "(letters, digits, '.', '_', '-' or '@'; no spaces, slashes or wildcards)."
        )


# --------------------------------------------------------------- finding


def _gradebook_items(plan: Plan, locations: Locations) -> None:
    """The gradebook's student row, with their submissions, grades and comments."""
    path = databases.sqlite_path(locations.gradebook_url)
    if path is not None and not path.is_file():
        return
    try:
        with open_gradebook(locations.gradebook_url, locations.course_id) as gradebook:
            student = gradebook.find_student(plan.name)
            count = len(student.submissions)
    except MissingEntry:
        return
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise AdminError(
            f"The gradebook ({databases.safe_url(locations.gradebook_url)}) cannot be read ({reason}); "
            "nothing was removed. If it is busy (the formgrader saving, a grading run), try again in a minute."
        ) from None

    def erase() -> None:
        with open_gradebook(locations.gradebook_url, locations.course_id) as gradebook:
            gradebook.remove_student(plan.name)
        if path is not None:
            _vacuum(path)

    plan.items.append(
        Item(
            f"gradebook: student '{plan.name}' with {count} submissions and their grades and comments "
            f"({databases.safe_url(locations.gradebook_url)})",
            erase,
        )
    )


def _moderation_items(plan: Plan, locations: Locations) -> None:
    """Rows of the moderation log naming the person, as trainee or as marker (a tutor can be forgotten too)."""
    path = databases.sqlite_path(locations.gradebook_url)
    if path is not None and not path.is_file():
        return
    with open_gradebook(locations.gradebook_url, locations.course_id) as gradebook:
        count = mentions(gradebook, plan.name)
    if not count:
        return

    def erase() -> None:
        with open_gradebook(locations.gradebook_url, locations.course_id) as gradebook:
            erase_person(gradebook, plan.name)
        if path is not None:
            _vacuum(path)

    plan.items.append(
        Item(f"moderation log: {count} rows naming '{plan.name}' as trainee or marker", erase)
    )


def _vacuum(path: Path) -> None:
    """Rewrite a SQLite file so that deleted rows are gone from its free pages too."""
    connection = sqlite3.connect(path, timeout=60)
    try:
        connection.execute("VACUUM")
    finally:
        connection.close()


def _submission_folders(plan: Plan, locations: Locations) -> list[Path]:
    """The trainee's folders in the course and their inbound submissions in the exchange."""
    course_folders = [folder / plan.name for folder in locations.submissions]
    inbound = sorted(
        (locations.exchange / locations.course_id / "inbound").glob(f"{glob_escape(plan.name)}+*")
    )
    return [path for path in course_folders if path.exists()] + inbound


def glob_escape(text: str) -> str:
    """``text`` safe inside a glob pattern."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def _feedback_files(folders: Iterable[Path], locations: Locations) -> list[Path]:
    """The exchange's feedback files for these submissions: ``md5(secret + notebook id).html``.

    Every submission folder holds ``submission_secret.txt``; the notebook ids
    are the names of its notebooks (and of the feedback pages made from them).
    """
    outbox = locations.exchange / locations.course_id / "feedback"
    found = set()
    for secret_file in (f for folder in folders for f in folder.rglob("submission_secret.txt")):
        secret = secret_file.read_text()
        notebooks = {
            p.stem for p in secret_file.parent.iterdir() if p.suffix in (".ipynb", ".html")
        }
        for notebook_id in notebooks:
            candidate = outbox / f"{notebook_hash(secret=secret, notebook_id=notebook_id)}.html"
            if candidate.exists():
                found.add(candidate)
    return sorted(found)


def _export_rows(plan: Plan, locations: Locations) -> None:
    """Rows naming the trainee in CSV exports (``changekit export`` writes a ``student`` column) and in
    the roster (``username``, ``changekit roster``)."""
    rosters = [locations.state / ROSTER_FILE, locations.course / ROSTER_FILE]
    for export in [
        *sorted((locations.state / "exports").glob("*.csv")),
        *(r for r in rosters if r.is_file()),
    ]:
        with open(export, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        key = "username" if export.name == ROSTER_FILE else "student"
        if not rows or key not in rows[0]:
            continue
        column = rows[0].index(key)
        kept = [row for row in rows if len(row) <= column or row[column] != plan.name]
        if len(kept) < len(rows):
            plan.items.append(
                Item(
                    f"export: {len(rows) - len(kept)} row(s) in {export}",
                    lambda export=export, kept=kept: _write_csv(export, kept),
                )
            )


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _local_hub_items(plan: Plan, locations: Locations) -> None:
    """The local hub's login and password line for the trainee."""
    accounts_file, credentials = locations.hub / "accounts.json", locations.hub / "credentials.txt"
    if accounts_file.is_file():
        accounts = json.loads(accounts_file.read_text())
        if plan.name in accounts:
            del accounts[plan.name]
            plan.items.append(
                Item(
                    f"local hub login: '{plan.name}' in {accounts_file}",
                    lambda: write_private(accounts_file, json.dumps(accounts, indent=1)),
                )
            )
    if credentials.is_file():
        lines = credentials.read_text().splitlines(keepends=True)
        kept = [line for line in lines if line.split()[1:2] != [plan.name]]
        if len(kept) < len(lines):
            plan.items.append(
                Item(
                    f"local hub password: the line for '{plan.name}' in {credentials}",
                    lambda: write_private(credentials, "".join(kept)),
                )
            )


def _hub_knows(path: Path, name: str) -> bool:
    """Whether the hub's SQLite database has a user called ``name`` (read-only look)."""
    reader = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=60)
    try:
        return reader.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is not None
    except sqlite3.DatabaseError:
        return False
    finally:
        reader.close()


def hub_running(hub_dir: Path) -> bool:
    """Whether the process in the hub's pid file (``<hub>/jupyterhub.pid``) is alive."""
    try:
        pid = int((hub_dir / HUB_PID_FILE).read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # alive, and someone else's
    return True


def _delete_stopped_hub_user(url: str, path: Path, name: str) -> None:
    """Delete the user from a stopped hub's database as the hub itself does (spawners, tokens, groups)."""
    from jupyterhub import orm

    session = orm.new_session_factory(url)()
    try:
        user = orm.User.find(session, name)
        if user is not None:
            session.delete(user)
            session.commit()
    finally:
        session.close()
    _vacuum(path)


def _hub_user(plan: Plan, locations: Locations, hub: HubApi | None) -> None:
    """The hub's user record: through the REST API, straight from a stopped hub's database, or a note."""
    if hub is not None:
        if hub.has_user(plan.name):
            plan.items.append(
                Item(
                    f"hub user '{plan.name}' (via the hub's REST API at {hub.url})",
                    lambda: hub.delete_user(plan.name),
                )
            )
        return
    path = databases.sqlite_path(locations.hub_db_url)
    if path is None:
        plan.notes.append(
            f"If the hub knows '{plan.name}', delete the user on its Admin page "
            "(or run again with --hub-url and a token)."
        )
    elif not path.is_file() or not _hub_knows(path, plan.name):
        return
    elif not hub_running(locations.hub):
        plan.items.append(
            Item(
                f"hub user '{plan.name}' in the stopped hub's database {path}",
                lambda: _delete_stopped_hub_user(locations.hub_db_url, path, plan.name),
            )
        )
    else:
        plan.notes.append(
            f"The running hub's database ({path}) still has the user '{plan.name}' (name, last login). "
            "Delete it on the hub's Admin page (tick the user, 'Delete user'), or run this again with "
            "--hub-url and a token with the admin:users scope in $CHANGEKIT_HUB_TOKEN, or with the hub stopped."
        )


def find(name: str, locations: Locations, hub: HubApi | None = None) -> Plan:
    """Look everywhere for the trainee's data; the plan lists what to erase and what to tell the admin."""
    check_name(name)
    plan = Plan(name)
    _hub_user(
        plan, locations, hub
    )  # first: a hub that refuses the token stops forget before anything is erased
    _gradebook_items(plan, locations)
    _moderation_items(plan, locations)
    folders = _submission_folders(plan, locations)
    for path in _feedback_files(folders, locations):
        plan.add_path(path, "exchange feedback")
    for path in folders:
        plan.add_path(path, "exchange submission" if "+" in path.name else "course folder")
    _export_rows(plan, locations)
    plan.add_path(locations.state / "exports" / "portfolio" / f"{name}.docx", "e-portfolio summary")
    plan.add_path(locations.homes / name, "home folder")
    _local_hub_items(plan, locations)
    plan.notes += [
        f"If '{name}' has a Unix account on this server (production), remove it: deluser --remove-home {name}",
        (
            f"The hub's log (journalctl -u jupyterhub) and backups made before today still mention '{name}'; "
            "they are removed by your retention schedule (README, 'Data protection')."
        ),
    ]
    return plan


# ---------------------------------------------------------------- erasing


def erase(plan: Plan) -> list[str]:
    """Erase every item in turn; return what was removed (stops at the first failure)."""
    removed = []
    for item in plan.items:
        try:
            item.erase()
        except (OSError, sqlite3.Error, SQLAlchemyError, AdminError) as error:
            reason = getattr(error, "strerror", None) or error
            raise AdminError(
                f"Stopped: could not remove {item.description} ({reason}). Removed so far: "
                + ("; ".join(removed) or "nothing")
                + ". Fix the cause (a permission: run as root; a locked "
                "database: try again in a minute) and run forget again: it carries on with what is left."
            ) from None
        removed.append(item.description)
    return removed


def _files(root: Path) -> Iterator[Path]:
    """Every file under ``root``, without the Python environment, caches or backups."""
    for path in root.rglob("*"):
        if (
            LEFT_OUT.isdisjoint(path.relative_to(root).parts)
            and "backups" not in path.relative_to(root).parts
        ):
            yield path


def _readable_file(path: Path) -> bool:
    """A regular file (not a link) small enough to search."""
    return path.is_file() and not path.is_symlink() and path.stat().st_size <= SCAN_LIMIT


def traces(name: str, roots: Iterable[Path]) -> list[Path]:
    """Files under ``roots`` whose path or content mentions ``name`` as a whole word."""
    word = re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(name.encode()) + rb"(?![A-Za-z0-9_])")
    found: set[Path] = set()
    for root in {r.resolve() for r in roots if r.is_dir()}:
        for path in _files(root):
            in_name = word.search(str(path.relative_to(root)).encode())
            if in_name or (_readable_file(path) and word.search(path.read_bytes())):
                found.add(path)
    return sorted(found)


def search_roots(locations: Locations) -> list[Path]:
    """Where ``traces`` looks: the course, state, exchange, hub and homes folders."""
    return [locations.course, locations.state, locations.exchange, locations.hub, locations.homes]

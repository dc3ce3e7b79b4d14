"""What ``changekit backup``, ``restore`` and ``forget`` do (parsed by ``changekit.cli``).

Each function is what one subcommand runs, its options as keyword arguments;
``where`` holds the location options (``course``, ``state``, ``exchange``,
``hub``, ``homes``, ``gradebook_url``, ``hub_db_url``; ``None`` for the
setting's own, see ``changekit.admin.locations``). A request that cannot be done
as given raises ``AdminError`` (exit code 1, its message saying why and how to
fix it), and nothing half-done is left behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from changekit.admin import AdminError


def backup(out: Path | None = None, **where: Path | str | None) -> int:
    """Write one archive of the course's data (to ``out``, default in ``<state>/backups``)."""
    from changekit.admin.backup import backup as write_backup
    from changekit.admin.locations import locate

    summary = write_backup(locate(**where), out)
    print(
        f"Backup written: {summary.archive} ({summary.size / 2**20:.1f} MB, readable by you only)"
    )
    print("\n".join(summary.lines()))
    print(
        "Copy it off this server (it holds trainees' work and the hub's secrets: keep it encrypted)."
    )
    return 0


def restore(archive: Path, **where: Path | str | None) -> int:
    """Restore ``archive`` into new or empty folders (where it was, or ``where`` says) and check every file."""
    from changekit.admin.backup import PARTS
    from changekit.admin.backup import restore as put_back

    folders = {part: where.get(part) for part in PARTS}
    summary = put_back(
        archive, folders, {"gradebook": where.get("gradebook_url"), "hub": where.get("hub_db_url")}
    )
    print(f"Restored from {summary.archive}; every file matches its checksum in the backup:")
    print("\n".join(summary.lines()))
    return 0


def _confirmed(name: str) -> bool:
    """Ask the admin to type the trainee's name; False on anything else (or no terminal)."""
    try:
        answer = input(f"Erase all of this for good? Type the user name '{name}' to confirm: ")
    except EOFError:
        return False
    return answer.strip() == name


def forget(
    trainee: str,
    *,
    yes: bool = False,
    hub_url: str | None = None,
    hub_token: str | None = None,
    **where: Path | str | None,
) -> int:
    """Find, confirm, erase and report everything the course holds about one trainee."""
    from changekit.admin.forget import HubApi, erase, find, search_roots, traces
    from changekit.admin.locations import locate

    locations = locate(**where)
    token = hub_token or os.environ.get("CHANGEKIT_HUB_TOKEN")
    if hub_url and not token:
        raise AdminError(
            "--hub-url needs a token with the admin:users scope: put it in $CHANGEKIT_HUB_TOKEN "
            "(or give --hub-token). Nothing was removed."
        )
    hub = HubApi(hub_url, token) if hub_url else None
    plan = find(trainee, locations, hub)
    if not plan.items:
        raise AdminError(
            f"Nothing about '{trainee}' was found in the gradebook, course, exchange, exports, homes "
            "or hub logins. Check the spelling (user names are case-sensitive)."
        )
    print(f"Found for '{trainee}':")
    print("\n".join(f"    {item.description}" for item in plan.items))
    if not yes and not _confirmed(trainee):
        raise AdminError("Nothing was removed (not confirmed). Add --yes to erase without asking.")
    removed = erase(plan)
    print(f"Removed ({len(removed)}):")
    print("\n".join(f"    {line}" for line in removed))
    left = traces(trainee, search_roots(locations))
    if left:
        print(f"Still mentioning '{trainee}' (look at these by hand):")
        print("\n".join(f"    {path}" for path in left))
    print("For you to do:")
    print("\n".join(f"    - {note}" for note in plan.notes))
    return 0

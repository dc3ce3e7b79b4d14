"""The ``changekit backup``, ``restore`` and ``forget`` subcommands (registered by ``changekit.cli``).

Exit codes: 0 done; 1 the request cannot be done as given (the message says
why and how to fix it), nothing half-done is left behind.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

from changekit.admin import AdminError

LOCATION_HELP = (
    "Where the data is. Each option defaults to its environment setting, as the course itself reads it: "
    "on a production server load /opt/pich/etc/pich.env first (set -a; . /opt/pich/etc/pich.env; set +a) "
    "and add --homes /home."
)


def plain_errors(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``command``; an ``AdminError`` becomes its plain message on stderr and exit code 1."""

    @functools.wraps(command)
    def guarded(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except AdminError as error:
            print(error, file=sys.stderr)
            return 1

    return guarded


def _add_locations(parser: argparse.ArgumentParser) -> None:
    """The options that say where the course's data lives (see ``changekit.admin.locations``)."""
    group = parser.add_argument_group("locations", LOCATION_HELP)
    group.add_argument("--course", type=Path, help="the course folder ($CHANGEKIT_COURSE_ROOT; production "
                                                   "/srv/pich/course)")
    group.add_argument("--state", type=Path, help="gradebook and state folder ($CHANGEKIT_STATE_DIR; default "
                                                  "<course>/var)")
    group.add_argument("--exchange", type=Path, help="nbgrader's exchange ($CHANGEKIT_EXCHANGE; default "
                                                     "<state>/exchange; production /srv/nbgrader/exchange)")
    group.add_argument("--hub-dir", dest="hub", type=Path, help="the hub's own folder ($CHANGEKIT_HUB_DIR; "
                                                                "default <state>/hub; production /opt/pich/hub)")
    group.add_argument("--homes", type=Path, help="the folder holding the users' homes ($CHANGEKIT_HOMES; "
                                                  "default <hub>/home; production /home)")
    group.add_argument("--gradebook-url", help="the gradebook's database URL ($CHANGEKIT_DB_URL; default "
                                               "SQLite <state>/gradebook.db)")
    group.add_argument("--hub-db-url", help="the hub's database URL ($CHANGEKIT_HUB_DB_URL; default SQLite "
                                            "<hub>/jupyterhub.sqlite)")


def _locations(args: argparse.Namespace):  # -> Locations (imported late: keeps `changekit start` quick)
    from changekit.admin.locations import locate

    return locate(course=args.course, state=args.state, exchange=args.exchange, hub=args.hub, homes=args.homes,
                  gradebook_url=args.gradebook_url, hub_db_url=args.hub_db_url)


def backup(args: argparse.Namespace) -> int:
    """Write one archive of the course's data."""
    from changekit.admin.backup import backup as write_backup

    summary = write_backup(_locations(args), args.out)
    print(f"Backup written: {summary.archive} ({summary.size / 2**20:.1f} MB, readable by you only)")
    print("\n".join(summary.lines()))
    print("Copy it off this server (it holds trainees' work and the hub's secrets: keep it encrypted).")
    return 0


def restore(args: argparse.Namespace) -> int:
    """Restore an archive into new or empty folders and check every file."""
    from changekit.admin.backup import restore as put_back

    given = {"course": args.course, "state": args.state, "exchange": args.exchange, "hub": args.hub,
             "homes": args.homes}
    summary = put_back(args.archive, given, {"gradebook": args.gradebook_url, "hub": args.hub_db_url})
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


def forget(args: argparse.Namespace) -> int:
    """Find, confirm, erase and report everything the course holds about one trainee."""
    from changekit.admin.forget import HubApi, erase, find, search_roots, traces

    locations = _locations(args)
    token = args.hub_token or os.environ.get("CHANGEKIT_HUB_TOKEN")
    if args.hub_url and not token:
        raise AdminError("--hub-url needs a token with the admin:users scope: put it in $CHANGEKIT_HUB_TOKEN "
                         "(or give --hub-token). Nothing was removed.")
    hub = HubApi(args.hub_url, token) if args.hub_url else None
    plan = find(args.trainee, locations, hub)
    if not plan.items:
        print(f"Nothing about '{args.trainee}' was found in the gradebook, course, exchange, exports, homes "
              f"or hub logins. Check the spelling (user names are case-sensitive).", file=sys.stderr)
        return 1
    print(f"Found for '{args.trainee}':")
    print("\n".join(f"    {item.description}" for item in plan.items))
    if not args.yes and not _confirmed(args.trainee):
        print("Nothing was removed (not confirmed). Add --yes to erase without asking.", file=sys.stderr)
        return 1
    removed = erase(plan)
    print(f"Removed ({len(removed)}):")
    print("\n".join(f"    {line}" for line in removed))
    left = traces(args.trainee, search_roots(locations))
    if left:
        print(f"Still mentioning '{args.trainee}' (look at these by hand):")
        print("\n".join(f"    {path}" for path in left))
    print("For you to do:")
    print("\n".join(f"    - {note}" for note in plan.notes))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``backup``, ``restore`` and ``forget`` to the ``changekit`` command line."""
    parser = commands.add_parser(
        "backup", help="back up the gradebook, course, exchange, submissions, hub and homes into one file",
        description="Write one .tar.gz (mode 0600) with the course folder (submitted/, autograded/, feedback/), "
                    "the state folder, the exchange, the hub's folder, the users' homes, and consistent copies "
                    "of the gradebook and hub databases (SQLite's online backup, or pg_dump for PostgreSQL). "
                    "Safe while the hub runs. Run it as root on a production server.",
    )
    parser.add_argument("--out", type=Path, help="the archive to write (default <state>/backups/<course>-backup-"
                                                 "<time>.tar.gz)")
    _add_locations(parser)
    parser.set_defaults(run=plain_errors(backup))

    parser = commands.add_parser(
        "restore", help="restore a backup into new or empty folders, checking every file",
        description="Put a backup back. Each folder goes where it was, or where you say; a folder that was "
                    "inside another (state inside the course) follows it. Restore never overwrites: every "
                    "target must be missing or empty. Every file is checked against the backup's checksums.",
    )
    parser.add_argument("archive", type=Path, help="the .tar.gz written by changekit backup")
    _add_locations(parser)
    parser.set_defaults(run=plain_errors(restore))

    parser = commands.add_parser(
        "forget", help="erase one trainee everywhere (gradebook, submissions, exchange, home, hub login)",
        description="Find everything the course holds about one trainee, show it, ask you to confirm, erase it, "
                    "report what was removed, and search every folder for the name again.",
    )
    parser.add_argument("trainee", help="the trainee's user name, exactly as they log in")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--hub-url", help="the hub's address, to delete the hub user through its REST API")
    parser.add_argument("--hub-token", help="an API token with the admin:users scope (or $CHANGEKIT_HUB_TOKEN, "
                                            "which keeps it out of the process list)")
    _add_locations(parser)
    parser.set_defaults(run=plain_errors(forget))

"""JupyterHub authenticators: the local hub's generated accounts, and PAM with course groups."""

from __future__ import annotations

import grp
import pwd
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator, PAMAuthenticator
from traitlets import Bool, Set, Unicode

from changekit.hub.accounts import load_accounts, password_matches


class GeneratedAccountsAuthenticator(Authenticator):
    """Checks a user name and password against the hashes in ``accounts.json``.

    For the one-machine pilot only: a deanery deployment logs in through its
    own identity provider (see deploy/production).
    """

    accounts_folder = Unicode(help="Folder holding accounts.json").tag(config=True)

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
        accounts = load_accounts(Path(self.accounts_folder))
        name = (data.get("username") or "").strip()
        account = accounts.get(name)
        if account and password_matches(data.get("password", ""), account["hash"]):
            return name
        self.log.warning("Failed login for %r", name)
        return None


def unix_group_members(groups: Iterable[str], user: str) -> list[str]:
    """Which of ``groups`` the system account ``user`` belongs to (primary group included)."""
    try:
        primary = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    except KeyError:
        return []
    found = []
    for name in sorted(groups):
        try:
            members = grp.getgrnam(name).gr_mem
        except KeyError:
            continue
        if user in members or name == primary:
            found.append(name)
    return found


class CourseGroupsPAMAuthenticator(PAMAuthenticator):
    """PAM logins whose hub groups follow the course's Unix groups.

    JupyterHub's PAMAuthenticator checks the password but leaves hub groups
    empty, and the formgrader is granted to the hub group
    ``formgrade-<course>``. The Unix groups are the one place an admin sets
    who is a tutor (install.sh, ``usermod -aG``), so the hub copies them at
    every login and at every refresh of the login (``auth_refresh_age``,
    5 minutes by default): a tutor added or removed on the server gains or
    loses the formgrader without restarting the hub. Only ``course_groups``
    are copied, never the server's other groups (sudo, adm, ...).
    """

    course_groups = Set(Unicode(), help="Unix groups copied into hub groups of the same name").tag(config=True)
    manage_groups = Bool(True, help="The hub's group membership comes from this authenticator").tag(config=True)

    def groups_model(self, name: str) -> dict[str, Any]:
        """The auth model JupyterHub applies: the user name and their course groups."""
        return {"name": name, "groups": unix_group_members(self.course_groups, name)}

    async def authenticate(self, handler: Any, data: dict[str, str]) -> dict[str, Any] | None:
        checked = await super().authenticate(handler, data)
        if checked is None:
            return None
        name = checked["name"] if isinstance(checked, dict) else checked
        return self.groups_model(name)

    async def refresh_user(self, user: Any, handler: Any = None) -> dict[str, Any]:
        return self.groups_model(user.name)

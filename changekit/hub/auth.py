"""JupyterHub authenticators: the local hub's generated accounts, PAM with course groups, Entra ID."""

from __future__ import annotations

import grp
import hashlib
import pwd
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator, PAMAuthenticator
from oauthenticator.azuread import AzureAdOAuthenticator, LocalAzureAdOAuthenticator
from traitlets import Bool, Set, Unicode, default

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

    course_groups = Set(Unicode(), help="Unix groups copied into hub groups of the same name").tag(
        config=True
    )
    manage_groups = Bool(True, help="The hub's group membership comes from this authenticator").tag(
        config=True
    )

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


#: What Debian's adduser accepts by default (NAME_REGEX in /etc/adduser.conf) and useradd's length limit.
UNIX_NAME = re.compile(r"^[a-z][-a-z0-9_]{0,31}$")
UNIX_NAME_LENGTH = 32
#: Hex digits of a hash kept in a name: 16.7 million values, so two trusts (or two long names) that
#: share a local part still get different accounts.
HASH_DIGITS = 6


def short_hash(text: str) -> str:
    """A short, stable digest of ``text`` (the same on every server and every run)."""
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_DIGITS]


def split_login(login: str) -> tuple[str, str]:
    """Local part and domain of an Entra sign-in name (``upn`` or ``preferred_username``), lower-case.

    A B2B guest's ``upn`` in the inviting tenant is ``ana_othertrust.nhs.uk#EXT#@home.onmicrosoft.com``:
    the guest's own address is read back from before ``#EXT#`` (its last ``_`` stood for the ``@``).
    """
    login = login.strip().lower()
    if "#ext#" in login:
        original = login.split("#ext#")[0]
        local, _, domain = original.rpartition("_")
        return (local, domain) if local else (original, "")
    local, _, domain = login.rpartition("@")
    return (local, domain) if local else (login, "")


def unix_username(
    login: str,
    tenant: str,
    home_tenant: str,
    home_domains: Iterable[str] = (),
    reserved: Iterable[str] = (),
) -> str:
    """A safe Unix account name for an Entra user, the same at every login.

    Lower-case local part of ``login`` (accents dropped, every other character outside
    ``[a-z0-9_-]`` removed, dots become ``_``), starting with a letter (``u`` is put in
    front otherwise), at most 32 characters. A user from the home tenant with an address in
    ``home_domains`` (every domain of the home tenant when none is given) keeps just that;
    anyone else (a B2B guest, or a user of another tenant signing in to a multi-tenant app)
    gets ``-`` and a short hash of their tenant and domain, so ``ana`` of two trusts are two
    accounts. A name that had to be cut short, or that is ``reserved`` (system accounts such
    as ``root``, the grader), gets a hash of the whole login too, never the bare name.
    """
    local, domain = split_login(login)
    tenant = tenant.strip().lower()
    plain = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9_-]", "", plain.replace(".", "_"))
    if not base[:1].isalpha():
        base = "u" + base
    domains = {name.strip().lower() for name in home_domains if name.strip()}
    home = (
        tenant == home_tenant.strip().lower()
        and "#ext#" not in login.lower()
        and (not domains or domain in domains)
    )
    suffixes = [] if home else [short_hash(f"{tenant}/{domain}")]
    if len(base) + sum(len(s) + 1 for s in suffixes) > UNIX_NAME_LENGTH or base in set(reserved):
        suffixes.append(short_hash(login.strip().lower()))
    room = UNIX_NAME_LENGTH - sum(len(s) + 1 for s in suffixes)
    return "-".join([base[:room], *suffixes])


def system_account_names() -> frozenset[str]:
    """Names of this server's system accounts (uid below 1000, and nobody): never given to a login."""
    return frozenset(
        account.pw_name
        for account in pwd.getpwall()
        if account.pw_uid < 1000 or account.pw_uid >= 65534
    )


def course_groups(entra_groups: Iterable[str], mapping: dict[str, Iterable[str]]) -> set[str]:
    """Hub groups for a user in ``entra_groups``: each hub group whose Entra group ids they share."""
    member_of = {group.lower() for group in entra_groups}
    return {hub_group for hub_group, ids in mapping.items() if member_of & {i.lower() for i in ids}}


class EntraAuthenticator(LocalAzureAdOAuthenticator):
    """Microsoft Entra ID logins for the course, each with a system account of a safe name.

    - Who may log in: members of the Entra groups in ``tutor_group_ids`` or
      ``trainee_group_ids`` (the ``groups`` claim of the id token; the hub's
      ``allowed_groups`` are the two hub groups they map to).
    - Tutors: members of a tutors' Entra group are put in the hub group
      ``tutors_group`` (``formgrade-<course>``), which opens the formgrader; the
      membership follows Entra at every login (``manage_groups``).
    - Account names: ``unix_username`` of the ``upn`` (``preferred_username`` where
      the token has no ``upn``), made at first login with adduser.
    """

    tutor_group_ids = Set(Unicode(), help="Object ids of the tutors' Entra groups").tag(config=True)
    trainee_group_ids = Set(Unicode(), help="Object ids of the trainees' Entra groups").tag(
        config=True
    )
    tutors_group = Unicode(help="Hub group of tutors (formgrade-<course>)").tag(config=True)
    trainees_group = Unicode(help="Hub group of trainees (nbgrader-<course>)").tag(config=True)
    home_domains = Set(Unicode(), help="Sign-in domains of the home tenant's own users").tag(
        config=True
    )
    reserved_names = Set(
        Unicode(), help="Account names never given to a login as they are (the grader's)"
    ).tag(config=True)

    @default("manage_groups")
    def _manage_groups_default(self) -> bool:
        return True

    @default("scope")
    def _scope_default(self) -> list[str]:
        return ["openid", "profile", "email"]

    def user_info_to_username(self, user_info: dict[str, Any]) -> str:
        login = (
            user_info.get("upn") or user_info.get("preferred_username") or user_info.get("email")
        )
        if not login:
            raise ValueError(
                "The id token has no upn, preferred_username or email: add the optional claim upn"
            )
        return unix_username(
            str(login),
            str(user_info.get("tid", "")),
            self.tenant_id,
            self.home_domains,
            self.reserved_names | system_account_names(),
        )

    async def check_allowed(self, username: str, auth_model: dict[str, Any] | None) -> bool:
        """oauthenticator's check (the token's groups), not LocalAuthenticator's (Unix groups of an
        account that does not exist yet at first login)."""
        return await AzureAdOAuthenticator.check_allowed(self, username, auth_model)

    async def get_user_groups(self, auth_state: dict[str, Any]) -> set[str]:
        entra_groups = await super().get_user_groups(auth_state)
        return course_groups(
            entra_groups,
            {self.tutors_group: self.tutor_group_ids, self.trainees_group: self.trainee_group_ids},
        )

"""A JupyterHub authenticator for the local hub's generated accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from traitlets import Unicode

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

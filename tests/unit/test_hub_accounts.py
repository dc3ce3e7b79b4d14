"""Generated logins for the local hub: private files, printed once, checked by hash."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

from changekit.hub.accounts import TRAINEES, TUTOR, create_accounts, hash_password, password_matches
from changekit.hub.auth import GeneratedAccountsAuthenticator
from changekit.hub.local import TUTOR_ONLY_LAB_PLUGINS, write_user_config


def test_accounts_are_created_once_and_readable_only_by_their_owner(tmp_path: Path) -> None:
    accounts = create_accounts(tmp_path)
    assert accounts is not None
    assert [a.name for a in accounts] == [TUTOR, *TRAINEES]
    for name in ("accounts.json", "credentials.txt"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, f"{name} has mode {oct(mode)}"
    assert create_accounts(tmp_path) is None, "a second start must not replace the passwords"


def test_passwords_are_stored_only_as_salted_hashes(tmp_path: Path) -> None:
    accounts = create_accounts(tmp_path)
    stored = (tmp_path / "accounts.json").read_text()
    assert all(a.password not in stored for a in accounts)
    assert hash_password("same") != hash_password("same"), "hashes must be salted"


def test_password_check_accepts_right_and_refuses_wrong() -> None:
    stored = hash_password("correct horse")
    assert password_matches("correct horse", stored)
    assert not password_matches("correct hors", stored)
    assert not password_matches("", stored)


def test_authenticator_logs_in_right_password_only(tmp_path: Path) -> None:
    accounts = {a.name: a for a in create_accounts(tmp_path)}
    auth = GeneratedAccountsAuthenticator(accounts_folder=str(tmp_path))

    def login(name: str, password: str) -> str | None:
        return asyncio.run(auth.authenticate(None, {"username": name, "password": password}))

    assert login("trainee1", accounts["trainee1"].password) == "trainee1"
    assert login("trainee1", accounts["trainee2"].password) is None
    assert login("nobody", "anything") is None


def test_user_config_hides_the_formgrader_from_trainees(tmp_path: Path) -> None:
    write_user_config(tmp_path, "pich-leadership", tmp_path / "exchange")
    page = json.loads((tmp_path / "labconfig" / "page_config.json").read_text())
    assert set(TUTOR_ONLY_LAB_PLUGINS) <= set(page["disabledExtensions"])
    server = json.loads((tmp_path / "jupyter_server_config.json").read_text())
    assert (
        server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    )
    assert "JUPYTERHUB_USER" in (tmp_path / "nbgrader_config.py").read_text()

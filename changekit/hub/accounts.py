"""Accounts for the local hub: generated once, kept where only their owner can read them.

Two files in the hub's state folder:

- ``credentials.txt`` (mode 0600): user names and passwords in plain text, for the
  person who ran ``make start`` to hand out. Printed once, when created.
- ``accounts.json`` (mode 0600): user name, role and a salted scrypt hash of the
  password; the hub's authenticator reads only this.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TUTOR = "tutor"
TRAINEES = ("trainee1", "trainee2", "trainee3")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Account:
    """One login: a tutor or a trainee."""

    name: str
    role: str  # "tutor" or "trainee"
    password: str


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A salted scrypt hash, stored as ``salt$hash`` in hex."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"{salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    """Whether ``password`` is the one behind ``stored`` (constant-time compare)."""
    salt_hex, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt_hex)), stored)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that only its owner can read it (0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def create_accounts(folder: Path) -> list[Account] | None:
    """Generate the tutor and trainee accounts unless they exist; return them if new.

    Returns None when ``folder`` already holds accounts, so passwords are
    printed only once and never changed behind a tutor's back.
    """
    if (folder / "accounts.json").exists():
        return None
    accounts = [Account(TUTOR, "tutor", secrets.token_urlsafe(12))] + [
        Account(name, "trainee", secrets.token_urlsafe(12)) for name in TRAINEES
    ]
    write_private(
        folder / "accounts.json",
        json.dumps(
            {a.name: {"role": a.role, "hash": hash_password(a.password)} for a in accounts},
            indent=1,
        ),
    )
    write_private(
        folder / "credentials.txt",
        "".join(f"{a.role:8} {a.name:10} {a.password}\n" for a in accounts),
    )
    return accounts


def load_accounts(folder: Path) -> dict[str, dict[str, str]]:
    """User name -> {"role", "hash"} from ``accounts.json``."""
    return json.loads((folder / "accounts.json").read_text())

"""The production hub's settings: paths from ``changekit.settings``, the rest from the settings file.

deploy/production/jupyterhub_config.py reads nothing from the environment
itself: the systemd unit loads ``$PREFIX/etc/pich.env`` into the hub's
environment, and this module turns it into one typed value. Paths (course,
state, exchange, the hub's folder and database) come from
``changekit.settings.settings_from``, as for every other command; the hub-only
values are these (defaults in brackets):

- ``CHANGEKIT_PREFIX`` [two folders above the hub's Python]; ``CHANGEKIT_HUB_DIR`` [``<prefix>/hub``]
- ``CHANGEKIT_GRADER`` [``grader-<course>``] the account running the formgrader
- ``CHANGEKIT_PORT`` [8000] the hub's port on 127.0.0.1 (the proxy's API and the hub use +1, +2;
  the formgrader +10)
- ``CHANGEKIT_TUTORS_GROUP`` / ``CHANGEKIT_TRAINEES_GROUP`` [``formgrade-<course>`` /
  ``nbgrader-<course>``] hub groups (and, with PAM, Unix groups) of tutors and trainees
- ``CHANGEKIT_AUTH`` [pam] ``pam`` or ``entra``
- ``CHANGEKIT_MEMORY_LIMIT`` [2G], ``CHANGEKIT_PROCESS_LIMIT`` [256], ``CHANGEKIT_CPU_LIMIT`` [1]
  per trainee (changekit.hub.spawner); 0 turns one off
- ``CHANGEKIT_CULL_TIMEOUT`` [3600] seconds of inactivity after which a server is stopped (0: never)
- Entra ID: ``CHANGEKIT_ENTRA_TENANT_ID``, ``CHANGEKIT_OAUTH_CLIENT_ID``,
  ``CHANGEKIT_OAUTH_CLIENT_SECRET``, ``CHANGEKIT_OAUTH_CALLBACK_URL``,
  ``CHANGEKIT_ENTRA_TUTOR_GROUPS`` and ``CHANGEKIT_ENTRA_TRAINEE_GROUPS`` (object ids of Entra
  groups, separated by spaces or commas), ``CHANGEKIT_ENTRA_DOMAINS`` (the home tenant's own
  sign-in domains), ``CHANGEKIT_ENTRA_LOGIN_URL`` [https://login.microsoftonline.com]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from changekit.hub.spawner import Limits
from changekit.settings import Settings, SettingsError, settings_from

AUTH_METHODS = ("pam", "entra")
DEFAULT_LIMITS = {
    "CHANGEKIT_MEMORY_LIMIT": "2G",
    "CHANGEKIT_PROCESS_LIMIT": "256",
    "CHANGEKIT_CPU_LIMIT": "1",
}
DEFAULT_CULL_TIMEOUT = 3600


def id_list(text: str) -> frozenset[str]:
    """Ids separated by spaces or commas, lower-case (Entra's object ids are GUIDs)."""
    return frozenset(part.lower() for part in re.split(r"[\s,]+", text) if part)


@dataclass(frozen=True)
class EntraSettings:
    """The app registration and the groups that let people in."""

    tenant_id: str
    client_id: str
    client_secret: str
    callback_url: str
    tutor_groups: frozenset[str]
    trainee_groups: frozenset[str]
    home_domains: frozenset[str]
    login_url: str


@dataclass(frozen=True)
class ProductionSettings:
    """Everything the production hub's configuration needs."""

    course: Settings
    prefix: Path
    grader: str
    port: int
    tutors_group: str
    trainees_group: str
    auth: str
    limits: Limits
    cull_timeout: int
    entra: EntraSettings | None


def required(env: Mapping[str, str], name: str) -> str:
    """The value of ``name``, or a SettingsError saying where to set it."""
    if not env.get(name):
        raise SettingsError(
            f"{name} is not set: add {name}=... to the settings file (pich.env); see the admin guide"
        )
    return env[name]


def entra_settings(env: Mapping[str, str]) -> EntraSettings:
    """Entra ID's settings; SettingsError naming the first one missing."""
    return EntraSettings(
        tenant_id=required(env, "CHANGEKIT_ENTRA_TENANT_ID").lower(),
        client_id=required(env, "CHANGEKIT_OAUTH_CLIENT_ID"),
        client_secret=required(env, "CHANGEKIT_OAUTH_CLIENT_SECRET"),
        callback_url=required(env, "CHANGEKIT_OAUTH_CALLBACK_URL"),
        tutor_groups=id_list(required(env, "CHANGEKIT_ENTRA_TUTOR_GROUPS")),
        trainee_groups=id_list(required(env, "CHANGEKIT_ENTRA_TRAINEE_GROUPS")),
        home_domains=id_list(env.get("CHANGEKIT_ENTRA_DOMAINS", "")),
        login_url=(
            env.get("CHANGEKIT_ENTRA_LOGIN_URL") or "https://login.microsoftonline.com"
        ).rstrip("/"),
    )


def production_settings(env: Mapping[str, str], cwd: Path, python_bin: Path) -> ProductionSettings:
    """The hub's settings for environment ``env`` (the settings file, loaded by the systemd unit)."""
    prefix = Path(env.get("CHANGEKIT_PREFIX") or python_bin.parent.parent)
    # The hub's database and cookie secret stay root's, never in the grader's course folder.
    course = settings_from(
        {**env, "CHANGEKIT_HUB_DIR": env.get("CHANGEKIT_HUB_DIR") or str(prefix / "hub")}, cwd
    )
    auth = env.get("CHANGEKIT_AUTH") or "pam"
    if auth not in AUTH_METHODS:
        raise SettingsError(
            f"CHANGEKIT_AUTH must be one of {', '.join(AUTH_METHODS)}, not {auth!r}"
        )
    try:
        limits = Limits.from_settings({**DEFAULT_LIMITS, **env})
        port, cull = (
            int(env.get("CHANGEKIT_PORT") or 8000),
            int(env.get("CHANGEKIT_CULL_TIMEOUT") or DEFAULT_CULL_TIMEOUT),
        )
    except ValueError as error:
        raise SettingsError(f"A number in the settings file cannot be read: {error}") from None
    return ProductionSettings(
        course=course,
        prefix=prefix,
        grader=env.get("CHANGEKIT_GRADER") or f"grader-{course.course_id}",
        port=port,
        tutors_group=env.get("CHANGEKIT_TUTORS_GROUP") or f"formgrade-{course.course_id}",
        trainees_group=env.get("CHANGEKIT_TRAINEES_GROUP") or f"nbgrader-{course.course_id}",
        auth=auth,
        limits=limits,
        cull_timeout=cull,
        entra=entra_settings(env) if auth == "entra" else None,
    )

"""Where a course keeps its data, worked out from the course's own settings.

Every location comes from ``changekit.settings.settings_from``, the function
``nbgrader_config.py`` takes the gradebook URL and the exchange from too (so
``CHANGEKIT_STATE_DIR``, ``CHANGEKIT_DB_URL`` and ``CHANGEKIT_EXCHANGE`` apply);
the hub's folder and the trainees' homes, which nbgrader knows nothing about,
come from ``CHANGEKIT_HUB_DIR`` and ``CHANGEKIT_HOMES``. The defaults are the
local hub's layout (``var/hub`` and ``var/hub/home``); on a production server
``/opt/pich/etc/pich.env`` sets the first three and the hub folder, and the
homes are ``/home``. The admin commands' options override the environment
for that one request (this process's environment is not changed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from changekit.admin import AdminError
from changekit.grading.gradebook import course_settings
from changekit.settings import settings_from

#: Environment variable behind each location option of the admin commands.
SETTINGS = {
    "course": "CHANGEKIT_COURSE_ROOT",
    "state": "CHANGEKIT_STATE_DIR",
    "exchange": "CHANGEKIT_EXCHANGE",
    "gradebook_url": "CHANGEKIT_DB_URL",
    "hub": "CHANGEKIT_HUB_DIR",
    "homes": "CHANGEKIT_HOMES",
    "hub_db_url": "CHANGEKIT_HUB_DB_URL",
}


@dataclass(frozen=True)
class Locations:
    """Every place the course keeps data (paths absolute)."""

    course_id: str
    course: Path
    state: Path
    exchange: Path
    hub: Path
    homes: Path
    gradebook_url: str
    hub_db_url: str
    submissions: tuple[Path, ...]
    """The course's ``submitted``, ``autograded`` and ``feedback`` folders."""


def locate(**given: str | Path | None) -> Locations:
    """The course's locations; ``given`` (keys of ``SETTINGS``) override the environment.

    Raises ``AdminError`` when the course folder has no ``nbgrader_config.py``.
    """
    overrides = {SETTINGS[key]: str(value) for key, value in given.items() if value is not None}
    settings = settings_from({**os.environ, **overrides}, Path.cwd())
    course = settings.root
    if not (course / "nbgrader_config.py").is_file():
        raise AdminError(
            f"{course} is not a course folder (it has no nbgrader_config.py). "
            "Give the course folder with --course, or set CHANGEKIT_COURSE_ROOT."
        )
    folders = course_settings(course, overrides).coursedir
    return Locations(
        course_id=settings.course_id,
        course=course,
        state=settings.state,
        exchange=settings.exchange.resolve(),
        hub=settings.hub,
        homes=settings.homes,
        gradebook_url=settings.db_url,
        hub_db_url=settings.hub_db_url,
        submissions=tuple(
            (course / name).resolve()
            for name in (
                folders.submitted_directory,
                folders.autograded_directory,
                folders.feedback_directory,
            )
        ),
    )

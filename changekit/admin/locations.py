"""Where a course keeps its data, worked out from the course's own settings.

The gradebook URL and the exchange come from ``nbgrader_config.py`` exactly as
nbgrader reads them (so ``CHANGEKIT_STATE_DIR``, ``CHANGEKIT_DB_URL`` and
``CHANGEKIT_EXCHANGE`` apply); the hub's folder and the trainees' homes, which
nbgrader knows nothing about, come from ``CHANGEKIT_HUB_DIR`` and
``CHANGEKIT_HOMES``. The defaults are the local hub's layout (``var/hub`` and
``var/hub/home``); on a production server ``/opt/pich/etc/pich.env`` sets the
first three and the hub folder, and the homes are ``/home``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from changekit.admin import AdminError
from changekit.course import exchange_root
from changekit.grading.gradebook import course_settings, environment
from changekit.paths import course_root

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
    with environment(overrides):
        course = course_root()
        if not (course / "nbgrader_config.py").is_file():
            raise AdminError(
                f"{course} is not a course folder (it has no nbgrader_config.py). "
                "Give the course folder with --course, or set CHANGEKIT_COURSE_ROOT."
            )
        settings = course_settings(course)
        hub = Path(os.environ.get("CHANGEKIT_HUB_DIR") or settings.state / "hub").resolve()
        homes = Path(os.environ.get("CHANGEKIT_HOMES") or hub / "home").resolve()
        hub_db_url = os.environ.get("CHANGEKIT_HUB_DB_URL") or f"sqlite:///{hub / 'jupyterhub.sqlite'}"
        exchange = exchange_root(course).resolve()
    folders = settings.coursedir
    return Locations(
        course_id=settings.course_id,
        course=course,
        state=settings.state,
        exchange=exchange,
        hub=hub,
        homes=homes,
        gradebook_url=settings.db_url,
        hub_db_url=hub_db_url,
        submissions=tuple(
            (course / name).resolve()
            for name in (folders.submitted_directory, folders.autograded_directory, folders.feedback_directory)
        ),
    )

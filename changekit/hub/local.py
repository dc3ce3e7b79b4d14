"""Prepare the local hub behind ``make start`` (deploy/local/jupyterhub_config.py) before it starts.

Accounts, the exchange, every user's Jupyter config and home folder; starting
and stopping the hub itself is ``changekit.hub.lifecycle``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from changekit.hub.accounts import Account, create_accounts, load_accounts
from changekit.settings import Settings

#: JupyterLab parts of nbgrader that only the course's grading server should show.
TUTOR_ONLY_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
#: JupyterLab's pop-up asking about Jupyter news: noise for trainees.
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"
TUTOR_ONLY_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)
START_PAGE = "00_start_here.ipynb"


def user_nbgrader_config(course_id: str, exchange: Path) -> str:
    """nbgrader settings for every user's own server: fetch, submit and feedback only.

    One OS account runs every server on the local hub, so the student id comes
    from the hub's user name rather than the OS account.
    """
    return (
        "import os\n"
        "c = get_config()\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        "c.Exchange.path_includes_course = True\n"
        'c.CourseDirectory.student_id = os.environ.get("JUPYTERHUB_USER", "*")\n'
    )


def write_user_config(folder: Path, course_id: str, exchange: Path) -> None:
    """The Jupyter config folder every user's server reads (JUPYTER_CONFIG_PATH)."""
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(user_nbgrader_config(course_id, exchange))
    (folder / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {name: False for name in TUTOR_ONLY_SERVER_EXTENSIONS}
                }
            },
            indent=1,
        )
    )
    (folder / "labconfig" / "page_config.json").write_text(
        json.dumps(
            {"disabledExtensions": {name: True for name in (*TUTOR_ONLY_LAB_PLUGINS, NEWS_PLUGIN)}},
            indent=1,
        )
    )


def prepare_homes(hub: Path, homes: Path, course_root: Path) -> None:
    """Give every user of the hub in ``hub`` a home folder in ``homes`` holding the start-here notebook
    (kept if edited)."""
    for name in load_accounts(hub):
        home = homes / name
        home.mkdir(parents=True, exist_ok=True)
        if not (home / START_PAGE).exists():
            shutil.copy(course_root / "notebooks" / START_PAGE, home / START_PAGE)


def prepare_exchange(exchange: Path) -> None:
    """The exchange root, writable by every user as nbgrader's documentation asks."""
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o777)


def prepare(settings: Settings) -> list[Account] | None:
    """Accounts (new ones returned, to print once), exchange, user config and home folders."""
    new_accounts = create_accounts(settings.hub)
    prepare_exchange(settings.exchange)
    write_user_config(settings.hub / "user-config", settings.course_id, settings.exchange)
    prepare_homes(settings.hub, settings.homes, settings.root)
    return new_accounts

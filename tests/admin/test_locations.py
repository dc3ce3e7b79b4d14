"""The admin commands find the data where the settings say: the production layout from pich.env's variables.

install.sh writes CHANGEKIT_COURSE_ROOT, CHANGEKIT_STATE_DIR (<course>/var),
CHANGEKIT_EXCHANGE and CHANGEKIT_HUB_DIR to /opt/pich/etc/pich.env; homes are
given with --homes. Here the same variables point into a scratch folder.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest

from changekit.admin.locations import locate
from changekit.cli import main
from changekit.paths import course_root


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A production-shaped layout under ``tmp_path`` with pich.env's variables set."""
    course = tmp_path / "srv" / "pich" / "course"
    course.mkdir(parents=True)
    shutil.copy(course_root() / "nbgrader_config.py", course)
    (course / "submitted" / "ana" / "a1").mkdir(parents=True)
    (course / "submitted" / "ana" / "a1" / "a1.ipynb").write_text("{}")
    exchange = tmp_path / "srv" / "nbgrader" / "exchange"
    (exchange / "pich-leadership" / "outbound").mkdir(parents=True)
    hub = tmp_path / "opt" / "pich" / "hub"
    hub.mkdir(parents=True)
    sqlite3.connect(hub / "jupyterhub.sqlite").close()
    (hub / "jupyterhub.pid").write_text("1")
    (tmp_path / "home" / "ana").mkdir(parents=True)
    for name, value in {
        "CHANGEKIT_COURSE_ROOT": course,
        "CHANGEKIT_STATE_DIR": course / "var",
        "CHANGEKIT_EXCHANGE": exchange,
        "CHANGEKIT_HUB_DIR": hub,
    }.items():
        monkeypatch.setenv(name, str(value))
    return tmp_path


def test_locations_follow_the_settings(production: Path) -> None:
    found = locate(homes=production / "home")
    assert found.course == production / "srv" / "pich" / "course"
    assert found.state == found.course / "var"
    assert found.exchange == production / "srv" / "nbgrader" / "exchange"
    assert found.hub == production / "opt" / "pich" / "hub"
    assert found.gradebook_url == f"sqlite:///{found.state / 'gradebook.db'}"
    assert found.hub_db_url == f"sqlite:///{found.hub / 'jupyterhub.sqlite'}"
    assert found.submissions == tuple(
        found.course / n for n in ("submitted", "autograded", "feedback")
    )


def test_backup_of_the_production_layout(
    production: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", "--homes", str(production / "home")]) == 0
    archive = next(
        (production / "srv" / "pich" / "course" / "var" / "backups").glob(
            "pich-leadership-backup-*.tar.gz"
        )
    )
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        names = tar.getnames()
    assert manifest["parts"]["state"]["inside"] == "course"
    assert manifest["parts"]["exchange"]["inside"] is None
    assert manifest["databases"]["hub"]["part"] == "hub"
    assert "course/submitted/ana/a1/a1.ipynb" in names and "homes/ana" in names
    assert not any(
        name.startswith("state/backups") or name.endswith("jupyterhub.pid") for name in names
    )
    assert "hub/jupyterhub.sqlite" not in names, (
        "the hub database goes in only as a consistent copy"
    )

"""The late policy and extensions through stock nbgrader (what the formgrader's Collect and Autograde run).

Three trainees submit the tiny assignment through a real filesystem exchange;
the course calendar's due date falls between their submissions:

- ana submits on time, then again late: her on-time submission is collected;
- ben submits only late, but has a day's extension: on time for him;
- cal submits only late: collected, and flagged late by autograde.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from changekit.course import nbgrader
from changekit.errors import DataError
from changekit.grading.collect import grant_extension
from changekit.grading.deadlines import LONDON, gradebook_time
from changekit.grading.export import export
from changekit.settings import settings_from
from tests.grading.tiny_course import ASSIGNMENT, env_for, make_course

pytestmark = [
    pytest.mark.lifecycle,
    pytest.mark.xdist_group("deadlines"),
]  # one graded round per run
COURSE_ID = "pich-leadership"


class Trainee:
    """A trainee's home with the exchange config a hub gives them."""

    def __init__(self, base: Path, name: str) -> None:
        self.name = name
        self.home = base / "home" / name
        self.home.mkdir(parents=True)
        (self.home / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(base / 'state' / 'exchange')!r}\n"
            "c.Exchange.path_includes_course = True\n"
        )
        self.env = {"JUPYTER_DATA_DIR": str(self.home / ".jupyter-data")}

    def fetch(self) -> None:
        nbgrader(
            "fetch_assignment",
            ASSIGNMENT,
            f"--course={COURSE_ID}",
            f"--student={self.name}",
            cwd=self.home,
            env=self.env,
        )

    def submit(self) -> str:
        """Submit and return the timestamp the exchange recorded."""
        nbgrader(
            "submit",
            ASSIGNMENT,
            f"--course={COURSE_ID}",
            f"--student={self.name}",
            cwd=self.home,
            env=self.env,
        )
        inbound = self.home.parent.parent / "state" / "exchange" / COURSE_ID / "inbound"
        folders = sorted(
            inbound.glob(f"{self.name}+{ASSIGNMENT}+*"), key=lambda p: p.stat().st_mtime_ns
        )
        return (folders[-1] / "timestamp.txt").read_text().strip()


def collected(root: Path, trainee: str) -> str:
    return (root / "submitted" / trainee / ASSIGNMENT / "timestamp.txt").read_text().strip()


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("deadlines")
    root = make_course(base, None)
    env = env_for(base)
    nbgrader("release_assignment", ASSIGNMENT, "--force", cwd=root, env=env)
    trainees = {name: Trainee(base, name) for name in ("ana", "ben", "cal")}
    for trainee in trainees.values():
        trainee.fetch()
    stamps = {"ana_on_time": trainees["ana"].submit()}
    due = datetime.now(LONDON).replace(tzinfo=None)
    (root / "calendar.toml").write_text(f"[due]\n{ASSIGNMENT} = {due.isoformat()}\n")
    stamps["ana_late"] = trainees["ana"].submit()
    stamps["ben_late"] = trainees["ben"].submit()
    stamps["cal_late"] = trainees["cal"].submit()
    settings = settings_from({**env, "CHANGEKIT_COURSE_ROOT": str(root)}, root)
    return {"root": root, "env": env, "stamps": stamps, "settings": settings, "due": due}


def test_collect_takes_the_on_time_submission_and_honours_extensions(round_: dict) -> None:
    root, env, stamps, settings = (
        round_["root"],
        round_["env"],
        round_["stamps"],
        round_["settings"],
    )
    # Before the extension: ana's on-time submission, not her later one.
    nbgrader("collect", ASSIGNMENT, cwd=root, env=env)
    assert collected(root, "ana") == stamps["ana_on_time"]
    assert collected(root, "ben") == stamps["ben_late"]
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        due = gradebook.find_assignment(ASSIGNMENT).duedate
    assert due == gradebook_time(round_["due"].replace(tzinfo=LONDON)), (
        "the calendar's due date is not in the gradebook"
    )

    # An extension for ana makes her late submission the one that counts, and collect replaces it.
    extension = grant_extension(settings, ASSIGNMENT, "ana", days=1)
    assert extension is not None and extension.total_seconds() >= 23 * 3600
    nbgrader("collect", ASSIGNMENT, cwd=root, env=env)
    assert collected(root, "ana") == stamps["ana_late"]
    # Taking the extension away restores the on-time one.
    assert grant_extension(settings, ASSIGNMENT, "ana") is None
    nbgrader("collect", ASSIGNMENT, cwd=root, env=env)
    assert collected(root, "ana") == stamps["ana_on_time"]


@pytest.fixture(scope="module")
def graded(round_: dict) -> dict:
    """The round after ben's extension, collection and stock autograde."""
    root, env = round_["root"], round_["env"]
    grant_extension(round_["settings"], ASSIGNMENT, "ben", days=1)
    nbgrader("collect", ASSIGNMENT, cwd=root, env=env)
    nbgrader("autograde", ASSIGNMENT, "--force", cwd=root, env=env)
    return round_


def test_autograde_reports_lateness_against_each_trainees_own_due_date(graded: dict) -> None:
    settings = graded["settings"]
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        late = {
            s.student.id: s.total_seconds_late for s in gradebook.assignment_submissions(ASSIGNMENT)
        }
        ben_extension = gradebook.find_submission(ASSIGNMENT, "ben").extension
    assert late["ana"] == 0
    assert late["ben"] == 0, "ben's extension was lost by autograde"
    assert ben_extension is not None
    assert late["cal"] > 0


def test_an_extension_needs_a_released_assignment_and_is_never_negative(round_: dict) -> None:
    with pytest.raises(DataError, match="no assignment 'nowhere'"):
        grant_extension(round_["settings"], "nowhere", "ana", days=1)
    with pytest.raises(DataError, match="cannot be negative"):
        grant_extension(round_["settings"], ASSIGNMENT, "ana", days=-1)


def test_the_export_shows_submission_time_due_date_extension_and_lateness(
    graded: dict, tmp_path: Path
) -> None:
    written = export(tmp_path / "grades.csv", root=graded["root"], env=graded["env"])
    sheet = pd.read_csv(written.by_trainee, keep_default_na=False).set_index("student")
    lateness = sheet[f"{ASSIGNMENT}:lateness"]
    assert lateness["ana"] == "on time"
    assert lateness["ben"] == "on time"
    assert lateness["cal"].endswith("late") and lateness["cal"] != "on time"
    assert float(sheet.loc["ben", f"{ASSIGNMENT}:extension_hours"]) >= 23
    assert float(sheet.loc["cal", f"{ASSIGNMENT}:extension_hours"]) == 0
    for trainee in ("ana", "ben", "cal"):
        assert sheet.loc[trainee, f"{ASSIGNMENT}:submitted"].endswith(("GMT", "BST"))
    assert sheet.loc["ben", f"{ASSIGNMENT}:due"] != sheet.loc["cal", f"{ASSIGNMENT}:due"]

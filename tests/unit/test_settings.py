"""changekit.settings: the course is the folder you stand in, and every path follows from it and the environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from changekit.course import course_config
from changekit.paths import course_root
from changekit.settings import CourseNotFound, SettingsError, settings_from


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A folder that looks like a course: nbgrader_config.py and source/."""
    root = tmp_path / "course"
    (root / "source" / "a").mkdir(parents=True)
    shutil.copy(course_root() / "nbgrader_config.py", root)
    return root


def test_the_course_is_the_nearest_folder_upwards_with_a_config_and_source(course: Path) -> None:
    deep = course / "source" / "a"
    assert settings_from({}, deep).root == course
    assert settings_from({}, course).root == course


def test_a_folder_with_only_a_config_is_not_a_course(tmp_path: Path) -> None:
    """A trainee's home holds an nbgrader_config.py too; without source/ it is not a course."""
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(CourseNotFound, match="Run the command from the course folder"):
        settings_from({}, tmp_path)


def test_the_environment_names_the_course_outright(course: Path, tmp_path: Path) -> None:
    assert settings_from({"CHANGEKIT_COURSE_ROOT": str(course)}, tmp_path).root == course


def test_defaults_follow_from_the_course_folder(course: Path) -> None:
    settings = settings_from({}, course)
    assert settings.course_id == "pich-leadership"
    assert settings.state == course / "var"
    assert settings.db_url == f"sqlite:///{course / 'var' / 'gradebook.db'}"
    assert settings.exchange == course / "var" / "exchange"
    assert settings.trainee_dir == course / "var" / "trainee"
    assert settings.hub == course / "var" / "hub"
    assert settings.homes == course / "var" / "hub" / "home"
    assert settings.hub_pid_file == course / "var" / "hub" / "jupyterhub.pid"
    assert settings.hub_db_url == f"sqlite:///{course / 'var' / 'hub' / 'jupyterhub.sqlite'}"
    assert settings.data == course / "data"
    assert settings.cell_timeout == 60
    assert settings.shared_account is False
    assert (settings.port, settings.stop_seconds) == (8000, 60.0)


def test_the_environment_overrides_each_setting(course: Path, tmp_path: Path) -> None:
    env = {
        "CHANGEKIT_COURSE_ID": "other",
        "CHANGEKIT_STATE_DIR": str(tmp_path / "state"),
        "CHANGEKIT_DB_URL": "postgresql://grader@db/course",
        "CHANGEKIT_EXCHANGE": "/srv/exchange",
        "CHANGEKIT_TRAINEE_DIR": "/home/t",
        "CHANGEKIT_CELL_TIMEOUT": "15",
        "CHANGEKIT_SHARED_ACCOUNT": "1",
    }
    settings = settings_from(env, course)
    assert (settings.course_id, settings.state, settings.db_url) == (
        "other",
        tmp_path / "state",
        "postgresql://grader@db/course",
    )
    assert (settings.exchange, settings.trainee_dir) == (Path("/srv/exchange"), Path("/home/t"))
    assert (settings.cell_timeout, settings.shared_account) == (15, True)
    # The hub's folder moves its database, pid file and homes.
    hub = settings_from(
        {
            "CHANGEKIT_HUB_DIR": "/opt/pich/hub",
            "CHANGEKIT_PORT": "9000",
            "CHANGEKIT_STOP_SECONDS": "2.5",
        },
        course,
    )
    assert (hub.hub, hub.homes, hub.hub_pid_file) == (
        Path("/opt/pich/hub"),
        Path("/opt/pich/hub/home"),
        Path("/opt/pich/hub/jupyterhub.pid"),
    )
    assert hub.hub_db_url == "sqlite:////opt/pich/hub/jupyterhub.sqlite"
    assert (hub.port, hub.stop_seconds) == (9000, 2.5)
    assert settings_from({"CHANGEKIT_HOMES": "/home"}, course).homes == Path("/home")
    # A state folder moves everything that defaults to it.
    moved = settings_from({"CHANGEKIT_STATE_DIR": str(tmp_path / "s")}, course)
    assert moved.exchange == tmp_path / "s" / "exchange"
    assert moved.db_url == f"sqlite:///{tmp_path / 's' / 'gradebook.db'}"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "CHANGEKIT_CELL_TIMEOUT",
            "1.5",
            "CHANGEKIT_CELL_TIMEOUT must be a whole number, not '1.5'",
        ),
        ("CHANGEKIT_PORT", "eighty", "CHANGEKIT_PORT must be a whole number, not 'eighty'"),
        ("CHANGEKIT_STOP_SECONDS", "-1", "CHANGEKIT_STOP_SECONDS cannot be negative (-1)"),
    ],
)
def test_a_setting_that_is_not_a_number_is_named_plainly(
    course: Path, name: str, value: str, says: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(says)):
        settings_from({name: value}, course)


def test_nbgrader_config_says_what_the_settings_say(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The course's nbgrader_config.py takes every path from settings_from, so nbgrader and changekit agree."""
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", str(course / "elsewhere"))
    monkeypatch.setenv("CHANGEKIT_CELL_TIMEOUT", "7")
    config = course_config(course)
    settings = settings_from(
        {"CHANGEKIT_STATE_DIR": str(course / "elsewhere"), "CHANGEKIT_CELL_TIMEOUT": "7"}, course
    )
    assert config.CourseDirectory.root == str(settings.root)
    assert config.CourseDirectory.db_url == settings.db_url
    assert config.Exchange.root == str(settings.exchange)
    assert config.Exchange.assignment_dir == str(settings.trainee_dir)
    assert config.Execute.timeout == 7


def changekit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CHANGEKIT_")}
    return subprocess.run(
        [str(Path(sys.executable).parent / "changekit"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_changekit_grade_works_on_the_course_it_is_run_in(course: Path) -> None:
    """Run from a copy of the course, `changekit grade` looks at the copy's gradebook, not the checkout's."""
    done = changekit("grade", "a", cwd=course / "source")
    assert str(course / "var" / "gradebook.db") in done.stderr + done.stdout
    assert str(course_root()) not in done.stderr + done.stdout


def test_changekit_outside_a_course_says_where_to_run_it(tmp_path: Path) -> None:
    done = changekit("release", cwd=tmp_path)
    assert done.returncode == 1
    assert "No course folder here" in done.stderr and "CHANGEKIT_COURSE_ROOT" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_production_courses_server_env_gives_defaults_the_environment_overrides(
    course: Path,
) -> None:
    (course / "server.env").write_text(
        "# written by install.sh\nCHANGEKIT_EXCHANGE=/srv/nbgrader/exchange\n"
        "CHANGEKIT_STATE_DIR=/srv/pich/state\nOTHER=ignored\n"
    )
    settings = settings_from({}, course / "source")
    assert (settings.exchange, settings.state) == (
        Path("/srv/nbgrader/exchange"),
        Path("/srv/pich/state"),
    )
    assert settings_from({"CHANGEKIT_EXCHANGE": "/tmp/x"}, course).exchange == Path("/tmp/x")


def test_another_courses_settings_are_read_without_changing_this_processs_environment(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo and the admin commands read a course's settings for another state folder by passing an
    environment; os.environ stays as it was (other threads, and the kernel a dashboard runs in, share it)."""
    from changekit.admin.locations import locate
    from changekit.grading.gradebook import course_settings

    def refuse(*args: object) -> None:
        raise AssertionError(f"os.environ changed: {args[1:]}")

    before = dict(os.environ)
    with monkeypatch.context() as patch:
        patch.setattr(type(os.environ), "__setitem__", refuse)
        patch.setattr(type(os.environ), "__delitem__", refuse)
        graded = course_settings(course, {"CHANGEKIT_STATE_DIR": str(tmp_path / "demo")})
        found = locate(course=course, hub=tmp_path / "hub", exchange=tmp_path / "x")
    assert graded.state == tmp_path / "demo"
    assert graded.db_url == f"sqlite:///{tmp_path / 'demo' / 'gradebook.db'}"
    assert graded.submitted("t1", "a") == course / "submitted" / "t1" / "a"
    assert (found.course, found.hub, found.homes, found.exchange) == (
        course,
        tmp_path / "hub",
        tmp_path / "hub" / "home",
        tmp_path / "x",
    )
    assert dict(os.environ) == before

"""The production hub's settings (changekit.hub.production) and the spawner's limits (changekit.hub.spawner)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from changekit.hub.production import production_settings
from changekit.hub.spawner import Limits, limited, parse_size
from changekit.settings import SettingsError

BIN = Path("/opt/pich/venv/bin")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    (tmp_path / "source").mkdir()
    (tmp_path / "nbgrader_config.py").write_text("")
    return tmp_path


def test_paths_come_from_the_course_settings_and_the_hub_stays_in_the_prefix(course: Path) -> None:
    found = production_settings(
        {"CHANGEKIT_COURSE_ROOT": str(course), "CHANGEKIT_EXCHANGE": "/srv/x"}, Path("/"), BIN
    )
    assert found.course.root == course and found.course.exchange == Path("/srv/x")
    assert found.prefix == Path("/opt/pich") and found.course.hub == Path("/opt/pich/hub")
    assert found.course.hub_db_url == "sqlite:////opt/pich/hub/jupyterhub.sqlite"
    assert (found.port, found.grader, found.tutors_group) == (
        8000,
        "grader-pich-leadership",
        "formgrade-pich-leadership",
    )
    assert (
        found.limits == Limits(memory=2 * 1024**3, processes=256, cpus=1.0)
        and found.cull_timeout == 3600
    )


def test_limits_and_culling_follow_the_settings_file(course: Path) -> None:
    env = {
        "CHANGEKIT_COURSE_ROOT": str(course),
        "CHANGEKIT_MEMORY_LIMIT": "1.5G",
        "CHANGEKIT_PROCESS_LIMIT": "0",
        "CHANGEKIT_CPU_LIMIT": "0.5",
        "CHANGEKIT_CULL_TIMEOUT": "0",
    }
    found = production_settings(env, Path("/"), BIN)
    assert (
        found.limits == Limits(memory=int(1.5 * 1024**3), processes=0, cpus=0.5)
        and found.cull_timeout == 0
    )


def test_entra_needs_its_groups_and_says_which_setting_is_missing(course: Path) -> None:
    env = {
        "CHANGEKIT_COURSE_ROOT": str(course),
        "CHANGEKIT_AUTH": "entra",
        "CHANGEKIT_ENTRA_TENANT_ID": "T",
        "CHANGEKIT_OAUTH_CLIENT_ID": "c",
        "CHANGEKIT_OAUTH_CLIENT_SECRET": "s",
        "CHANGEKIT_OAUTH_CALLBACK_URL": "https://x/hub/oauth_callback",
        "CHANGEKIT_ENTRA_TUTOR_GROUPS": "A, b",
    }
    with pytest.raises(SettingsError, match="CHANGEKIT_ENTRA_TRAINEE_GROUPS is not set"):
        production_settings(env, Path("/"), BIN)
    found = production_settings({**env, "CHANGEKIT_ENTRA_TRAINEE_GROUPS": "c d"}, Path("/"), BIN)
    assert (
        found.entra is not None
        and found.entra.tutor_groups == {"a", "b"}
        and found.entra.tenant_id == "t"
    )
    assert found.entra.login_url == "https://login.microsoftonline.com"


@pytest.mark.parametrize(
    "bad", [{"CHANGEKIT_AUTH": "lti"}, {"CHANGEKIT_MEMORY_LIMIT": "lots"}, {"CHANGEKIT_PORT": "x"}]
)
def test_unusable_values_are_named(course: Path, bad: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        production_settings({"CHANGEKIT_COURSE_ROOT": str(course), **bad}, Path("/"), BIN)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("2G", 2 * 1024**3),
        ("512M", 512 * 1024**2),
        ("1.5GiB", int(1.5 * 1024**3)),
        ("4096", 4096),
        ("0", 0),
    ],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_the_preexec_function_limits_the_child_before_switching_user() -> None:
    preexec = limited(lambda: None, Limits(memory=1024**3, processes=500), None)
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import resource; print(resource.getrlimit(resource.RLIMIT_DATA)[0], "
                "resource.getrlimit(resource.RLIMIT_NPROC)[0])"
            ),
        ],
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == [str(1024**3), "500"]

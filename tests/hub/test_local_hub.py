"""The embedded default: `changekit start` gives a hub on 127.0.0.1 where trainees and the tutor log in."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.hub.conftest import Hub, hub_env, login, ports_free

pytestmark = [pytest.mark.hub, pytest.mark.xdist_group("hub")]

#: Seconds a user's server may take to start (the hub's own Spawner.start_timeout is 60 s; a busy
#: machine may need a retry through /hub/spawn's progress page).
SPAWN_SECONDS = 180


def open_server(hub: Hub, user: str):
    """Log in, start the user's server and open JupyterLab, as a browser would."""
    session = hub.session(user)
    session.get(f"{hub.url}/hub/spawn")
    deadline = time.monotonic() + SPAWN_SECONDS
    while time.monotonic() < deadline:
        page = session.get(f"{hub.url}/user/{user}/lab")
        if page.status_code == 200 and "JupyterLab" in page.text:
            return session
        time.sleep(0.5)
    raise AssertionError(
        f"waited {SPAWN_SECONDS} s for {user}'s JupyterLab at /user/{user}/lab to open, "
        f"in vain: the last answer was {page.status_code}"
    )


def test_login_page_is_served(hub: Hub) -> None:
    page = hub.session("trainee1").get(f"{hub.url}/hub/login")
    assert page.status_code == 200


def test_credentials_were_printed_once_for_every_account(hub: Hub) -> None:
    assert set(hub.passwords) == {"tutor", "trainee1", "trainee2", "trainee3"}


def test_wrong_password_is_refused(hub: Hub) -> None:
    refused = login(requests.Session(), hub.url, "trainee1", hub.passwords["trainee2"])
    assert refused.status_code == 403
    accepted = login(requests.Session(), hub.url, "trainee1", hub.passwords["trainee1"])
    assert accepted.status_code == 302


def test_trainee_gets_jupyterlab_with_the_start_page(hub: Hub) -> None:
    session = open_server(hub, "trainee1")
    contents = session.get(f"{hub.url}/user/trainee1/api/contents/00_start_here.ipynb?content=0")
    assert contents.status_code == 200


def test_trainee_cannot_open_the_formgrader(hub: Hub) -> None:
    session = open_server(hub, "trainee2")
    service = session.get(f"{hub.url}/services/{hub.course_id}/formgrader")
    assert service.status_code == 403
    own = session.get(f"{hub.url}/user/trainee2/formgrader")
    assert own.status_code == 404, "the formgrader extension must be off in trainees' servers"


def test_tutor_opens_the_formgrader_with_the_course_released(hub: Hub) -> None:
    session = hub.session("tutor")
    page = session.get(f"{hub.url}/services/{hub.course_id}/formgrader/manage_assignments")
    assert page.status_code == 200
    assert "nbgrader" in page.text
    api = session.get(f"{hub.url}/services/{hub.course_id}/formgrader/api/assignments")
    released = {a["name"]: a["status"] for a in api.json()}
    assert "quantify_a_service_problem" in released
    assert set(released.values()) == {"released"}


def test_nothing_listens_beyond_loopback(hub: Hub) -> None:
    tree = [psutil.Process(hub.process.pid)]
    tree += tree[0].children(recursive=True)
    pids = {p.pid for p in tree}
    listening = [
        c
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in pids
    ]
    assert listening, "found no listening sockets for the hub at all"
    exposed = [c.laddr for c in listening if c.laddr.ip not in ("127.0.0.1", "::1")]
    assert not exposed, f"listening beyond loopback: {exposed}"


@pytest.mark.stops_hub
def test_stop_leaves_nothing_running_and_keeps_submissions(hub: Hub) -> None:
    """Runs after every other test of the shared hub (tests/hub/conftest.py orders it last):
    `changekit stop` (what `make stop` calls) ends the whole tree."""
    tree = [
        psutil.Process(hub.process.pid),
        *psutil.Process(hub.process.pid).children(recursive=True),
    ]
    inbound = hub.state / "exchange" / hub.course_id / "inbound"
    submissions_before = sorted(p.name for p in inbound.iterdir()) if inbound.exists() else []
    stop = subprocess.run(
        [str(Path(sys.executable).parent / "changekit"), "stop"],
        env=hub_env(hub.root, hub.state, hub.port),
        capture_output=True,
        text=True,
        check=False,
    )
    assert stop.returncode == 0, stop.stdout + stop.stderr
    hub.process.wait(timeout=60)
    _, alive = psutil.wait_procs(tree, timeout=30)
    assert not alive, f"still running after stop: {[p.pid for p in alive]}"
    assert ports_free(hub.port, hub.port + 1, hub.port + 2, hub.port + 10)
    submissions_after = sorted(p.name for p in inbound.iterdir()) if inbound.exists() else []
    assert submissions_after == submissions_before, "stopping must not lose a submission"

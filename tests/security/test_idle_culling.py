"""Idle culling on the production hub: jupyterhub-idle-culler as a hub service, timeout from settings.

With a short timeout in the settings file, a trainee's server that nobody uses
is stopped by the culler; the test waits on the hub's own record of her server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hub.conftest import pick_port
from tests.security import hubapi
from tests.security.conftest import NEEDS_INSTALL, Server, production_hub, set_passwords

pytestmark = [
    pytest.mark.security,
    pytest.mark.hub,
    pytest.mark.xdist_group("security"),
    NEEDS_INSTALL,
]
TIMEOUT = 20
#: Ceiling for the culler to act: its timeout, its check interval, the server's stop, and a busy machine.
CULL_SECONDS = 300


@pytest.fixture(scope="module")
def trainee(server: Server) -> Iterator[hubapi.Trainee]:
    name = server.trainees[1]
    password = set_passwords([name])[name]
    settings = {
        "CHANGEKIT_PORT": str(pick_port()),
        "CHANGEKIT_HUB_DIR": str(server.base / "hub-culling"),
        "CHANGEKIT_CULL_TIMEOUT": str(TIMEOUT),
    }
    with production_hub(server, settings, "hub-culling") as (url, _process, _log):
        yield hubapi.log_in(url, name, password)


def test_the_culler_runs_as_a_hub_service(trainee: hubapi.Trainee) -> None:
    services = trainee.api("GET", "/services")
    assert services.status_code == 200
    assert "idle-culler" in services.json()


def test_an_idle_server_is_stopped_by_the_culler(trainee: hubapi.Trainee) -> None:
    hubapi.start_server(trainee)
    assert trainee.server_model()["ready"]
    hubapi.wait_for(
        lambda: trainee.server_model() is None, "the culler to stop the idle server", CULL_SECONDS
    )
    assert trainee.api("GET", f"/users/{trainee.name}").json()["servers"] == {}

"""``changekit forget --hub-url``: the hub's user deleted through a real JupyterHub's REST API.

A JupyterHub 6 is started on loopback with two service tokens: one with the
``admin:users`` scope, one without. The trainee is created through the API,
forgotten, and the hub then answers 404 for them; the weak token is refused
with a plain message and exit code 1, and nothing is erased.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from changekit.cli import main
from tests.admin.conftest import FORGOTTEN, Graded, copy_of, location_options
from tests.hub.conftest import answers, pick_port, wait_until

pytestmark = [
    pytest.mark.hub,
    pytest.mark.lifecycle,
    pytest.mark.xdist_group("admin-graded-course"),
]


@dataclass(frozen=True)
class RealHub:
    url: str
    admin_token: str
    weak_token: str
    db_url: str

    def user_status(self, name: str) -> int:
        return requests.get(
            f"{self.url}/hub/api/users/{name}",
            timeout=30,
            headers={"Authorization": f"token {self.admin_token}"},
        ).status_code


def hub_config(folder: Path, port: int, admin_token: str, weak_token: str) -> str:
    """A minimal JupyterHub config: loopback, the Python proxy, two service tokens."""
    bin_dir = Path(sys.executable).parent
    return f"""
c = get_config()
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {port + 2}
c.ConfigurableHTTPProxy.command = [{str(bin_dir / "configurable-http-proxy")!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{port + 1}"
c.JupyterHub.db_url = "sqlite:///{folder / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(folder / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(folder / "jupyterhub.pid")!r}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.services = [
    {{"name": "data-protection", "api_token": {admin_token!r}}},
    {{"name": "read-only", "api_token": {weak_token!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "erase-users", "scopes": ["admin:users"], "services": ["data-protection"]}},
    {{"name": "look", "scopes": ["read:users:name"], "services": ["read-only"]}},
]
"""


@pytest.fixture(scope="module")
def real_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealHub]:
    folder = tmp_path_factory.mktemp("realhub")
    port = pick_port()
    admin_token, weak_token = secrets.token_hex(16), secrets.token_hex(16)
    (folder / "jupyterhub_config.py").write_text(hub_config(folder, port, admin_token, weak_token))
    log = folder / "hub.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", "jupyterhub_config.py"],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: answers(f"{url}/hub/api"), f"the hub's API at {url}/hub/api", 300, process, log
        )
        yield RealHub(url, admin_token, weak_token, f"sqlite:///{folder / 'jupyterhub.sqlite'}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def base(graded: Graded, tmp_path: Path, real_hub: RealHub) -> Path:
    """A copy of the graded course whose hub is the real one (its own hub database left out)."""
    copy = copy_of(graded, tmp_path)
    (copy / "hub" / "jupyterhub.sqlite").unlink()
    created = requests.post(
        f"{real_hub.url}/hub/api/users/{FORGOTTEN}",
        timeout=30,
        headers={"Authorization": f"token {real_hub.admin_token}"},
    )
    assert created.status_code == 201, created.text
    return copy


def test_the_hub_user_is_deleted_through_the_rest_api(
    base: Path,
    real_hub: RealHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHANGEKIT_HUB_TOKEN", real_hub.admin_token)
    assert real_hub.user_status(FORGOTTEN) == 200
    argv = [
        "forget",
        FORGOTTEN,
        "--yes",
        "--hub-url",
        real_hub.url,
        "--hub-db-url",
        real_hub.db_url,
    ]
    assert main([*argv, *location_options(base)]) == 0
    report = capsys.readouterr().out
    assert f"hub user '{FORGOTTEN}' (via the hub's REST API" in report.split("Removed")[1]
    assert real_hub.user_status(FORGOTTEN) == 404
    assert "Still mentioning" not in report


def test_a_token_without_the_scope_is_refused_plainly(
    base: Path,
    real_hub: RealHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHANGEKIT_HUB_TOKEN", real_hub.weak_token)
    argv = [
        "forget",
        FORGOTTEN,
        "--yes",
        "--hub-url",
        real_hub.url,
        "--hub-db-url",
        real_hub.db_url,
    ]
    assert main([*argv, *location_options(base)]) == 1
    err = capsys.readouterr().err
    assert "admin:users" in err and "Traceback" not in err
    assert real_hub.user_status(FORGOTTEN) == 200
    assert (base / "course" / "submitted" / FORGOTTEN).is_dir(), (
        "nothing may be erased when the hub refuses"
    )

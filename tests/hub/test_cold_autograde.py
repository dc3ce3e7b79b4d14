"""The first Autograde in a freshly started grading service succeeds in the formgrader.

It used to fail: the hub's proxy (the Python configurable-http-proxy) gave up
after tornado's default 20 s while a cold Autograde took about 33 s, and the
formgrader said "There was an error autograding". The fix has two parts, each
tested here: the proxy waits 10 minutes (both hub configs), and the service
warms up as it starts. The last test does the real thing: a cold service,
reached through the hub as the tutor's browser reaches it.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from tornado.httpclient import HTTPRequest

from changekit.grading import sandbox
from changekit.grading.recovery import add_emailed_submission
from changekit.hub import service
from changekit.paths import course_root
from tests.hub.conftest import Hub

#: Ten times the cold Autograde seen (33 s), rounded up: the proxy must wait at least this long.
LEAST_PROXY_TIMEOUT_MS = 600_000
ASSIGNMENT = "quantify_a_service_problem"


@pytest.mark.parametrize(
    "config", ["deploy/local/jupyterhub_config.py", "deploy/production/jupyterhub_config.py"]
)
def test_the_proxy_waits_for_a_slow_formgrader(config: str) -> None:
    # The cause: without --proxy-timeout the Python proxy passes no request timeout, so tornado's 20 s applies.
    assert HTTPRequest._DEFAULTS["request_timeout"] == 20.0
    text = (course_root() / config).read_text()
    found = re.search(r"--proxy-timeout=(\d+)", text)
    assert found, (
        f"{config} starts the proxy without --proxy-timeout: a cold Autograde fails after 20 s"
    )
    assert int(found.group(1)) >= LEAST_PROXY_TIMEOUT_MS


def test_warm_up_loads_grading_checks_the_sandbox_and_builds_the_font_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    sandbox._why_not.cache_clear()
    service.warm_up()
    assert sandbox._why_not.cache_info().currsize == 1, (
        "the sandbox was not checked ahead of the first Autograde"
    )
    assert "nbgrader.converters.autograde" in sys.modules
    assert list((tmp_path / "mpl").glob("fontlist-*.json")), (
        "no font list for the sandboxed kernels to copy"
    )


def test_the_grading_service_starts_warming_up_when_it_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(service, "warm_up", lambda: calls.append("warm") or 0.0)
    started: list[object] = []
    real = service._warm_up_in_background
    monkeypatch.setattr(
        service, "_warm_up_in_background", lambda log: started.append(real(log)) or started[-1]
    )
    app = SimpleNamespace(
        web_app=SimpleNamespace(settings={"base_url": "/"}, add_handlers=lambda *args: None),
        log=logging.getLogger("test"),
    )
    service._load_jupyter_server_extension(app)
    started[0].join(timeout=60)
    assert calls == ["warm"]


@pytest.mark.hub
@pytest.mark.xdist_group("hub")
def test_a_cold_autograde_in_the_formgrader_through_the_hub_succeeds(hub: Hub) -> None:
    release = hub.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    add_emailed_submission(
        ASSIGNMENT,
        "trainee1",
        release.name,
        release.read_bytes(),
        datetime.now(UTC) - timedelta(minutes=5),
        root=hub.root,
        env={"CHANGEKIT_STATE_DIR": str(hub.state)},
    )
    session = hub.session("tutor")
    base = f"{hub.url}/services/{hub.course_id}/formgrader"
    assert session.get(f"{base}/manage_submissions/{ASSIGNMENT}").status_code == 200
    # The hub and the service each set an _xsrf cookie; the service checks its own.
    tokens = {cookie.path: cookie.value for cookie in session.cookies if cookie.name == "_xsrf"}
    token = next(
        (value for path, value in tokens.items() if path.startswith(f"/services/{hub.course_id}")),
        tokens.get("/", ""),
    )
    answer = session.post(
        f"{base}/api/submission/{ASSIGNMENT}/trainee1/autograde",
        headers={"X-XSRFToken": token},
        timeout=900,
    )
    assert answer.status_code == 200, (
        f"the formgrader's Autograde failed: {answer.status_code} {answer.text[:300]}"
    )
    assert answer.json()["success"], answer.json().get("error", "")[-2000:]

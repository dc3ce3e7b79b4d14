"""A trainee's way through the hub's and her server's REST APIs, and a kernel over its websocket.

What JupyterLab does in the browser, done with requests and tornado: log in,
start the server and wait until the hub says it is ready, take an API token,
start a kernel and run code in it over ``/api/kernels/<id>/channels``.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

#: Ceiling for a user's server to be ready (the hub's own start_timeout is 120 s).
SERVER_SECONDS = 300
#: Ceiling for one piece of code to finish in a kernel.
RUN_SECONDS = 120


@dataclass
class Trainee:
    """A logged-in user: her hub session, API token and the URL of her server."""

    hub: str
    name: str
    session: requests.Session
    token: str = ""

    @property
    def server(self) -> str:
        return f"{self.hub}/user/{self.name}"

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A hub API request with her token."""
        return self.session.request(
            method,
            f"{self.hub}/hub/api{path}",
            timeout=60,
            headers={"Authorization": f"token {self.token}"},
            **kwargs,
        )

    def server_model(self) -> dict[str, Any] | None:
        """The hub's record of her default server (None when she has none running)."""
        return self.api("GET", f"/users/{self.name}").json().get("servers", {}).get("")


def log_in(hub: str, name: str, password: str, verify: bool | str = True) -> Trainee:
    """Post the login form (with its XSRF token) and take an API token through the hub's API."""
    session = requests.Session()
    session.verify = verify
    session.trust_env = (
        False  # else REQUESTS_CA_BUNDLE, where set, wins over ``verify``; all is on loopback
    )
    page = session.get(f"{hub}/hub/login", timeout=60)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    done = session.post(
        f"{hub}/hub/login",
        data={"username": name, "password": password, "_xsrf": xsrf.group(1) if xsrf else ""},
        allow_redirects=False,
        timeout=60,
    )
    assert done.status_code == 302, f"login of {name} answered {done.status_code}"
    made = session.post(
        f"{hub}/hub/api/users/{name}/tokens",
        json={"note": "test"},
        timeout=60,
        headers={"X-XSRFToken": session.cookies.get("_xsrf", "")},
    )
    assert made.status_code == 201, f"token for {name}: {made.status_code} {made.text[:300]}"
    return Trainee(hub, name, session, made.json()["token"])


def wait_for(condition: Any, what: str, seconds: float) -> Any:
    """Poll ``condition`` until it returns something true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"waited {seconds:.0f} s for {what}, in vain"
        time.sleep(0.5)
    return found


def start_server(trainee: Trainee) -> None:
    """Ask the hub to start her server and wait until the hub reports it ready."""
    asked = trainee.api("POST", f"/users/{trainee.name}/server")
    assert asked.status_code in (201, 202, 400), f"start: {asked.status_code} {asked.text[:300]}"
    wait_for(
        lambda: (trainee.server_model() or {}).get("ready"),
        f"{trainee.name}'s server to be ready",
        SERVER_SECONDS,
    )


def start_kernel(trainee: Trainee) -> str:
    """A new python3 kernel on her server; its id."""
    made = trainee.session.post(
        f"{trainee.server}/api/kernels",
        json={"name": "python3"},
        timeout=120,
        headers={"Authorization": f"token {trainee.token}"},
    )
    assert made.status_code == 201, f"kernel start: {made.status_code} {made.text[:300]}"
    return made.json()["id"]


def execute_request(code: str) -> dict[str, Any]:
    msg_id = uuid.uuid4().hex
    return {
        "header": {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "username": "test",
            "session": uuid.uuid4().hex,
            "version": "5.3",
            "date": "",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "buffers": [],
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    }


async def _run(
    url: str, token: str, code: str, ssl_context: ssl.SSLContext | None
) -> dict[str, Any]:
    request = HTTPRequest(
        url,
        headers={"Authorization": f"token {token}"},
        ssl_options=ssl_context,
        connect_timeout=60,
        request_timeout=RUN_SECONDS,
    )
    connection = await websocket_connect(request)
    message = execute_request(code)
    connection.write_message(json.dumps(message))
    result: dict[str, Any] = {"stdout": "", "error": None, "status": None}
    try:
        while result["status"] is None or not result.get("idle"):
            raw = await asyncio.wait_for(connection.read_message(), RUN_SECONDS)
            assert raw is not None, "the kernel's websocket closed"
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != message["header"]["msg_id"]:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "stream":
                result["stdout"] += content.get("text", "")
            elif kind == "error":
                result["error"] = content["ename"]
            elif kind == "execute_reply":
                result["status"] = content["status"]
            elif kind == "status" and content.get("execution_state") == "idle":
                result["idle"] = True
    finally:
        connection.close()
    return result


def run_code(
    trainee: Trainee, kernel: str, code: str, ssl_context: ssl.SSLContext | None = None
) -> dict[str, Any]:
    """Run ``code`` in ``kernel`` through the kernel's websocket (wss:// behind TLS); what it printed and raised."""
    base = trainee.server.replace("https://", "wss://").replace("http://", "ws://")
    return asyncio.run(
        _run(f"{base}/api/kernels/{kernel}/channels", trainee.token, code, ssl_context)
    )

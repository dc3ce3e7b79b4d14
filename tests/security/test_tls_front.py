"""The TLS front (deploy/production/nginx.conf) in front of the production hub, on loopback.

nginx from Debian is started with the example site, filled in by the very
command the admin guide gives, and a self-signed certificate; a trainee then
logs in over https, starts her server and a kernel through the REST API, and
runs code over the kernel's websocket (wss://). Plain http only redirects, and
every answer carries HSTS.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from changekit.paths import course_root
from tests.hub.conftest import pick_port, wait_until
from tests.security import hubapi
from tests.security.conftest import (
    NEEDS_INSTALL,
    Server,
    production_hub,
    set_passwords,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.security,
    pytest.mark.hub,
    pytest.mark.xdist_group("security"),
    NEEDS_INSTALL,
    pytest.mark.skipif(
        not Path(NGINX).exists() or not shutil.which("openssl"),
        reason="needs Debian's nginx and openssl (make debian-packages)",
    ),
]
GUIDE = course_root() / "deploy" / "production" / "README.md"
SITE = "/etc/nginx/sites-available/pich"


def guide_command() -> str:
    """The admin guide's command that fills in the example site (the block that writes SITE)."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    found = [block for block in blocks if f"> {SITE}" in block]
    assert found, f"no command writing {SITE} in {GUIDE}"
    return found[0]


@dataclass
class Front:
    url: str
    cert: Path
    http_port: int
    name: str

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port`` now."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def main_config(base: Path, site: Path) -> str:
    """nginx's own nginx.conf for the test: in the foreground, every file of its own in ``base``."""
    return f"""daemon off;
user nobody nogroup;
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log {base}/nginx-access.log;
    client_body_temp_path {base}/tmp/body;
    proxy_temp_path {base}/tmp/proxy;
    fastcgi_temp_path {base}/tmp/fastcgi;
    uwsgi_temp_path {base}/tmp/uwsgi;
    scgi_temp_path {base}/tmp/scgi;
    include {site};
}}
"""


@pytest.fixture(scope="module")
def front(server: Server) -> Iterator[tuple[Front, str, str]]:
    base = server.base / "tls"
    (base / "tmp").mkdir(parents=True)
    shutil.chown(base / "tmp", "nobody")
    cert, key = base / "cert.pem", base / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    hub_port, https_port, http_port = pick_port(), pick_port(), pick_port()
    site = base / "pich-site.conf"
    variables = {
        "HOST": "localhost",
        "HUB_PORT": str(hub_port),
        "HTTPS_PORT": str(https_port),
        "HTTP_PORT": str(http_port),
        "CERT": str(cert),
        "KEY": str(key),
        "PATH": "/usr/sbin:/usr/bin:/bin",
    }
    command = guide_command().replace(f"> {SITE}", f"> {site}")
    command = "\n".join(
        line for line in command.splitlines() if not re.match(r"^[A-Z_]+=", line)
    )  # ours, not its examples
    subprocess.run(["bash", "-euc", command], cwd=course_root(), env=variables, check=True)
    config = base / "nginx.conf"
    config.write_text(main_config(base, site))
    checked = subprocess.run(
        [NGINX, "-t", "-c", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    name = server.tutor
    password = set_passwords([name])[name]
    with production_hub(
        server,
        {
            "CHANGEKIT_PORT": str(hub_port),
            "CHANGEKIT_HUB_DIR": str(base / "hub"),
            "CHANGEKIT_CULL_TIMEOUT": "0",
        },
        "hub-tls",
    ):
        log = base / "nginx-out.log"
        with log.open("w") as out:
            nginx = subprocess.Popen(
                [NGINX, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT
            )
        url = f"https://127.0.0.1:{https_port}"
        try:
            wait_until(lambda: listening(https_port), "nginx to listen", 60, nginx, log)
            yield Front(url, cert, http_port, name), name, password
        finally:
            nginx.terminate()
            nginx.wait(timeout=60)


def test_login_page_over_https_with_hsts(front) -> None:
    tls, _, _ = front
    page = requests.get(f"{tls.url}/hub/login", verify=str(tls.cert), timeout=60)
    assert page.status_code == 200 and "password" in page.text
    assert re.fullmatch(r"max-age=\d{7,}", page.headers["Strict-Transport-Security"])


def test_plain_http_only_redirects_to_https(front) -> None:
    tls, _, _ = front
    answer = requests.get(
        f"http://127.0.0.1:{tls.http_port}/hub/login", allow_redirects=False, timeout=60
    )
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://127.0.0.1:")


def test_log_in_start_a_kernel_and_run_code_over_its_websocket(front) -> None:
    tls, name, password = front
    person = hubapi.log_in(tls.url, name, password, verify=str(tls.cert))
    assert person.session.cookies.get("jupyterhub-hub-login") is not None
    hubapi.start_server(person)
    kernel = hubapi.start_kernel(person)
    ran = hubapi.run_code(person, kernel, "print(6 * 7)", ssl_context=tls.ssl_context())
    assert ran["error"] is None and ran["stdout"].strip() == "42", ran

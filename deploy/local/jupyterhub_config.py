"""The embedded default: the whole course on one machine, on 127.0.0.1.

Started by ``make start`` (``changekit start``) with the hub's state folder as the
working directory. No system users: every server runs as the account that
started the hub, so this is for a pilot or a tutor trying the course, not for
trainees who must be isolated from each other (see deploy/production).

- Logins: the generated accounts in ``<state>/hub/accounts.json``.
- Trainees (and the tutor's own server) get JupyterLab with the Assignments tab;
  the formgrader and assignment-creation tools are switched off there.
- The formgrader runs as a hub service named after the course, in the course
  folder; only the ``formgrade-<course>`` group (the tutor) may open it.
"""

import json
import os
import sys
from pathlib import Path

from changekit.hub.service import grading_service_command
from changekit.settings import settings_from

c = get_config()  # noqa: F821

BIN = Path(sys.executable).parent
SETTINGS = settings_from(os.environ, Path.cwd())
ROOT, STATE, HUB, COURSE = SETTINGS.root, SETTINGS.state, SETTINGS.hub, SETTINGS.course_id
PORT = int(os.environ.get("CHANGEKIT_PORT", "8000"))
SERVICE_PORT = int(os.environ.get("CHANGEKIT_SERVICE_PORT", "8010"))
accounts = json.loads((HUB / "accounts.json").read_text())
tutors = sorted(name for name, a in accounts.items() if a["role"] == "tutor")
trainees = sorted(name for name, a in accounts.items() if a["role"] == "trainee")

# The hub, on loopback only, with the Python proxy (no Node.js needed).
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 2
# The proxy waits up to 10 minutes for an answer (its default, 20 s, turns a slow formgrader
# action such as a cold Autograde into a false error while the work goes on behind it).
c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy"), "--proxy-timeout=600000"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.JupyterHub.db_url = SETTINGS.hub_db_url
c.JupyterHub.cookie_secret_file = str(HUB / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Logins
c.JupyterHub.authenticator_class = "changekit.hub.auth.GeneratedAccountsAuthenticator"
c.GeneratedAccountsAuthenticator.accounts_folder = str(HUB)
c.Authenticator.allowed_users = set(accounts)
c.Authenticator.admin_users = set()

# Every user's own server: JupyterLab in their home folder under the state folder.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(HUB / "home" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/00_start_here.ipynb"
c.Spawner.environment = {
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "JUPYTER_CONFIG_PATH": str(HUB / "user-config"),
    "CHANGEKIT_HUB": "1",
}
c.Spawner.args = ["--LabApp.news_url=None"] + (["--allow-root"] if os.geteuid() == 0 else [])
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 60

# The course's grading server: the formgrader, run in the course folder.
service_env = {
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "CHANGEKIT_COURSE_ROOT": str(ROOT),
    "CHANGEKIT_STATE_DIR": str(STATE),
    # One OS account runs every server here, so submissions cannot be owned by trainees.
    "CHANGEKIT_SHARED_ACCOUNT": "1",
    "JUPYTER_DATA_DIR": str(STATE / "jupyter" / "data"),
    "JUPYTERHUB_DEFAULT_URL": "/lab",
}
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        # Hardened for trainees' HTML: strict CSP, no terminals, files as downloads (changekit/hub/service.py).
        "command": grading_service_command(BIN) + (["--allow-root"] if os.geteuid() == 0 else []),
        "cwd": str(ROOT),
        "environment": service_env,
        "oauth_no_confirm": True,
    }
]

# Groups as nbgrader's JupyterHub integration names them, and who may open the formgrader.
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": {"users": tutors},
    f"nbgrader-{COURSE}": {"users": trainees},
}
c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [f"access:services!service={COURSE}", "list:services", f"read:services!service={COURSE}"],
    },
    {
        "name": f"nbgrader-{COURSE}",
        "groups": [f"nbgrader-{COURSE}"],
        "scopes": ["list:services", f"read:services!service={COURSE}"],
    },
]

"""Production on one server: real system users, so the exchange isolates trainees.

Installed by deploy/production/install.sh into $PREFIX/etc and run by the
systemd unit beside it (as root, which JupyterHub needs to start servers as
each user). Settings come from $PREFIX/etc/pich.env (root-only). Local changes
go in $PREFIX/etc/jupyterhub_config_local.py, which is read last and which
install.sh never touches; this file is replaced by every run of install.sh.

Logins (choose one with CHANGEKIT_AUTH):
- ``pam`` (default): the server's own accounts and passwords. Members of the
  Unix group ``formgrade-<course>`` are tutors (the formgrader), members of
  ``nbgrader-<course>`` trainees (CHANGEKIT_TUTORS_GROUP, CHANGEKIT_TRAINEES_GROUP);
  the hub copies these two groups into its own groups at every login.
- ``entra``: Microsoft Entra ID (Azure AD) through oauthenticator
  (``$PREFIX/venv/bin/pip install oauthenticator``); set
  CHANGEKIT_ENTRA_TENANT_ID, CHANGEKIT_OAUTH_CLIENT_ID, CHANGEKIT_OAUTH_CLIENT_SECRET
  and CHANGEKIT_OAUTH_CALLBACK_URL (https://<your host>/hub/oauth_callback).
  Not yet tested here: see the admin guide for what is missing.

The hub listens on 127.0.0.1 only: put a TLS reverse proxy (nginx, Caddy) in
front of it for trainees.
"""

import os
import sys
from pathlib import Path

from changekit.hub.service import grading_service_command

c = get_config()  # noqa: F821

BIN = Path(sys.executable).parent
PREFIX = Path(os.environ.get("CHANGEKIT_PREFIX", BIN.parent.parent))
COURSE = os.environ.get("CHANGEKIT_COURSE_ID", "pich-leadership")
COURSE_ROOT = os.environ["CHANGEKIT_COURSE_ROOT"]
GRADER = os.environ.get("CHANGEKIT_GRADER", f"grader-{COURSE}")
PORT = int(os.environ.get("CHANGEKIT_PORT", "8000"))
# The hub's own state (database, cookie secret): root-only, away from the course
# folder, which the grader account (running trainees' code when grading) owns.
HUB_DIR = Path(os.environ.get("CHANGEKIT_HUB_DIR", PREFIX / "hub"))
# Unix groups (made by install.sh) and hub groups of the same names: tutors and trainees.
TUTORS = os.environ.get("CHANGEKIT_TUTORS_GROUP", f"formgrade-{COURSE}")
TRAINEES = os.environ.get("CHANGEKIT_TRAINEES_GROUP", f"nbgrader-{COURSE}")

c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 2
# The proxy waits up to 10 minutes for an answer (its default, 20 s, turns a slow formgrader
# action such as a cold Autograde into a false error while the work goes on behind it).
c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy"), "--proxy-timeout=600000"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
# SQLite by default; PostgreSQL with CHANGEKIT_HUB_DB_URL=postgresql+psycopg://user:password@host/db
c.JupyterHub.db_url = os.environ.get("CHANGEKIT_HUB_DB_URL") or f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")

# Every trainee's and tutor's server runs as their own system account, in their
# home, opening on the start-here notebook install.sh put there. Their Jupyter
# settings (course, exchange; no formgrader or assignment-creation tools) come
# from $PREFIX/etc/user-config, written by install.sh.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/00_start_here.ipynb"
c.Spawner.environment = {"PATH": f"{BIN}:/usr/bin:/bin", "JUPYTER_CONFIG_PATH": str(PREFIX / "etc" / "user-config")}
c.Spawner.http_timeout = 90
c.Spawner.start_timeout = 120

auth = os.environ.get("CHANGEKIT_AUTH", "pam")
if auth == "pam":
    c.JupyterHub.authenticator_class = "changekit.hub.auth.CourseGroupsPAMAuthenticator"
    c.CourseGroupsPAMAuthenticator.course_groups = {TUTORS, TRAINEES}
    c.Authenticator.allowed_groups = {TUTORS, TRAINEES}
elif auth == "entra":
    c.JupyterHub.authenticator_class = "oauthenticator.azuread.LocalAzureAdOAuthenticator"
    c.AzureAdOAuthenticator.tenant_id = os.environ["CHANGEKIT_ENTRA_TENANT_ID"]
    c.AzureAdOAuthenticator.client_id = os.environ["CHANGEKIT_OAUTH_CLIENT_ID"]
    c.AzureAdOAuthenticator.client_secret = os.environ["CHANGEKIT_OAUTH_CLIENT_SECRET"]
    c.AzureAdOAuthenticator.oauth_callback_url = os.environ["CHANGEKIT_OAUTH_CALLBACK_URL"]
    c.AzureAdOAuthenticator.username_claim = "upn"
    c.LocalAzureAdOAuthenticator.create_system_users = True
    c.Authenticator.allow_existing_users = True
else:
    raise ValueError(f"CHANGEKIT_AUTH must be pam or entra, not {auth!r}")

# The formgrader: a hub service named after the course, run as the grader account
# in the course folder; only the tutors' group may open it.
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{PORT + 10}",
        # Hardened for trainees' HTML: strict CSP, no terminals, files as downloads (changekit/hub/service.py).
        "command": grading_service_command(BIN),
        "user": GRADER,
        "cwd": COURSE_ROOT,
        "environment": {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "CHANGEKIT_COURSE_ROOT": COURSE_ROOT,
            "CHANGEKIT_EXCHANGE": os.environ.get("CHANGEKIT_EXCHANGE", "/srv/nbgrader/exchange"),
            "CHANGEKIT_STATE_DIR": os.environ.get("CHANGEKIT_STATE_DIR", f"{COURSE_ROOT}/var"),
            # The gradebook, when the admin moved it to PostgreSQL (pich.env).
            **{name: os.environ[name] for name in ("CHANGEKIT_DB_URL",) if os.environ.get(name)},
            "JUPYTERHUB_DEFAULT_URL": "/lab",
        },
        "oauth_no_confirm": True,
    }
]
c.JupyterHub.load_roles = [
    {
        "name": TUTORS,
        "groups": [TUTORS],
        "scopes": [f"access:services!service={COURSE}", "list:services", f"read:services!service={COURSE}"],
    },
    {
        "name": TRAINEES,
        "groups": [TRAINEES],
        "scopes": ["list:services", f"read:services!service={COURSE}"],
    },
]

LOCAL = PREFIX / "etc" / "jupyterhub_config_local.py"
if LOCAL.exists():
    load_subconfig(str(LOCAL))  # noqa: F821

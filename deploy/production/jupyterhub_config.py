"""Production on one server: real system users, so the exchange isolates trainees.

Installed by deploy/production/install.sh into $PREFIX/etc and run by the
systemd unit beside it (as root, which JupyterHub needs to start servers as
each user). Settings come from $PREFIX/etc/pich.env.

Logins (choose one with CHANGEKIT_AUTH):
- ``pam`` (default): the server's own accounts and passwords.
- ``entra``: Microsoft Entra ID (Azure AD), as NHS organisations use, through
  oauthenticator (``$PREFIX/venv/bin/pip install oauthenticator``); set
  CHANGEKIT_ENTRA_TENANT_ID, CHANGEKIT_OAUTH_CLIENT_ID, CHANGEKIT_OAUTH_CLIENT_SECRET
  and CHANGEKIT_OAUTH_CALLBACK_URL (https://<your host>/hub/oauth_callback).
  System accounts are created at first login.
- ``lti``: LTI 1.3 from a learning platform (Moodle, Canvas, ...) through
  ltiauthenticator (``pip install jupyterhub-ltiauthenticator``); see
  deploy/README.md.

The hub listens on 127.0.0.1 only: put a TLS reverse proxy (nginx, Caddy) in
front of it for trainees.
"""

import os
import sys
from pathlib import Path

from changekit.hub.service import grading_service_command

c = get_config()  # noqa: F821

BIN = Path(sys.executable).parent
COURSE = os.environ.get("CHANGEKIT_COURSE_ID", "pich-leadership")
COURSE_ROOT = os.environ["CHANGEKIT_COURSE_ROOT"]
GRADER = os.environ.get("CHANGEKIT_GRADER", f"grader-{COURSE}")
PORT = int(os.environ.get("CHANGEKIT_PORT", "8000"))
STATE = Path(os.environ.get("CHANGEKIT_STATE_DIR", "/srv/pich/hub"))

c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

# Every trainee's and tutor's server runs as their own system account, in their home.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"PATH": f"{BIN}:/usr/bin:/bin"}
c.Spawner.args = ["--LabApp.news_url=None"]
# Trainees do not get the formgrader: it is enabled only in the course service below.
c.Spawner.args += [
    '--ServerApp.jpserver_extensions={"nbgrader.server_extensions.formgrader": false, '
    '"nbgrader.server_extensions.course_list": false}'
]

auth = os.environ.get("CHANGEKIT_AUTH", "pam")
if auth == "pam":
    c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
    c.Authenticator.allowed_groups = {f"formgrade-{COURSE}", f"nbgrader-{COURSE}"}
elif auth == "entra":
    c.JupyterHub.authenticator_class = "oauthenticator.azuread.LocalAzureAdOAuthenticator"
    c.AzureAdOAuthenticator.tenant_id = os.environ["CHANGEKIT_ENTRA_TENANT_ID"]
    c.AzureAdOAuthenticator.client_id = os.environ["CHANGEKIT_OAUTH_CLIENT_ID"]
    c.AzureAdOAuthenticator.client_secret = os.environ["CHANGEKIT_OAUTH_CLIENT_SECRET"]
    c.AzureAdOAuthenticator.oauth_callback_url = os.environ["CHANGEKIT_OAUTH_CALLBACK_URL"]
    c.AzureAdOAuthenticator.username_claim = "upn"
    c.LocalAzureAdOAuthenticator.create_system_users = True
    c.Authenticator.allow_existing_users = True
elif auth == "lti":
    c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
    c.LTI13Authenticator.issuer = os.environ["CHANGEKIT_LTI_ISSUER"]
    c.LTI13Authenticator.client_id = [os.environ["CHANGEKIT_LTI_CLIENT_ID"]]
    c.LTI13Authenticator.authorize_url = os.environ["CHANGEKIT_LTI_AUTHORIZE_URL"]
    c.LTI13Authenticator.jwks_endpoint = os.environ["CHANGEKIT_LTI_JWKS_URL"]
    c.Authenticator.allow_all = True
else:
    raise ValueError(f"CHANGEKIT_AUTH must be pam, entra or lti, not {auth!r}")

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
            "JUPYTERHUB_DEFAULT_URL": "/lab",
        },
        "oauth_no_confirm": True,
    }
]
c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [f"access:services!service={COURSE}", "list:services", f"read:services!service={COURSE}"],
    },
]
# With PAM the hub reads membership of these groups from the system's groups.
c.PAMAuthenticator.admin_groups = set()
c.Authenticator.manage_groups = False

"""Production on one server: real system users, so the exchange isolates trainees.

Installed by deploy/production/install.sh into $PREFIX/etc and run by the
systemd unit beside it (as root, which JupyterHub needs to start servers as
each user). Settings come from $PREFIX/etc/pich.env (root-only), read by
changekit/hub/production.py, which lists every name. Local changes
go in $PREFIX/etc/jupyterhub_config_local.py, which is read last and which
install.sh never touches; this file is replaced by every run of install.sh.

Logins (choose one with CHANGEKIT_AUTH):
- ``pam`` (default): the server's own accounts and passwords. Members of the
  Unix group ``formgrade-<course>`` are tutors (the formgrader), members of
  ``nbgrader-<course>`` trainees (CHANGEKIT_TUTORS_GROUP, CHANGEKIT_TRAINEES_GROUP);
  the hub copies these two groups into its own groups at every login.
- ``entra``: Microsoft Entra ID (OpenID Connect, oauthenticator's AzureAdOAuthenticator):
  members of the Entra groups CHANGEKIT_ENTRA_TRAINEE_GROUPS and
  CHANGEKIT_ENTRA_TUTOR_GROUPS may log in, the tutors' groups open the formgrader, and
  each login gets a system account with a safe name; see deploy/production/README.md.

Per-trainee memory, process and CPU limits (the spawner) and idle culling
(jupyterhub-idle-culler) come from the settings file too.

The hub listens on 127.0.0.1 only: put the TLS front (deploy/production/nginx.conf)
in front of it for trainees.
"""

import os
import sys
from pathlib import Path

from changekit.hub.production import production_settings
from changekit.hub.service import grading_service_command

c = get_config()  # noqa: F821

BIN = Path(sys.executable).parent
# Every path from changekit.settings (as for every changekit command), the rest from the
# settings file (pich.env), read in one place: changekit/hub/production.py lists each name.
SETTINGS = production_settings(os.environ, Path.cwd(), BIN)
COURSE = SETTINGS.course.course_id
COURSE_ROOT = str(SETTINGS.course.root)
PORT = SETTINGS.port
# The hub's own state (database, cookie secret): root-only, away from the course
# folder, which the grader account (running trainees' code when grading) owns.
HUB_DIR = SETTINGS.course.hub
# Hub groups (and, with PAM, Unix groups made by install.sh) of tutors and trainees.
TUTORS, TRAINEES = SETTINGS.tutors_group, SETTINGS.trainees_group

c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 2
# The proxy waits up to 10 minutes for an answer (its default, 20 s, turns a slow formgrader
# action such as a cold Autograde into a false error while the work goes on behind it).
# A TLS front in front of the hub waits as long (deploy/production/nginx.conf).
c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy"), "--proxy-timeout=600000"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
# SQLite by default; PostgreSQL with CHANGEKIT_HUB_DB_URL=postgresql+psycopg://user:password@host/db
c.JupyterHub.db_url = SETTINGS.course.hub_db_url
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")

# Every trainee's and tutor's server runs as their own system account, in their
# home, opening on the start-here notebook (put there by install.sh, or by the
# spawner for an account made at first login). Their Jupyter settings (course,
# exchange; no formgrader or assignment-creation tools) come from
# $PREFIX/etc/user-config, written by install.sh. Memory, processes and CPU are
# limited per trainee by the spawner (changekit/hub/spawner.py: rlimits and a
# CPU cgroup; no systemd needed).
c.JupyterHub.spawner_class = "changekit.hub.spawner.LimitedSpawner"
c.LimitedSpawner.memory_limit_bytes = SETTINGS.limits.memory
c.LimitedSpawner.process_limit = SETTINGS.limits.processes
c.LimitedSpawner.cpu_limit_cores = SETTINGS.limits.cpus
c.LimitedSpawner.start_page = f"{COURSE_ROOT}/notebooks/00_start_here.ipynb"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/00_start_here.ipynb"
c.Spawner.environment = {"PATH": f"{BIN}:/usr/bin:/bin", "JUPYTER_CONFIG_PATH": str(SETTINGS.prefix / "etc" / "user-config")}
c.Spawner.http_timeout = 90
c.Spawner.start_timeout = 120

if SETTINGS.auth == "pam":
    c.JupyterHub.authenticator_class = "changekit.hub.auth.CourseGroupsPAMAuthenticator"
    c.CourseGroupsPAMAuthenticator.course_groups = {TUTORS, TRAINEES}
    c.Authenticator.allowed_groups = {TUTORS, TRAINEES}
elif SETTINGS.entra is not None:
    # Entra ID: who may log in, who is a tutor and every account name come from the id token's
    # claims (changekit/hub/auth.py: EntraAuthenticator); accounts are made at first login.
    entra = SETTINGS.entra
    c.JupyterHub.authenticator_class = "changekit.hub.auth.EntraAuthenticator"
    c.EntraAuthenticator.tenant_id = entra.tenant_id
    c.EntraAuthenticator.graph_url = entra.login_url
    # Entra's v2.0 endpoints (the v1 defaults of oauthenticator give tokens without preferred_username).
    c.EntraAuthenticator.authorize_url = f"{entra.login_url}/{entra.tenant_id}/oauth2/v2.0/authorize"
    c.EntraAuthenticator.token_url = f"{entra.login_url}/{entra.tenant_id}/oauth2/v2.0/token"
    c.EntraAuthenticator.client_id = entra.client_id
    c.EntraAuthenticator.client_secret = entra.client_secret
    c.EntraAuthenticator.oauth_callback_url = entra.callback_url
    c.EntraAuthenticator.tutor_group_ids = set(entra.tutor_groups)
    c.EntraAuthenticator.trainee_group_ids = set(entra.trainee_groups)
    c.EntraAuthenticator.tutors_group = TUTORS
    c.EntraAuthenticator.trainees_group = TRAINEES
    c.EntraAuthenticator.home_domains = set(entra.home_domains)
    c.EntraAuthenticator.reserved_names = {SETTINGS.grader}
    c.EntraAuthenticator.manage_groups = True
    c.EntraAuthenticator.allowed_groups = {TUTORS, TRAINEES}
    c.EntraAuthenticator.create_system_users = True
    # By its full path: the unit's PATH has no sbin. Home folders are made 0700 (Debian's DIR_MODE).
    c.EntraAuthenticator.add_user_cmd = ["/usr/sbin/adduser", "-q", "--gecos", "", "--disabled-password"]
    # Someone removed from both Entra groups is refused at their next login, account or not.
    c.Authenticator.allow_existing_users = False

# The formgrader: a hub service named after the course, run as the grader account
# in the course folder; only the tutors' group may open it.
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{PORT + 10}",
        # Hardened for trainees' HTML: strict CSP, no terminals, files as downloads (changekit/hub/service.py).
        "command": grading_service_command(BIN),
        "user": SETTINGS.grader,
        "cwd": COURSE_ROOT,
        "environment": {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "CHANGEKIT_COURSE_ROOT": COURSE_ROOT,
            "CHANGEKIT_EXCHANGE": str(SETTINGS.course.exchange),
            "CHANGEKIT_STATE_DIR": str(SETTINGS.course.state),
            # The gradebook (PostgreSQL, when the admin moved it there in pich.env).
            "CHANGEKIT_DB_URL": SETTINGS.course.db_url,
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

# Idle culling: a server with no activity (no open notebook talking to its kernel, no
# request) for CHANGEKIT_CULL_TIMEOUT seconds is stopped, freeing its memory; the trainee's
# files stay and the next login starts a new one. Checked every tenth of the timeout.
if SETTINGS.cull_timeout:
    c.JupyterHub.services.append(
        {
            "name": "idle-culler",
            "command": [
                sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={SETTINGS.cull_timeout}",
                f"--cull-every={max(5, SETTINGS.cull_timeout // 10)}",
            ],
        }
    )
    c.JupyterHub.load_roles.append(
        {
            "name": "idle-culler",
            "services": ["idle-culler"],
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        }
    )

LOCAL = SETTINGS.prefix / "etc" / "jupyterhub_config_local.py"
if LOCAL.exists():
    load_subconfig(str(LOCAL))  # noqa: F821

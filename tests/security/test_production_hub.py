"""The production hub, installed by install.sh and started as its systemd unit would start it.

After a real install (tests/security/conftest.py) the admin's steps are
followed: passwords set with chpasswd, the port chosen in the settings file,
the hub started with the unit's ExecStart, EnvironmentFile and working folder.
Then, in Debian's Chromium: the tutor logs in with PAM and opens the
formgrader; a trainee logs in, her server opens on 00_start_here, the
formgrader refuses her, the Assignment List shows the released course and
she fetches and submits; the tutor collects and autogrades with the
formgrader's buttons; the tutor's command line finds the exchange. Last, a
re-run of install.sh keeps the admin's settings and every secret root-only.
Screenshots go to test-artefacts/browser/ (names start with ``production_``).
"""

from __future__ import annotations

import re
import secrets
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.hub import journeys
from tests.hub.conftest import pick_port
from tests.security.conftest import (
    COURSE,
    NEEDS_INSTALL,
    Server,
    processes_of,
    production_hub,
    set_passwords,
)

pytestmark = [
    pytest.mark.security,
    pytest.mark.hub,
    pytest.mark.browser,
    pytest.mark.xdist_group("security"),
    NEEDS_INSTALL,
    pytest.mark.skipif(
        not Path(journeys.CHROMIUM).exists(),
        reason="needs Debian's chromium (make debian-packages)",
    ),
]
ASSIGNMENT = journeys.ASSIGNMENT
ADMIN_LINE = "# added by the admin: keep me"
#: A secret as an admin would keep it in pich.env (Entra's client secret), to look for where it must not be.
SECRET_NAME = "CHANGEKIT_OAUTH_CLIENT_SECRET"


@dataclass
class Hub:
    url: str
    port: int
    server: Server
    passwords: dict[str, str]
    process: subprocess.Popen
    log: Path

    @property
    def trainee(self) -> str:
        return self.server.trainees[2]


@pytest.fixture(scope="module")
def hub(server: Server) -> Iterator[Hub]:
    port = pick_port()
    with server.settings.open("a") as settings:  # the admin's own edits
        settings.write(
            f"{ADMIN_LINE}\nCHANGEKIT_PORT={port}\n{SECRET_NAME}={secrets.token_hex(16)}\n"
        )
    passwords = set_passwords([server.tutor, server.trainees[2]])
    with production_hub(server, {}, "hub") as (url, process, log):
        yield Hub(url, port, server, passwords, process, log)


@pytest.fixture(scope="module")
def tutor(browser: Browser, hub: Hub) -> Iterator[Page]:
    page = journeys.log_in(browser, hub.url, hub.server.tutor, hub.passwords[hub.server.tutor])
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def trainee(browser: Browser, hub: Hub) -> Iterator[Page]:
    page = journeys.log_in(browser, hub.url, hub.trainee, hub.passwords[hub.trainee])
    yield page
    page.context.close()


def test_wrong_password_is_refused(browser: Browser, hub: Hub) -> None:
    page = journeys.log_in(browser, hub.url, hub.trainee, "not-" + hub.passwords[hub.trainee])
    try:
        expect(page.locator("#login_submit")).to_be_visible()
        expect(page.get_by_text("Invalid username or password")).to_be_visible()
    finally:
        page.context.close()


def test_tutor_logs_in_with_pam_and_opens_the_formgrader(tutor: Page, hub: Hub) -> None:
    tutor.wait_for_url(re.compile(r"/user/"), timeout=journeys.LONG)
    answer = tutor.goto(f"{hub.url}/services/{COURSE}/formgrader/manage_assignments")
    tutor.wait_for_load_state("networkidle")
    journeys.shot(tutor, "production_tutor_01_formgrader")
    assert answer is not None and answer.status == 200
    for assignment in ("quantify_a_service_problem", "reflection", "change_plan"):
        expect(tutor.locator("td.name", has_text=assignment).first).to_be_visible()


def test_trainee_server_opens_on_the_start_page(trainee: Page, hub: Hub) -> None:
    journeys.open_lab(trainee, "production_trainee")
    expect(
        trainee.locator(".lm-TabBar-tab.lm-mod-current", has_text="00_start_here.ipynb")
    ).to_be_visible()
    assert f"/user/{hub.trainee}/" in trainee.url


def test_trainee_is_refused_the_formgrader(trainee: Page, hub: Hub) -> None:
    lab = trainee.url
    answer = trainee.goto(f"{hub.url}/services/{COURSE}/formgrader/manage_assignments")
    journeys.shot(trainee, "production_trainee_02_formgrader_refused")
    assert answer is not None and answer.status == 403
    expect(trainee.get_by_text("You do not have permission").first).to_be_visible()
    trainee.goto(lab)
    journeys.wait_for_notebook(trainee)


def test_trainee_sees_the_released_course_fetches_and_submits(trainee: Page, hub: Hub) -> None:
    journeys.open_assignment_list(trainee)
    released = trainee.locator("#released_assignments_list .list_item")
    expect(released.filter(has_text="reflection")).to_have_count(1)
    expect(released.filter(has_text="baby_clinic_economics")).to_have_count(1)
    journeys.fetch_assignment(trainee, "production_trainee")
    assert (hub.server.home(hub.trainee) / COURSE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    journeys.submit(trainee, "production_trainee")


def test_tutor_collects_and_autogrades_in_the_formgrader(tutor: Page, hub: Hub) -> None:
    collected = journeys.collect_and_autograde(tutor, hub.url)
    assert f"Collecting submission: {hub.trainee}" in collected
    row = tutor.locator("tr", has_text=hub.trainee)
    expect(row.locator("td.score")).to_have_text(
        re.compile(r"^\s*0(\.0+)? / [1-9]")
    )  # untouched: nothing scored
    journeys.shot(tutor, "production_tutor_02_autograded")
    assert (
        hub.server.course / "autograded" / hub.trainee / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    ).exists()


#: What the tutor's browser gets when it asks the grading server for a Terminal.
TERMINAL_SCRIPT = """async (base) => {
  const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || "";
  const made = await fetch(`${base}api/terminals`, {method: "POST", headers: {"X-XSRFToken": xsrf}});
  return made.status;
}"""


def test_the_grading_server_opens_no_terminal_even_for_a_tutor(tutor: Page, hub: Hub) -> None:
    """A trainee's script in a page on that origin could otherwise run commands as the grader (issue 9):
    the command line is the admin's, through as-grader."""
    base = f"/services/{COURSE}/"
    tutor.goto(f"{hub.url}{base}lab", wait_until="domcontentloaded")
    assert tutor.evaluate(TERMINAL_SCRIPT, base) in (403, 404)


def test_admin_command_line_finds_the_installed_exchange(hub: Hub) -> None:
    """The admin guide's command line, as the grader account in the course folder, with no exports."""
    listed = hub.server.as_grader("nbgrader", "list", "--inbound")
    assert listed.returncode == 0, listed.stderr
    assert f"{hub.trainee} {ASSIGNMENT}" in listed.stdout + listed.stderr
    collected = hub.server.as_grader("nbgrader", "collect", ASSIGNMENT)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "Unwritable" not in collected.stderr


def environments_of(user: str) -> list[str]:
    """The environment of every process running as ``user`` (their server, its kernels, the service)."""
    found = []
    for pid in processes_of([user]):
        try:
            found.append(Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace"))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def test_servers_and_the_formgrader_never_see_the_hubs_secrets(hub: Hub) -> None:
    """Neither a trainee's server nor the grading service inherits the settings file or the proxy's token."""
    secret = next(
        line.partition("=")[2]
        for line in hub.server.settings.read_text().splitlines()
        if line.startswith(f"{SECRET_NAME}=")
    )
    for user in (hub.trainee, hub.server.grader):
        environments = environments_of(user)
        assert environments, f"nothing runs as {user}: the server or service should be up"
        for environment in environments:
            assert secret not in environment and "CONFIGPROXY_AUTH_TOKEN" not in environment


def root_only(path: Path) -> bool:
    info = path.stat()
    return info.st_uid == 0 and info.st_gid == 0 and not stat.S_IMODE(info.st_mode) & 0o077


def test_hub_secrets_are_root_only_and_out_of_the_tutors_reach(hub: Hub) -> None:
    server = hub.server
    secret, database = (
        server.hub_dir / "jupyterhub_cookie_secret",
        server.hub_dir / "jupyterhub.sqlite",
    )
    for path in (server.hub_dir, secret, server.settings):
        assert root_only(path), f"{path} must be root's alone: {oct(path.stat().st_mode)}"
    assert database.stat().st_uid == 0, (
        "the hub's database must be root's (its folder is root-only)"
    )
    for user in (server.grader, server.tutor):
        done = server.python(user, f"open({str(secret)!r}).read()")
        assert done.returncode != 0 and "PermissionError" in done.stderr, (
            f"{user} read the cookie secret"
        )


def test_rerun_of_install_keeps_settings_and_secrets(hub: Hub) -> None:
    server = hub.server
    config = server.prefix / "etc" / "jupyterhub_config.py"
    with config.open("a") as edited:
        edited.write("# a local edit\n")
    rerun = server.install()
    text = server.settings.read_text()
    assert ADMIN_LINE in text and f"CHANGEKIT_PORT={hub.port}" in text
    assert text.count("CHANGEKIT_COURSE_ROOT=") == 1
    assert stat.S_IMODE(server.settings.stat().st_mode) == 0o600 and root_only(server.settings)
    assert root_only(server.hub_dir / "jupyterhub_cookie_secret") and root_only(
        server.hub_dir / "jupyterhub.sqlite"
    )
    saved = sorted(config.parent.glob("jupyterhub_config.py.replaced-*"))
    assert saved and "# a local edit" in saved[-1].read_text(), (
        "the edited config must be saved, not lost"
    )
    assert "previous one is saved" in rerun.stdout
    assert "every assignment is released already" in rerun.stdout

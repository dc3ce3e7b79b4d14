"""Entra ID logins on the production hub, against a local stand-in for Entra (tests/security/entra_standin.py).

The installed hub is started with the production config in Entra mode
(CHANGEKIT_AUTH=entra and the settings an admin writes in pich.env), its login
URL pointed at the stand-in on loopback. People sign in as with Microsoft's
pages (a form, then the redirect back to the hub's callback with a code): a
tutor of the home tenant (Entra tutors' group) opens the formgrader; a trainee
from another trust's tenant (a multi-tenant app) is let in and refused the
formgrader; someone in neither group is refused at login and gets no account;
each account made is the normalised name, as a real system account.
"""

from __future__ import annotations

import html
import pwd
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from changekit.hub.auth import UNIX_NAME
from tests.hub.conftest import pick_port
from tests.security.conftest import COURSE, NEEDS_INSTALL, Server, production_hub, remove_accounts
from tests.security.entra_standin import Person, Provider, running

pytestmark = [
    pytest.mark.security,
    pytest.mark.hub,
    pytest.mark.xdist_group("security"),
    NEEDS_INSTALL,
]
HOME_TENANT = "5f1c7a2e-0000-4000-8000-00000000a001"
OTHER_TENANT = "9b3d4e5f-0000-4000-8000-00000000b002"
TUTOR_GROUP = "c0ffee00-0000-4000-8000-0000000000a1"
TRAINEE_GROUP = "c0ffee00-0000-4000-8000-0000000000b2"
ELSEWHERE_GROUP = "c0ffee00-0000-4000-8000-0000000000c3"


@dataclass
class Entra:
    hub: str
    provider: Provider
    tutor: str
    trainee: str
    outsider: str
    suffix: str
    tutors_group: str
    trainees_group: str


@pytest.fixture(scope="module")
def entra(server: Server) -> Iterator[Entra]:
    suffix = secrets.token_hex(2)
    tutor, trainee, outsider = (
        f"Dr.Entra{suffix}@Trust.NHS.uk",
        f"Ana.O'Neil{suffix}@othertrust.nhs.uk",
        f"visitor{suffix}@trust.nhs.uk",
    )
    people = [
        Person(tutor, HOME_TENANT, (TUTOR_GROUP, ELSEWHERE_GROUP)),
        Person(trainee, OTHER_TENANT, (TRAINEE_GROUP,)),
        Person(outsider, HOME_TENANT, (ELSEWHERE_GROUP,)),
    ]
    provider = Provider(
        HOME_TENANT, f"app-{suffix}", secrets.token_urlsafe(24), {p.upn.lower(): p for p in people}
    )
    port = pick_port()
    made_accounts: list[str] = []
    try:
        with running(provider):
            settings = {
                "CHANGEKIT_PORT": str(port),
                "CHANGEKIT_HUB_DIR": str(server.base / "hub-entra"),
                "CHANGEKIT_AUTH": "entra",
                "CHANGEKIT_ENTRA_TENANT_ID": HOME_TENANT,
                "CHANGEKIT_OAUTH_CLIENT_ID": provider.client_id,
                "CHANGEKIT_OAUTH_CLIENT_SECRET": provider.client_secret,
                "CHANGEKIT_OAUTH_CALLBACK_URL": f"http://127.0.0.1:{port}/hub/oauth_callback",
                "CHANGEKIT_ENTRA_TUTOR_GROUPS": TUTOR_GROUP,
                "CHANGEKIT_ENTRA_TRAINEE_GROUPS": TRAINEE_GROUP,
                "CHANGEKIT_ENTRA_DOMAINS": "trust.nhs.uk",
                "CHANGEKIT_ENTRA_LOGIN_URL": provider.url,
            }
            with production_hub(server, settings, "hub-entra") as (url, _process, _log):
                yield Entra(
                    url,
                    provider,
                    tutor,
                    trainee,
                    outsider,
                    suffix,
                    server.install_env["TUTORS_GROUP"],
                    server.install_env["TRAINEES_GROUP"],
                )
    finally:
        made_accounts = [account.pw_name for account in pwd.getpwall() if suffix in account.pw_name]
        remove_accounts(made_accounts, [])


def sign_in(entra: Entra, login: str) -> tuple[requests.Session, requests.Response]:
    """From the hub's login button through the stand-in's form to the hub's callback (not followed further)."""
    session = requests.Session()
    form = session.get(f"{entra.hub}/hub/oauth_login", timeout=60)
    assert form.status_code == 200 and form.url.startswith(entra.provider.url), form.url
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', form.text)
    }
    assert fields["code_challenge"], "the hub should use PKCE, as Entra expects of a web app"
    back = session.post(
        form.url.split("?")[0], data={**fields, "login": login}, allow_redirects=False, timeout=60
    )
    assert back.status_code == 302 and back.headers["Location"].startswith(
        f"{entra.hub}/hub/oauth_callback"
    )
    return session, session.get(back.headers["Location"], allow_redirects=False, timeout=120)


def hub_user(entra: Entra, session: requests.Session) -> dict:
    """The hub's record of the signed-in user (their own model, through the API with their cookie)."""
    session.get(
        f"{entra.hub}/hub/home", timeout=60
    )  # sets the _xsrf cookie the API asks of a cookie login
    answer = session.get(
        f"{entra.hub}/hub/api/user",
        timeout=60,
        headers={"X-XSRFToken": session.cookies.get("_xsrf", "")},
    )
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


def test_a_tutor_signs_in_and_opens_the_formgrader(entra: Entra) -> None:
    session, callback = sign_in(entra, entra.tutor)
    assert callback.status_code == 302, callback.text[:500]
    user = hub_user(entra, session)
    assert user["name"] == f"dr_entra{entra.suffix}"
    assert user["groups"] == [entra.tutors_group]
    formgrader = session.get(
        f"{entra.hub}/services/{COURSE}/formgrader/manage_assignments", timeout=120
    )
    assert formgrader.status_code == 200 and "manage_assignments" in formgrader.url


def test_a_trainee_from_another_trust_signs_in_and_is_refused_the_formgrader(entra: Entra) -> None:
    session, callback = sign_in(entra, entra.trainee)
    assert callback.status_code == 302, callback.text[:500]
    user = hub_user(entra, session)
    assert re.fullmatch(rf"ana_oneil{entra.suffix}-[0-9a-f]{{6}}", user["name"]), user["name"]
    assert user["groups"] == [entra.trainees_group]
    formgrader = session.get(
        f"{entra.hub}/services/{COURSE}/formgrader/manage_assignments", timeout=120
    )
    assert formgrader.status_code == 403


def test_each_account_is_a_system_account_with_the_normalised_name(entra: Entra) -> None:
    names = {}
    for login in (entra.tutor, entra.trainee):
        session, _ = sign_in(entra, login)
        names[login] = hub_user(entra, session)["name"]
    for name in names.values():
        account = pwd.getpwnam(name)  # KeyError if the hub made no account
        assert UNIX_NAME.fullmatch(name) and account.pw_dir.endswith(f"/{name}")
    assert len(set(names.values())) == 2


def test_someone_outside_the_allowed_groups_is_refused_and_gets_no_account(entra: Entra) -> None:
    session, callback = sign_in(entra, entra.outsider)
    assert callback.status_code == 403
    assert session.get(f"{entra.hub}/hub/api/user", timeout=60).status_code in (401, 403)
    assert not [
        account
        for account in pwd.getpwall()
        if account.pw_name.startswith(f"visitor{entra.suffix}")
    ]

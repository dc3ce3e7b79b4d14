"""Entra sign-in names made into Unix account names (changekit.hub.auth.unix_username)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changekit.hub.auth import UNIX_NAME, course_groups, short_hash, split_login, unix_username

HOME = "11111111-2222-3333-4444-555555555555"
OTHER = "99999999-8888-7777-6666-555555555555"
DOMAINS = ("trust.nhs.uk",)


def name(login: str, tenant: str = HOME, **kwargs) -> str:
    return unix_username(login, tenant, HOME, kwargs.pop("domains", DOMAINS), **kwargs)


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("ana@trust.nhs.uk", "ana"),
        ("Ana.Smith@Trust.NHS.uk", "ana_smith"),  # capitals and a dot: adduser refuses both
        ("josé.o'neil@trust.nhs.uk", "jose_oneil"),  # accent and apostrophe
        ("  dr-lee@trust.nhs.uk ", "dr-lee"),
    ],
)
def test_home_tenant_users_keep_their_local_part(login: str, expected: str) -> None:
    assert name(login) == expected


@pytest.mark.parametrize(
    "login",
    [
        "1st.year@trust.nhs.uk",  # starts with a digit
        "_ana@trust.nhs.uk",  # starts with an underscore
        "-ana@trust.nhs.uk",  # starts with a dash (useradd reads it as an option)
        "李雷@trust.nhs.uk",  # nothing ASCII left
        "a" * 40 + "@trust.nhs.uk",  # longer than 32
        "root@trust.nhs.uk",
        "ana smith+course@trust.nhs.uk",
        "Ana$@trust.nhs.uk",
    ],
)
def test_every_name_is_one_debians_adduser_accepts(login: str) -> None:
    made = name(login, reserved={"root"})
    assert UNIX_NAME.fullmatch(made), made


def test_names_that_start_wrong_get_a_letter_in_front() -> None:
    assert name("1st.year@trust.nhs.uk") == "u1st_year"
    assert name("李雷@trust.nhs.uk").startswith("u")


def test_another_tenants_user_gets_a_stable_hash_of_tenant_and_domain() -> None:
    made = name("ana@othertrust.nhs.uk", tenant=OTHER)
    assert made == f"ana-{short_hash(f'{OTHER}/othertrust.nhs.uk')}"
    assert made == name("ANA@othertrust.nhs.uk", tenant=OTHER)
    assert made != name("ana@trust.nhs.uk")
    assert made != name("ana@thirdtrust.nhs.uk", tenant="33333333-0000-0000-0000-000000000000")


def test_a_b2b_guest_is_told_apart_from_the_home_user_with_the_same_local_part() -> None:
    guest = name("ana_othertrust.nhs.uk#EXT#@trust.onmicrosoft.com")
    assert split_login("ana_othertrust.nhs.uk#EXT#@trust.onmicrosoft.com") == (
        "ana",
        "othertrust.nhs.uk",
    )
    assert guest.startswith("ana-") and guest != name("ana@trust.nhs.uk")
    # a guest signing in with preferred_username (their own address) in the home tenant: not a home domain
    assert name("ana@othertrust.nhs.uk") == guest


def test_reserved_and_shortened_names_never_come_out_bare() -> None:
    assert name("root@trust.nhs.uk", reserved={"root"}) != "root"
    assert name("root@trust.nhs.uk", reserved={"root"}).startswith("root-")
    long_one, long_two = ("a" * 40 + "x@trust.nhs.uk"), ("a" * 40 + "y@trust.nhs.uk")
    assert len(name(long_one)) == 32 and name(long_one) != name(long_two)


@given(
    st.text(max_size=60),
    st.sampled_from([HOME, OTHER]),
    st.sampled_from(["trust.nhs.uk", "x.org", ""]),
)
def test_any_login_gives_a_valid_name(local: str, tenant: str, domain: str) -> None:
    assert UNIX_NAME.fullmatch(
        name(f"{local}@{domain}", tenant=tenant, reserved={"root", "daemon"})
    )


def test_entra_group_ids_map_to_the_course_hub_groups_only() -> None:
    mapping = {"formgrade-c": {"AAAA-1"}, "nbgrader-c": {"bbbb-2", "cccc-3"}}
    assert course_groups(["aaaa-1", "zzzz-9"], mapping) == {"formgrade-c"}
    assert course_groups(["CCCC-3"], mapping) == {"nbgrader-c"}
    assert course_groups(["zzzz-9"], mapping) == set()

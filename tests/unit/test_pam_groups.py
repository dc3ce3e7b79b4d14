"""Which course groups a PAM login carries into the hub (changekit.hub.auth)."""

from __future__ import annotations

import asyncio
import grp
import os
import pwd

from changekit.hub.auth import CourseGroupsPAMAuthenticator, unix_group_members

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def test_primary_group_counts_and_unknown_groups_are_ignored() -> None:
    assert unix_group_members({MY_GROUP, "no-such-group-pich"}, ME) == [MY_GROUP]


def test_groups_outside_the_course_are_never_copied() -> None:
    assert unix_group_members({"no-such-group-pich"}, ME) == []


def test_unknown_account_has_no_groups() -> None:
    assert unix_group_members({MY_GROUP}, "no-such-user-pich") == []


def test_refresh_recomputes_groups_from_the_system() -> None:
    authenticator = CourseGroupsPAMAuthenticator(course_groups={MY_GROUP, "no-such-group-pich"})
    assert authenticator.manage_groups

    class User:
        name = ME

    assert asyncio.run(authenticator.refresh_user(User())) == {"name": ME, "groups": [MY_GROUP]}

"""Staff accounts (avert/services/accounts.py): the password policy, the changes, their audit."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import pytest

from avert.cli.main import EXIT_INPUT, main
from avert.domain.access import Role
from avert.security import audit
from avert.security.sessions import principal_for_session, sign_in
from avert.services import accounts
from tests.conftest import PASSWORD, seed_cast


NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
KEY = "test-key"

# password                          username   problem (None: accepted)
POLICY = [
    ("a long and unguessable phrase", "rosa",   None),
    ("short",                         "rosa",   "must be at least 12 characters"),
    ("x" * 129,                       "rosa",   "must be at most 128 characters"),
    ("rosa-rosa-rosa-rosa",           "rosa",   "must not contain the username"),
    ("aaaaaaaaaaaaaaaa",              "rosa",   "must use more than three different characters"),
    ("Password1234",                  "rosa",   "is one of the passwords attackers try first"),
]  # fmt: skip


@pytest.mark.parametrize(("password", "username", "problem"), POLICY)
def test_a_password_must_be_long_not_the_username_and_not_a_well_known_one(
    password, username, problem
):
    """The initial password policy, case by case."""
    assert accounts.password_problem(password, username) == problem


def _audit(database):
    return accounts.command_line_audit(database.dialect, KEY, NOW)


def test_adding_a_user_checks_every_field_and_audits_the_change(database):
    """Bad fields are named together; a good account is added once, with its audit entry."""
    seed_cast(database)
    bad = accounts.NewUser("R", "", Role.CLINICIAN, "RT5", "short", team_id="T-NOWHERE")
    with pytest.raises(accounts.AccountProblems) as refused:
        accounts.add_user(database, bad, now=NOW, audit=_audit(database))
    assert set(refused.value.problems) == {"username", "display_name", "password", "team_id"}
    good = accounts.NewUser(
        "Rosa", "Rosa Nurse", Role.CLINICIAN, "rt5", "a long phrase here", team_id="T-CITY",
        staff_id="S-RN",
    )  # fmt: skip
    accounts.add_user(database, good, now=NOW, audit=_audit(database))
    with pytest.raises(accounts.UserExists):
        accounts.add_user(database, good, now=NOW, audit=_audit(database))
    rosa = accounts.get_user(database, "rosa")
    assert (rosa.role, rosa.team_name, rosa.staff_name, rosa.organisation) == (
        Role.CLINICIAN,
        "City UCR team",
        "Nia Evans",
        "RT5",
    )
    entries = audit.what_user_looked_at(database, "avert-cli")
    assert [(e.action, e.resource) for e in entries] == [("user_add", "user/rosa/clinician")]
    assert audit.verify(database, KEY).ok


def test_a_team_role_needs_a_team_and_a_staff_link_in_that_team(database):
    """A clinician without a team, or linked to another team's staff, is refused; so is a system."""
    seed_cast(database)
    with pytest.raises(accounts.AccountProblems) as refused:
        accounts.change_role(
            database, "ana", Role.CLINICIAN, team_id=None, staff_id=None, audit=_audit(database)
        )
    assert set(refused.value.problems) == {"team_id"}
    with pytest.raises(accounts.AccountProblems) as refused:
        accounts.change_role(
            database, "ana", Role.CLINICIAN, team_id="T-CITY", staff_id="S-CH",
            audit=_audit(database),
        )  # fmt: skip
    assert set(refused.value.problems) == {"staff_id"}
    with pytest.raises(accounts.AccountProblems) as refused:
        accounts.change_role(
            database, "ana", Role.INTEGRATION_CLIENT, team_id=None, staff_id=None,
            audit=_audit(database),
        )  # fmt: skip
    assert set(refused.value.problems) == {"role"}
    assert accounts.get_user(database, "ana").role is Role.ANALYST


def test_disabling_ends_every_session_and_enabling_lets_the_person_sign_in_again(
    database, settings
):
    """Both open sessions end at once; enabled again, it signs in afresh, old sessions ended."""
    seed_cast(database)
    first = sign_in(database, settings, "olu", PASSWORD, now=NOW)
    second = sign_in(database, settings, "olu", PASSWORD, now=NOW)
    ended = accounts.disable_user(database, "olu", now=NOW, audit=_audit(database))
    assert ended == 2
    for session in (first, second):
        assert principal_for_session(database, settings, session.token, now=NOW) is None
    accounts.enable_user(database, "olu", audit=_audit(database))
    assert principal_for_session(database, settings, first.token, now=NOW) is None
    again = sign_in(database, settings, "olu", PASSWORD, now=NOW)
    assert principal_for_session(database, settings, again.token, now=NOW).id == "olu"
    assert accounts.get_user(database, "olu").last_sign_in == NOW
    actions = [e.action for e in audit.what_user_looked_at(database, "avert-cli")]
    assert actions == ["user_enable", "user_disable"]
    with pytest.raises(accounts.NoSuchUser):
        accounts.disable_user(database, "nobody", now=NOW, audit=_audit(database))


def test_the_user_command_uses_the_same_rules_and_is_audited(
    database, database_url, monkeypatch, capsys
):
    """`avert user add` refuses a weak password and adds a good one; `disable` is audited."""
    seed_cast(database)
    args = ["--database-url", database_url, "user", "add", "rosa", "--role", "clinician"]
    args += ["--name", "Rosa Nurse", "--organisation", "RT5", "--team", "T-CITY"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(args, {}) == EXIT_INPUT
    assert "at least 12 characters" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long phrase here\n"))
    assert main(args, {}) == 0
    assert main(["--database-url", database_url, "user", "disable", "rosa"], {}) == 0
    assert "rosa disabled" in capsys.readouterr().out
    actions = [e.action for e in audit.what_user_looked_at(database, "avert-cli")]
    assert actions == ["user_disable", "user_add"]

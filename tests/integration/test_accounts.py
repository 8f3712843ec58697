"""Staff accounts (avert/services/accounts.py): the password policy, the changes, their audit."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import pytest

from avert.cli.main import EXIT_INPUT, main
from avert.config import Settings
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
    reserved = accounts.NewUser("New", "A Person", Role.ANALYST, "RT5", "a long phrase here")
    with pytest.raises(accounts.AccountProblems) as refused:  # /admin/users/new is the add form
        accounts.add_user(database, reserved, now=NOW, audit=_audit(database))
    assert refused.value.problems == {"username": "new is reserved: choose another"}
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


def _one_line_error(capsys) -> str:
    """What the command printed on stderr: exactly one line, naming the problem, no traceback."""
    err = capsys.readouterr().err
    assert err.startswith("avert: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_the_user_command_enables_an_account_which_can_then_sign_in_and_is_audited(
    database, database_url, settings, capsys
):
    """`avert user enable` undoes `disable` (old sessions stay ended); an unknown user is named."""
    seed_cast(database)
    before = sign_in(database, settings, "olu", PASSWORD, now=NOW)
    user = ["--database-url", database_url, "user"]
    assert main([*user, "disable", "olu"], {}) == 0
    assert main([*user, "enable", "Olu"], {}) == 0
    assert "Olu enabled" in capsys.readouterr().out
    assert not accounts.get_user(database, "olu").disabled
    assert principal_for_session(database, settings, before.token, now=NOW) is None
    again = sign_in(database, settings, "olu", PASSWORD, now=NOW)
    assert principal_for_session(database, settings, again.token, now=NOW).id == "olu"
    entries = audit.what_user_looked_at(database, "avert-cli")
    assert [(e.action, e.resource) for e in entries] == [
        ("user_enable", "user/olu"),
        ("user_disable", "user/olu"),
    ]
    assert main([*user, "enable", "nobody"], {}) == EXIT_INPUT
    assert _one_line_error(capsys) == "avert: there is no user nobody\n"
    assert audit.verify(database, Settings.from_environ({}).secret_key).ok


# arguments after `avert user role`               error on stderr (None: changed)
ROLE_CHANGES = [
    (["olu", "team_lead"],                          None),
    (["nobody", "analyst"],                         "there is no user nobody"),
    (["ana", "wizard"],                             "ROLE must be one of: coordinator, clinician"),
    (["ana", "integration_client"],                 "ROLE must be one of: coordinator, clinician"),
    (["ana", "clinician"],                          "team_id: A clinician works in a team"),
    (["ana", "clinician", "--team", "T-NOWHERE"],   "team_id: Choose a team from the list"),
    (["olu", "clinician", "--team", "T-COUNTY"],    "staff_id: This staff member is in another"),
]  # fmt: skip


@pytest.mark.parametrize(("arguments", "error"), ROLE_CHANGES)
def test_the_user_command_changes_a_role_by_the_pages_rules_or_names_the_problem(
    database, database_url, capsys, arguments, error
):
    """`avert user role`: the account page's rules; a refusal is one line, changes nothing."""
    seed_cast(database)
    code = main(["--database-url", database_url, "user", "role", *arguments], {})
    if error is None:
        assert code == 0
        assert "olu is now Team lead (team T-CITY, staff S-OT)" in capsys.readouterr().out
        olu = accounts.get_user(database, "olu")
        assert (olu.role, olu.team_id, olu.staff_id) == (Role.TEAM_LEAD, "T-CITY", "S-OT")
        entries = audit.what_user_looked_at(database, "avert-cli")
        assert [(e.action, e.resource) for e in entries] == [("user_role", "user/olu/team_lead")]
        return
    assert code == EXIT_INPUT
    assert error in _one_line_error(capsys)
    assert audit.what_user_looked_at(database, "avert-cli") == []
    assert [accounts.get_user(database, u).role for u in ("ana", "olu")] == [
        Role.ANALYST,
        Role.CLINICIAN,
    ]


def test_the_user_command_keeps_team_and_staff_unless_given_and_an_empty_one_removes_it(
    database, database_url
):
    """`--team T-COUNTY --staff S-CH` moves Olu; then `analyst --team '' --staff ''` clears both."""
    seed_cast(database)
    role = ["--database-url", database_url, "user", "role", "olu"]
    assert main([*role, "clinician", "--team", "T-COUNTY", "--staff", "S-CH"], {}) == 0
    olu = accounts.get_user(database, "olu")
    assert (olu.role, olu.team_id, olu.staff_id) == (Role.CLINICIAN, "T-COUNTY", "S-CH")
    assert main([*role, "analyst"], {}) == 0
    olu = accounts.get_user(database, "olu")
    assert (olu.role, olu.team_id, olu.staff_id) == (Role.ANALYST, "T-COUNTY", "S-CH")
    assert main([*role, "analyst", "--team", "", "--staff", ""], {}) == 0
    olu = accounts.get_user(database, "olu")
    assert (olu.role, olu.team_id, olu.staff_id) == (Role.ANALYST, None, None)
    actions = [e.resource for e in audit.what_user_looked_at(database, "avert-cli")]
    assert actions == ["user/olu/analyst", "user/olu/analyst", "user/olu/clinician"]

"""API clients (avert/services/accounts.py, `avert client`) and keeping one administrator."""

from __future__ import annotations

import io
import sys
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from avert.cli.main import EXIT_INPUT, main
from avert.config import Settings
from avert.domain.access import Role
from avert.security import audit
from avert.security.sessions import TokenRefused, issue_token, principal_for_token
from avert.services import accounts
from avert.store.schema import User
from tests.conftest import seed_cast


NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
KEY = "test-key"
SECRET = "a long client secret 42"


def _audit(database):
    return accounts.command_line_audit(database.dialect, KEY, NOW)


def _actions(database) -> list[tuple[str, str]]:
    return [(e.action, e.resource) for e in audit.what_user_looked_at(database, "avert-cli")]


# secret                        problem (None: accepted)
SECRETS = [
    (SECRET,                        None),
    ("sixteen chars ok",            None),
    ("",                            "Enter the client's secret"),
    ("fifteen chars!!",             "The secret must be at least 16 characters"),
    ("x1" * 65,                     "The secret must be at most 128 characters"),
    ("abcabcabcabcabcabc",          "The secret must use more than three different characters"),
]  # fmt: skip


@pytest.mark.parametrize(("secret", "problem"), SECRETS)
def test_a_client_secret_must_be_at_least_sixteen_varied_characters(secret, problem):
    """The secret policy, case by case: empty and short secrets are refused."""
    assert accounts.secret_problem(secret) == problem


# scopes                                  problem (None: accepted)
SCOPE_LISTS = [
    (("referral:create", "referral:read"),  None),
    (("directory:read",),                   None),
    ((),                                    "Choose at least one scope"),
    (("referral:create", "referral:write"), "Unknown scope referral:write: use referral:create"),
]  # fmt: skip


@pytest.mark.parametrize(("scopes", "problem"), SCOPE_LISTS)
def test_a_client_needs_at_least_one_scope_and_only_scopes_avert_has(scopes, problem):
    """No scopes, or one Avert does not know, is refused with a message naming the real ones."""
    found = accounts.scopes_problem(scopes)
    assert found == problem if problem is None else found.startswith(problem)


def test_adding_a_client_checks_every_field_and_the_client_can_then_get_a_token(database):
    """Bad fields are named together; a good client is added once, audited, and can sign in."""
    seed_cast(database)
    bad = accounts.NewClient("Not An Id", "", "", ("referral:write",), "short")
    with pytest.raises(accounts.AccountProblems) as refused:
        accounts.add_client(database, bad, audit=_audit(database))
    assert set(refused.value.problems) == {"client_id", "name", "organisation", "scopes", "secret"}
    good = accounts.NewClient(
        "NHS111", "NHS 111 East", "rYc", ("referral:read", "referral:create"), SECRET
    )
    accounts.add_client(database, good, audit=_audit(database))
    with pytest.raises(accounts.ClientExists):
        accounts.add_client(database, good, audit=_audit(database))
    added = accounts.get_client(database, "nhs111")
    assert (added.name, added.organisation, added.scopes, added.disabled) == (
        "NHS 111 East",
        "RYC",
        ("referral:create", "referral:read"),
        False,
    )
    assert added.last_token is None
    token, scopes, _ = issue_token(database, "nhs111", SECRET, None, now=NOW)
    assert scopes == ["referral:create", "referral:read"]
    assert principal_for_token(database, token, now=NOW).id == "nhs111"
    assert accounts.get_client(database, "nhs111").last_token == NOW
    listed = [c.client_id for c in accounts.list_clients(database)]
    assert listed == ["ambulance", "nhs111", "readonly", "telecare"]
    assert _actions(database) == [("client_add", "client/nhs111/referral:create referral:read")]
    assert audit.verify(database, KEY).ok


def test_disabling_a_client_ends_its_tokens_at_once_and_refuses_it_a_new_one(database):
    """Both open tokens end; re-enabled, it gets a new token, but the old ones stay ended."""
    seed_cast(database)
    first, _, _ = issue_token(database, "ambulance", "ambulance-secret", None, now=NOW)
    second, _, _ = issue_token(database, "ambulance", "ambulance-secret", None, now=NOW)
    other, _, _ = issue_token(database, "telecare", "telecare-secret", None, now=NOW)
    assert accounts.disable_client(database, "ambulance", now=NOW, audit=_audit(database)) == 2
    for token in (first, second):
        assert principal_for_token(database, token, now=NOW) is None
    with pytest.raises(TokenRefused):
        issue_token(database, "ambulance", "ambulance-secret", None, now=NOW)
    assert principal_for_token(database, other, now=NOW).id == "telecare"
    assert accounts.get_client(database, "ambulance").disabled
    accounts.enable_client(database, "ambulance", audit=_audit(database))
    assert principal_for_token(database, first, now=NOW) is None
    again, _, _ = issue_token(database, "ambulance", "ambulance-secret", None, now=NOW)
    assert principal_for_token(database, again, now=NOW).id == "ambulance"
    assert _actions(database) == [
        ("client_enable", "client/ambulance"),
        ("client_disable", "client/ambulance"),
    ]
    for change in (accounts.disable_client, accounts.change_client_secret):
        with pytest.raises(accounts.NoSuchClient):
            extra = (SECRET,) if change is accounts.change_client_secret else ()
            change(database, "nobody", *extra, now=NOW, audit=_audit(database))
    with pytest.raises(accounts.NoSuchClient):
        accounts.enable_client(database, "nobody", audit=_audit(database))


def test_a_new_secret_ends_the_old_secret_and_every_token_got_with_it(database):
    """The old secret and its token stop working; the new secret gets a token; a short one fails."""
    seed_cast(database)
    old, _, _ = issue_token(database, "telecare", "telecare-secret", None, now=NOW)
    with pytest.raises(accounts.AccountProblems) as refused:
        accounts.change_client_secret(
            database, "telecare", "short", now=NOW, audit=_audit(database)
        )
    assert refused.value.problems == {"secret": "The secret must be at least 16 characters"}
    assert principal_for_token(database, old, now=NOW).id == "telecare"
    ended = accounts.change_client_secret(
        database, "telecare", SECRET, now=NOW, audit=_audit(database)
    )
    assert ended == 1
    assert principal_for_token(database, old, now=NOW) is None
    with pytest.raises(TokenRefused):
        issue_token(database, "telecare", "telecare-secret", None, now=NOW)
    new, _, _ = issue_token(database, "telecare", SECRET, None, now=NOW)
    assert principal_for_token(database, new, now=NOW).id == "telecare"
    assert _actions(database) == [("client_secret", "client/telecare")]


def _one_line_error(capsys) -> str:
    """What the command printed on stderr: exactly one line, naming the problem, no traceback."""
    err = capsys.readouterr().err
    assert err.startswith("avert: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_the_client_command_adds_lists_disables_enables_and_renews_a_secret(
    database, database_url, monkeypatch, capsys
):
    """`avert client`: every change by the service's rules, audited; `list` never shows secrets."""
    seed_cast(database)
    client = ["--database-url", database_url, "client"]
    add = [*client, "add", "nhs111", "--name", "NHS 111 East", "--organisation", "RYC"]
    add += ["--scope", "referral:create", "--scope", "referral:read"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    assert main(add, {}) == 0
    assert "nhs111 added with referral:create, referral:read" in capsys.readouterr().out
    now = datetime.now(UTC)
    token, _, _ = issue_token(database, "nhs111", SECRET, None, now=now)

    assert main([*client, "list"], {}) == 0
    listed = capsys.readouterr().out
    assert "nhs111\tNHS 111 East\tRYC\treferral:create referral:read\tenabled" in listed
    assert "ambulance\tAmbulance service\tRYC" in listed
    assert SECRET not in listed and "argon2" not in listed and "secret" not in listed.lower()

    assert main([*client, "disable", "NHS111"], {}) == 0
    assert "nhs111 disabled; 1 token(s) ended" in capsys.readouterr().out
    assert principal_for_token(database, token, now=now) is None
    assert main([*client, "list"], {}) == 0
    assert "referral:create referral:read\tdisabled" in capsys.readouterr().out
    assert main([*client, "enable", "nhs111"], {}) == 0
    assert "nhs111 enabled" in capsys.readouterr().out

    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new secret 43\n"))
    assert main([*client, "secret", "nhs111"], {}) == 0
    assert "nhs111 has a new secret" in capsys.readouterr().out
    with pytest.raises(TokenRefused):
        issue_token(database, "nhs111", SECRET, None, now=now)
    assert issue_token(database, "nhs111", "a brand new secret 43", None, now=now)
    assert [action for action, _ in _actions(database)] == [
        "client_secret",
        "client_enable",
        "client_disable",
        "client_add",
    ]
    assert audit.verify(database, Settings.from_environ({}).secret_key).ok


ADD = ["add", "x1", "--name", "X", "--organisation", "RYC"]
# arguments after `avert client`          stdin        error on stderr
CLIENT_ERRORS = [
    (["disable", "nobody"],                   "",          "there is no API client nobody"),
    (["enable", "nobody"],                    "",          "there is no API client nobody"),
    (["secret", "nobody"],                    SECRET,      "there is no API client nobody"),
    (["secret", "ambulance"],                 "",          "secret: Enter the client's secret"),
    (["secret", "ambulance"],                 "too short", "secret: The secret must be at least"),
    (ADD,                                     SECRET,      "scopes: Choose at least one scope"),
    ([*ADD, "--scope", "referral:write"],     SECRET,      "scopes: Unknown scope referral:write"),
    ([*ADD, "--scope", "referral:read"],      "",          "secret: Enter the client's secret"),
    ([*ADD, "--scope", "referral:read"],      "short",     "secret: The secret must be at least"),
    (["add", "new", *ADD[2:], "--scope", "referral:read"],
                                              SECRET,      "client_id: new is reserved"),
    (["add", "ambulance", *ADD[2:], "--scope", "referral:read"],
                                              SECRET,      "there is already an API client ambu"),
]  # fmt: skip


@pytest.mark.parametrize(("arguments", "stdin", "error"), CLIENT_ERRORS)
def test_the_client_command_names_the_problem_in_one_line_and_changes_nothing(
    database, database_url, monkeypatch, capsys, arguments, stdin, error
):
    """Unknown ids, unknown or missing scopes, empty or short secrets: exit 12, one line."""
    seed_cast(database)
    before = accounts.list_clients(database)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin + "\n"))
    assert main(["--database-url", database_url, "client", *arguments], {}) == EXIT_INPUT
    assert error in _one_line_error(capsys)
    assert accounts.list_clients(database) == before
    assert issue_token(database, "ambulance", "ambulance-secret", None, now=NOW)
    assert _actions(database) == []


def _make_administrator(database, username: str, *, disabled: bool = False) -> None:
    with database.writing() as session:
        session.execute(
            update(User)
            .where(User.id == username)
            .values(role=Role.ADMINISTRATOR.value, team_id=None, staff_id=None, disabled=disabled)
        )


def test_no_change_may_leave_the_service_without_an_enabled_administrator(database):
    """Adam alone cannot be demoted or disabled; with Ana as a second, either may go, not both."""
    seed_cast(database)
    with pytest.raises(accounts.LastAdministrator, match="adam is the last enabled admin"):
        accounts.change_role(
            database, "adam", Role.ANALYST, team_id=None, staff_id=None, audit=_audit(database)
        )
    with pytest.raises(accounts.LastAdministrator):
        accounts.disable_user(database, "adam", now=NOW, audit=_audit(database))
    _make_administrator(database, "ana", disabled=True)  # a disabled one does not count
    with pytest.raises(accounts.LastAdministrator):
        accounts.disable_user(database, "adam", now=NOW, audit=_audit(database))
    accounts.enable_user(database, "ana", audit=_audit(database))
    accounts.change_role(  # still an administrator: not a demotion
        database, "adam", Role.ADMINISTRATOR, team_id=None, staff_id=None, audit=_audit(database)
    )
    accounts.disable_user(database, "adam", now=NOW, audit=_audit(database))
    with pytest.raises(accounts.LastAdministrator, match="ana is the last"):
        accounts.change_role(
            database, "ana", Role.ANALYST, team_id=None, staff_id=None, audit=_audit(database)
        )
    accounts.disable_user(database, "olu", now=NOW, audit=_audit(database))  # others are free
    found = [accounts.get_user(database, u) for u in ("adam", "ana")]
    assert [(a.username, a.role, a.disabled) for a in found] == [
        ("adam", Role.ADMINISTRATOR, True),
        ("ana", Role.ADMINISTRATOR, False),
    ]
    assert [action for action, _ in _actions(database)] == [
        "user_disable",
        "user_disable",
        "user_role",
        "user_enable",
    ]


def _demote_each_other(database) -> dict[str, str]:
    """Adam and Ana, both administrators, each demote the other at the same moment."""
    _make_administrator(database, "adam")
    _make_administrator(database, "ana")
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def demote(username: str) -> None:
        start.wait()
        try:
            accounts.change_role(
                database, username, Role.ANALYST, team_id=None, staff_id=None,
                audit=_audit(database),
            )  # fmt: skip
            outcomes[username] = "demoted"
        except accounts.LastAdministrator:
            outcomes[username] = "refused"

    threads = [threading.Thread(target=demote, args=(u,)) for u in ("adam", "ana")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_administrators_demoting_each_other_at_the_same_moment_leave_one(database):
    """Adam demotes Ana while Ana demotes Adam, ten times over: one wins, one is refused."""
    seed_cast(database)
    for _ in range(10):
        outcomes = _demote_each_other(database)
        assert sorted(outcomes.values()) == ["demoted", "refused"]
        roles = [accounts.get_user(database, u).role.value for u in ("adam", "ana")]
        assert sorted(roles) == ["administrator", "analyst"]


# arguments after `avert user`        error on stderr
LAST_ADMINISTRATOR = [
    (["role", "adam", "analyst"],       "adam is the last enabled administrator: make another"),
    (["disable", "adam"],               "adam is the last enabled administrator: make another"),
]  # fmt: skip


@pytest.mark.parametrize(("arguments", "error"), LAST_ADMINISTRATOR)
def test_the_user_command_will_not_demote_or_disable_the_last_administrator(
    database, database_url, capsys, arguments, error
):
    """One line and exit 12; nothing changes, nothing is audited; with a second one it works."""
    seed_cast(database)
    user = ["--database-url", database_url, "user"]
    assert main([*user, *arguments], {}) == EXIT_INPUT
    assert error in _one_line_error(capsys)
    adam = accounts.get_user(database, "adam")
    assert (adam.role, adam.disabled) == (Role.ADMINISTRATOR, False)
    assert _actions(database) == []
    assert main([*user, "role", "ana", "administrator"], {}) == 0
    assert main([*user, *arguments], {}) == 0

"""The API client pages (/admin/clients), and the last administrator on /admin/users."""

from __future__ import annotations

import html
import typing

from sqlalchemy import update

from avert.domain.access import Role
from avert.security import audit
from avert.security.principal import Principal
from avert.services import accounts
from avert.store.schema import User
from avert.web.pages import admin
from tests.factories import referral_body


SECRET = "a long client secret 42"


def _token(anonymous, client_id: str, secret: str):
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return anonymous.post("/oauth/token", data=form)


def _text(response) -> str:
    return html.unescape(response.text)


def test_an_administrator_adds_an_api_client_on_the_page_which_can_then_get_a_token(
    as_user, anonymous, database
):
    """Bad fields come back in the error summary, values kept; a good client can sign in."""
    adam = as_user("adam")
    listed = adam.get("/admin/clients")
    assert listed.status_code == 200
    assert 'id="client-ambulance"' in listed.text and "Ambulance service" in listed.text
    assert adam.get("/admin/clients/new").status_code == 200
    form = {
        "client_id": "nhs111",
        "name": "",
        "organisation": "RYC",
        "scopes": ["referral:write"],
        "secret": "short",
        "secret_again": "short",
    }
    refused = adam.post("/admin/clients", data=form)
    assert refused.status_code == 422
    summary = _text(refused).split('class="nhsuk-error-summary"')[1].split("</ul>")[0]
    assert summary.index("Enter the system's name") < summary.index("Choose scopes from the list")
    assert "The secret must be at least 16 characters" in summary
    assert 'value="nhs111"' in refused.text  # what was typed is kept (never the secret)
    form |= {"name": "NHS 111 East", "scopes": ["referral:create", "referral:read"]}
    mismatched = adam.post("/admin/clients", data={**form, "secret": SECRET})
    assert "The two secrets are not the same" in _text(mismatched)
    added = adam.post(
        "/admin/clients",
        data={**form, "secret": SECRET, "secret_again": SECRET},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == "/admin/clients?done=added&client=nhs111"
    shown = adam.get(added.headers["location"])
    assert "API client nhs111 added" in shown.text
    row = shown.text.split('id="client-nhs111"')[1].split("</tr>")[0]
    assert "NHS 111 East" in row and "referral:create, referral:read" in row and "Enabled" in row
    granted = _token(anonymous, "nhs111", SECRET)
    assert granted.status_code == 200 and granted.json()["scope"] == "referral:create referral:read"
    again = adam.post("/admin/clients", data={**form, "secret": SECRET, "secret_again": SECRET})
    assert "There is already an API client with this id" in again.text
    for page in (shown, adam.get("/admin/clients/nhs111")):
        assert SECRET not in page.text and "argon2" not in page.text
    looked = audit.what_user_looked_at(database, "adam")
    assert ("client_add", "client/nhs111/referral:create referral:read") in [
        (e.action, e.resource) for e in looked
    ]


def test_a_disabled_clients_token_is_refused_at_once_and_it_cannot_get_a_new_one(
    as_user, as_client, anonymous, database
):
    """The ambulance's bearer token stops working (401); enabled again, only a new token works."""
    ambulance = as_client("ambulance")
    created = ambulance.post("/api/referrals", json=referral_body())
    assert created.status_code == 201, created.text
    referral = f"/api/referrals/{created.json()['id']}"
    assert ambulance.get(referral).status_code == 200
    adam = as_user("adam")
    disabled = adam.post("/admin/clients/ambulance/disable", follow_redirects=False)
    assert disabled.headers["location"] == "/admin/clients?done=disabled&client=ambulance"
    assert "every token it had is ended" in adam.get(disabled.headers["location"]).text
    assert ambulance.get(referral).status_code == 401
    assert ambulance.post("/api/referrals", json=referral_body()).status_code == 401
    refused = _token(anonymous, "ambulance", "ambulance-secret")
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert "Disabled" in adam.get("/admin/clients/ambulance").text

    enabled = adam.post("/admin/clients/ambulance/enable", follow_redirects=False)
    assert enabled.headers["location"] == "/admin/clients?done=enabled&client=ambulance"
    assert ambulance.get(referral).status_code == 401  # the old token stays ended
    assert as_client("ambulance").get(referral).status_code == 200
    actions = [e.action for e in audit.what_user_looked_at(database, "adam")]
    assert actions[:2] == ["client_enable", "client_disable"]


def test_a_new_secret_on_the_page_ends_the_old_secret_and_its_tokens(as_user, as_client, anonymous):
    """Short or mismatched secrets are refused on the page; a good one replaces the old one."""
    telecare = as_client("telecare")
    assert telecare.get("/api/referrals/987654").status_code == 404  # signed in, nothing there
    adam = as_user("adam")
    short = adam.post(
        "/admin/clients/telecare/secret", data={"secret": "short", "secret_again": "short"}
    )
    assert short.status_code == 422
    assert "The secret must be at least 16 characters" in short.text
    assert "nhsuk-error-summary" in short.text
    empty = adam.post("/admin/clients/telecare/secret", data={"secret": "", "secret_again": ""})
    assert "Enter the client&#39;s secret" in empty.text
    other = adam.post(
        "/admin/clients/telecare/secret", data={"secret": SECRET, "secret_again": SECRET + "!"}
    )
    assert other.status_code == 422 and "The two secrets are not the same" in other.text
    assert telecare.get("/api/referrals/987654").status_code == 404  # nothing changed yet
    changed = adam.post(
        "/admin/clients/telecare/secret",
        data={"secret": SECRET, "secret_again": SECRET},
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/admin/clients?done=secret&client=telecare"
    assert telecare.get("/api/referrals/987654").status_code == 401
    assert _token(anonymous, "telecare", "telecare-secret").status_code == 401
    assert _token(anonymous, "telecare", SECRET).status_code == 200


def test_the_client_pages_know_only_real_clients(as_user):
    """An unknown id is a 404 on every client route; a link cannot invent a success message."""
    adam = as_user("adam")
    assert adam.get("/admin/clients/nobody").status_code == 404
    for action in ("disable", "enable", "secret"):
        assert adam.post(f"/admin/clients/nobody/{action}").status_code == 404
    invented = adam.get("/admin/clients?done=added&client=nobody")
    assert invented.status_code == 200 and "API client nobody" not in invented.text


def _stale_administrator(app, username: str, name: str) -> None:
    """Requests to the admin pages come from `username`, authorised as an administrator a moment
    before another administrator's change took the role away (the two changes crossing)."""
    dependency = typing.get_args(admin.Administrator)[1].dependency
    stale = Principal(id=username, display_name=name, role=Role.ADMINISTRATOR, organisation="RT5")
    app.dependency_overrides[dependency] = lambda: stale


def test_the_account_page_will_not_demote_or_disable_the_last_enabled_administrator(
    app, as_user, database
):
    """Ana demotes Adam; Adam's crossing change to Ana is refused, saying why; Ana stays."""
    with database.writing() as session:
        session.execute(update(User).where(User.id == "ana").values(role="administrator"))
    ana = as_user("ana")
    demoted = ana.post("/admin/users/adam/role", data={"role": "analyst"}, follow_redirects=False)
    assert demoted.status_code == 303
    _stale_administrator(app, "adam", "Adam Admin")
    try:
        adam = as_user("sam")  # any signed-in browser: the admin pages now see the stale Adam
        for path, form in (("role", {"role": "analyst"}), ("disable", {})):
            refused = adam.post(f"/admin/users/ana/{path}", data=form)
            assert refused.status_code == 409, (path, refused.status_code)
            summary = _text(refused).split('class="nhsuk-error-summary"')[1]
            assert "Ana Lyst is the last enabled administrator" in summary
    finally:
        app.dependency_overrides.clear()
    found = {u: accounts.get_user(database, u) for u in ("ana", "adam")}
    assert (found["ana"].role, found["ana"].disabled) == (Role.ADMINISTRATOR, False)
    assert found["adam"].role is Role.ANALYST
    actions = [e.resource for e in audit.what_user_looked_at(database, "adam")]
    assert "user/ana/analyst" not in actions and "user/ana" not in actions

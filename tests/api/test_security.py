"""Who may see what, the audit of every look, sessions, CSRF and headers (issue 6, first part)."""

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from avert.security import audit
from avert.services import accounts
from tests.factories import referral_body


def _referral(client, **overrides) -> dict:
    response = client.post("/api/referrals", json=referral_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_clinician_sees_their_teams_open_referrals_and_nobody_elses(client, as_user):
    """Alice-Bob-Charlie: same team sees it; another team gets 404, and not in lists either."""
    city = _referral(client, team_id="T-CITY")
    county = _referral(client, team_id="T-COUNTY")
    olu, charlie = as_user("olu"), as_user("charlie")
    assert olu.get(f"/api/referrals/{city['id']}").status_code == 200
    assert olu.get(f"/api/referrals/{county['id']}").status_code == 404
    assert charlie.get(f"/api/referrals/{city['id']}").status_code == 404
    assert charlie.get(f"/api/referrals/{city['id']}/history").status_code == 404
    assert [i["referral_id"] for i in olu.get("/api/queue").json()["items"]] == [city["id"]]
    assert [i["referral_id"] for i in charlie.get("/api/queue").json()["items"]] == [county["id"]]


def test_a_visit_allocated_to_someone_gives_them_the_record(client, as_user):
    """A clinician from another team sent on a visit may then see that referral."""
    city = _referral(client, team_id="T-CITY")
    response = client.post(
        f"/board/allocate/{city['id']}",
        data={"version": str(city["version"]), "first_staff": "S-CH"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert as_user("charlie").get(f"/api/referrals/{city['id']}").status_code == 200


@pytest.mark.parametrize("username", ["ana", "sergio", "adam", "pia"])
def test_roles_without_patient_access_see_no_referral(client, as_user, username):
    """Analyst, service lead, administrator and privacy officer get no patient records."""
    created = _referral(client)
    other = as_user(username)
    assert other.get(f"/api/referrals/{created['id']}").status_code == 403
    assert other.get("/api/queue").status_code == 403
    assert other.post("/api/referrals", json=referral_body()).status_code == 403


def test_a_system_reads_back_only_what_it_referred(client, as_client):
    """An integration client sees its own referrals, not anyone else's."""
    theirs = _referral(client)
    ambulance = as_client("ambulance")
    mine = ambulance.post("/api/referrals", json=referral_body()).json()
    assert ambulance.get(f"/api/referrals/{mine['id']}").status_code == 200
    assert ambulance.get(f"/api/referrals/{theirs['id']}").status_code == 404
    assert [i["referral_id"] for i in ambulance.get("/api/queue").json()["items"]] == [mine["id"]]


def test_a_token_carries_only_the_scopes_asked_for(as_client):
    """A read-only token cannot refer; an unknown client gets no token."""
    reader = as_client("readonly")
    assert reader.post("/api/referrals", json=referral_body()).status_code == 403
    refused = reader.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "readonly",
            "client_secret": "wrong",
        },
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    wider = reader.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "readonly",
            "client_secret": "readonly-secret",
            "scope": "referral:create",
        },
    )
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


def test_every_look_at_a_record_is_audited_before_it_is_shown(client, as_user, database, settings):
    """Create, read and list each write an audit row naming the person; the chain verifies."""
    created = _referral(client)
    person = created["person"]["id"]
    client.get(f"/api/referrals/{created['id']}")
    client.get("/api/queue")
    looks = audit.who_looked_at(database, person)
    assert [e.action for e in reversed(looks)][-3:] == ["create", "read", "list"]
    assert {e.actor for e in looks} == {"sam"}
    assert [e.basis for e in reversed(looks)][-3:] == ["referrer", "service role", "service"]
    assert all(e.request_id for e in looks)
    assert audit.verify(database, settings.secret_key).ok


def test_if_the_audit_cannot_be_written_no_data_is_returned(client, monkeypatch):
    """Fail closed: a broken audit writer means 503 and no patient data in the body."""
    created = _referral(client, person={"given_name": "Hidden"})

    def broken(*args, **kwargs):
        raise audit.AuditUnavailable("disk full")

    monkeypatch.setattr(audit, "record", broken)
    response = client.get(f"/api/referrals/{created['id']}")
    assert response.status_code == 503
    assert "Hidden" not in response.text


def test_the_audit_log_refuses_changes_and_verify_finds_tampering(client, database, settings):
    """UPDATE and DELETE are refused by the database; a forced edit is found by verify."""
    _referral(client)
    client.get("/api/queue")
    with pytest.raises(Exception, match="append-only"):
        with database.writing() as session:
            session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"))
    with pytest.raises(Exception, match="append-only"):
        with database.writing() as session:
            session.execute(text("DELETE FROM audit_log WHERE seq = 1"))
    with database.writing() as session:  # a database administrator removes the guard
        if database.dialect == "postgresql":
            session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"))
    report = audit.verify(database, settings.secret_key)
    assert not report.ok and "entry 1 has been altered" in report.problems


def test_a_form_without_its_csrf_token_is_refused(client):
    """Cookie-signed requests must carry the session's CSRF token."""
    del client.headers["X-CSRF-Token"]
    assert client.post("/api/referrals", json=referral_body()).status_code == 403
    client.headers["X-CSRF-Token"] = "forged"
    assert client.post("/api/referrals", json=referral_body()).status_code == 403


def test_disabling_an_account_ends_its_sessions_at_once(as_user, database, settings, clock):
    """The next request after disabling is unsigned."""
    olu = as_user("olu")
    assert olu.get("/api/queue").status_code == 200
    audit_entry = accounts.command_line_audit(database.dialect, settings.secret_key, clock())
    accounts.disable_user(database, "olu", now=clock(), audit=audit_entry)
    assert olu.get("/api/queue").status_code == 401


def test_sessions_end_when_idle_and_after_their_lifetime(app, anonymous, database, clock):
    """15 minutes idle, or 12 hours in all, and the session is gone (default settings)."""
    from avert.config import Settings
    from avert.security.sessions import principal_for_session, sign_in

    defaults = Settings()
    start = clock()
    token = sign_in(database, defaults, "olu", "correct horse battery staple", now=start).token
    assert principal_for_session(database, defaults, token, now=start + timedelta(minutes=14))
    assert (
        principal_for_session(database, defaults, token, now=start + timedelta(minutes=30)) is None
    )
    token = sign_in(database, defaults, "olu", "correct horse battery staple", now=start).token
    at = start
    while at < start + timedelta(hours=11, minutes=50):
        at += timedelta(minutes=10)
        assert principal_for_session(database, defaults, token, now=at)
    assert principal_for_session(database, defaults, token, now=start + timedelta(hours=12)) is None


def test_the_session_cookie_is_host_only_secure_httponly_and_samesite(anonymous):
    """__Host- prefix, Secure, HttpOnly, SameSite."""
    response = anonymous.post(
        "/login",
        data={"username": "sam", "password": "correct horse battery staple"},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-avert_session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower()
    wrong = anonymous.post("/login", data={"username": "sam", "password": "nope"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers


def test_security_headers_are_on_every_response(client):
    """CSP with frame-ancestors, HSTS, nosniff, Referrer-Policy, no-store on patient pages."""
    for path in ("/board", "/api/queue", "/api/health", "/login"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["strict-transport-security"].startswith("max-age=31536000")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"


NHS_NUMBER = re.compile(r"\b\d{3}\s?\d{3}\s?\d{4}\b")


def test_no_patient_data_reaches_the_logs_or_error_bodies(client, caplog):
    """R10: a session of mistakes and successes logs no NHS number or name."""
    caplog.set_level(logging.DEBUG)
    bodies = []
    created = _referral(client, person={"given_name": "Zebedee", "nhs_number": "9990000018"})
    for response in (
        client.post("/api/referrals", json=referral_body(person={"nhs_number": "999 000 0001"})),
        client.post(
            "/api/referrals",
            json=referral_body(person={"given_name": "Zebedee", "date_of_birth": "2999-01-01"}),
        ),
        client.get("/api/referrals/999999"),
        client.post(
            f"/api/referrals/{created['id']}/transitions",
            json={"to": "on_site", "reason": "arrived", "actor": "Zebedee"},
        ),
    ):
        assert response.status_code >= 400
        bodies.append(response.text)
    captured = caplog.text + "".join(bodies)
    assert "Zebedee" not in captured
    assert not NHS_NUMBER.search(captured)


def test_break_glass_needs_a_reason_expires_and_reaches_the_privacy_officer(client, as_user, clock):
    """A reasoned grant opens one person's record for an hour; the privacy officer reviews it."""
    county = _referral(client, team_id="T-COUNTY", person={"nhs_number": "9990000018"})
    olu, pia = as_user("olu"), as_user("pia")
    assert olu.get(f"/api/referrals/{county['id']}").status_code == 404
    too_short = olu.post("/api/break-glass", json={"nhs_number": "9990000018", "reason": "x"})
    assert too_short.status_code == 422
    granted = olu.post(
        "/api/break-glass",
        json={
            "nhs_number": "999 000 0018",
            "reason": "Called by paramedics on scene; the County team is not answering",
        },
    )
    assert granted.status_code == 201
    assert olu.get(f"/api/referrals/{county['id']}").status_code == 200
    queue = pia.get("/api/privacy/break-glass").json()["grants"]
    assert [(g["user_id"], g["person_id"]) for g in queue] == [("olu", county["person"]["id"])]
    looks = pia.get(f"/api/privacy/audit?person={county['person']['id']}").json()["entries"]
    assert {"break glass"} <= {e["basis"] for e in looks if e["actor"] == "olu"}
    assert pia.get("/api/privacy/audit?actor=olu").json()["entries"]
    clock.set(clock() + timedelta(hours=1, minutes=1))
    assert olu.get(f"/api/referrals/{county['id']}").status_code == 404
    reviewed = pia.post(
        f"/api/privacy/break-glass/{granted.json()['id']}/review",
        json={"note": "Appropriate: emergency on scene"},
    )
    assert reviewed.status_code == 200
    assert pia.get("/api/privacy/break-glass").json()["grants"] == []
    assert olu.get("/api/privacy/break-glass").status_code == 403


def test_a_referral_whose_audit_entry_fails_is_not_stored(client, monkeypatch):
    """The audit entry for a new referral commits with it or not at all (503, nothing stored)."""

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "append", broken)
    response = client.post("/api/referrals", json=referral_body())
    assert response.status_code == 503
    monkeypatch.undo()
    assert client.get("/api/queue").json()["total"] == 0


def test_a_system_that_refers_in_fhir_reads_it_back_and_the_creation_is_audited(
    as_client, database
):
    """A ServiceRequest posted by a client is that client's submission, and audited."""
    from tests.api.test_fhir_api import referral_from_111

    ambulance = as_client("ambulance")
    posted = ambulance.post("/fhir/ServiceRequest", json=referral_from_111())
    assert posted.status_code == 201, posted.text
    referral_id = int(posted.headers["Location"].rsplit("/", 1)[1])
    assert ambulance.get(f"/api/referrals/{referral_id}").status_code == 200
    assert as_client("telecare").get(f"/api/referrals/{referral_id}").status_code == 404
    created = audit.what_user_looked_at(database, "ambulance")
    assert any(
        e.action == "create" and e.resource == f"ServiceRequest/{referral_id}" for e in created
    )


def test_a_change_and_its_audit_entry_commit_together_or_not_at_all(client, database, monkeypatch):
    """A lifecycle move writes one 'update' entry in its own transaction; if that entry cannot
    be written, the move is rolled back (503) and the referral is where it was."""
    created = _referral(client)
    move = {"to": "accepted", "reason": "accepted_by_clinician", "actor": "Sam Coordinator"}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "append", broken)
    refused = client.post(f"/api/referrals/{created['id']}/transitions", json=move)
    assert refused.status_code == 503
    monkeypatch.undo()
    assert client.get(f"/api/referrals/{created['id']}").json()["state"] == created["state"]

    before = len(audit.who_looked_at(database, created["person"]["id"]))
    assert client.post(f"/api/referrals/{created['id']}/transitions", json=move).status_code == 200
    looks = audit.who_looked_at(database, created["person"]["id"])
    assert len(looks) == before + 1 and looks[0].action == "update"


@pytest.mark.parametrize(
    "username, lands_on",
    [
        ("sam", "/board"),
        ("olu", "/board"),
        ("ana", "/directory"),
        ("sergio", "/directory"),
        ("adam", "/admin/users"),
        ("pia", "/privacy"),
    ],
)
def test_after_signing_in_each_role_lands_on_the_first_screen_it_may_use(
    anonymous, username, lands_on
):
    """Nobody is sent to a page their role refuses: home is the first item of their menu."""
    signed_in = anonymous.post(
        "/login",
        data={"username": username, "password": "correct horse battery staple"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    home = anonymous.get("/", follow_redirects=False)
    assert home.headers["location"] == lands_on
    assert anonymous.get(lands_on).status_code == 200

"""Moving referrals through their lifecycle over the API, and reading the queue and history."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import referral_body


def _move(client, referral_id, to, reason, **extra):
    body = {"to": to, "reason": reason, "actor": "Sam Coordinator", **extra}
    return client.post(f"/api/referrals/{referral_id}/transitions", json=body)


def _walk_to_site(client, referral_id, arrived_at):
    for to, reason in [
        ("accepted", "accepted_by_clinician"),
        ("allocated", "allocated_to_staff"),
        ("en_route", "staff_travelling"),
    ]:
        assert _move(client, referral_id, to, reason).status_code == 200
    return _move(client, referral_id, "on_site", "arrived", at=arrived_at.isoformat())


def test_mrs_a_is_seen_in_31_minutes_and_stays_at_home(client, clock):
    """Case study 1: GP referral 14:14 after a fall, seen 14:45 (2-hour met), admission avoided."""
    received = datetime(2021, 6, 8, 13, 14, tzinfo=UTC)  # 14:14 BST
    clock.set(received + timedelta(minutes=1))
    body = referral_body(
        source="gp",
        received_at=received.isoformat(),
        person={"date_of_birth": "1938-04-02", "given_name": "Mrs", "family_name": "A"},
        need="fall",
        need_text="Back pain, unable to mobilise; recurrent falls, dementia, diabetic",
    )
    created = client.post("/api/referrals", json=body).json()
    assert created["triage"]["disposition"] == "two_hour_crisis"
    assert created["clock"]["deadline_local"].startswith("Tue 08 Jun 2021 16:14")

    clock.set(received + timedelta(minutes=40))
    seen = _walk_to_site(client, created["id"], received + timedelta(minutes=31)).json()
    assert seen["clock"]["state"] == "met"
    assert seen["clock"]["waited_seconds"] == 31 * 60
    assert seen["clock"]["met"] is True
    cyp104 = seen["clock"]["cyp104"]
    assert cyp104["WAITING TIME MEASUREMENT TYPE (COMMUNITY CARE)"] == "05"
    assert cyp104["REFERRAL TO TREATMENT PERIOD START TIME"] == "14:14:00"
    assert cyp104["REFERRAL TO TREATMENT PERIOD END TIME"] == "14:45:00"
    assert cyp104["DERIVED WAITING TIME (MINUTES)"] == "31"
    assert cyp104["RESPONSE STANDARD MET"] == "Y"

    assert _move(client, created["id"], "in_care", "care_started").status_code == 200
    clock.set(received + timedelta(days=6))
    done = _move(
        client,
        created["id"],
        "discharged",
        "discharged_with_outcome",
        outcome="remained_at_home",
        note="Hospital admission avoided",
    ).json()
    assert done["state"] == "discharged"
    assert done["discharge"]["outcome"] == "remained_at_home"
    assert done["episode"]["phase"] == "crisis"
    assert done["clock"]["state"] == "met"

    history = client.get(f"/api/referrals/{created['id']}/history").json()["events"]
    assert [e["to_state"] for e in history] == [
        "received",
        "triaged",
        "accepted",
        "allocated",
        "en_route",
        "on_site",
        "in_care",
        "discharged",
    ]
    assert [e["seq"] for e in history] == list(range(1, 9))
    assert history[-1]["note"] == "Hospital admission avoided"
    assert all(e["actor"] for e in history)


def test_an_illegal_transition_is_refused_with_the_allowed_moves(client):
    """A triaged referral cannot jump to on site; the error says what it can do."""
    created = client.post("/api/referrals", json=referral_body()).json()
    response = _move(client, created["id"], "on_site", "arrived")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert "accepted" in error["message"]
    assert client.get(f"/api/referrals/{created['id']}").json()["state"] == "triaged"


def test_a_reason_must_fit_the_move(client):
    """Cancelling needs a cancellation reason, not an arrival."""
    created = client.post("/api/referrals", json=referral_body()).json()
    response = _move(client, created["id"], "cancelled", "arrived")
    assert response.status_code == 409
    assert _move(client, created["id"], "cancelled", "cancelled_by_referrer").status_code == 200


def test_discharge_needs_an_outcome_and_onward_referral_needs_a_service(client, clock):
    """Discharge records an outcome; an onward referral says to which service."""
    created = client.post("/api/referrals", json=referral_body()).json()
    clock.set(clock() + timedelta(minutes=30))
    _walk_to_site(client, created["id"], clock() - timedelta(minutes=1))
    missing = _move(client, created["id"], "discharged", "discharged_with_outcome")
    assert missing.status_code == 422
    assert missing.json()["error"]["problems"][0]["field"] == "outcome"
    no_service = _move(
        client, created["id"], "discharged", "discharged_with_outcome", outcome="onward_referral"
    )
    assert no_service.json()["error"]["problems"][0]["field"] == "onward_service"
    done = _move(
        client,
        created["id"],
        "discharged",
        "discharged_with_outcome",
        outcome="onward_referral",
        onward_service="community_nursing",
    )
    assert done.status_code == 200
    assert done.json()["discharge"]["onward_service"] == "community_nursing"


def test_a_stale_version_is_told_someone_else_changed_it(client):
    """Two coordinators accept the same referral: the second is told, nothing is overwritten."""
    created = client.post("/api/referrals", json=referral_body()).json()
    version = created["version"]
    first = _move(
        client, created["id"], "accepted", "accepted_by_clinician", expected_version=version
    )
    second = _move(
        client, created["id"], "redirected", "redirected_by_clinician", expected_version=version
    )
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "changed_meanwhile"
    assert client.get(f"/api/referrals/{created['id']}").json()["state"] == "accepted"


def test_a_discharged_referral_can_be_reopened_when_the_person_deteriorates(client, clock):
    """Reopening puts the referral back on the queue with the reason recorded."""
    created = client.post("/api/referrals", json=referral_body()).json()
    clock.set(clock() + timedelta(minutes=30))
    _walk_to_site(client, created["id"], clock())
    _move(
        client, created["id"], "discharged", "discharged_with_outcome", outcome="remained_at_home"
    )
    reopened = _move(client, created["id"], "reopened", "reopened_deterioration")
    assert reopened.json()["state"] == "reopened"
    assert reopened.json()["discharge"] is None
    assert client.get("/api/queue").json()["total"] == 1


def test_the_clock_breaches_when_nobody_arrives_in_time(client, clock):
    """Arrival after the deadline is a breach, and the queue shows overdue before that."""
    created = client.post("/api/referrals", json=referral_body()).json()
    clock.set(clock() + timedelta(hours=2, minutes=1))
    queue = client.get("/api/queue").json()
    assert queue["overdue"] == 1
    assert queue["items"][0]["clock_state"] == "overdue"
    assert queue["items"][0]["remaining_seconds"] == -60
    seen = _walk_to_site(client, created["id"], clock()).json()
    assert seen["clock"]["state"] == "breached"
    assert seen["clock"]["met"] is False


def test_the_queue_is_ordered_by_time_left_on_the_clock(client, clock):
    """A 2-hour referral received later still comes before a 2-day one received earlier."""
    start = clock()
    reablement = client.post(
        "/api/referrals",
        json=referral_body(need="reduced_function", stated_urgency="within_2_days"),
    ).json()
    clock.set(start + timedelta(minutes=20))
    urgent_late = client.post("/api/referrals", json=referral_body()).json()
    clock.set(start + timedelta(minutes=10))
    urgent_early = client.post(
        "/api/referrals", json=referral_body(received_at=(start + timedelta(minutes=5)).isoformat())
    ).json()
    redirected = client.post("/api/referrals", json=referral_body(red_flags=["stroke_signs"]))
    clock.set(start + timedelta(minutes=30))
    queue = client.get("/api/queue").json()
    ids = [item["referral_id"] for item in queue["items"]]
    assert reablement["triage"]["disposition"] == "two_day_reablement"
    assert ids == [urgent_early["id"], urgent_late["id"], reablement["id"]]
    assert redirected.json()["id"] not in ids
    assert queue["total"] == 3
    remaining = [item["remaining_seconds"] for item in queue["items"]]
    assert remaining == sorted(remaining)


def test_the_queue_can_be_filtered_by_disposition_and_team(client):
    """Filters narrow the queue; an unknown team shows nothing."""
    client.post("/api/referrals", json=referral_body())
    client.post(
        "/api/referrals",
        json=referral_body(need="reduced_function", stated_urgency="within_2_days"),
    )
    assert client.get("/api/queue?disposition=two_day_reablement").json()["total"] == 1
    assert client.get("/api/queue?team=T-CITY").json()["total"] == 2
    assert client.get("/api/queue?team=NOPE").json()["total"] == 0


def test_a_clinician_can_override_triage_with_a_recorded_reason(client):
    """Override changes the disposition and clock, and keeps the reason and the original."""
    created = client.post(
        "/api/referrals",
        json=referral_body(need="reduced_function", stated_urgency="within_2_days"),
    ).json()
    assert created["clock"]["standard"] == "two_day"
    response = client.post(
        f"/api/referrals/{created['id']}/triage-override",
        json={
            "disposition": "two_hour_crisis",
            "reason": "Carer says she cannot stand now",
            "by": "Jo Clinician",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["triage"]["disposition"] == "two_hour_crisis"
    assert body["triage"]["overridden"] is True
    assert body["triage"]["override_reason"] == "Carer says she cannot stand now"
    assert body["clock"]["standard"] == "two_hour"
    history = client.get(f"/api/referrals/{created['id']}/history").json()["events"]
    assert history[-1]["action"] == "triage_override"
    assert history[-1]["actor"] == "Sam Coordinator for Jo Clinician"
    assert history[-1]["data"]["triage"]["original"]["disposition"] == "two_day_reablement"


def test_a_move_is_recorded_as_the_signed_in_user_unless_they_act_for_someone(client):
    """Without `actor` the event names the signed-in user; with it, 'user for actor'."""
    created = client.post("/api/referrals", json=referral_body()).json()
    move = {"to": "accepted", "reason": "accepted_by_clinician"}
    assert client.post(f"/api/referrals/{created['id']}/transitions", json=move).status_code == 200
    history = client.get(f"/api/referrals/{created['id']}/history").json()["events"]
    assert history[-1]["actor"] == "Sam Coordinator"


def test_an_override_without_a_reason_is_refused(client):
    """A blank reason is not a recorded reason."""
    created = client.post("/api/referrals", json=referral_body()).json()
    response = client.post(
        f"/api/referrals/{created['id']}/triage-override",
        json={"disposition": "redirect", "destination": "gp", "reason": "  ", "by": "Jo"},
    )
    assert response.status_code == 422


def test_an_override_to_redirect_needs_a_destination(client):
    """No wrong referral: a clinician's redirect names where the person goes."""
    created = client.post("/api/referrals", json=referral_body()).json()
    response = client.post(
        f"/api/referrals/{created['id']}/triage-override",
        json={"disposition": "redirect", "reason": "Needs GP review", "by": "Jo"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "destination"


@pytest.mark.parametrize("path", ["/api/referrals/999999", "/api/referrals/999999/history"])
def test_an_unknown_referral_is_a_404_in_the_error_shape(client, path):
    """Reading a referral that does not exist says so plainly."""
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

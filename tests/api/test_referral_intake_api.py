"""Submitting referrals over the JSON API: triage and clock at once, idempotent, never a 500."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import referral_body, synthetic_nhs_number


SOURCES = [
    "gp",
    "nhs111",
    "ambulance_999",
    "care_home",
    "telecare",
    "self",
    "carer_relative",
    "social_care",
    "community_nursing",
    "ed",
    "acute_ward",
    "other",
]


@pytest.mark.parametrize("source", SOURCES)
def test_a_referral_from_any_source_gets_an_id_a_triage_outcome_and_a_clock(client, source):
    """Every referral source is accepted; the answer carries triage and the clock."""
    response = client.post("/api/referrals", json=referral_body(source=source))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] >= 1
    assert response.headers["Location"] == f"/api/referrals/{body['id']}"
    assert body["triage"]["disposition"] == "two_hour_crisis"
    assert body["triage"]["rules_fired"]
    assert body["triage"]["ruleset_version"]
    assert body["clock"]["standard"] == "two_hour"
    assert body["clock"]["csds_measurement_type"] == "05"
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["clock"]["deadline"]) - received == timedelta(hours=2)


def test_replaying_the_same_idempotency_key_returns_the_original_referral(client):
    """Same key, same body: 200 with the first referral, and no second referral."""
    body = referral_body()
    first = client.post("/api/referrals", json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/referrals", json=body, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert client.get("/api/queue").json()["total"] == 1


def test_the_same_idempotency_key_with_a_different_body_is_refused(client):
    """Reusing a key for another referral is a client error naming the key, not a new referral."""
    client.post("/api/referrals", json=referral_body(), headers={"Idempotency-Key": "k-2"})
    other = client.post(
        "/api/referrals",
        json=referral_body(need="catheter_care"),
        headers={"Idempotency-Key": "k-2"},
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert client.get("/api/queue").json()["total"] == 1


def test_the_same_source_system_and_referral_id_returns_the_original(client):
    """A 111 system resending its case gets the referral it created the first time."""
    body = referral_body(source="nhs111", source_system="iuc-cas", source_referral_id="CASE-77")
    first = client.post("/api/referrals", json=body)
    again = client.post("/api/referrals", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    changed = client.post("/api/referrals", json={**body, "need": "diabetes_support"})
    assert changed.status_code == 422
    assert changed.json()["error"]["problems"][0]["field"] == "source_referral_id"


def test_idempotency_keys_belong_to_one_client(as_client):
    """Two client systems may use the same key for different referrals."""
    one = as_client("ambulance").post(
        "/api/referrals", json=referral_body(), headers={"Idempotency-Key": "same"}
    )
    two = as_client("telecare").post(
        "/api/referrals", json=referral_body(), headers={"Idempotency-Key": "same"}
    )
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["id"] != two.json()["id"]


def test_a_second_open_referral_for_the_same_person_is_flagged_not_merged(client):
    """Same NHS number within 24 hours: a new referral, marked as a possible duplicate."""
    nhs = synthetic_nhs_number()
    first = client.post("/api/referrals", json=referral_body(person={"nhs_number": nhs}))
    second = client.post(
        "/api/referrals", json=referral_body(person={"nhs_number": nhs}, source="carer_relative")
    )
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["possible_duplicate_of"] == first.json()["id"]
    assert first.json()["possible_duplicate_of"] is None


def test_a_referral_for_another_person_is_not_flagged(client):
    """Different NHS numbers are never called duplicates."""
    client.post("/api/referrals", json=referral_body())
    other = client.post("/api/referrals", json=referral_body())
    assert other.json()["possible_duplicate_of"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"person": {"nhs_number": "999 000 0001"}}, "person.nhs_number"),
        ({"person": {"nhs_number": "12345"}}, "person.nhs_number"),
        ({"person": {"date_of_birth": "2099-01-01"}}, "person.date_of_birth"),
        ({"person": {"date_of_birth": "1941-02-30"}}, "person.date_of_birth"),
        ({"person": {"postcode": "NOT A CODE"}}, "person.postcode"),
        ({"source": "carrier_pigeon"}, "source"),
        ({"need": "broken_heart"}, "need"),
        ({"red_flags": ["chest_pain", "dragons"]}, "red_flags.1"),
        ({"stated_urgency": 2}, "stated_urgency"),
        ({"referrer": {"name": "Dr X"}}, "referrer.phone"),
        ({"person": {"given_name": ""}}, "person.given_name"),
        ({"person": {"age_years": "old"}}, "person.age_years"),
        ({"received_at": "2026-03-10T13:00:00"}, "received_at"),
        ({"need": "other"}, "need_text"),
        ({"unexpected": True}, "unexpected"),
    ],
)
def test_invalid_input_gets_a_422_naming_the_field(client, change, field):
    """Each invalid value is answered with a 4xx whose problem names the field."""
    response = client.post("/api/referrals", json=referral_body(**change))
    assert response.status_code == 422, response.text
    fields = [p["field"] for p in response.json()["error"]["problems"]]
    assert field in fields


def test_a_missing_date_of_birth_and_age_is_refused(client):
    """Triage needs an age: give a date of birth or an age."""
    body = referral_body()
    del body["person"]["date_of_birth"]
    response = client.post("/api/referrals", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "person.date_of_birth"


def test_an_age_alone_is_enough_when_the_date_of_birth_is_not_known(client):
    """A telecare call may know only roughly how old the person is."""
    body = referral_body(source="telecare")
    del body["person"]["date_of_birth"]
    body["person"]["age_years"] = 84
    response = client.post("/api/referrals", json=body)
    assert response.status_code == 201
    assert response.json()["age_years"] == 84


def test_malformed_json_gets_a_400_not_a_500(client):
    """A body that is not JSON is refused in the one error shape."""
    response = client.post(
        "/api/referrals", content=b'{"source": "gp",', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_a_referral_received_in_the_future_is_refused(client, clock):
    """received_at after now is a mistake."""
    later = (clock() + timedelta(minutes=5)).isoformat()
    response = client.post("/api/referrals", json=referral_body(received_at=later))
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "received_at"


def test_a_redirect_names_where_the_person_goes(client):
    """No wrong referral: chest pain goes to 999, and the answer says so."""
    response = client.post("/api/referrals", json=referral_body(red_flags=["chest_pain"]))
    body = response.json()
    assert response.status_code == 201
    assert body["state"] == "redirected"
    assert body["triage"]["disposition"] == "redirect"
    assert body["triage"]["destination"] == "emergency_999"
    assert body["clock"] is None


def test_a_referral_for_a_child_is_redirected_to_childrens_services(client, clock):
    """UCR is for adults: under-18s are signposted, not rejected."""
    response = client.post(
        "/api/referrals", json=referral_body(person={"date_of_birth": "2012-05-01"})
    )
    assert response.json()["triage"]["destination"] == "childrens_services"


def test_no_patient_data_is_echoed_in_an_error(client):
    """An invalid NHS number is not repeated back (errors can end up in logs)."""
    response = client.post(
        "/api/referrals", json=referral_body(person={"nhs_number": "999 000 0001"})
    )
    assert "9990000001" not in response.text and "999 000 0001" not in response.text


def test_received_at_is_stored_in_utc_whatever_offset_it_came_with(client, clock):
    """A referral stamped in BST is stored and returned in UTC."""
    clock.set(datetime(2026, 7, 1, 14, 30, tzinfo=UTC))
    response = client.post(
        "/api/referrals", json=referral_body(received_at="2026-07-01T15:14:00+01:00")
    )
    assert response.json()["received_at"].startswith("2026-07-01T14:14:00")

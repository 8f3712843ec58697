"""The FHIR UK Core API under /fhir: real UK Core examples posted, valid and broken."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

from avert.domain.news2 import SNOMED_TOTAL, Observations
from avert.fhir import systems
from avert.fhir.capability import MEDIA_TYPE, RESOURCES
from avert.security import audit
from avert.services import clinical, visits
from tests.factories import example


def referral_from_111(ubrn: str = "000000000001", **changes) -> dict:
    """The UK Core ECG ServiceRequest made into a UCR referral from NHS 111.

    The example Patient (Richard Smith, NHS number 9912003888) is contained, with a referrer who
    has a phone number, a UBRN, the need "fall" from Avert's code table and priority asap.
    """
    sr = example("ServiceRequest-ECG")
    patient = example("Patient-RichardSmith")
    patient["id"] = "patient"
    sr["contained"] = [
        patient,
        {
            "resourceType": "PractitionerRole",
            "id": "referrer",
            "practitioner": {"display": "NHS 111 clinical advisor"},
            "organization": {"display": "NHS 111 Leicestershire"},
            "telecom": [{"system": "phone", "value": "0300 123 4567"}],
        },
    ]
    sr["subject"] = {"reference": "#patient"}
    sr["requester"] = {"reference": "#referrer"}
    sr["identifier"] = [{"system": "https://fhir.nhs.uk/Id/UBRN", "value": ubrn}]
    sr["extension"] = [
        {
            "url": systems.EXT_REFERRAL_SOURCE,
            "valueCoding": {"system": systems.REFERRAL_SOURCE, "code": "nhs111"},
        }
    ]
    sr["priority"] = "asap"
    sr["reasonCode"] = [
        {"coding": [{"system": systems.NEED, "code": "fall"}], "text": "Fell in the kitchen"}
    ]
    sr.pop("occurrencePeriod")
    sr.update(changes)
    return sr


def issues(response) -> list[tuple[str, str]]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return [(i["expression"][0], i["code"]) for i in body["issue"]]


def test_the_metadata_is_a_capability_statement_served_as_fhir_json(client):
    """GET /fhir/metadata: a CapabilityStatement, media type application/fhir+json."""
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    assert response.json()["resourceType"] == "CapabilityStatement"


def test_every_interaction_the_capability_statement_claims_is_served(client):
    """Each claimed read answers 404 not-found for a missing id; each claimed search answers 200."""
    for kind, (interactions, params) in RESOURCES.items():
        if "read" in interactions:
            missing = client.get(f"/fhir/{kind}/999999")
            assert missing.status_code == 404
            assert issues(missing) == [(f"{kind}.id", "not-found")]
        first = next(iter(params))
        value = {"patient": "Patient/1", "status": "active", "authored": "2026"}.get(first, "x")
        found = client.get(f"/fhir/{kind}", params={first: value})
        assert found.status_code == 200, (kind, found.text)
        assert found.json()["type"] == "searchset"


def test_resource_types_not_built_are_not_served(client):
    """A resource type Avert does not serve: 404 with an OperationOutcome."""
    for kind in ("Appointment", "Schedule"):
        response = client.get(f"/fhir/{kind}?name=x")
        assert response.status_code == 404
        assert issues(response) == [(kind, "not-supported")]


def test_a_service_request_posted_appears_on_the_queue_triaged_with_its_clock(client, clock):
    """Done when: a 111 ServiceRequest posted is on the queue, triaged, its clock running."""
    response = client.post("/fhir/ServiceRequest", json=referral_from_111())
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    created = response.json()
    referral_id = int(created["id"])
    assert response.headers["Location"] == f"/fhir/ServiceRequest/{referral_id}"
    assert created["priority"] == "asap"
    assert created["occurrenceDateTime"] == (clock.at + timedelta(hours=2)).isoformat()
    queue = client.get("/api/queue").json()
    assert queue["total"] == 1
    item = queue["items"][0]
    assert item["referral_id"] == referral_id
    assert (item["state"], item["disposition"], item["standard"]) == (
        "triaged",
        "two_hour_crisis",
        "two_hour",
    )
    assert item["deadline"] is not None and item["clock_state"] == "running"
    view = client.get(f"/api/referrals/{referral_id}").json()
    assert (view["source"], view["source_system"], view["source_referral_id"]) == (
        "nhs111",
        "https://fhir.nhs.uk/Id/UBRN",
        "000000000001",
    )
    assert view["person"]["nhs_number"] == "9912003888"
    assert view["referrer"]["phone"] == "0300 123 4567"


def test_posting_the_same_service_request_again_changes_nothing(client):
    """Same identifier, same body: 200 with the same referral; no new referral, no new event."""
    first = client.post("/fhir/ServiceRequest", json=referral_from_111())
    referral_id = first.json()["id"]
    history = client.get(f"/api/referrals/{referral_id}/history").json()["events"]
    again = client.post("/fhir/ServiceRequest", json=referral_from_111())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert client.get("/api/queue").json()["total"] == 1
    assert client.get(f"/api/referrals/{referral_id}/history").json()["events"] == history


def test_the_same_identifier_with_a_different_body_is_refused(client):
    """A resend that changed is a 422 naming the identifier, not a second referral."""
    client.post("/fhir/ServiceRequest", json=referral_from_111())
    changed = referral_from_111(priority="routine")
    response = client.post("/fhir/ServiceRequest", json=changed)
    assert response.status_code == 422
    assert issues(response) == [("ServiceRequest.identifier", "duplicate")]
    assert client.get("/api/queue").json()["total"] == 1


def test_an_idempotency_key_makes_a_resend_without_identifier_a_replay(client):
    """No identifier: the Idempotency-Key header makes the resend return the original."""
    body = referral_from_111()
    body.pop("identifier")
    headers = {"Idempotency-Key": "111-case-9"}
    first = client.post("/fhir/ServiceRequest", json=body, headers=headers)
    again = client.post("/fhir/ServiceRequest", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_if_none_exist_returns_the_referral_already_made(client):
    """Conditional create: a match on identifier returns it (200) whatever the body says."""
    first = client.post("/fhir/ServiceRequest", json=referral_from_111())
    header = {"If-None-Exist": "identifier=https://fhir.nhs.uk/Id/UBRN|000000000001"}
    again = client.post(
        "/fhir/ServiceRequest", json=referral_from_111(priority="routine"), headers=header
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    unsupported = client.post(
        "/fhir/ServiceRequest", json=referral_from_111(), headers={"If-None-Exist": "status=active"}
    )
    assert unsupported.status_code == 400


def _drop_subject(sr: dict) -> None:
    sr.pop("subject")


def _bad_nhs_number(sr: dict) -> None:
    sr["contained"][0]["identifier"][0]["value"] = "9912003814"


def _unknown_need(sr: dict) -> None:
    sr["reasonCode"][0]["coding"][0]["code"] = "broken_hip"


# Broken variants of the example referral: the problem and where the OperationOutcome puts it.
BROKEN = [
    ("missing subject", _drop_subject, "ServiceRequest.subject", "required"),
    (
        "subject of the wrong type",
        lambda s: s.update(subject="Patient/1"),
        "ServiceRequest.subject",
        "invalid",
    ),
    (
        "bad authoredOn",
        lambda s: s.update(authoredOn="2023-02-30T16:28:00Z"),
        "ServiceRequest.authoredOn",
        "value",
    ),
    (
        "bad birth date",
        lambda s: s["contained"][0].update(birthDate="1970-13-11"),
        "ServiceRequest.contained[0].birthDate",
        "value",
    ),
    ("unknown status", lambda s: s.update(status="sent"), "ServiceRequest.status", "code-invalid"),
    (
        "unknown gender",
        lambda s: s["contained"][0].update(gender="M"),
        "ServiceRequest.contained[0].gender",
        "code-invalid",
    ),
    (
        "unknown need code",
        _unknown_need,
        "ServiceRequest.reasonCode[0].coding[0].code",
        "code-invalid",
    ),
    ("NHS number fails Modulus 11", _bad_nhs_number, "Patient.identifier[0].value", "value"),
    (
        "completed, not a new referral",
        lambda s: s.update(status="completed"),
        "ServiceRequest.status",
        "business-rule",
    ),
    (
        "no phone for the referrer",
        lambda s: s["contained"][1].pop("telecom"),
        "ServiceRequest.requester",
        "required",
    ),
]


def test_each_broken_service_request_is_refused_with_an_operation_outcome(client):
    """422 with an OperationOutcome naming each problem and where; nothing reaches the queue.

    One database for the whole table (the FHIR suite must stay quick on both engines).
    """
    for change, mutate, expression, code in BROKEN:
        body = referral_from_111()
        mutate(body)
        response = client.post("/fhir/ServiceRequest", json=body)
        assert response.status_code == 422, (change, response.text)
        assert (expression, code) in issues(response), change
        for issue in response.json()["issue"]:
            assert issue["severity"] == "error" and issue["diagnostics"], change
    assert client.get("/api/queue").json()["total"] == 0


def test_an_invalid_nhs_number_is_refused_with_a_message_that_says_so(client):
    """DOMAIN.md 4.1: a number failing the check digit is refused, saying why."""
    body = referral_from_111()
    _bad_nhs_number(body)
    response = client.post("/fhir/ServiceRequest", json=body)
    assert "check digit" in response.json()["issue"][0]["diagnostics"]


def test_the_published_example_service_request_is_refused_with_each_reason(client):
    """As published, the ECG example names an unknown patient and a referrer with no phone."""
    response = client.post("/fhir/ServiceRequest", json=example("ServiceRequest-ECG"))
    assert response.status_code == 422
    assert set(issues(response)) >= {
        ("ServiceRequest.subject", "not-found"),
        ("ServiceRequest.requester", "required"),
    }


def test_a_body_that_is_not_a_service_request_is_a_bad_request(client):
    """Not JSON, not an object, or another resource type: 400 with an OperationOutcome."""
    for content in (b"{not json", b"[1, 2]", json.dumps({"resourceType": "Patient"}).encode()):
        response = client.post(
            "/fhir/ServiceRequest", content=content, headers={"content-type": MEDIA_TYPE}
        )
        assert response.status_code == 400, content
        assert issues(response)


def test_a_patient_is_read_and_found_by_nhs_number_family_name_and_birth_date(client):
    """Patient read and search: identifier system|value, family (starts with), birthdate."""
    created = client.post("/fhir/ServiceRequest", json=referral_from_111()).json()
    patient_id = created["subject"]["reference"].split("/")[1]
    read = client.get(f"/fhir/Patient/{patient_id}")
    assert read.status_code == 200
    assert read.json()["name"][0]["family"] == "SMITH"
    for query in (
        {"identifier": "https://fhir.nhs.uk/Id/nhs-number|9912003888"},
        {"family": "smi"},
        {"birthdate": "1970-09-11"},
        {"family": "Smith", "birthdate": "ge1970"},
    ):
        found = client.get("/fhir/Patient", params=query).json()
        assert found["total"] == 1, query
        assert found["entry"][0]["resource"]["id"] == patient_id
    for query in (
        {"identifier": "https://fhir.nhs.uk/Id/nhs-number|9434765919"},
        {"birthdate": "lt1970"},
    ):
        assert client.get("/fhir/Patient", params=query).json()["total"] == 0


BAD_SEARCHES = [
    # query                  where the problem is        issue type
    ("identifer=x", "Parameters.identifer", "not-supported"),
    ("", "Parameters.identifier", "required"),
    ("birthdate=1970-02-30", "Parameters.birthdate", "value"),
    ("family=a&family=b", "Parameters.family", "not-supported"),
    ("family=a&_count=0", "Parameters._count", "value"),
]


def test_a_search_avert_cannot_honour_is_a_bad_request(client):
    """Unknown or repeated parameters, no criterion, bad date or count: 400, never all patients."""
    for query, expression, code in BAD_SEARCHES:
        response = client.get(f"/fhir/Patient?{query}")
        assert response.status_code == 400, query
        assert issues(response) == [(expression, code)], query


def test_an_unknown_patient_id_is_not_found(client, database):
    """404 OperationOutcome for a missing, non-numeric or 64-bit id; the look is still audited."""
    for ident in ("424242", "not-a-number", str(2**40), "²"):
        response = client.get(f"/fhir/Patient/{ident}")
        assert response.status_code == 404
        assert issues(response) == [("Patient.id", "not-found")]
    assert [e.resource for e in audit.who_looked_at(database, 2**40)] == [f"/fhir/Patient/{2**40}"]


def test_service_requests_are_searched_by_patient_status_authored_and_identifier(client, clock):
    """Each search parameter finds the referral, and a non-matching value finds nothing."""
    created = client.post("/fhir/ServiceRequest", json=referral_from_111()).json()
    patient = created["subject"]["reference"]
    today = clock.at.date().isoformat()
    for query, expected in [
        ({"patient": patient}, 1),
        ({"patient": patient, "status": "active"}, 1),
        ({"status": "completed,revoked"}, 0),
        ({"authored": today}, 1),
        ({"authored": f"gt{today}"}, 0),
        ({"identifier": "https://fhir.nhs.uk/Id/UBRN|000000000001"}, 1),
        ({"identifier": f"{systems.REFERRAL_ID}|{created['id']}"}, 1),
        ({"identifier": "https://fhir.nhs.uk/Id/UBRN|999"}, 0),
    ]:
        found = client.get("/fhir/ServiceRequest", params=query).json()
        assert found["total"] == expected, query
    assert client.get(f"/fhir/ServiceRequest/{created['id']}").json() == created


def _message(sr: dict, patient: dict, *, event: str = "servicerequest-request") -> dict:
    sr = copy.deepcopy(sr)
    sr["contained"] = [sr["contained"][1]]
    sr["subject"] = {"reference": "urn:uuid:patient-1"}
    return {
        "resourceType": "Bundle",
        "type": "message",
        "entry": [
            {
                "fullUrl": "urn:uuid:header-1",
                "resource": {
                    "resourceType": "MessageHeader",
                    "id": "header-1",
                    "eventCoding": {"system": systems.BARS_MESSAGE_EVENTS, "code": event},
                    "source": {"endpoint": "https://111.example.nhs.uk"},
                    "focus": [{"reference": "urn:uuid:referral-1"}],
                },
            },
            {"fullUrl": "urn:uuid:referral-1", "resource": sr},
            {"fullUrl": "urn:uuid:patient-1", "resource": patient},
        ],
    }


def test_a_bars_message_becomes_a_referral_and_a_resend_changes_nothing(client):
    """$process-message: the focus ServiceRequest is triaged; the answer acknowledges the header."""
    message = _message(referral_from_111(), example("Patient-RichardSmith"))
    response = client.post("/fhir/$process-message", json=message)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["type"] == "message"
    assert reply["entry"][0]["resource"]["response"] == {"identifier": "header-1", "code": "ok"}
    assert reply["entry"][1]["resource"]["resourceType"] == "ServiceRequest"
    again = client.post("/fhir/$process-message", json=message)
    assert again.json()["entry"][1]["resource"]["id"] == reply["entry"][1]["resource"]["id"]
    assert client.get("/api/queue").json()["total"] == 1


def test_a_message_that_is_not_a_referral_is_refused(client):
    """Another event, or a message without a MessageHeader first: 422 saying where."""
    message = _message(
        referral_from_111(), example("Patient-RichardSmith"), event="booking-request"
    )
    response = client.post("/fhir/$process-message", json=message)
    assert response.status_code == 422
    assert issues(response) == [("Bundle.entry[0].resource.eventCoding", "not-supported")]
    message["entry"].reverse()
    response = client.post("/fhir/$process-message", json=message)
    assert issues(response) == [("Bundle.entry[0].resource", "structure")]


def test_visits_assessments_actions_and_flags_are_searched_by_patient(client, database, clock):
    """Encounter, Observation (NEWS2 and CFS, by code), CarePlan and Flag for one patient."""
    first = client.post("/fhir/ServiceRequest", json=referral_from_111()).json()
    duplicate = client.post(
        "/fhir/ServiceRequest", json=referral_from_111(ubrn="000000000002")
    ).json()
    referral_id, patient = int(first["id"]), first["subject"]["reference"]
    now = clock.at
    visit = visits.allocate(database, referral_id, ["S-OT"], by="sam", now=now, expected_version=1)
    visits.start_travel(database, visit.visit_id, by="olu", now=now)
    visits.arrive(database, visit.visit_id, by="olu", now=now + timedelta(minutes=40))
    observations = Observations(
        respiration_rate=18,
        spo2=97,
        on_oxygen=False,
        systolic_bp=130,
        pulse=80,
        consciousness="alert",
        temperature=36.8,
    )
    clinical.record_assessment(
        database,
        referral_id,
        clinical.AssessmentInput(observations=observations, cfs=6),
        by="olu",
        now=now + timedelta(minutes=50),
        visit_id=visit.visit_id,
    )
    clinical.add_action(
        database,
        referral_id,
        kind=clinical.ActionKind.URGENT_EQUIPMENT,
        detail="Perching stool",
        owner="Olu",
        by="olu",
        now=now + timedelta(minutes=55),
    )
    encounters = client.get("/fhir/Encounter", params={"patient": patient}).json()
    assert encounters["total"] == 1
    assert encounters["entry"][0]["resource"]["class"]["code"] == "HH"
    assert encounters["entry"][0]["resource"]["status"] == "in-progress"
    all_obs = client.get("/fhir/Observation", params={"patient": patient}).json()
    assert all_obs["total"] == 2
    news = client.get(
        "/fhir/Observation", params={"patient": patient, "code": f"{systems.SNOMED}|{SNOMED_TOTAL}"}
    ).json()
    assert news["total"] == 1
    assert len(news["entry"][0]["resource"]["component"]) == 7
    plans = client.get("/fhir/CarePlan", params={"patient": patient, "status": "active"}).json()
    assert plans["total"] == 1
    assert plans["entry"][0]["resource"]["activity"][0]["detail"]["description"] == "Perching stool"
    found = client.get("/fhir/Flag", params={"patient": patient}).json()
    codes = [e["resource"]["code"]["coding"][0]["code"] for e in found["entry"]]
    assert codes == ["possible-duplicate-referral"]
    assert f"ServiceRequest/{duplicate['id']}" in found["entry"][0]["resource"]["code"]["text"]

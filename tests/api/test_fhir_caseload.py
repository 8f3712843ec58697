"""FHIR reads are scoped to the reader's caseload inside the queries, like the JSON API."""

from __future__ import annotations

from tests.api.test_fhir_api import referral_from_111
from tests.factories import referral_body


def _referral(client, **overrides) -> dict:
    response = client.post("/api/referrals", json=referral_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def _ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def test_a_clinician_reads_their_teams_patients_and_nobody_elses_in_fhir(client, as_user):
    """Same team: read and found. Another team: 404 on read, absent from every search."""
    city = _referral(client, team_id="T-CITY")
    person, referral = str(city["person"]["id"]), str(city["id"])
    olu, charlie = as_user("olu"), as_user("charlie")

    assert olu.get(f"/fhir/Patient/{person}").status_code == 200
    assert olu.get(f"/fhir/ServiceRequest/{referral}").status_code == 200
    assert _ids(olu.get("/fhir/ServiceRequest", params={"patient": person}).json()) == [referral]

    assert charlie.get(f"/fhir/Patient/{person}").status_code == 404
    assert charlie.get(f"/fhir/ServiceRequest/{referral}").status_code == 404
    nhs = city["person"]["nhs_number"]
    found = charlie.get("/fhir/Patient", params={"identifier": nhs}).json()
    assert found["total"] == 0 and _ids(found) == []
    for kind in ("ServiceRequest", "Encounter", "Observation", "CarePlan", "Flag"):
        bundle = charlie.get(f"/fhir/{kind}", params={"patient": person}).json()
        assert bundle["resourceType"] == "Bundle" and _ids(bundle) == [], kind


def test_a_system_reads_back_in_fhir_only_the_people_it_referred(as_client):
    """The ambulance service sees its own referral's patient; the telecare provider does not."""
    ambulance, telecare = as_client("ambulance"), as_client("telecare")
    posted = ambulance.post("/fhir/ServiceRequest", json=referral_from_111())
    assert posted.status_code == 201, posted.text
    referral = posted.json()["id"]
    person = posted.json()["subject"]["reference"].rsplit("/", 1)[1]

    assert ambulance.get(f"/fhir/Patient/{person}").status_code == 200
    active = {"status": "active"}
    assert _ids(ambulance.get("/fhir/ServiceRequest", params=active).json()) == [referral]
    assert telecare.get(f"/fhir/Patient/{person}").status_code == 404
    assert telecare.get(f"/fhir/ServiceRequest/{referral}").status_code == 404
    assert _ids(telecare.get("/fhir/ServiceRequest", params=active).json()) == []


def test_roles_without_a_caseload_read_no_one_in_fhir(client, as_user):
    """An analyst holds no read permission at all; the API refuses before any lookup."""
    city = _referral(client, team_id="T-CITY")
    analyst = as_user("ana")
    assert analyst.get(f"/fhir/Patient/{city['person']['id']}").status_code == 403


def test_a_fhir_search_is_audited_naming_every_person_it_shows(client, database):
    """Searched by NHS number or by patient, the entry names whom the Bundle showed."""
    from avert.security import audit

    city = _referral(client, team_id="T-CITY")
    person = city["person"]["id"]
    found = client.get("/fhir/Patient", params={"identifier": city["person"]["nhs_number"]})
    assert _ids(found.json()) == [str(person)]
    client.get("/fhir/ServiceRequest", params={"status": "active"})
    searches = [e for e in audit.who_looked_at(database, person) if e.action == "search"]
    assert [e.resource for e in reversed(searches)] == ["/fhir/Patient", "/fhir/ServiceRequest"]

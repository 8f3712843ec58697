"""The shared care record over the web: pages, PDFs and the FHIR transfer-summary document."""

from __future__ import annotations

import re

import pytest
from fhir.resources.R4B.bundle import Bundle

from avert.fhir.validate import read_resource
from tests.factories import referral_body


def _referral(client, **overrides) -> dict:
    response = client.post("/api/referrals", json=referral_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def _save(client, person_id: int, section: str, form: dict, version: int, reason="Checked"):
    return client.post(
        f"/people/{person_id}/record/{section}",
        data={**form, "version": str(version), "reason": reason},
        follow_redirects=False,
    )


def _a_record(client, person_id: int) -> None:
    """Allergies, a ReSPECT recommendation, a main carer, a risk and communication needs."""
    saves = [
        (
            "allergies",
            {
                "allergies-0-substance": "Penicillin",
                "allergies-0-reaction": "Rash and swelling",
                "allergies-0-severity": "severe",
            },
        ),
        (
            "advance_care_plan",
            {
                "resuscitation": "cpr_not_recommended",
                "date_recorded": "2026-01-05",
                "care_focus": "comfort",
                "preferred_place_of_care": "home",
                "what_matters_to_me": "Staying with my cat",
                "form_location": "On the fridge",
            },
        ),
        (
            "contacts",
            {
                "contacts-0-name": "Ann Testperson",
                "contacts-0-role": "carer",
                "contacts-0-relationship": "daughter",
                "contacts-0-phone": "07700 900123",
                "contacts-0-main_carer": "yes",
                "contacts-0-contingency_plan": "Her brother Bob stays over",
                "contacts-1-name": "Carers Crisis Line",
                "contacts-1-role": "carers_emergency_service",
                "contacts-1-phone": "0116 496 0999",
            },
        ),
        ("risks", {"flags-0-kind": "home_oxygen", "flags-0-detail": "Concentrator in lounge"}),
        ("communication", {"language": "Polish", "interpreter_needed": "yes", "needs": "Deaf"}),
        (
            "medications",
            {
                "medications-0-name": "Paracetamol",
                "medications-0-dose": "1 g",
                "medications-0-route": "oral",
                "medications-0-frequency": "four times a day",
            },
        ),
    ]
    for section, form in saves:
        response = _save(client, person_id, section, form, 0)
        assert response.status_code == 303, response.text


def test_a_section_is_saved_with_a_reason_and_shown_on_the_record_and_the_referral(client):
    """Who, when and why are shown; the referral page carries the compact summary."""
    referral = _referral(client)
    person_id = referral["person"]["id"]
    _a_record(client, person_id)
    record = client.get(f"/people/{person_id}/record")
    assert record.status_code == 200
    assert "Penicillin" in record.text and "Sam Coordinator" in record.text
    assert "CPR attempts NOT recommended" in record.text
    page = client.get(f"/referrals/{referral['id']}")
    assert "Penicillin (severe)" in page.text
    assert "Ann Testperson (07700 900123)" in page.text
    assert f"/people/{person_id}/crisis-plan" in page.text


def test_a_change_without_a_reason_or_with_a_bad_field_is_refused_and_nothing_is_stored(client):
    """422 with the form again, naming the field; the section stays unrecorded."""
    person_id = _referral(client)["person"]["id"]
    no_reason = _save(client, person_id, "consent", {"status": "given"}, 0, reason="")
    assert no_reason.status_code == 422
    bad = _save(client, person_id, "consent", {"status": "given"}, 0)
    assert bad.status_code == 422
    assert "Say who gave or refused consent" in bad.text
    history = client.get(f"/people/{person_id}/record/consent/history")
    assert "has not been recorded yet" in history.text


def test_a_stale_edit_is_refused_with_the_other_change_shown(client, as_user):
    """Two people edit from version 0: the second is told (409), and nothing is overwritten."""
    referral = _referral(client, team_id="T-CITY")
    person_id = referral["person"]["id"]
    first = _save(client, person_id, "conditions", {"conditions-0-name": "COPD"}, 0, "GP letter")
    assert first.status_code == 303
    nia = as_user("nia")
    late = _save(nia, person_id, "conditions", {"conditions-0-name": "Asthma"}, 0, "Told me")
    assert late.status_code == 409
    assert "Someone else changed this section" in late.text and "GP letter" in late.text
    history = client.get(f"/people/{person_id}/record/conditions/history").text
    assert "COPD" in history and "Asthma" not in history


def test_a_clinician_without_a_relationship_gets_404_on_the_record_and_documents(client, as_user):
    """Another team's clinician finds nothing: not the record, the plan, the summary or PDFs."""
    person_id = _referral(client, team_id="T-CITY")["person"]["id"]
    charlie, olu = as_user("charlie"), as_user("olu")
    for path in (
        "record",
        "record/allergies/history",
        "record/allergies/edit",
        "crisis-plan",
        "crisis-plan.pdf",
        "transfer-summary",
        "transfer-summary.pdf",
    ):
        assert charlie.get(f"/people/{person_id}/{path}").status_code == 404, path
        assert olu.get(f"/people/{person_id}/{path}").status_code == 200, path
    refused = _save(charlie, person_id, "conditions", {"conditions-0-name": "COPD"}, 0)
    assert refused.status_code == 404


@pytest.mark.parametrize("username", ["ana", "sergio", "pia"])
def test_roles_without_patient_access_cannot_open_a_record(client, as_user, username):
    """Analysts, service leads and privacy officers do not read care records."""
    person_id = _referral(client)["person"]["id"]
    assert as_user(username).get(f"/people/{person_id}/record").status_code in (403, 404)


def test_a_referring_system_does_not_read_the_record_of_someone_it_referred(as_client):
    """A system reads back its own referrals, not the person's care record."""
    ambulance = as_client("ambulance")
    referral = ambulance.post("/api/referrals", json=referral_body())
    person_id = referral.json()["person"]["id"]
    assert ambulance.get(f"/api/referrals/{referral.json()['id']}").status_code == 200
    assert ambulance.get(f"/people/{person_id}/record").status_code == 404
    assert ambulance.get(f"/people/{person_id}/crisis-plan.pdf").status_code == 404


def test_the_crisis_plan_names_who_to_call_and_what_to_do(client):
    """UCR number and hours, NHS 111, the GP, the carers' emergency service, the carer's plan."""
    person_id = _referral(client, team_id="T-CITY")["person"]["id"]
    _a_record(client, person_id)
    plan = client.get(f"/people/{person_id}/crisis-plan").text
    assert "City UCR team: 01632 960000" in plan
    assert "every day 08:00-20:00" in plan
    assert "NHS 111" in plan
    assert "Carers Crisis Line: 0116 496 0999" in plan
    assert "Her brother Bob stays over" in plan
    assert "CPR attempts NOT recommended" in plan
    assert 'href="/static/avert/care-record.css"' in plan


def _pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made with core fonts (fpdf2 writes uncompressed text with
    compression off; with it on, the streams are zlib-compressed)."""
    import zlib

    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            chunks.append(stream)
    return b"".join(chunks).decode("latin-1")


def test_the_pdfs_are_pdfs_with_the_persons_name(client):
    """The crisis plan and the transfer summary download as PDF with the name in their text."""
    person_id = _referral(client, person={"given_name": "Edna", "family_name": "Pdftest"})[
        "person"
    ]["id"]
    _a_record(client, person_id)
    for path in ("crisis-plan.pdf", "transfer-summary.pdf?from=home&to=hospital&reason=Fall"):
        response = client.get(f"/people/{person_id}/{path}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        text = _pdf_text(response.content)
        assert "Edna Pdftest" in text
        assert "Penicillin" in text


def test_the_transfer_summary_is_a_valid_fhir_document(client, as_user):
    """A document Bundle: Composition first, then the Patient and the record's resources."""
    referral = _referral(client, team_id="T-CITY")
    person_id = referral["person"]["id"]
    _a_record(client, person_id)
    response = client.get(f"/fhir/Patient/{person_id}/$transfer-summary?reason=Fall")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    bundle, problems = read_resource(body, "Bundle")
    assert problems == [] and isinstance(bundle, Bundle)
    assert bundle.type == "document" and bundle.identifier.value and bundle.timestamp
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds[0] == "Composition"
    for kind in (
        "Patient",
        "AllergyIntolerance",
        "MedicationStatement",
        "RelatedPerson",
        "Flag",
        "ServiceRequest",
    ):
        assert kind in kinds, kind
    composition = bundle.entry[0].resource
    assert composition.subject.reference == f"Patient/{person_id}"
    urls = {e.fullUrl for e in bundle.entry}
    base = bundle.entry[0].fullUrl.rsplit("/Composition/", 1)[0]
    for section in composition.section:
        for entry in section.entry or []:
            assert f"{base}/{entry.reference}" in urls
    titles = [s.title for s in composition.section]
    assert "Allergies" in titles and "Recent observations" in titles
    charlie, olu = as_user("charlie"), as_user("olu")
    assert olu.get(f"/fhir/Patient/{person_id}/$transfer-summary").status_code == 200
    assert charlie.get(f"/fhir/Patient/{person_id}/$transfer-summary").status_code == 404
    assert client.get("/fhir/Patient/999999/$transfer-summary").status_code == 404


def test_the_visit_and_the_huddle_read_from_the_record(client, as_user, database, clock):
    """At the door and at the MDT: allergies, the ReSPECT recommendation, the carer, the risks."""
    from datetime import timedelta

    from avert.services import visits

    referral = _referral(client, team_id="T-CITY")
    person_id = referral["person"]["id"]
    _a_record(client, person_id)
    visit = visits.allocate(
        database, referral["id"], ["S-RN"], by="sam", now=clock.at, expected_version=1
    )
    visits.start_travel(database, visit.visit_id, by="nia", now=clock.at + timedelta(minutes=5))
    visits.arrive(database, visit.visit_id, by="nia", now=clock.at + timedelta(minutes=30))
    nia = as_user("nia")
    at_the_door = nia.get(f"/visits/{visit.visit_id}").text
    assert "Penicillin (severe)" in at_the_door
    assert "CPR attempts NOT recommended" in at_the_door
    assert "Concentrator in lounge" in at_the_door
    assert "Polish, interpreter needed, Deaf" in at_the_door
    huddle = nia.get("/huddle").text
    assert f'href="/people/{person_id}/record"' in huddle
    assert "Allergies: Penicillin (severe). Main carer: Ann Testperson (07700 900123)." in huddle


def test_every_read_and_change_of_the_record_is_audited_with_its_basis(
    client, as_user, database, settings
):
    """A change and its audit entry commit together; each page and PDF read names the person."""
    from avert.security import audit

    person_id = _referral(client, team_id="T-CITY")["person"]["id"]
    nia = as_user("nia")
    assert _save(nia, person_id, "conditions", {"conditions-0-name": "COPD"}, 0).status_code == 303
    nia.get(f"/people/{person_id}/record")
    nia.get(f"/people/{person_id}/crisis-plan.pdf")
    looks = [(e.action, e.resource, e.basis) for e in audit.who_looked_at(database, person_id)]
    assert ("update", f"person/{person_id}/record/conditions", "team caseload") in looks
    assert ("read", f"person/{person_id}/record", "team caseload") in looks
    assert ("read", f"person/{person_id}/crisis-plan.pdf", "team caseload") in looks
    assert audit.verify(database, settings.secret_key).ok


def test_a_new_referral_for_a_known_person_shows_their_record_at_triage(client):
    """The coordinator taking a second referral sees allergies, ReSPECT and the carer first."""
    person_id = _referral(client)["person"]["id"]
    _a_record(client, person_id)
    page = client.get(f"/intake?person_id={person_id}").text
    assert "Already known to the service" in page
    assert "Penicillin (severe)" in page
    assert "Ann Testperson (07700 900123)" in page


def test_a_flag_search_finds_the_records_safety_and_respect_flags(client):
    """`/fhir/Flag?patient=` carries the risk flags and the ReSPECT recommendation too."""
    person_id = _referral(client)["person"]["id"]
    _a_record(client, person_id)
    found = client.get("/fhir/Flag", params={"patient": str(person_id)}).json()
    codes = {
        (c["system"].rsplit("/", 1)[-1], c["code"])
        for e in found["entry"]
        for c in e["resource"]["code"].get("coding", [])
    }
    assert ("risk-kind", "home_oxygen") in codes
    assert ("respect-cpr", "cpr_not_recommended") in codes

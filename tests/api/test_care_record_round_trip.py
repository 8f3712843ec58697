"""Done when: a patient's record exported as FHIR and imported into an empty Avert is the same
record, now including the shared care record (every section, its lists in order, "no known
allergies" and empty lists kept apart from "not recorded")."""

from __future__ import annotations

import json
from datetime import date

from avert.config import Settings
from avert.domain.care_record import Section
from avert.services import care_record, fhir_io
from avert.store.schema import CareRecordEntry, Person
from tests.api import test_fhir_export_import as exported_record
from tests.api.test_fhir_export_import import _a_record, _rows


empty_database = exported_record.empty_database  # the fixture: a second, empty Avert


TODAY = date(2026, 3, 10)
RECORD = {
    "access": {
        "key_safe": True,
        "key_safe_details": "By the back door; code from the coordinator",
        "entry": "Ring twice",
        "hazards": "Small dog",
    },
    "contacts": {
        "contacts": [
            {
                "name": "Ann Testperson",
                "role": "carer",
                "relationship": "daughter",
                "phone": "07700 900123",
                "main_carer": True,
                "contingency_plan": "Her brother stays over",
            },
            {
                "name": "Carers Crisis Line",
                "role": "carers_emergency_service",
                "relationship": "",
                "phone": "0116 496 0999",
                "main_carer": False,
                "contingency_plan": "",
            },
        ]
    },
    "medications": {
        "medications": [
            {"name": "Paracetamol", "dose": "1 g", "route": "oral", "frequency": "4 times a day"},
            {"name": "Morphine", "dose": "2.5 mg", "route": "subcutaneous", "frequency": "PRN"},
        ]
    },
    "allergies": {"no_known_allergies": True, "allergies": []},
    "conditions": {"conditions": []},
    "advance_care_plan": {
        "preferred_place_of_care": "home",
        "resuscitation": "cpr_not_recommended",
        "care_focus": "comfort",
        "what_matters_to_me": "Being at home with my cat",
        "date_recorded": "2026-01-05",
        "form_location": "On the fridge",
    },
    "communication": {"language": "Polish", "interpreter_needed": True, "needs": "Hard of hearing"},
    "risks": {"flags": [{"kind": "home_oxygen", "detail": "Concentrator in the lounge"}]},
    "consent": {"status": "given", "decided_by": "lpa", "date": "2026-01-05", "note": "By phone"},
}


def _record(database, nhs: str, clock) -> int:
    with database.reading() as session:
        person_id = session.query(Person).filter_by(nhs_number=nhs).one().id
    for name, data in RECORD.items():
        care_record.update_section(
            database,
            person_id,
            Section(name),
            data,
            expected_version=0,
            reason="First visit",
            by="Nia Evans",
            now=clock.at,
            today=TODAY,
        )
    # a second version of one section: the current one is what travels
    changed = {**RECORD["risks"], "flags": [*RECORD["risks"]["flags"]]}
    changed["flags"].append({"kind": "falls", "detail": "Two falls this month"})
    care_record.update_section(
        database,
        person_id,
        Section.RISKS,
        changed,
        expected_version=1,
        reason="Fell again",
        by="Olu Adeyemi",
        now=clock.at,
        today=TODAY,
    )
    return person_id


def _current(database, nhs: str) -> dict:
    with database.reading() as session:
        person_id = session.query(Person).filter_by(nhs_number=nhs).one().id
    return care_record.read_record(database, person_id).data


def test_the_care_record_survives_export_and_import_into_an_empty_avert_once(
    database, empty_database, clock
):
    """Same sections, same data; the import is version 1 with its reason; a second import is a
    no-op; the person and referral rows are still the same."""
    nhs = _a_record(database, clock)
    _record(database, nhs, clock)
    exported = json.loads(json.dumps(fhir_io.export_patient(database, nhs, now=clock.at)))
    kinds = {e["resource"]["resourceType"] for e in exported["entry"]}
    assert {"MedicationStatement", "RelatedPerson", "Consent", "List", "Flag"} <= kinds
    report = fhir_io.import_bundle(empty_database, Settings(), exported, now=clock.at)
    assert report.record_sections == len(RECORD)
    assert [p for p in report.warnings if p.severity == "error"] == []
    before, after = _current(database, nhs), _current(empty_database, nhs)
    assert after == before
    assert after["risks"]["flags"][1]["kind"] == "falls"
    assert after["allergies"] == {"no_known_allergies": True, "allergies": []}
    assert _rows(empty_database, nhs) == _rows(database, nhs)
    with empty_database.reading() as session:
        entries = session.query(CareRecordEntry).all()
    assert {(e.version, e.reason) for e in entries} == {(1, "Imported from a FHIR Bundle")}
    again = fhir_io.import_bundle(empty_database, Settings(), exported, now=clock.at)
    assert again.record_sections == 0
    assert not [w for w in again.warnings if "care record" in w.expression]
    assert _current(empty_database, nhs) == before


def test_an_import_never_overwrites_a_section_the_person_already_has(
    database, empty_database, clock
):
    """A different section already in the target is kept, with a warning naming the section."""
    nhs = _a_record(database, clock)
    _record(database, nhs, clock)
    exported = json.loads(json.dumps(fhir_io.export_patient(database, nhs, now=clock.at)))
    fhir_io.import_bundle(empty_database, Settings(), exported, now=clock.at)
    with empty_database.reading() as session:
        person_id = session.query(Person).filter_by(nhs_number=nhs).one().id
    care_record.update_section(
        empty_database,
        person_id,
        Section.CONDITIONS,
        {"conditions": [{"name": "COPD", "note": ""}]},
        expected_version=1,
        reason="GP letter",
        by="Sam Coordinator",
        now=clock.at,
        today=TODAY,
    )
    report = fhir_io.import_bundle(empty_database, Settings(), exported, now=clock.at)
    assert report.record_sections == 0
    assert [w.expression for w in report.warnings if "care record" in w.expression] == [
        "Bundle.entry[0].resource (care record conditions)"
    ]
    assert _current(empty_database, nhs)["conditions"]["conditions"][0]["name"] == "COPD"


def test_a_care_record_resource_that_breaks_the_records_rules_refuses_the_whole_bundle(
    database, empty_database, clock
):
    """Two main carers are refused at the Patient's entry, and nothing is imported."""
    nhs = _a_record(database, clock)
    _record(database, nhs, clock)
    exported = json.loads(json.dumps(fhir_io.export_patient(database, nhs, now=clock.at)))
    for entry in exported["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "RelatedPerson":
            for ext in resource["extension"]:
                if ext["url"].endswith("MainCarer"):
                    ext["valueBoolean"] = True
    try:
        fhir_io.import_bundle(empty_database, Settings(), exported, now=clock.at)
    except fhir_io.Refused as refused:
        problems = [(p.expression, p.diagnostics) for p in refused.problems]
    else:
        raise AssertionError("the Bundle was imported")
    assert problems == [
        (
            "Bundle.entry[0].resource (care record contacts: contacts-1-main_carer)",
            "only an unpaid carer can be the main carer",
        ),
        (
            "Bundle.entry[0].resource (care record contacts: contacts)",
            "only one contact can be the main carer",
        ),
    ]
    with empty_database.reading() as session:
        assert session.query(Person).count() == 0

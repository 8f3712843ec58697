"""The shared care record as FHIR (valid R4, read back the same), and its form messages."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.domain import care_record as rules
from avert.domain.care_record import Section
from avert.fhir import care_record as care_fhir
from avert.fhir.document import transfer_document
from avert.fhir.validate import read_resource
from tests.spec.test_care_record import PERSON, VALID


TODAY = date(2026, 3, 10)


def _through_fhir(record: dict) -> dict:
    """Out as resources, validated by fhir.resources, dumped as JSON, and read back."""
    resources = care_fhir.resources(7, record)
    patient = care_fhir.with_communication({"resourceType": "Patient", "id": "7"}, record)
    dumped = []
    for resource in [patient, *resources]:
        model, problems = read_resource(json.loads(json.dumps(resource)), resource["resourceType"])
        assert problems == [], (resource["resourceType"], problems)
        dumped.append(json.loads(model.model_dump_json(by_alias=True, exclude_none=True)))
    found, problems = care_fhir.read_sections(dumped[0], [("x", r) for r in dumped[1:]])
    assert problems == []
    return {name: rules.validate(Section(name), data, today=TODAY) for name, data in found.items()}


def test_a_whole_record_goes_out_and_comes_back_the_same():
    """Every section, as the spec's valid examples."""
    record = {s.value: VALID[s] for s in Section}
    assert _through_fhir(record) == record


CASES = {
    "no known allergies": {"allergies": {"no_known_allergies": True, "allergies": []}},
    "allergies recorded, none listed": {
        "allergies": {"no_known_allergies": False, "allergies": []}
    },
    "an empty list of conditions": {"conditions": {"conditions": []}},
    "an allergy with no reaction": {
        "allergies": {
            "no_known_allergies": False,
            "allergies": [{"substance": "Latex", "reaction": "", "severity": "mild"}],
        }
    },
    "consent not asked": {
        "consent": {"status": "not_asked", "decided_by": None, "date": None, "note": ""}
    },
    "consent refused": {
        "consent": {"status": "refused", "decided_by": "lpa", "date": "2026-01-02", "note": "No"}
    },
    "CPR not yet discussed, undated": {
        "advance_care_plan": {
            "preferred_place_of_care": "not_discussed",
            "resuscitation": "not_discussed",
            "care_focus": "not_discussed",
            "what_matters_to_me": "",
            "date_recorded": None,
            "form_location": "",
        }
    },
    "nothing recorded": {},
}


@pytest.mark.parametrize("case", list(CASES))
def test_edge_cases_come_back_as_they_went(case):
    """Recorded-but-empty is kept apart from not recorded; absent reactions and dates too."""
    assert _through_fhir(CASES[case]) == CASES[case]


_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40
).map(lambda t: " ".join(t.split()))


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(_text.filter(bool), min_size=0, max_size=4),
    routes=st.lists(st.sampled_from(list(rules.Route)), min_size=4, max_size=4),
)
def test_any_list_of_medicines_keeps_its_order_and_words(names, routes):
    """Order and text survive the trip for any medicines (the List keeps the order)."""
    record = {
        "medications": {
            "medications": [
                {"name": n, "dose": "1 tablet", "route": r.value, "frequency": "daily"}
                for n, r in zip(names, routes, strict=False)
            ]
        }
    }
    record = {
        "medications": rules.validate(Section.MEDICATIONS, record["medications"], today=TODAY)
    }
    assert _through_fhir(record) == record


def test_the_transfer_summary_document_is_a_valid_document_bundle():
    """Composition first, every section's entries resolve inside the Bundle."""
    record = {s.value: VALID[s] for s in Section}
    summary = rules.transfer_summary(
        PERSON,
        record,
        episode=None,
        observations=(),
        from_setting=rules.Setting.CARE_HOME,
        to_setting=rules.Setting.HOSPITAL,
        reason="Fall",
    )
    patient = care_fhir.with_communication(
        {"resourceType": "Patient", "id": "7", "name": [{"text": PERSON.name}]}, record
    )
    bundle = transfer_document(
        summary,
        patient=patient,
        record_resources=care_fhir.resources(7, record),
        observations=[],
        episode=[],
        author="City UCR team",
        now=datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
    )
    model, problems = read_resource(bundle, "Bundle")
    assert problems == []
    assert model.type == "document"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    urls = {e["fullUrl"] for e in bundle["entry"]}
    base = bundle["entry"][0]["fullUrl"].rsplit("/Composition/", 1)[0]
    sections = bundle["entry"][0]["resource"]["section"]
    assert [s["title"] for s in sections][:3] == ["Transfer", "About me", "Allergies"]
    for section in sections:
        for entry in section.get("entry", []):
            assert f"{base}/{entry['reference']}" in urls
    allergies = next(s for s in sections if s["title"] == "Allergies")
    assert allergies["entry"][0]["reference"].startswith("List/")


MESSAGES = [
    ("contacts-1-phone", "is required", "Contact 2: phone is required"),
    ("medications-0-frequency", "is required", "Medicine 1: how often is required"),
    (
        "contacts",
        "only one contact can be the main carer",
        "Only one contact can be the main carer",
    ),
    (
        "date_recorded",
        "cannot be in the future",
        "The date of the ReSPECT recommendation cannot be",
    ),
    ("reason", "say why you are changing the record", "Say why you are changing the record"),
]


@pytest.mark.parametrize(("field", "message", "said"), MESSAGES)
def test_the_error_summary_names_the_field_in_words(field, message, said):
    """A rule's message becomes a sentence that names the field (row numbers from 1)."""
    from avert.web.pages.care_record import messages

    assert messages({field: message})[field].startswith(said)

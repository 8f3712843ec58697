"""FHIR mapping without a database: Avert rows to UK Core resources and back, checked with R4B."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class

from avert.config import Settings
from avert.domain.news2 import SNOMED_SUB_SCORES, SNOMED_TOTAL
from avert.domain.triage import TriageInput, triage
from avert.domain.vocab import ConditionNeed, RedFlag, ReferralSource, Residence, StatedUrgency
from avert.fhir import systems
from avert.fhir.bundle import resolver
from avert.fhir.capability import RESOURCES, capability_statement
from avert.fhir.care_plan import care_plan_resource
from avert.fhir.encounter import encounter_resource
from avert.fhir.flag import access_flag, duplicate_flag
from avert.fhir.observation import cfs_observation, news2_observation
from avert.fhir.patient import patient_resource, person_details
from avert.fhir.search import SearchError, date_range, reference_id, token
from avert.fhir.service_request import (
    PRIORITY_OF_DISPOSITION,
    fhir_status,
    priority,
    referral_fields,
    restored_columns,
    service_request_resource,
)
from avert.fhir.validate import WrongResource, read_resource
from avert.services.clocks import start_clock_if_due
from avert.services.intake import triage_columns
from avert.store.schema import Assessment, CareAction, HuddleDecision, Person, Referral, Visit
from tests.factories import example, examples


NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def valid(resource: dict) -> None:
    """Fail unless the resource is valid FHIR (R4B models)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def person(**overrides) -> Person:
    values = dict(
        id=7,
        nhs_number="9434765919",
        given_name="Ada",
        family_name="Testperson",
        sex="female",
        date_of_birth=date(1941, 3, 9),
        address_line="1 High Street",
        postcode="LE1 5WW",
        residence="own_home",
        practice_ods="A81001",
        access_note="Key safe by the back door, code with the coordinator",
    )
    return Person(**{**values, **overrides})


def referral(**overrides) -> Referral:
    """A referral row as intake would write it (triage and clock included)."""
    need = overrides.pop("need", ConditionNeed.FALL)
    urgency = overrides.pop("stated_urgency", StatedUrgency.WITHIN_2_HOURS)
    flags = overrides.pop("red_flags", frozenset())
    decision = triage(
        TriageInput(
            age_years=85,
            residence=Residence.OWN_HOME,
            need=need,
            red_flags=flags,
            stated_urgency=urgency,
            source=ReferralSource.NHS111,
        )
    )
    row = Referral(
        id=3,
        person_id=7,
        team_id="T-CITY",
        source="nhs111",
        source_system="https://fhir.nhs.uk/Id/UBRN",
        source_referral_id="000000000042",
        request_hash="a" * 64,
        referrer_name="NHS 111 clinician",
        referrer_organisation="NHS 111",
        referrer_phone="0300 000 0000",
        received_at=NOW,
        need=need.value,
        need_text=None,
        red_flags=sorted(f.value for f in flags),
        stated_urgency=urgency.value,
        residence="own_home",
        age_years=85,
        state="triaged",
        state_reason="triaged_by_rules",
        is_open=True,
        triaged_at=NOW,
        possible_duplicate_of=None,
        version=1,
        created_at=NOW,
        **triage_columns(decision),
    )
    for key, value in overrides.items():
        setattr(row, key, value)
    start_clock_if_due(row, None, Settings())
    return row


# ------------------------------------------------------------------------------ Patient


def test_a_person_becomes_a_valid_uk_core_patient_with_the_nhs_number_system():
    """Patient out: UK Core profile, NHS number identifier system, demographics, GP by ODS."""
    resource = patient_resource(person())
    valid(resource)
    assert resource["meta"]["profile"] == [systems.profile("Patient")]
    assert {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"} in resource[
        "identifier"
    ]
    assert resource["birthDate"] == "1941-03-09"
    assert resource["address"][0]["postalCode"] == "LE1 5WW"
    gp = resource["generalPractitioner"][0]["identifier"]
    assert gp == {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "A81001"}


def test_the_uk_core_example_patient_reads_as_the_person_it_describes():
    """Patient in: the UK Core example Richard Smith parses into intake's person details."""
    model, problems = read_resource(example("Patient-RichardSmith"), "Patient")
    assert problems == []
    details, problems = person_details(model, today=NOW.date())
    assert problems == []
    assert (details.given_name, details.family_name) == ("Richard", "SMITH")
    assert details.nhs_number == "9912003888"
    assert details.date_of_birth == date(1970, 9, 11)
    assert details.postcode == "LS17 7DF"
    assert details.sex == "male"


def test_a_patient_whose_nhs_number_fails_modulus_11_is_refused_saying_so():
    """Example data is not assumed valid: a bad check digit is a problem at the identifier."""
    data = example("Patient-RichardSmith")
    data["identifier"][0]["value"] = "9912003814"  # DOMAIN.md 4.1: invalid, expected check 0
    model, _ = read_resource(data, "Patient")
    details, problems = person_details(model, today=NOW.date())
    assert details is None
    assert [(p.expression, p.code) for p in problems] == [("Patient.identifier[0].value", "value")]
    assert "check digit" in problems[0].diagnostics


def test_a_patient_round_trips_through_fhir():
    """Patient out then in gives the same demographics."""
    model, _ = read_resource(patient_resource(person()), "Patient")
    details, problems = person_details(model, today=NOW.date())
    assert problems == []
    original = person()
    assert (details.nhs_number, details.given_name, details.family_name) == (
        original.nhs_number,
        original.given_name,
        original.family_name,
    )
    assert (details.date_of_birth, details.postcode, details.address_line) == (
        original.date_of_birth,
        original.postcode,
        original.address_line,
    )
    assert details.residence == Residence.OWN_HOME


# ----------------------------------------------------------------------- ServiceRequest

# Triage's disposition -> FHIR priority (DOMAIN.md 7.1: 2-hour UCR is urgent/asap, recorded
# separately); a redirect keeps the urgency the referrer stated.
PRIORITIES = [
    # disposition           stated urgency     priority
    ("two_hour_crisis", "within_2_hours", "asap"),
    ("two_hour_crisis", "routine", "asap"),
    ("same_day", "same_day", "urgent"),
    ("two_day_reablement", "within_2_days", "routine"),
    ("redirect", "emergency", "stat"),
    ("redirect", "same_day", "urgent"),
    ("redirect", "not_stated", "routine"),
]


@pytest.mark.parametrize("disposition, urgency, expected", PRIORITIES)
def test_priority_follows_the_disposition(disposition, urgency, expected):
    """ServiceRequest.priority from triage, as the table says."""
    assert priority(disposition, urgency) == expected


STATUSES = [
    # state         reason                         ServiceRequest.status
    ("received", "triaged_by_rules", "active"),
    ("triaged", "triaged_by_rules", "active"),
    ("in_care", "care_started", "active"),
    ("reopened", "reopened_deterioration", "active"),
    ("discharged", "discharged_with_outcome", "completed"),
    ("redirected", "redirected_by_rules", "revoked"),
    ("cancelled", "cancelled_by_referrer", "revoked"),
    ("cancelled", "cancelled_entered_in_error", "entered-in-error"),
]


@pytest.mark.parametrize("state, reason, expected", STATUSES)
def test_service_request_status_follows_the_referral_state(state, reason, expected):
    """ServiceRequest.status from the control state, as the table says."""
    assert fhir_status(state, reason) == expected


def test_a_referral_becomes_a_valid_uk_core_service_request():
    """Category 3457005, priority, occurrence = clock deadline, reason from the local table."""
    row = referral(red_flags=frozenset({RedFlag.LONG_LIE}))
    resource = service_request_resource(row, person_name="Ada Testperson", team_name="City")
    valid(resource)
    assert resource["category"][0]["coding"][0]["code"] == "3457005"
    assert resource["priority"] == PRIORITY_OF_DISPOSITION[row.disposition]
    assert resource["occurrenceDateTime"] == (NOW + timedelta(hours=2)).isoformat()
    reasons = [c["coding"][0] for c in resource["reasonCode"]]
    assert (reasons[0]["system"], reasons[0]["code"]) == (systems.NEED, "fall")
    assert [r["system"] for r in reasons] == [systems.NEED, systems.RED_FLAG]
    assert not any(r["system"] == systems.SNOMED for r in reasons)
    ids = {i["system"]: i["value"] for i in resource["identifier"]}
    assert ids["https://fhir.nhs.uk/Id/UBRN"] == "000000000042"


def test_an_exported_referral_is_read_back_with_the_same_columns():
    """ServiceRequest out then in (restore): triage, state, clock and referrer are unchanged."""
    row = referral(state="discharged", state_reason="discharged_with_outcome", is_open=False)
    row.first_contact_at, row.discharged_at = NOW + timedelta(minutes=50), NOW + timedelta(days=2)
    row.outcome, row.clock_stopped_at = "remained_at_home", NOW + timedelta(minutes=50)
    resource = service_request_resource(row)
    model, problems = read_resource(resource, "ServiceRequest")
    assert problems == []
    local = resolver([], model.contained or [])
    fields, problems = referral_fields(model, local, new=False)
    assert problems == []
    columns, problems = restored_columns(model, fields)
    assert problems == []
    for name, value in columns.items():
        assert value == getattr(row, name), name


def test_a_reason_in_another_code_system_becomes_the_need_other_with_its_words():
    """The nine are not exhaustive (DOMAIN.md 1.4): a SNOMED reason is 'other', words kept."""
    data = example("ServiceRequest-ECG")
    data["requester"] = {"display": "Dr Rastall", "reference": "#gp"}
    data["contained"] = [
        {
            "resourceType": "Practitioner",
            "id": "gp",
            "telecom": [{"system": "phone", "value": "0113 000 0000"}],
        }
    ]
    model, problems = read_resource(data, "ServiceRequest")
    assert problems == []
    fields, problems = referral_fields(model, resolver([], model.contained))
    assert problems == []
    assert fields.need == ConditionNeed.OTHER
    assert fields.need_text == "Sinus tachycardia"
    assert fields.referrer_name == "Dr Rastall"


def test_an_unknown_code_in_avert_s_own_code_system_is_refused():
    """A need code Avert does not have is a code-invalid problem, never a guess."""
    row = referral()
    resource = service_request_resource(row)
    resource["reasonCode"][0]["coding"][0]["code"] = "hip_replacement"
    model, _ = read_resource(resource, "ServiceRequest")
    _, problems = referral_fields(model, resolver([], model.contained))
    assert [(p.expression, p.code) for p in problems] == [
        ("ServiceRequest.reasonCode[0].coding[0].code", "code-invalid")
    ]


# ------------------------------------------------------------ Encounter, Observation, others


def test_a_visit_becomes_a_home_health_encounter_based_on_the_referral():
    """Encounter class HH, period from arrival, basedOn the ServiceRequest, staff participate."""
    visit = Visit(
        id=11,
        referral_id=3,
        status="done",
        allocated_at=NOW,
        allocated_by="sam",
        arrived_at=NOW + timedelta(minutes=50),
        finished_at=NOW + timedelta(minutes=110),
    )
    resource = encounter_resource(visit, person_id=7, staff=[("S-OT", "Olu Adeyemi")])
    valid(resource)
    assert resource["class"]["code"] == "HH"
    assert resource["status"] == "finished"
    assert resource["period"]["start"] == (NOW + timedelta(minutes=50)).isoformat()
    assert resource["basedOn"] == [{"reference": "ServiceRequest/3"}]


OBSERVATIONS = {
    "respiration_rate": 22,
    "spo2": 95,
    "on_oxygen": False,
    "systolic_bp": 105,
    "pulse": 95,
    "consciousness": "alert",
    "temperature": 37.0,
    "spo2_target_88_92": False,
}


def test_news2_is_an_observation_with_its_total_and_seven_sub_scores_coded_in_snomed():
    """NEWS2 total 1104051000000101 and each sub-score with its SNOMED CT code (DOMAIN.md 3.1)."""
    assessment = Assessment(
        id=5,
        referral_id=3,
        visit_id=11,
        recorded_at=NOW,
        recorded_by="Olu",
        observations=OBSERVATIONS,
    )
    resource = news2_observation(assessment, person_id=7)
    valid(resource)
    assert resource["code"]["coding"][0]["code"] == SNOMED_TOTAL
    assert resource["status"] == "final"
    # RR 22 -> 2, SpO2 95 -> 1, air 0, SBP 105 -> 1, pulse 95 -> 1, alert 0, 37.0 -> 0.
    assert resource["valueQuantity"]["value"] == 5
    scores = {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in resource["component"]
    }
    assert scores == {
        SNOMED_SUB_SCORES["respiration_rate"]: 2,
        SNOMED_SUB_SCORES["spo2_scale_1"]: 1,
        SNOMED_SUB_SCORES["air_or_oxygen"]: 0,
        SNOMED_SUB_SCORES["systolic_bp"]: 1,
        SNOMED_SUB_SCORES["pulse"]: 1,
        SNOMED_SUB_SCORES["consciousness"]: 0,
        SNOMED_SUB_SCORES["temperature"]: 0,
    }
    assert resource["interpretation"][0]["coding"][0]["code"] == "medium"


def test_the_clinical_frailty_scale_is_an_observation_with_its_snomed_code_and_method():
    """CFS: code 763264000, method 445414007, the level as an integer (DOMAIN.md 3.2)."""
    assessment = Assessment(id=5, referral_id=3, recorded_at=NOW, recorded_by="Olu", cfs=6)
    resource = cfs_observation(assessment, person_id=7)
    valid(resource)
    assert resource["code"]["coding"][0]["code"] == "763264000"
    assert resource["method"]["coding"][0]["code"] == "445414007"
    assert resource["valueInteger"] == 6
    assert news2_observation(assessment, person_id=7) is None


def test_care_actions_and_huddle_decisions_make_a_care_plan():
    """Open actions are in progress, done ones completed; decisions are notes."""
    row = referral()
    actions = [
        CareAction(
            id=1,
            referral_id=3,
            kind="urgent_equipment",
            detail="Perching stool",
            owner="Olu",
            status="open",
            created_at=NOW,
            created_by="Olu",
        ),
        CareAction(
            id=2,
            referral_id=3,
            kind="onward_referral",
            detail="Falls clinic",
            owner="Sam",
            onward_service="therapy",
            status="done",
            created_at=NOW,
            created_by="Sam",
        ),
    ]
    decisions = [
        HuddleDecision(id=1, referral_id=3, decided_at=NOW, decided_by="MDT", decision="Continue")
    ]
    resource = care_plan_resource(row, actions=actions, decisions=decisions)
    valid(resource)
    assert resource["status"] == "active"
    assert [a["detail"]["status"] for a in resource["activity"]] == ["in-progress", "completed"]
    assert resource["note"][0]["text"] == "Continue"


def test_the_access_note_and_a_possible_duplicate_are_flags():
    """Flags: the key-safe note (safety) and intake's possible-duplicate mark (admin)."""
    note = access_flag(person())
    valid(note)
    assert note["category"][0]["coding"][0]["code"] == "safety"
    assert note["code"]["text"].startswith("Key safe")
    assert access_flag(person(access_note=None)) is None
    duplicate = duplicate_flag(referral(possible_duplicate_of=2))
    valid(duplicate)
    assert "ServiceRequest/2" in duplicate["code"]["text"]
    assert duplicate_flag(referral()) is None


def test_the_capability_statement_claims_only_what_is_built():
    """Valid; lists exactly the resource types of the router's table (RESOURCES)."""
    statement = capability_statement(version="1", now=NOW, base_url="https://x/fhir")
    valid(statement)
    claimed = {r["type"] for r in statement["rest"][0]["resource"]}
    assert claimed == set(RESOURCES)
    assert {"HealthcareService", "Location"} <= claimed
    assert statement["fhirVersion"] == "4.0.1"


# ------------------------------------------------------------------------------ validation

# Broken variants of the UK Core example ServiceRequest: the change, and where the problem is.
BROKEN = [
    ("missing subject", lambda d: d.pop("subject"), "ServiceRequest.subject", "required"),
    (
        "status not a code",
        lambda d: d.update(status="sent"),
        "ServiceRequest.status",
        "code-invalid",
    ),
    (
        "priority not a code",
        lambda d: d.update(priority="soon"),
        "ServiceRequest.priority",
        "code-invalid",
    ),
    (
        "authoredOn not a date",
        lambda d: d.update(authoredOn="2023-02-30T10:00:00Z"),
        "ServiceRequest.authoredOn",
        "value",
    ),
    (
        "subject of the wrong type",
        lambda d: d.update(subject="Patient/1"),
        "ServiceRequest.subject",
        "invalid",
    ),
    ("element FHIR lacks", lambda d: d.update(urgency="high"), "ServiceRequest.urgency", "invalid"),
    (
        "reference not a string",
        lambda d: d["requester"].update(reference=5),
        "ServiceRequest.requester.reference",
        "invalid",
    ),
]


@pytest.mark.parametrize("change, mutate, expression, code", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_example_is_refused_naming_where(change, mutate, expression, code):
    """Each broken variant gives a problem at its FHIRPath-like location, with its issue type."""
    data = example("ServiceRequest-ECG")
    mutate(data)
    model, problems = read_resource(data, "ServiceRequest")
    assert model is None
    assert (expression, code) in [(p.expression, p.code) for p in problems], problems


def test_every_example_of_a_resource_type_the_models_know_is_valid():
    """The seventeen UK Core examples are valid R4B resources."""
    for path in sorted(examples().glob("UKCore-*.json")):
        data = json.loads(path.read_text())
        model, problems = read_resource(data, data["resourceType"])
        assert problems == [], path.name


def test_a_body_of_another_type_is_a_wrong_resource_not_a_validation_problem():
    """Posting a Patient where a ServiceRequest belongs raises WrongResource (HTTP 400)."""
    with pytest.raises(WrongResource):
        read_resource(example("Patient-RichardSmith"), "ServiceRequest")
    with pytest.raises(WrongResource):
        read_resource([1, 2], "ServiceRequest")


def test_an_unknown_resource_type_inside_a_bundle_is_named():
    """A Bundle entry of a type FHIR lacks is a not-supported problem at that entry."""
    data = example("Bundle-NEWS2Observations")
    data["entry"][2]["resource"] = {"resourceType": "Vitals"}
    _, problems = read_resource(data, "Bundle")
    assert [(p.expression, p.code) for p in problems] == [
        ("Bundle.entry[2].resource.resourceType", "not-supported")
    ]


def test_problem_messages_do_not_echo_the_rejected_value():
    """Diagnostics name the element and the rule, never the value sent (it may be patient data)."""
    data = copy.deepcopy(example("ServiceRequest-ECG"))
    data["authoredOn"] = "NOT-A-DATE-SECRET"
    data["status"] = "SECRETSTATUS"
    _, problems = read_resource(data, "ServiceRequest")
    assert problems and not any("SECRET" in p.diagnostics for p in problems)


# ---------------------------------------------------------------------------------- search

DATES = [
    # parameter          lowest included      first excluded
    ("1941-03-09", date(1941, 3, 9), date(1941, 3, 10)),
    ("eq1941-03", date(1941, 3, 1), date(1941, 4, 1)),
    ("ge1941", date(1941, 1, 1), None),
    ("gt1941-03-09", date(1941, 3, 10), None),
    ("le1941-02", None, date(1941, 3, 1)),
    ("lt1941", None, date(1941, 1, 1)),
]


@pytest.mark.parametrize("value, low, high", DATES)
def test_date_parameters_are_ranges(value, low, high):
    """A date search parameter is the range of its day, month or year, with its prefix."""
    assert date_range("birthdate", value).bounds() == (low, high)


@pytest.mark.parametrize("value", ["1941-02-30", "yesterday", "ne1941", "41-03-09", ""])
def test_a_date_parameter_that_is_not_a_date_is_refused(value):
    """Not a date: a SearchError naming the parameter."""
    with pytest.raises(SearchError) as raised:
        date_range("birthdate", value)
    assert raised.value.problem.expression == "Parameters.birthdate"


def test_token_and_reference_parameters_parse():
    """system|code, code alone; Patient/123 or 123, and nothing else."""
    assert token("identifier", "https://fhir.nhs.uk/Id/nhs-number|9434765919") == (
        "https://fhir.nhs.uk/Id/nhs-number",
        "9434765919",
    )
    assert token("identifier", "9434765919") == (None, "9434765919")
    assert reference_id("patient", "Patient/12", "Patient") == 12
    assert reference_id("patient", "12", "Patient") == 12
    for bad in ("Practitioner/12", "Patient/abc", ""):
        with pytest.raises(SearchError):
            reference_id("patient", bad, "Patient")

"""Identifier systems, code systems, profiles and extensions used by Avert's FHIR interface.

National systems are from DOMAIN.md 4.1, 4.3, 7.1 and 7.2 (NHS number, ODS, UK Core profiles,
BaRS); SNOMED CT codes only where DOMAIN.md gives them (3.1 NEWS2, 3.2 CFS, 7.1 "Patient
referral"). Everything Avert says that has no national code is written in Avert's own code
systems, whose codes are the values of the shared enums in `avert.domain.vocab`: a local code
table, so no SNOMED CT code is invented. `LOCAL_BASE` names those systems; a deployment would use
its own organisation's FHIR base (see docs/fhir.md).
"""

from __future__ import annotations

from enum import StrEnum

from avert.domain import vocab
from avert.domain.lifecycle import StatusReason


# National identifier and code systems (DOMAIN.md 4.1, 4.3, 7.1).
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANISATION = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS_NUMBER_VERIFICATION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
NHS_NUMBER_VERIFICATION_CODES = (
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
BARS_MESSAGE_EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
BARS_SERVICE_REQUEST_EVENT = "servicerequest-request"

# SNOMED CT concepts named in DOMAIN.md (7.1 referral category; 3.2 Clinical Frailty Scale).
SNOMED_PATIENT_REFERRAL = "3457005"
SNOMED_CFS_SCORE = "763264000"
SNOMED_CFS_METHOD = "445414007"

UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"


def profile(resource_type: str) -> str:
    """The UK Core profile URL of a resource type (DOMAIN.md 7.1)."""
    return UK_CORE + resource_type


# Avert's own systems. A deployment replaces the base with its organisation's FHIR base.
LOCAL_BASE = "https://avert.example/fhir"
PERSON_ID = f"{LOCAL_BASE}/Id/person"
REFERRAL_ID = f"{LOCAL_BASE}/Id/referral"
VISIT_ID = f"{LOCAL_BASE}/Id/visit"
TEAM_ID = f"{LOCAL_BASE}/Id/team"
STAFF_ID = f"{LOCAL_BASE}/Id/staff"


def code_system(name: str) -> str:
    """The URL of one of Avert's local code systems."""
    return f"{LOCAL_BASE}/CodeSystem/{name}"


def extension(name: str) -> str:
    """The URL of one of Avert's extensions."""
    return f"{LOCAL_BASE}/StructureDefinition/Extension-Avert-{name}"


# The local code table: each Avert code system is one shared enum, so codes cannot drift.
CODE_SYSTEMS: dict[str, type[StrEnum]] = {
    "condition-need": vocab.ConditionNeed,
    "red-flag": vocab.RedFlag,
    "referral-source": vocab.ReferralSource,
    "stated-urgency": vocab.StatedUrgency,
    "residence": vocab.Residence,
    "disposition": vocab.Disposition,
    "destination": vocab.Destination,
    "response-standard": vocab.ResponseStandard,
    "referral-state": vocab.ReferralState,
    "status-reason": StatusReason,
    "discharge-outcome": vocab.DischargeOutcome,
    "onward-service": vocab.OnwardService,
}

NEED = code_system("condition-need")
RED_FLAG = code_system("red-flag")
REFERRAL_SOURCE = code_system("referral-source")
STATED_URGENCY = code_system("stated-urgency")
RESIDENCE = code_system("residence")
DISPOSITION = code_system("disposition")
DESTINATION = code_system("destination")
RESPONSE_STANDARD = code_system("response-standard")
REFERRAL_STATE = code_system("referral-state")
STATUS_REASON = code_system("status-reason")
DISCHARGE_OUTCOME = code_system("discharge-outcome")
ONWARD_SERVICE = code_system("onward-service")
# Codes with no enum: care action kinds, NEWS2 bands and the flags Avert raises.
CARE_ACTION_KIND = code_system("care-action-kind")
NEWS2_BAND = code_system("news2-band")
FLAG_CODE = code_system("flag")

EXT_REFERRAL_SOURCE = extension("ReferralSource")
EXT_STATED_URGENCY = extension("StatedUrgency")
EXT_RESIDENCE = extension("Residence")
EXT_TRIAGE = extension("Triage")
EXT_EPISODE = extension("Episode")
EXT_CLOCK = extension("Clock")


def enum_for(system: str) -> type[StrEnum] | None:
    """The enum behind one of Avert's code systems, or None for any other system."""
    prefix = f"{LOCAL_BASE}/CodeSystem/"
    if not system.startswith(prefix):
        return None
    return CODE_SYSTEMS.get(system.removeprefix(prefix))


def coding(system: str, member: StrEnum) -> dict[str, str]:
    """A Coding for an enum member of one of Avert's code systems, with its label as display."""
    return {"system": system, "code": member.value, "display": getattr(member, "label", member)}

"""Flag (UKCore-Flag): what a visiting clinician or a coordinator must know at a glance.

Two flags, both in Avert's `flag` codes (no SNOMED CT code is invented):

- `access-note`: how to get in and what to know at the door (key safe, hazards), category
  `safety`; it is the person's `access_note` and comes back from a Flag on import.
- `possible-duplicate-referral`: intake flagged the referral as a probable duplicate (same person,
  another open referral within the duplicate window; never merged), category `admin`, active
  while the referral is open.

The shared care record's risk, safeguarding and ReSPECT flags are made in `avert.fhir.care_record`.
"""

from __future__ import annotations

from typing import Any

from avert.fhir import systems
from avert.fhir.coded import fhir_instant


ACCESS_NOTE = "access-note"
POSSIBLE_DUPLICATE = "possible-duplicate-referral"
CODES = {
    ACCESS_NOTE: "Access and key-safe note",
    POSSIBLE_DUPLICATE: "Possible duplicate referral",
}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": systems.FLAG_CATEGORY, "code": code, "display": display}]}]


def _code(code: str, text: str) -> dict[str, Any]:
    return {
        "coding": [{"system": systems.FLAG_CODE, "code": code, "display": CODES[code]}],
        "text": text,
    }


def access_flag(person: Any) -> dict[str, Any] | None:
    """The person's access note as a Flag (None if there is none)."""
    if not person.access_note:
        return None
    return {
        "resourceType": "Flag",
        "id": f"access-{person.id}",
        "meta": {"profile": [systems.profile("Flag")]},
        "status": "active",
        "category": _category("safety", "Safety"),
        "code": _code(ACCESS_NOTE, person.access_note),
        "subject": {"reference": f"Patient/{person.id}"},
    }


def duplicate_flag(referral: Any) -> dict[str, Any] | None:
    """A referral intake flagged as a possible duplicate, as a Flag (None if it is not)."""
    if referral.possible_duplicate_of is None:
        return None
    text = (
        f"ServiceRequest/{referral.id} may duplicate"
        f" ServiceRequest/{referral.possible_duplicate_of}:"
        " the same person had another open referral shortly before. Not merged: check whether"
        " the person has deteriorated."
    )
    return {
        "resourceType": "Flag",
        "id": f"duplicate-{referral.id}",
        "meta": {"profile": [systems.profile("Flag")]},
        "status": "active" if referral.is_open else "inactive",
        "category": _category("admin", "Administrative"),
        "code": _code(POSSIBLE_DUPLICATE, text),
        "subject": {"reference": f"Patient/{referral.person_id}"},
        "period": {"start": fhir_instant(referral.received_at)},
    }


def flag_code(flag: Any) -> str | None:
    """Avert's code of a Flag model, if it carries one."""
    for coding in (flag.code.coding if flag.code else None) or []:
        if coding.system == systems.FLAG_CODE:
            return coding.code
    return None

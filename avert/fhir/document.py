"""The red-bag transfer summary as a FHIR document Bundle (docs/care-record.md, docs/fhir.md).

A `document` Bundle (identifier, timestamp) whose first entry is a Composition: type "Transfer
summary" in Avert's `document-type` codes (no LOINC or SNOMED CT code is invented), subject the
Patient, one section per block of the summary that the web page and PDF show (same headings, a
generated XHTML narrative), each section's `entry` naming the resources it summarises. Then the
Patient (with its communication needs), the care record's resources (avert.fhir.care_record:
AllergyIntolerance, MedicationStatement, Condition, RelatedPerson, Flags, Consent, with their
Lists), the recent NEWS2 Observations, and the episode: its ServiceRequest and Encounters.

Every reference is relative (`Patient/12`) and every fullUrl is Avert's base plus `Type/id`, so
references resolve inside the Bundle.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from avert.domain.care_record import Document
from avert.fhir import care_record, systems
from avert.fhir.bundle import full_url
from avert.fhir.coded import fhir_instant


DOCUMENT_TYPE = systems.code_system("document-type")
DOCUMENT_ID = f"{systems.LOCAL_BASE}/Id/document"
TRANSFER_SUMMARY = "transfer-summary"
BLOCK_CODE = systems.code_system("transfer-summary-section")

# Which resources each block of the summary summarises.
_BLOCK_KINDS: dict[str, tuple[str, ...]] = {
    "identity": ("Patient",),
    "allergies": ("AllergyIntolerance",),
    "medications": ("MedicationStatement",),
    "conditions": ("Condition",),
    "contacts": ("RelatedPerson",),
    "observations": ("Observation",),
    "episode": ("ServiceRequest", "Encounter"),
    "transfer": ("Consent",),
}


def _section_of(resource: dict[str, Any]) -> str | None:
    kind = resource["resourceType"]
    if kind == "Flag" or kind == "List":
        found = care_record.kind_of(resource)
        return found.value if found else None
    for code, kinds in _BLOCK_KINDS.items():
        if kind in kinds:
            return code
    return None


def transfer_document(
    summary: Document,
    *,
    patient: dict[str, Any],
    record_resources: list[dict[str, Any]],
    observations: list[dict[str, Any]],
    episode: list[dict[str, Any]],
    author: str,
    now: datetime,
) -> dict[str, Any]:
    """The transfer summary `summary` as a FHIR document Bundle."""
    others = [patient, *record_resources, *observations, *episode]
    composition_id = str(uuid.uuid4())
    sections = []
    for block in summary.blocks:
        entries = [
            {"reference": f"{r['resourceType']}/{r['id']}"}
            for r in others
            if _section_of(r) == block.code
        ]
        section: dict[str, Any] = {
            "title": block.heading,
            "code": {"coding": [{"system": BLOCK_CODE, "code": block.code}]},
            "text": care_record.narrative(
                [(i.label, i.text) for i in block.items] or [(block.heading, block.empty)]
            ),
        }
        if entries:
            section["entry"] = entries
        else:
            section["emptyReason"] = {
                "coding": [{"system": care_record.LIST_EMPTY, "code": "unavailable"}]
            }
        sections.append(section)
    if summary.gaps:
        sections.append(
            {
                "title": "Missing information",
                "code": {"coding": [{"system": BLOCK_CODE, "code": "gaps"}]},
                "text": care_record.narrative([("Check", g) for g in summary.gaps]),
                "emptyReason": {
                    "coding": [{"system": care_record.LIST_EMPTY, "code": "unavailable"}]
                },
            }
        )
    composition = {
        "resourceType": "Composition",
        "id": composition_id,
        "meta": {"profile": [systems.profile("Composition")]},
        "status": "final",
        "type": {
            "coding": [
                {
                    "system": DOCUMENT_TYPE,
                    "code": TRANSFER_SUMMARY,
                    "display": "Transfer summary (red bag)",
                }
            ],
            "text": "Transfer summary (red bag)",
        },
        "subject": {"reference": f"Patient/{patient['id']}"},
        "date": fhir_instant(now),
        "author": [{"display": author}],
        "title": f"{summary.title}: {summary.person_name}",
        "section": sections,
    }
    entries = [{"fullUrl": full_url(composition), "resource": composition}]
    entries += [{"fullUrl": full_url(r), "resource": r} for r in others]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [systems.profile("Bundle")]},
        "identifier": {"system": DOCUMENT_ID, "value": composition_id},
        "type": "document",
        "timestamp": fhir_instant(now),
        "entry": entries,
    }

"""Encounter (UKCore-Encounter): a UCR visit to the person at home.

Conventions (DOMAIN.md 7.1): class `HH` (home health, HL7 v3 ActCode); `period.start` the arrival,
the first face-to-face contact that stops the 2-hour clock; `basedOn` the referral's
ServiceRequest; the staff who went as participants (by Avert staff id and name: Avert has no
Practitioner endpoint yet).
"""

from __future__ import annotations

from typing import Any

from avert.fhir import systems
from avert.fhir.coded import fhir_instant


# Encounter.status from the visit's status (services.visits).
STATUS_OF_VISIT = {
    "allocated": "planned",
    "en_route": "planned",
    "arrived": "in-progress",
    "done": "finished",
    "cancelled": "cancelled",
}


def encounter_resource(
    visit: Any, *, person_id: int, staff: list[tuple[str, str]]
) -> dict[str, Any]:
    """A `visits` row, with its staff as (id, name), as a UK Core Encounter."""
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(visit.id),
        "meta": {"profile": [systems.profile("Encounter")]},
        "identifier": [{"system": systems.VISIT_ID, "value": str(visit.id)}],
        "status": STATUS_OF_VISIT[visit.status],
        "class": {"system": systems.V3_ACT_CODE, "code": "HH", "display": "home health"},
        "subject": {"reference": f"Patient/{person_id}"},
        "basedOn": [{"reference": f"ServiceRequest/{visit.referral_id}"}],
    }
    if staff:
        resource["participant"] = [
            {
                "individual": {
                    "identifier": {"system": systems.STAFF_ID, "value": sid},
                    "display": name,
                }
            }
            for sid, name in staff
        ]
    if visit.arrived_at is not None:
        period = {"start": fhir_instant(visit.arrived_at)}
        if visit.finished_at is not None:
            period["end"] = fhir_instant(visit.finished_at)
        resource["period"] = period
    return resource

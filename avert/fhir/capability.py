"""The CapabilityStatement: exactly what Avert's FHIR API implements, from one table.

`RESOURCES` is the table the router's tests check route by route, so the statement cannot claim
more than is built. HealthcareService and Location are the Directory of Services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from avert.fhir import systems


FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"

# resource type -> (interactions, search parameters as name -> type)
RESOURCES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "Patient": (
        ("read", "search-type"),
        {"identifier": "token", "family": "string", "birthdate": "date"},
    ),
    "ServiceRequest": (
        ("read", "search-type", "create"),
        {"patient": "reference", "status": "token", "authored": "date", "identifier": "token"},
    ),
    "Encounter": (("search-type",), {"patient": "reference"}),
    "Observation": (("search-type",), {"patient": "reference", "code": "token"}),
    "CarePlan": (("search-type",), {"patient": "reference", "status": "token"}),
    "Flag": (("search-type",), {"patient": "reference"}),
    "HealthcareService": (
        ("read", "search-type"),
        {
            "identifier": "token",
            "service-type": "token",
            "active": "token",
            "location": "reference",
            "name": "string",
        },
    ),
    "Location": (
        ("read", "search-type"),
        {"identifier": "token", "name": "string", "address-postalcode": "string"},
    ),
}
# Parameters every search takes besides its own.
PAGING = {"_count": "number", "_offset": "number"}
PROCESS_MESSAGE = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"
# GET /fhir/Patient/{id}/$transfer-summary: the red-bag transfer summary as a document Bundle.
TRANSFER_SUMMARY = f"{systems.LOCAL_BASE}/OperationDefinition/Patient-transfer-summary"


def capability_statement(*, version: str, now: datetime, base_url: str) -> dict[str, Any]:
    resources = []
    for kind, (interactions, params) in RESOURCES.items():
        entry: dict[str, Any] = {
            "type": kind,
            "profile": systems.profile(kind),
            "interaction": [{"code": code} for code in interactions],
            "searchParam": [{"name": n, "type": t} for n, t in {**params, **PAGING}.items()],
        }
        if "create" in interactions:
            entry["conditionalCreate"] = True
        if kind == "Patient":
            entry["operation"] = [{"name": "transfer-summary", "definition": TRANSFER_SUMMARY}]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now.date().isoformat(),
        "publisher": "Avert",
        "kind": "instance",
        "software": {"name": "Avert", "version": version},
        "implementation": {"description": "Avert urgent community response", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": [MEDIA_TYPE, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Sign-in is not in place yet: use only on a trusted network.",
                "resource": resources,
                "operation": [{"name": "process-message", "definition": PROCESS_MESSAGE}],
            }
        ],
    }

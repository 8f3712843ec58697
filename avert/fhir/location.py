"""Location (UKCore-Location): where a Directory of Services service is.

One Location per directory service that has a position, with the same id as its
HealthcareService: name, address and postcode, position (WGS84 latitude and longitude), the
managing organisation by ODS code (DOMAIN.md 4.3), the phone line and the weekly opening hours.
Bank holidays and dated exceptions are on the HealthcareService (`notAvailable`), which has an
element for them; Location's `hoursOfOperation` has none.

Opening hours in FHIR: a time cannot be 24:00, so a session that runs to midnight is written
`allDay` when it starts at 00:00, and otherwise closes at 23:59:59.
"""

from __future__ import annotations

from typing import Any

from avert.domain.directory import DirectoryService
from avert.domain.service_hours import ServiceHours
from avert.fhir import systems


DIRECTORY_SERVICE_ID = f"{systems.LOCAL_BASE}/Id/directory-service"
FHIR_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def reference(service_id: int) -> str:
    return f"Location/{service_id}"


def weekly_times(hours: ServiceHours) -> list[dict[str, Any]]:
    """The weekly sessions as FHIR availableTime / hoursOfOperation items (grouped by times)."""
    grouped: dict[tuple[str, str, bool], list[str]] = {}
    for day, sessions in zip(FHIR_DAYS, hours.weekly, strict=True):
        for session in sessions:
            all_day = str(session) == "00:00-24:00"
            start = session.start.strftime("%H:%M:%S")
            end = "23:59:59" if str(session).endswith("24:00") else session.end.strftime("%H:%M:%S")
            grouped.setdefault((start, end, all_day), []).append(day)
    items = []
    for (start, end, all_day), days in grouped.items():
        item: dict[str, Any] = {"daysOfWeek": days}
        if all_day:
            item["allDay"] = True
        else:
            item["opening"] = start
            item["closing"] = end
        items.append(item)
    return items


def location_resource(service: DirectoryService) -> dict[str, Any]:
    """A directory service's site as a UK Core Location."""
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(service.id),
        "meta": {"profile": [systems.profile("Location")]},
        "identifier": [{"system": DIRECTORY_SERVICE_ID, "value": str(service.id)}],
        "status": "active" if service.active else "inactive",
        "name": service.name,
        "mode": "instance",
        "hoursOfOperation": [
            {
                "daysOfWeek": t["daysOfWeek"],
                **({"allDay": True} if t.get("allDay") else {}),
                **(
                    {"openingTime": t["opening"], "closingTime": t["closing"]}
                    if not t.get("allDay")
                    else {}
                ),
            }
            for t in weekly_times(service.hours)
        ],
    }
    if service.phone:
        resource["telecom"] = [{"system": "phone", "value": service.phone, "use": "work"}]
    if service.address or service.postcode:
        address: dict[str, Any] = {"use": "work"}
        if service.address:
            address["line"] = [service.address]
        if service.postcode:
            address["postalCode"] = service.postcode
        resource["address"] = address
    if service.lat is not None:
        resource["position"] = {"latitude": service.lat, "longitude": service.lon}
    if service.ods_code or service.organisation:
        organisation: dict[str, Any] = {}
        if service.ods_code:
            organisation["identifier"] = {
                "system": systems.ODS_ORGANISATION,
                "value": service.ods_code,
            }
        if service.organisation:
            organisation["display"] = service.organisation
        resource["managingOrganization"] = organisation
    return resource

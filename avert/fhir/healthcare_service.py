"""HealthcareService (UKCore-HealthcareService): a service in the Directory of Services.

Out: Avert's directory id, active, the providing organisation by ODS code, the kind of service
(Avert's `service-type` code system; the NHS DoS service type id as a second coding where
DOMAIN.md 5.2 gives one, in Avert's `dos-service-type` system since no public FHIR system for
DoS types is named there), the Location, name, referral information (`comment`), phone and
referral route (`telecom`, `referralMethod` from the FHIR ReferralMethod code system: elec,
phone, semail), eligibility (age range as text), needs served (`characteristic`, Avert's
`condition-need` codes), weekly opening (`availableTime`), bank holidays and dated exceptions
(`notAvailable`, for the dates the service holds) and the capacity status in force (an Avert
extension with the RAG code, when it was set and when it resets).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from avert.domain.directory import Capacity, DirectoryService, RouteKind, ServiceType
from avert.domain.service_hours import zone
from avert.fhir import search, systems
from avert.fhir.coded import fhir_instant
from avert.fhir.location import DIRECTORY_SERVICE_ID, weekly_times
from avert.fhir.location import reference as location_reference
from avert.fhir.outcome import Problem


SERVICE_TYPE = systems.code_system("service-type")
DOS_SERVICE_TYPE = systems.code_system("dos-service-type")
CAPACITY = systems.code_system("capacity-status")
EXT_CAPACITY = systems.extension("CapacityStatus")
REFERRAL_METHOD = "http://terminology.hl7.org/CodeSystem/service-referral-method"
REFERRAL_METHODS = {
    RouteKind.API: ("elec", "Secure Messaging"),
    RouteKind.PHONE: ("phone", "Phone"),
    RouteKind.EMAIL: ("semail", "Secure Email"),
}


def reference(service_id: int) -> str:
    return f"HealthcareService/{service_id}"


def _eligibility(service: DirectoryService) -> str | None:
    low, high = service.min_age, service.max_age
    if low is None and high is None:
        return None
    if high is None:
        return f"Aged {low} and over"
    if low is None:
        return f"Aged up to {high}"
    return f"Aged {low} to {high}"


def _not_available(service: DirectoryService) -> list[dict[str, Any]]:
    """Bank holidays and dated exceptions that differ from the weekly pattern, as periods."""
    hours = service.hours
    tz = zone(hours.timezone)
    dated: dict[date, str] = {}
    if hours.bank_holiday_sessions is not None:
        for day in sorted(hours.bank_holidays):
            sessions = ", ".join(str(s) for s in hours.bank_holiday_sessions)
            dated[day] = (
                f"Bank holiday: open {sessions} only" if sessions else "Bank holiday: closed"
            )
    for day, sessions in hours.exceptions:
        text = ", ".join(str(s) for s in sessions)
        dated[day] = f"Changed hours: open {text} only" if text else "Closed"
    items = []
    for day in sorted(dated):
        start = datetime.combine(day, time(0), tz)
        end = datetime.combine(day + timedelta(days=1), time(0), tz)
        items.append(
            {
                "description": dated[day],
                "during": {"start": start.isoformat(), "end": end.isoformat()},
            }
        )
    return items


def healthcare_service_resource(service: DirectoryService, *, now: datetime) -> dict[str, Any]:
    """A directory service as a UK Core HealthcareService, with its capacity at `now`."""
    kind = [systems.coding(SERVICE_TYPE, service.type)]
    if service.type.dos_code is not None:
        kind.append({"system": DOS_SERVICE_TYPE, "code": str(service.type.dos_code)})
    capacity = service.capacity_at(now)
    capacity_ext: list[dict[str, Any]] = [
        {"url": "status", "valueCoding": systems.coding(CAPACITY, capacity)}
    ]
    if service.capacity is not None and capacity is not Capacity.GREEN:
        capacity_ext.append(
            {"url": "setAt", "valueDateTime": fhir_instant(service.capacity.set_at)}
        )
        capacity_ext.append(
            {"url": "resetsAt", "valueDateTime": fhir_instant(service.capacity.resets_at())}
        )
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": str(service.id),
        "meta": {"profile": [systems.profile("HealthcareService")]},
        "extension": [{"url": EXT_CAPACITY, "extension": capacity_ext}],
        "identifier": [{"system": DIRECTORY_SERVICE_ID, "value": str(service.id)}],
        "active": service.active,
        "type": [{"coding": kind, "text": service.type.label}],
        "name": service.name,
        "referralMethod": [
            {
                "coding": [
                    {
                        "system": REFERRAL_METHOD,
                        "code": REFERRAL_METHODS[service.route.kind][0],
                        "display": REFERRAL_METHODS[service.route.kind][1],
                    }
                ],
                "text": service.route.kind.label,
            }
        ],
        "appointmentRequired": False,
    }
    if service.ods_code or service.organisation:
        organisation: dict[str, Any] = {}
        if service.ods_code:
            organisation["identifier"] = {
                "system": systems.ODS_ORGANISATION,
                "value": service.ods_code,
            }
        if service.organisation:
            organisation["display"] = service.organisation
        resource["providedBy"] = organisation
    if service.lat is not None:
        resource["location"] = [{"reference": location_reference(service.id)}]
    if service.referral_information:
        resource["comment"] = service.referral_information
    telecom = []
    if service.phone:
        telecom.append({"system": "phone", "value": service.phone, "use": "work"})
    if service.route.kind is RouteKind.EMAIL:
        telecom.append({"system": "email", "value": service.route.value, "use": "work"})
    if service.route.kind is RouteKind.API:
        telecom.append({"system": "url", "value": service.route.value, "use": "work"})
    if telecom:
        resource["telecom"] = telecom
    eligibility = _eligibility(service)
    if eligibility:
        resource["eligibility"] = [{"code": {"text": eligibility}}]
    if service.needs:
        resource["characteristic"] = [
            {"coding": [systems.coding(systems.NEED, need)]} for need in sorted(service.needs)
        ]
    resource["availableTime"] = [
        {
            "daysOfWeek": t["daysOfWeek"],
            **(
                {"allDay": True}
                if t.get("allDay")
                else {"availableStartTime": t["opening"], "availableEndTime": t["closing"]}
            ),
        }
        for t in weekly_times(service.hours)
    ]
    not_available = _not_available(service)
    if not_available:
        resource["notAvailable"] = not_available
    return resource


def _ids(name: str, value: str) -> tuple[set[int], set[str]]:
    """Directory ids and ODS codes named by an identifier token list (comma = OR)."""
    ids: set[int] = set()
    ods: set[str] = set()
    for item in value.split(","):
        system, code = search.token(name, item)
        if system in (None, DIRECTORY_SERVICE_ID):
            if code.isascii() and code.isdigit() and len(code) < 10:
                ids.add(int(code))
        elif system == systems.ODS_ORGANISATION:
            ods.add(code.upper())
        else:
            raise search.SearchError(
                Problem(f"Parameters.{name}", "is not an identifier system Avert holds", "value")
            )
    return ids, ods


def criteria(params: dict[str, str], kind: str) -> dict[str, Any]:
    """Search parameters of HealthcareService or Location as `services.directory` criteria."""
    found: dict[str, Any] = {}
    if params.get("identifier"):
        found["identified"] = _ids("identifier", params["identifier"])
    if params.get("name"):
        found["name"] = params["name"]
    if kind == "Location":
        found["with_location"] = True
        if params.get("address-postalcode"):
            found["postcode"] = params["address-postalcode"]
        return found
    if params.get("service-type"):
        types: set[str] = set()
        dos_codes: set[int] = set()
        for item in params["service-type"].split(","):
            system, code = search.token("service-type", item)
            if system == DOS_SERVICE_TYPE and code.isascii() and code.isdigit() and len(code) < 6:
                dos_codes.add(int(code))
            elif system in (None, SERVICE_TYPE) and code in ServiceType.__members__.values():
                types.add(code)
            elif system not in (None, SERVICE_TYPE, DOS_SERVICE_TYPE):
                raise search.SearchError(
                    Problem("Parameters.service-type", "is not a code system Avert uses", "value")
                )
        found["types"], found["dos_codes"] = types, dos_codes
    if params.get("active"):
        if params["active"] not in ("true", "false"):
            raise search.SearchError(Problem("Parameters.active", "must be true or false", "value"))
        found["active"] = params["active"] == "true"
    if params.get("location"):
        found["location"] = search.reference_id("location", params["location"], "Location")
    return found

"""The Directory of Services API: search and read (DIRECTORY_READ), edit (DIRECTORY_EDIT).

No patient data: reads are not audited; each change writes one audit entry in its transaction.
Edits are compare-and-set on `expected_version` (409 with the current version when stale).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from avert.domain import directory as dos
from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_ods_code, parse_postcode
from avert.domain.service_hours import ServiceHours, Session
from avert.domain.vocab import ConditionNeed
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import directory
from avert.web.auth import allowed, audit_in_transaction
from avert.web.context import context
from avert.web.errors import ApiError


router = APIRouter(prefix="/api/directory", tags=["directory"])
Reader = allowed(Permission.DIRECTORY_READ)
Editor = allowed(Permission.DIRECTORY_EDIT)

ERRORS = {
    401: {"description": "Not signed in and no bearer token"},
    403: {"description": "The role does not allow this, or the form's CSRF token is missing"},
    404: {"description": "No such service"},
    409: {"description": "The service changed since it was read (compare-and-set)"},
    422: {"description": "A field is missing or not valid; each problem names its field"},
    503: {"description": "The change could not be audited, so it was not made"},
}
ServiceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SESSIONS = Field(default_factory=list, max_length=6, examples=[["08:00-20:00"]])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- input


class WeeklyIn(Strict):
    monday: list[str] = SESSIONS
    tuesday: list[str] = SESSIONS
    wednesday: list[str] = SESSIONS
    thursday: list[str] = SESSIONS
    friday: list[str] = SESSIONS
    saturday: list[str] = SESSIONS
    sunday: list[str] = SESSIONS


class HoursIn(Strict):
    """Opening sessions in Europe/London wall-clock time ("24:00" ends at midnight)."""

    weekly: WeeklyIn
    bank_holidays: list[date] = Field(default_factory=list, max_length=200)
    bank_holiday_sessions: list[str] | None = Field(
        None, max_length=6, description="Sessions on bank holidays; null = as the weekday"
    )
    exceptions: dict[date, list[str]] = Field(
        default_factory=dict, max_length=200, description="Dated exceptions; [] = closed"
    )


class RouteIn(Strict):
    kind: dos.RouteKind
    value: str = Field(min_length=1, max_length=200)


class ServiceIn(Strict):
    """A directory service as a service lead writes it."""

    name: str = Field(min_length=1, max_length=160)
    type: dos.ServiceType
    ods_code: str | None = Field(None, max_length=10)
    organisation: str | None = Field(None, max_length=160)
    address: str | None = Field(None, max_length=200)
    postcode: str | None = Field(None, max_length=10)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    neighbourhoods: list[str] = Field(default_factory=list, max_length=100)
    needs: list[ConditionNeed] = Field(default_factory=list, max_length=len(ConditionNeed))
    min_age: int | None = Field(None, ge=0, le=130)
    max_age: int | None = Field(None, ge=0, le=130)
    hours: HoursIn
    route: RouteIn
    referral_information: str | None = Field(None, max_length=2000)
    phone: str | None = Field(None, max_length=40)
    active: bool = True


class ServiceUpdateIn(ServiceIn):
    expected_version: int = Field(ge=1, le=2**31 - 1)


class CapacityIn(Strict):
    status: dos.Capacity
    note: str | None = Field(None, max_length=dos.MAX_NOTE)
    reset_minutes: int = Field(dos.DEFAULT_RESET_MINUTES, ge=0, le=dos.MAX_RESET_MINUTES)


def _check_sessions(texts: list[str], field: str) -> None:
    """Each session readable and ending after it starts, the problem named by its field."""
    for text in texts:
        try:
            Session.parse(text, field)
        except ValidationError as error:
            raise ValidationError(f"hours.{field}", error.message) from None


def hours_from(body: HoursIn) -> ServiceHours:
    for day, texts in body.weekly.model_dump().items():
        _check_sessions(texts, f"weekly.{day}")
    _check_sessions(body.bank_holiday_sessions or [], "bank_holiday_sessions")
    for day, texts in body.exceptions.items():
        _check_sessions(texts, f"exceptions.{day.isoformat()}")
    config: dict[str, Any] = {
        "weekly": body.weekly.model_dump(),
        "bank_holidays": [d.isoformat() for d in body.bank_holidays],
        "exceptions": {d.isoformat(): s for d, s in body.exceptions.items()},
    }
    if body.bank_holiday_sessions is not None:
        config["bank_holiday_sessions"] = body.bank_holiday_sessions
    try:
        return ServiceHours.from_config(config)
    except ValidationError as error:
        raise ValidationError(f"hours.{error.field}", error.message) from None


def service_from(body: ServiceIn, service_id: int = 0) -> dos.DirectoryService:
    """The domain's service (validated again: ages, coordinates, route, sessions)."""
    route = dos.ReferralRoute(body.route.kind, body.route.value)
    return dos.DirectoryService(
        id=service_id,
        name=body.name,
        type=body.type,
        hours=hours_from(body.hours),
        route=route,
        lat=body.lat,
        lon=body.lon,
        ods_code=parse_ods_code(body.ods_code) if body.ods_code else None,
        organisation=body.organisation or None,
        address=body.address or None,
        postcode=parse_postcode(body.postcode) if body.postcode else None,
        phone=body.phone or None,
        neighbourhoods=frozenset(body.neighbourhoods),
        needs=frozenset(body.needs),
        min_age=body.min_age,
        max_age=body.max_age,
        referral_information=body.referral_information or None,
        active=body.active,
    )


# --------------------------------------------------------------------------- output


class RouteOut(BaseModel):
    kind: dos.RouteKind
    value: str


class MatchOut(BaseModel):
    """A service found by a search, with why it is where it is."""

    id: int
    name: str
    type: dos.ServiceType
    type_label: str
    distance_km: float | None
    open_now: bool
    open_until: datetime | None
    opens_next: datetime | None
    today: list[str] = Field(description="Today's sessions, Europe/London wall clock")
    capacity: dos.Capacity
    capacity_label: str
    warnings: list[str]
    reasons: list[str]
    route: RouteOut
    phone: str | None
    postcode: str | None
    referral_information: str | None


class RedirectOut(BaseModel):
    """For a redirected referral, read now: the open service to send the person to."""

    destination: str
    found: bool
    service: MatchOut | None
    opens_next: MatchOut | None = Field(description="When none is open: the one opening soonest")
    call_first: str | None
    fallback: str | None


class PlaceOut(BaseModel):
    label: str
    lat: float
    lon: float
    neighbourhood: str | None


class SearchOut(BaseModel):
    now: datetime
    near: PlaceOut | None
    total: int
    items: list[MatchOut]


class CapacityOut(BaseModel):
    status: dos.Capacity
    set_at: datetime
    set_by: str
    reset_minutes: int
    resets_at: datetime | None
    note: str | None


class ServiceOut(BaseModel):
    id: int
    version: int
    name: str
    type: dos.ServiceType
    type_label: str
    dos_service_type: int | None
    ods_code: str | None
    organisation: str | None
    address: str | None
    postcode: str | None
    lat: float | None
    lon: float | None
    neighbourhoods: list[str]
    needs: list[ConditionNeed]
    min_age: int | None
    max_age: int | None
    hours: dict[str, Any] = Field(description="ServiceHours configuration (Europe/London)")
    route: RouteOut
    referral_information: str | None
    phone: str | None
    active: bool
    open_now: bool
    capacity_now: dos.Capacity
    capacity_history: list[CapacityOut]


def capacity_view(update: dos.CapacityUpdate) -> dict[str, Any]:
    return {
        "status": update.status,
        "set_at": update.set_at,
        "set_by": update.set_by,
        "reset_minutes": update.reset_minutes,
        "resets_at": update.resets_at(),
        "note": update.note,
    }


def service_view(
    service: dos.DirectoryService, history: list[dos.CapacityUpdate], now: datetime
) -> dict[str, Any]:
    return {
        "id": service.id,
        "version": service.version,
        "name": service.name,
        "type": service.type,
        "type_label": service.type.label,
        "dos_service_type": service.type.dos_code,
        "ods_code": service.ods_code,
        "organisation": service.organisation,
        "address": service.address,
        "postcode": service.postcode,
        "lat": service.lat,
        "lon": service.lon,
        "neighbourhoods": sorted(service.neighbourhoods),
        "needs": sorted(service.needs),
        "min_age": service.min_age,
        "max_age": service.max_age,
        "hours": service.hours.to_config(),
        "route": {"kind": service.route.kind, "value": service.route.value},
        "referral_information": service.referral_information,
        "phone": service.phone,
        "active": service.active,
        "open_now": service.hours.is_open(now),
        "capacity_now": service.capacity_at(now),
        "capacity_history": [capacity_view(h) for h in history],
    }


# --------------------------------------------------------------------------- routes


def _not_found(service_id: int) -> ApiError:
    return ApiError(404, "not_found", f"There is no directory service {service_id}.")


def _stale(error: directory.StaleService) -> ApiError:
    return ApiError(
        409,
        "stale_version",
        f"The service was changed meanwhile (now version {error.current_version}); "
        "read it again and repeat your change.",
        [{"field": "expected_version", "message": "is not the current version"}],
    )


def _audit(request: Request, principal: Principal):
    return audit_in_transaction(
        request,
        principal,
        lambda row, action: Access(action, f"directory/{row.id}", (), "service lead"),
    )


def _read(request: Request, service_id: int) -> dict[str, Any]:
    ctx = context(request)
    try:
        service = directory.get_service(ctx.database, service_id)
        history = directory.capacity_history(ctx.database, service_id, limit=20)
    except directory.ServiceNotFound:
        raise _not_found(service_id) from None
    return service_view(service, history, ctx.now())


@router.get(
    "/services",
    response_model=SearchOut,
    responses={k: ERRORS[k] for k in (401, 403, 422)},
    summary="Search the directory by need, place and opening",
)
def search_services(
    request: Request,
    principal: Reader,
    need: ConditionNeed | None = None,
    near: str | None = Query(None, max_length=60, description="A postcode or a place name"),
    open_now: bool = True,
    age: int | None = Query(None, ge=0, le=130),
    type: Annotated[list[dos.ServiceType] | None, Query(max_length=20)] = None,
    q: str | None = Query(None, max_length=100, description="Words in the service's name"),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    ctx = context(request)
    now = ctx.now()
    place = directory.locate(ctx.database, near) if near and near.strip() else None
    found = directory.search(
        ctx.database,
        now=now,
        need=need,
        near=place,
        open_now=open_now,
        age=age,
        types=type or (),
        text=q,
        limit=limit,
    )
    return {
        "now": now,
        "near": place.__dict__ if place else None,
        "total": len(found),
        "items": [directory.match_view(m) for m in found],
    }


@router.get(
    "/services/{service_id}",
    response_model=ServiceOut,
    responses={k: ERRORS[k] for k in (401, 403, 404, 422)},
    summary="One service, with its sessions and capacity history",
)
def read_service(service_id: ServiceId, request: Request, principal: Reader) -> dict[str, Any]:
    return _read(request, service_id)


@router.post(
    "/services",
    status_code=201,
    response_model=ServiceOut,
    responses={k: ERRORS[k] for k in (401, 403, 422, 503)},
    summary="Add a service (service leads)",
)
def create_service(
    body: ServiceIn, request: Request, response: Response, principal: Editor
) -> dict[str, Any]:
    ctx = context(request)
    created = directory.create_service(
        ctx.database,
        service_from(body),
        by=principal.display_name,
        now=ctx.now(),
        audit=_audit(request, principal),
    )
    response.headers["Location"] = f"/api/directory/services/{created.id}"
    return _read(request, created.id)


@router.put(
    "/services/{service_id}",
    response_model=ServiceOut,
    responses={k: ERRORS[k] for k in (401, 403, 404, 409, 422, 503)},
    summary="Change a service (service leads; compare-and-set on expected_version)",
)
def update_service(
    service_id: ServiceId, body: ServiceUpdateIn, request: Request, principal: Editor
) -> dict[str, Any]:
    ctx = context(request)
    try:
        directory.update_service(
            ctx.database,
            service_id,
            service_from(body, service_id),
            expected_version=body.expected_version,
            by=principal.display_name,
            now=ctx.now(),
            audit=_audit(request, principal),
        )
    except directory.ServiceNotFound:
        raise _not_found(service_id) from None
    except directory.StaleService as error:
        raise _stale(error) from None
    return _read(request, service_id)


@router.post(
    "/services/{service_id}/capacity",
    response_model=ServiceOut,
    responses={k: ERRORS[k] for k in (401, 403, 404, 422, 503)},
    summary="Set a service's capacity status (RAG); AMBER and RED reset to GREEN",
)
def set_capacity(
    service_id: ServiceId, body: CapacityIn, request: Request, principal: Editor
) -> dict[str, Any]:
    ctx = context(request)
    try:
        directory.set_capacity(
            ctx.database,
            service_id,
            body.status,
            by=principal.display_name,
            now=ctx.now(),
            reset_minutes=body.reset_minutes,
            note=body.note,
            audit=_audit(request, principal),
        )
    except directory.ServiceNotFound:
        raise _not_found(service_id) from None
    return _read(request, service_id)

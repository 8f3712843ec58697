"""The Directory of Services pages: search, one service, and the service lead's edits.

/directory searches by need, postcode or place and "open now" (htmx swaps the results in; the
form works without scripts too). /directory/{id} shows sessions and capacity history; service
leads edit a service's sessions, bank-holiday sessions, eligibility and route, and set its
capacity (RAG with a note). No patient data: reads are not audited, each change is.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from avert.domain import directory as dos
from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_ods_code, parse_postcode
from avert.domain.service_hours import DAY_NAMES, ServiceHours, Session
from avert.domain.vocab import ConditionNeed
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import directory
from avert.web.auth import allowed, audit_in_transaction
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Reader = allowed(Permission.DIRECTORY_READ)
Editor = allowed(Permission.DIRECTORY_EDIT)
ServiceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CAPACITY_TAGS = {"green": "nhsuk-tag--green", "amber": "nhsuk-tag--yellow", "red": "nhsuk-tag--red"}


def _search(request: Request, need: str | None, near: str | None, open_now: bool, age: str | None):
    ctx = context(request)
    problems: list[dict[str, str]] = []
    wanted_need = None
    if need:
        try:
            wanted_need = ConditionNeed(need)
        except ValueError:
            problems.append({"field": "need", "message": "Choose a need from the list"})
    wanted_age = None
    if age:
        if age.isdigit() and int(age) <= 130:
            wanted_age = int(age)
        else:
            problems.append({"field": "age", "message": "Enter an age in whole years"})
    place = None
    if near and near.strip():
        try:
            place = directory.locate(ctx.database, near)
        except ValidationError:
            problems.append(
                {"field": "near", "message": "Enter a postcode or a place in this area"}
            )
    results = []
    if not problems:
        results = directory.search(
            ctx.database,
            now=ctx.now(),
            need=wanted_need,
            near=place,
            open_now=open_now,
            age=wanted_age,
        )
    return {
        "results": [directory.match_view(m) for m in results],
        "problems": problems,
        "place": place,
        "form": {"need": need or "", "near": near or "", "open_now": open_now, "age": age or ""},
        "needs": list(ConditionNeed),
        "tags": CAPACITY_TAGS,
    }


@router.get("/directory", response_class=HTMLResponse)
def directory_search(
    request: Request,
    principal: Reader,
    need: str | None = Query(None, max_length=40),
    near: str | None = Query(None, max_length=60),
    open_now: str | None = Query(None, max_length=5),
    age: str | None = Query(None, max_length=3),
    searched: str | None = Query(None, max_length=1),
):
    # A first visit has "open now" ticked; a submitted form without the box means unticked.
    ticked = open_now is not None or searched is None
    return page(request, "directory.html", _search(request, need, near, ticked, age))


@router.get("/directory/results", response_class=HTMLResponse)
def directory_results(
    request: Request,
    principal: Reader,
    need: str | None = Query(None, max_length=40),
    near: str | None = Query(None, max_length=60),
    open_now: str | None = Query(None, max_length=5),
    age: str | None = Query(None, max_length=3),
):
    return page(
        request,
        "directory_results.html",
        _search(request, need, near, open_now is not None, age),
    )


def _service(request: Request, service_id: int) -> dos.DirectoryService:
    try:
        return directory.get_service(context(request).database, service_id)
    except directory.ServiceNotFound:
        raise ApiError(404, "not_found", f"There is no directory service {service_id}.") from None


def _week(hours: ServiceHours) -> list[tuple[str, str]]:
    return [
        (day.capitalize(), ", ".join(str(s) for s in sessions) or "Closed")
        for day, sessions in zip(DAY_NAMES, hours.weekly, strict=True)
    ]


def _blank(request: Request) -> dos.DirectoryService:
    """A new service's starting point: weekdays 09:00-17:00, the directory's bank holidays."""
    known = directory.list_services(context(request).database)
    holidays = frozenset().union(*(s.hours.bank_holidays for s in known))
    hours = ServiceHours.from_config(
        {
            "weekly": {d: (["09:00-17:00"] if i < 5 else []) for i, d in enumerate(DAY_NAMES)},
            "bank_holidays": sorted(d.isoformat() for d in holidays),
            "bank_holiday_sessions": [],
        }
    )
    return dos.DirectoryService(
        id=0,
        name="New service",
        type=dos.ServiceType.VOLUNTARY_SECTOR,
        hours=hours,
        route=dos.ReferralRoute(dos.RouteKind.PHONE, "000"),
        version=0,
    )


@router.get("/directory/new", response_class=HTMLResponse)
def new_form(request: Request, principal: Editor):
    blank = _blank(request)
    values = _form_values(blank) | {"name": "", "route_value": ""}
    return _edit_page(request, blank, values)


@router.post("/directory/new", response_class=HTMLResponse)
async def new_service(request: Request, principal: Editor):
    ctx = context(request)
    blank = _blank(request)
    form = await request.form()
    values = {k: form.get(k) for k in form} | {"needs": form.getlist("needs")}
    try:
        created = directory.create_service(
            ctx.database,
            _parse(form, blank),
            by=principal.display_name,
            now=ctx.now(),
            audit=_audit(request, principal),
        )
    except ValidationError as error:
        problem = {"field": error.field, "message": error.message}
        return _edit_page(request, blank, values, [problem], status=422)
    return _redirect(created.id, "Service added.")


@router.get("/directory/{service_id}", response_class=HTMLResponse)
def service_page(
    service_id: ServiceId,
    request: Request,
    principal: Reader,
    message: str | None = Query(None, max_length=200),
):
    ctx = context(request)
    service = _service(request, service_id)
    now = ctx.now()
    history = directory.capacity_history(ctx.database, service_id)
    hours = service.hours
    holidays = sorted(d for d in hours.bank_holidays if d >= now.date())
    return page(
        request,
        "directory_service.html",
        {
            "s": service,
            "now_view": directory.match_view(dos.describe_match(service, None, now)),
            "capacity_now": service.capacity_at(now),
            "history": history,
            "week": _week(hours),
            "holiday_sessions": None
            if hours.bank_holiday_sessions is None
            else ", ".join(str(s) for s in hours.bank_holiday_sessions) or "Closed",
            "holidays": holidays[:12],
            "exceptions": [
                (d, ", ".join(str(x) for x in ss) or "Closed")
                for d, ss in hours.exceptions
                if d >= now.date()
            ],
            "can_edit": principal.can(Permission.DIRECTORY_EDIT),
            "tags": CAPACITY_TAGS,
            "capacities": list(dos.Capacity),
            "message": message,
            "reset_default": dos.DEFAULT_RESET_MINUTES,
        },
    )


def _audit(request: Request, principal: Principal):
    return audit_in_transaction(
        request,
        principal,
        lambda row, action: Access(action, f"directory/{row.id}", (), "service lead"),
    )


@router.post("/directory/{service_id}/capacity", response_class=HTMLResponse)
async def set_capacity(service_id: ServiceId, request: Request, principal: Editor):
    ctx = context(request)
    form = await request.form()
    try:
        status = dos.Capacity(str(form.get("status", "")))
        reset = str(form.get("reset_minutes") or dos.DEFAULT_RESET_MINUTES)
        directory.set_capacity(
            ctx.database,
            service_id,
            status,
            by=principal.display_name,
            now=ctx.now(),
            reset_minutes=int(reset) if reset.isdigit() else -1,
            note=str(form.get("note") or "").strip() or None,
            audit=_audit(request, principal),
        )
    except directory.ServiceNotFound:
        raise ApiError(404, "not_found", f"There is no directory service {service_id}.") from None
    except (ValueError, ValidationError) as error:
        text = error.message if isinstance(error, ValidationError) else "Choose green, amber or red"
        return _redirect(service_id, f"Capacity not changed: {text}.")
    return _redirect(service_id, f"Capacity set to {status.value}.")


def _redirect(service_id: int, message: str) -> RedirectResponse:
    return RedirectResponse(
        f"/directory/{service_id}?{urlencode({'message': message})}", status_code=303
    )


# --------------------------------------------------------------------------- editing


def _form_values(service: dos.DirectoryService) -> dict[str, Any]:
    hours = service.hours
    holiday = hours.bank_holiday_sessions
    return {
        "name": service.name,
        "type": service.type.value,
        "phone": service.phone or "",
        "route_kind": service.route.kind.value,
        "route_value": service.route.value,
        "min_age": "" if service.min_age is None else str(service.min_age),
        "max_age": "" if service.max_age is None else str(service.max_age),
        "needs": [n.value for n in service.needs],
        "referral_information": service.referral_information or "",
        "active": service.active,
        **{
            f"day_{d}": ", ".join(str(s) for s in ss)
            for d, ss in zip(DAY_NAMES, hours.weekly, strict=True)
        },
        "holiday_mode": "weekday" if holiday is None else ("closed" if not holiday else "own"),
        "holiday_sessions": ", ".join(str(s) for s in holiday or ()),
        "exceptions": "\n".join(
            f"{d.isoformat()} {', '.join(str(s) for s in ss) or 'closed'}"
            for d, ss in hours.exceptions
        ),
        "bank_holidays": "\n".join(d.isoformat() for d in sorted(hours.bank_holidays)),
        "organisation": service.organisation or "",
        "ods_code": service.ods_code or "",
        "address": service.address or "",
        "postcode": service.postcode or "",
        "lat": "" if service.lat is None else str(service.lat),
        "lon": "" if service.lon is None else str(service.lon),
        "version": service.version,
    }


def _sessions(text: str, field: str) -> list[str]:
    items = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if len(items) > 6:
        raise ValidationError(field, "give at most six sessions")
    for item in items:
        Session.parse(item, field)
    return items


def _age(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 130:
        raise ValidationError(field, "enter an age in whole years, or leave it blank")
    return int(text)


def _parse(form, service: dos.DirectoryService) -> dos.DirectoryService:
    """The edited service from the form; ValidationError names the form field."""
    value = lambda name: str(form.get(name) or "").strip()  # noqa: E731
    weekly = {d: _sessions(value(f"day_{d}"), f"day_{d}") for d in DAY_NAMES}
    exceptions: dict[str, list[str]] = {}
    for line in value("exceptions").splitlines():
        if not line.strip():
            continue
        day, _, rest = line.strip().partition(" ")
        try:
            date.fromisoformat(day)
        except ValueError:
            raise ValidationError("exceptions", "start each line with a date: 2026-12-24") from None
        rest = rest.strip()
        exceptions[day] = [] if rest.lower() == "closed" else _sessions(rest, "exceptions")
    holidays = []
    for line in value("bank_holidays").split():
        try:
            holidays.append(date.fromisoformat(line).isoformat())
        except ValueError:
            raise ValidationError("bank_holidays", "give one date a line: 2026-12-25") from None
    config: dict[str, Any] = {
        "weekly": weekly,
        "bank_holidays": sorted(set(holidays)),
        "exceptions": exceptions,
        "timezone": service.hours.timezone,
    }
    mode = value("holiday_mode")
    if mode == "closed":
        config["bank_holiday_sessions"] = []
    elif mode == "own":
        config["bank_holiday_sessions"] = _sessions(value("holiday_sessions"), "holiday_sessions")
    try:
        hours = ServiceHours.from_config(config)
    except ValidationError as error:
        raise ValidationError("day_monday", error.message) from None
    try:
        kind = dos.ServiceType(value("type"))
    except ValueError:
        raise ValidationError("type", "choose a kind of service") from None
    try:
        needs = frozenset(ConditionNeed(n) for n in form.getlist("needs"))
    except ValueError:
        raise ValidationError("needs", "choose needs from the list") from None
    if not value("name"):
        raise ValidationError("name", "enter the service's name")
    if len(value("name")) > 160:
        raise ValidationError("name", "must be at most 160 characters")
    try:
        route = dos.ReferralRoute(dos.RouteKind(value("route_kind")), value("route_value"))
    except ValueError as error:
        message = error.message if isinstance(error, ValidationError) else "choose how to refer"
        raise ValidationError("route_value", message) from None
    phone = value("phone")
    if len(phone) > 40:
        raise ValidationError("phone", "must be at most 40 characters")
    information = value("referral_information")
    if len(information) > 2000:
        raise ValidationError("referral_information", "must be at most 2000 characters")
    for name, limit in (("organisation", 160), ("address", 200)):
        if len(value(name)) > limit:
            raise ValidationError(name, f"must be at most {limit} characters")
    lat, lon = _position(value("lat"), value("lon"))
    return dos.DirectoryService(
        **{
            **service.__dict__,
            "organisation": value("organisation") or None,
            "ods_code": parse_ods_code(value("ods_code")) if value("ods_code") else None,
            "address": value("address") or None,
            "postcode": parse_postcode(value("postcode")) if value("postcode") else None,
            "lat": lat,
            "lon": lon,
            "name": value("name"),
            "type": kind,
            "hours": hours,
            "route": route,
            "phone": phone or None,
            "needs": needs,
            "min_age": _age(value("min_age"), "min_age"),
            "max_age": _age(value("max_age"), "max_age"),
            "referral_information": information or None,
            "active": bool(form.get("active")),
        }
    )


def _position(lat: str, lon: str) -> tuple[float | None, float | None]:
    if not lat and not lon:
        return None, None
    try:
        found = float(lat), float(lon)
    except ValueError:
        raise ValidationError("lat", "give latitude and longitude as numbers, or neither") from None
    if not (-90 <= found[0] <= 90 and -180 <= found[1] <= 180):
        raise ValidationError("lat", "is not a position on the map")
    return found


def _edit_page(request, service, values, problems=(), status=200, stale=None):
    return page(
        request,
        "directory_edit.html",
        {
            "s": service,
            "v": values,
            "problems": list(problems),
            "stale": stale,
            "days": DAY_NAMES,
            "types": list(dos.ServiceType),
            "kinds": list(dos.RouteKind),
            "needs": list(ConditionNeed),
        },
        status_code=status,
    )


@router.get("/directory/{service_id}/edit", response_class=HTMLResponse)
def edit_form(service_id: ServiceId, request: Request, principal: Editor):
    service = _service(request, service_id)
    return _edit_page(request, service, _form_values(service))


@router.post("/directory/{service_id}/edit", response_class=HTMLResponse)
async def edit_service(service_id: ServiceId, request: Request, principal: Editor):
    ctx = context(request)
    service = _service(request, service_id)
    form = await request.form()
    values = {k: form.get(k) for k in form} | {"needs": form.getlist("needs")}
    version = str(form.get("version") or "")
    try:
        edited = _parse(form, service)
        directory.update_service(
            ctx.database,
            service_id,
            edited,
            expected_version=int(version) if version.isdigit() else 0,
            by=principal.display_name,
            now=ctx.now(),
            audit=_audit(request, principal),
        )
    except ValidationError as error:
        problem = {"field": error.field, "message": error.message}
        return _edit_page(request, service, values, [problem], status=422)
    except directory.StaleService:
        fresh = _service(request, service_id)
        return _edit_page(request, fresh, _form_values(fresh), status=409, stale=fresh.version)
    return _redirect(service_id, "Service saved.")

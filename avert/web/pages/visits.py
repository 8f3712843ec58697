"""The clinician's day and the visit: set off, arrive, assess (NEWS2, frailty, needs), act, leave.

Built for a phone: one column, large buttons, no tables. Arrival is the first face-to-face
contact and stops the 2-hour clock. NEWS2 is calculated, never typed; a score of 7 or more, or
a 3 in any one parameter, brings up the escalation path (999 or ED), which is recorded.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.domain.frailty import ClinicalFrailtyScale, parse_cfs
from avert.domain.lifecycle import Discharge
from avert.domain.news2 import Consciousness, Observations, news2, observation_form_errors
from avert.domain.vocab import Destination, DischargeOutcome, OnwardService
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import clinical, lifecycle, referrals, visits, worklists
from avert.store.schema import Assessment, CareAction, StaffMember, Visit
from avert.web.auth import allowed, audited, record_access, visible_referral
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.care_record import record_summary
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Visitor = allowed(Permission.VISIT_RECORD)

OBSERVATION_FIELDS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
    "spo2_target_88_92",
)
TEXT_FIELDS = (
    "physical_needs",
    "mental_health_needs",
    "social_needs",
    "what_matters",
    "carer_situation",
)


@router.get("/my-day", response_class=HTMLResponse)
def my_day(request: Request, principal: Visitor):
    ctx = context(request)
    member = None
    if principal.staff_id:
        with ctx.database.reading() as session:
            member = session.get(StaffMember, principal.staff_id)
    if member is None:
        raise ApiError(
            404,
            "not_found",
            "Your account is not linked to a member of staff, so there are no visits to show.",
        )
    cards = worklists.my_visits(ctx.database, member.id, now=ctx.now())
    record_access(
        request,
        principal,
        Access("list", "my-day", tuple(c.person_id for c in cards), "allocated visit"),
    )
    return page(request, "my_day.html", {"member": member, "cards": cards, "now": ctx.now()})


def _visible_visit(request: Request, principal: Principal, visit_id: int):
    """The visit and its referral if this principal may see them; 404 otherwise."""
    ctx = context(request)
    with ctx.database.reading() as session:
        visit = session.get(Visit, visit_id)
    if visit is None:
        raise ApiError(404, "not_found", f"There is no visit {visit_id}.")
    try:
        seen = referrals.find_visible(ctx.database, principal, visit.referral_id, now=ctx.now())
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no visit {visit_id}.") from None
    return visit, seen


def _visit_context(request: Request, principal: Principal, visit_id: int) -> dict:
    ctx = context(request)
    visit, seen = _visible_visit(request, principal, visit_id)
    referral, person = seen.referral, seen.person
    record_access(request, principal, Access("read", f"visit/{visit_id}", (person.id,), seen.basis))
    with ctx.database.reading() as session:
        assessments = (
            session.execute(
                select(Assessment)
                .where(Assessment.referral_id == referral.id)
                .order_by(Assessment.recorded_at.desc())
            )
            .scalars()
            .all()
        )
        actions = (
            session.execute(
                select(CareAction)
                .where(CareAction.referral_id == referral.id)
                .order_by(CareAction.created_at)
            )
            .scalars()
            .all()
        )
    view = referrals.describe(referral, person, ctx.settings, ctx.now())
    return {
        "visit": visit,
        "r": view,
        "person": person,
        "basis": seen.basis,
        "assessments": assessments,
        "actions": actions,
        "consciousness": list(Consciousness),
        "cfs_levels": list(ClinicalFrailtyScale),
        "action_kinds": list(clinical.ActionKind),
        "onward_services": list(OnwardService),
        "outcomes": list(DischargeOutcome),
        "values": {},
        "errors": {},
        "score": None,
        "escalate": False,
        "record_summary": record_summary(ctx.database, person.id),
        "record_person_id": person.id,
    }


@router.get("/visits/{visit_id}", response_class=HTMLResponse)
def visit_page(visit_id: int, request: Request, principal: Visitor, escalate: int = Query(0)):
    data = _visit_context(request, principal, visit_id)
    data["escalate"] = bool(escalate)
    return page(request, "visit.html", data)


def _step(request: Request, principal: Principal, visit_id: int, step) -> RedirectResponse:
    ctx = context(request)
    who = principal.display_name
    _, seen = _visible_visit(request, principal, visit_id)
    access = Access("update", f"visit/{visit_id}", (seen.person.id,), seen.basis)
    try:
        with audited(request, principal, access):
            step(ctx.database, visit_id, by=who, now=ctx.now())
    except visits.VisitConflict:
        pass  # someone (or a double click) already moved it on; the page shows where it is
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no visit {visit_id}.") from None
    return RedirectResponse(f"/visits/{visit_id}", status_code=303)


@router.post("/visits/{visit_id}/travel", response_class=HTMLResponse)
def set_off(visit_id: int, request: Request, principal: Visitor):
    return _step(request, principal, visit_id, visits.start_travel)


@router.post("/visits/{visit_id}/arrive", response_class=HTMLResponse)
def arrived(visit_id: int, request: Request, principal: Visitor):
    return _step(request, principal, visit_id, visits.arrive)


@router.post("/visits/{visit_id}/news2", response_class=HTMLResponse)
async def news2_preview(visit_id: int, request: Request, principal: Visitor):
    """The NEWS2 score as the observations are typed (htmx), before anything is saved."""
    form = await request.form()
    data = {k: form.get(k) for k in OBSERVATION_FIELDS}
    errors = observation_form_errors(data)
    score = None if errors else news2(Observations.from_form(data))
    return page(request, "news2_panel.html", {"score": score, "incomplete": bool(errors)})


@router.post("/visits/{visit_id}/assessment", response_class=HTMLResponse)
async def assess(visit_id: int, request: Request, principal: Visitor):
    who = principal.display_name
    form = await request.form()
    data = _visit_context(request, principal, visit_id)
    values = {k: str(form.get(k) or "") for k in (*OBSERVATION_FIELDS, *TEXT_FIELDS, "cfs")}
    errors: dict[str, str] = {}
    observations = None
    if any(values[k] for k in OBSERVATION_FIELDS if k not in ("on_oxygen", "spo2_target_88_92")):
        errors |= {
            k: f"{k.replace('_', ' ').capitalize()} {m}"
            for k, m in observation_form_errors(values).items()
        }
        if values["on_oxygen"] not in ("air", "oxygen"):
            errors["on_oxygen"] = "Say whether the person is breathing air or oxygen"
        if not errors:
            observations = Observations.from_form(values)
    cfs = None
    if values["cfs"]:
        try:
            cfs = parse_cfs(values["cfs"])
        except ValidationError as error:
            errors["cfs"] = f"Clinical Frailty Scale {error.message}"
    texts = {k: values[k].strip() or None for k in TEXT_FIELDS}
    if not errors:
        try:
            entry = clinical.AssessmentInput(observations=observations, cfs=cfs, **texts)
        except ValidationError:
            errors["assessment"] = "Record observations, a frailty score or the person's needs"
    if errors:
        data |= {"values": values, "errors": errors}
        return page(request, "visit.html", data, status_code=422)
    ctx = context(request)
    referral_id = data["visit"].referral_id
    access = Access(
        "update", f"referral/{referral_id}/assessment", (data["person"].id,), data["basis"]
    )
    with audited(request, principal, access):
        recorded = clinical.record_assessment(
            ctx.database, referral_id, entry, by=who, now=ctx.now(), visit_id=visit_id
        )
    escalate = 1 if recorded.news2 and recorded.news2.escalate else 0
    return RedirectResponse(f"/visits/{visit_id}?escalate={escalate}#assessment", status_code=303)


@router.post("/referrals/{referral_id}/escalation", response_class=HTMLResponse)
async def escalate(referral_id: int, request: Request, principal: Visitor):
    who = principal.display_name
    form = await request.form()
    ctx = context(request)
    seen = visible_referral(request, principal, referral_id)
    back = str(form.get("back") or f"/referrals/{referral_id}")
    access = Access("update", f"referral/{referral_id}/escalation", (seen.person.id,), seen.basis)
    try:
        with audited(request, principal, access):
            clinical.record_escalation(
                ctx.database,
                referral_id,
                destination=Destination(str(form.get("destination"))),
                note=str(form.get("note") or "").strip() or None,
                by=who,
                now=ctx.now(),
            )
    except (ValueError, ValidationError):
        raise ApiError(422, "invalid_input", "Choose 999 or the emergency department.") from None
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no referral {referral_id}.") from None
    return RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else "/board", status_code=303
    )


@router.post("/referrals/{referral_id}/actions", response_class=HTMLResponse)
async def add_action(referral_id: int, request: Request, principal: Visitor):
    who = principal.display_name
    form = await request.form()
    ctx = context(request)
    seen = visible_referral(request, principal, referral_id)
    visit_id = str(form.get("visit_id") or "")
    access = Access("update", f"referral/{referral_id}/actions", (seen.person.id,), seen.basis)
    try:
        kind = clinical.ActionKind(str(form.get("kind") or ""))
        service = str(form.get("onward_service") or "")
        with audited(request, principal, access):
            clinical.add_action(
                ctx.database,
                referral_id,
                kind=kind,
                detail=str(form.get("detail") or ""),
                owner=str(form.get("owner") or ""),
                onward_service=OnwardService(service) if service else None,
                by=who,
                now=ctx.now(),
            )
    except ValueError as error:
        message = error.message if isinstance(error, ValidationError) else "choose a kind"
        if visit_id.isdigit():
            data = _visit_context(request, principal, int(visit_id))
            data["errors"] = {"action": f"The action was not added: {message}"}
            return page(request, "visit.html", data, status_code=422)
        raise ApiError(422, "invalid_input", f"The action was not added: {message}.") from None
    target = f"/visits/{visit_id}#actions" if visit_id.isdigit() else f"/referrals/{referral_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/actions/{action_id}/done", response_class=HTMLResponse)
async def action_done(action_id: int, request: Request, principal: Visitor):
    who = principal.display_name
    form = await request.form()
    ctx = context(request)
    with ctx.database.reading() as session:
        action = session.get(CareAction, action_id)
    if action is None:
        raise ApiError(404, "not_found", f"There is no action {action_id}.")
    seen = visible_referral(request, principal, action.referral_id)
    access = Access("update", f"action/{action_id}", (seen.person.id,), seen.basis)
    try:
        with audited(request, principal, access):
            clinical.complete_action(ctx.database, action_id, by=who, now=ctx.now())
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no action {action_id}.") from None
    back = str(form.get("back") or "/huddle")
    return RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else "/huddle", status_code=303
    )


@router.post("/visits/{visit_id}/finish", response_class=HTMLResponse)
async def finish(visit_id: int, request: Request, principal: Visitor):
    who = principal.display_name
    form = await request.form()
    ctx = context(request)
    _, seen = _visible_visit(request, principal, visit_id)
    access = Access("update", f"visit/{visit_id}", (seen.person.id,), seen.basis)
    outcome = str(form.get("outcome") or "")
    discharge = None
    try:
        if outcome:
            service = str(form.get("onward_service") or "")
            discharge = Discharge(
                DischargeOutcome(outcome),
                OnwardService(service) if service else None,
                str(form.get("onward_note") or "").strip() or None,
            )
        with audited(request, principal, access):
            visits.finish(
                ctx.database,
                visit_id,
                by=who,
                now=ctx.now(),
                discharge=discharge,
                note=str(form.get("note") or "").strip() or None,
            )
    except ValueError as error:
        data = _visit_context(request, principal, visit_id)
        message = error.message if isinstance(error, ValidationError) else "choose an outcome"
        data["errors"] = {"outcome": f"The visit was not closed: {message}"}
        return page(request, "visit.html", data, status_code=422)
    except visits.VisitConflict:
        pass
    return RedirectResponse(f"/visits/{visit_id}", status_code=303)

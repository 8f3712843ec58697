"""The live queue and board: open referrals with their countdowns and predicted breaches, staff
on shift, allocation with a ranked "who should go", and marking a person off sick (re-plan)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from avert.dispatch import live
from avert.dispatch.stop import MaxRuntime, MultipleCriteria, NoImprovement
from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.domain.vocab import Disposition, ReferralState
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import dispatch, lifecycle, queue, referrals, visits, worklists
from avert.services.access import visible_referrals
from avert.store.schema import StaffMember, Team
from avert.web.auth import allowed, record_access, visible_referral
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Reader = allowed(Permission.REFERRAL_READ)
Allocator = allowed(Permission.ALLOCATE)

ALLOCATABLE = ("triaged", "accepted", "in_care", "reopened")
OPEN_STATES = [s for s in ReferralState if s.value not in ("discharged", "redirected", "cancelled")]
REPLAN_SECONDS = 1.0  # the warm re-plan's search budget after someone goes off sick,
REPLAN_PATIENCE = 300  # or fewer iterations once this many in a row found nothing better
PREDICTION_TAGS = {
    "on_time": "nhsuk-tag--green",
    "at_risk": "nhsuk-tag--orange",
    "will_breach": "nhsuk-tag--red",
    "unplanned": "nhsuk-tag--red",
    "no_clock": "nhsuk-tag--grey",
}


def _filters(team, locality, disposition, state) -> dict[str, str]:
    given = {"team": team, "locality": locality, "disposition": disposition, "state": state}
    return {k: v for k, v in given.items() if v}


def _board(request: Request, principal: Principal, filters: dict[str, str]) -> dict:
    ctx = context(request)
    now = ctx.now()
    found = queue.open_queue(
        ctx.database,
        now=now,
        team_id=filters.get("team"),
        locality=filters.get("locality"),
        disposition=filters.get("disposition"),
        state=filters.get("state"),
        limit=100,
        scope=visible_referrals(principal, now),
    )
    record_access(
        request, principal, Access("list", "board", found.person_ids, principal.caseload.value)
    )
    predictions = dispatch.predictions(ctx.database, now=now)
    rows = [
        {
            "item": item,
            "seconds": int(item.remaining.total_seconds()) if item.remaining is not None else None,
            "prediction": predictions.get(item.referral_id),
        }
        for item in found.items
    ]
    return {
        "page": found,
        "rows": rows,
        "filters": filters,
        "query": urlencode(filters),
        "prediction_tags": PREDICTION_TAGS,
    }


@router.get("/board", response_class=HTMLResponse)
@router.get("/queue", response_class=HTMLResponse)
def board(
    request: Request,
    principal: Reader,
    team: str | None = Query(None, max_length=32),
    locality: str | None = Query(None, max_length=120),
    disposition: str | None = Query(None, max_length=32),
    state: str | None = Query(None, max_length=16),
    message: str | None = Query(None, max_length=300),
):
    ctx = context(request)
    filters = _filters(team, locality, disposition, state)
    with ctx.database.reading() as session:
        teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
        localities = sorted({t for (t,) in session.execute(select(Team.locality))})
    staff = worklists.staff_on_shift(ctx.database, now=ctx.now(), team_id=filters.get("team"))
    return page(
        request,
        "board.html",
        {
            **_board(request, principal, filters),
            "teams": teams,
            "localities": localities,
            "dispositions": list(Disposition),
            "states": OPEN_STATES,
            "staff": staff,
            "message": message,
            "can_allocate": principal.can(Permission.ALLOCATE),
        },
    )


@router.get("/board/rows", response_class=HTMLResponse)
def board_rows(
    request: Request,
    principal: Reader,
    team: str | None = Query(None, max_length=32),
    locality: str | None = Query(None, max_length=120),
    disposition: str | None = Query(None, max_length=32),
    state: str | None = Query(None, max_length=16),
):
    filters = _filters(team, locality, disposition, state)
    return page(request, "board_rows.html", _board(request, principal, filters))


def _allocation_form(
    request: Request,
    principal: Principal,
    referral_id: int,
    error: str | None = None,
    status: int = 200,
):
    ctx = context(request)
    try:
        seen = referrals.find_visible(ctx.database, principal, referral_id, now=ctx.now())
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no referral {referral_id}.") from None
    referral = seen.referral
    staff = worklists.staff_on_shift(ctx.database, now=ctx.now())
    options = []
    if referral.state in ALLOCATABLE:
        # Ranking reads where the person lives: recorded like the referral it belongs to.
        record_access(
            request,
            principal,
            Access("read", f"referral/{referral_id}/options", (seen.person.id,), seen.basis),
        )
        options = dispatch.who_should_go(ctx.database, referral_id, now=ctx.now())
    rank = {o.staff_id: i for i, o in enumerate(options)}
    staff.sort(
        key=lambda s: (
            rank.get(s.id, len(rank)),
            s.team_id != referral.team_id,
            s.status != "available",
            s.name,
        )
    )
    return page(
        request,
        "allocate.html",
        {
            "referral": referral,
            "staff": staff,
            "teams": {s.id: (s.team_id, s.team_name) for s in staff},
            "error": error,
            "options": options,
        },
        status_code=status,
    )


@router.get("/board/allocate/{referral_id}", response_class=HTMLResponse)
def allocation_form(referral_id: int, request: Request, principal: Allocator):
    return _allocation_form(request, principal, referral_id)


@router.post("/board/allocate/{referral_id}", response_class=HTMLResponse)
async def allocate(referral_id: int, request: Request, principal: Allocator):
    who = principal.display_name
    form = await request.form()
    ctx = context(request)
    seen = visible_referral(request, principal, referral_id)
    try:
        expected = int(str(form.get("version", "")))
    except ValueError:
        return _allocation_form(request, principal, referral_id, "The form was out of date.", 409)
    chosen = [str(form.get("first_staff") or ""), str(form.get("second_staff") or "")]
    planned_at = None
    if raw := str(form.get("planned_at") or ""):  # from a ranked option: its predicted arrival
        try:
            planned_at = datetime.fromisoformat(raw)
        except ValueError:
            planned_at = None
        if planned_at is None or planned_at.tzinfo is None:
            return _allocation_form(
                request, principal, referral_id, "The planned time was not a time.", 422
            )
    try:
        visits.allocate(
            ctx.database,
            referral_id,
            chosen,
            by=who,
            now=ctx.now(),
            expected_version=expected,
            planned_at=planned_at,
        )
    except lifecycle.StaleVersion:
        return _allocation_form(
            request,
            principal,
            referral_id,
            "Someone else changed this referral while you were choosing (it may already be "
            "allocated). Nothing was changed: check it below and try again if it still needs "
            "staff.",
            409,
        )
    except ValidationError as error:
        message = error.message[:1].upper() + error.message[1:] + "."  # keeps names' capitals
        return _allocation_form(request, principal, referral_id, message, 422)
    with ctx.database.reading() as session:
        names = [
            n
            for (n,) in session.execute(select(StaffMember.name).where(StaffMember.id.in_(chosen)))
        ]
    record_access(
        request,
        principal,
        Access("update", f"referral/{referral_id}/allocation", (seen.person.id,), seen.basis),
    )
    message = f"Referral {referral_id} allocated to {' and '.join(sorted(names))}."
    return RedirectResponse("/board?" + urlencode({"message": message}), status_code=303)


@router.post("/board/staff/{staff_id}/off-sick", response_class=HTMLResponse)
async def off_sick(staff_id: str, request: Request, principal: Allocator):
    """Mark a person off sick: their visits not yet started are withdrawn, the day re-planned."""
    ctx = context(request)
    now = ctx.now()
    before = dispatch.current_day(ctx.database, now=now)
    try:
        change = dispatch.mark_off_sick(ctx.database, staff_id, by=principal.display_name, now=now)
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no member of staff {staff_id}.") from None
    day = dispatch.read_day(ctx.database, now=now)
    stop = MultipleCriteria([MaxRuntime(REPLAN_SECONDS), NoImprovement(REPLAN_PATIENCE)])
    result = live.replan(before, day, stop)
    after = result.running
    dispatch.remember(ctx.database, now=now, running=after)
    predictions = live.predict(after)
    released = set(change.released)
    moves = [m for m in result.moves if m.before != m.after or m.referral_id in released]
    retimed = sum(1 for m in result.moves if m.before == m.after)
    shown = sorted({m.referral_id for m in moves} | released)
    names = dispatch.referral_names(ctx.database, shown)
    record_access(
        request,
        principal,
        Access(
            "list",
            f"staff/{staff_id}/replan",
            dispatch.person_ids(ctx.database, shown),
            principal.caseload.value,
        ),
    )
    response = page(
        request,
        "board_replan.html",
        {
            "change": change,
            "moves": moves,
            "retimed": retimed,
            "released": released,
            "predictions": predictions,
            "prediction_tags": PREDICTION_TAGS,
            "names": names,
            "staff_names": after.names,
            "runtime": result.runtime,
        },
    )
    response.headers["HX-Trigger"] = "queue-refresh"  # the board's rows show the new predictions
    return response


@router.post("/board/staff/{staff_id}/back", response_class=HTMLResponse)
async def back_on_shift(staff_id: str, request: Request, principal: Allocator):
    """A person marked off (by mistake, or back from sickness) is available again."""
    ctx = context(request)
    try:
        name = dispatch.mark_back_on_shift(ctx.database, staff_id, now=ctx.now())
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no member of staff {staff_id}.") from None
    message = f"{name} is back on shift."
    return RedirectResponse("/board?" + urlencode({"message": message}), status_code=303)

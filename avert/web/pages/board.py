"""The live queue and board: open referrals with their countdowns, staff on shift, allocation."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.domain.vocab import Disposition, ReferralState
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import lifecycle, queue, referrals, visits, worklists
from avert.services.access import visible_referrals
from avert.store.schema import StaffMember, Team
from avert.web.auth import allowed, record_access, visible_referral
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Reader = allowed(Permission.REFERRAL_READ)
Allocator = allowed(Permission.ALLOCATE)

OPEN_STATES = [s for s in ReferralState if s.value not in ("discharged", "redirected", "cancelled")]


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
    rows = [
        {
            "item": item,
            "seconds": int(item.remaining.total_seconds()) if item.remaining is not None else None,
        }
        for item in found.items
    ]
    return {"page": found, "rows": rows, "filters": filters, "query": urlencode(filters)}


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
        referral = referrals.find_visible(
            ctx.database, principal, referral_id, now=ctx.now()
        ).referral
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no referral {referral_id}.") from None
    staff = worklists.staff_on_shift(ctx.database, now=ctx.now())
    staff.sort(key=lambda s: (s.team_id != referral.team_id, s.status != "available", s.name))
    return page(
        request,
        "allocate.html",
        {"referral": referral, "staff": staff, "error": error},
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
    try:
        visits.allocate(
            ctx.database, referral_id, chosen, by=who, now=ctx.now(), expected_version=expected
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
        return _allocation_form(
            request, principal, referral_id, error.message.capitalize() + ".", 422
        )
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

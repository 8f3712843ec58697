"""The live queue and board: open referrals with their countdowns, staff on shift, allocation."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from avert.domain.errors import ValidationError
from avert.domain.vocab import Disposition, ReferralState
from avert.services import lifecycle, queue, visits, worklists
from avert.store.schema import Referral, StaffMember, Team
from avert.web.context import context
from avert.web.pages.common import (
    ACTOR_COOKIE,
    STAFF_COOKIE,
    actor,
    page,
    who_first,
)


router = APIRouter(include_in_schema=False)

OPEN_STATES = [s for s in ReferralState if s.value not in ("discharged", "redirected", "cancelled")]


def _filters(team, locality, disposition, state) -> dict[str, str]:
    given = {"team": team, "locality": locality, "disposition": disposition, "state": state}
    return {k: v for k, v in given.items() if v}


def _board(request: Request, filters: dict[str, str]) -> dict:
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
    )
    rows = [
        {
            "item": item,
            "seconds": int(item.remaining.total_seconds()) if item.remaining is not None else None,
        }
        for item in found.items
    ]
    return {"page": found, "rows": rows, "filters": filters, "query": urlencode(filters)}


@router.get("/", response_class=HTMLResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/board", status_code=303)


@router.get("/board", response_class=HTMLResponse)
@router.get("/queue", response_class=HTMLResponse)
def board(
    request: Request,
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
            **_board(request, filters),
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
    team: str | None = Query(None, max_length=32),
    locality: str | None = Query(None, max_length=120),
    disposition: str | None = Query(None, max_length=32),
    state: str | None = Query(None, max_length=16),
):
    return page(
        request, "board_rows.html", _board(request, _filters(team, locality, disposition, state))
    )


def _allocation_form(request: Request, referral_id: int, error: str | None = None, status=200):
    ctx = context(request)
    with ctx.database.reading() as session:
        referral = session.get(Referral, referral_id)
        if referral is None:
            raise lifecycle.NotFound(referral_id)
    staff = worklists.staff_on_shift(ctx.database, now=ctx.now())
    staff.sort(key=lambda s: (s.team_id != referral.team_id, s.status != "available", s.name))
    return page(
        request,
        "allocate.html",
        {"referral": referral, "staff": staff, "error": error},
        status_code=status,
    )


@router.get("/board/allocate/{referral_id}", response_class=HTMLResponse)
def allocation_form(referral_id: int, request: Request):
    return _allocation_form(request, referral_id)


@router.post("/board/allocate/{referral_id}", response_class=HTMLResponse)
async def allocate(referral_id: int, request: Request):
    who = actor(request)
    if who is None:
        return who_first(request)
    form = await request.form()
    ctx = context(request)
    try:
        expected = int(str(form.get("version", "")))
    except ValueError:
        return _allocation_form(request, referral_id, "The form was out of date.", 409)
    chosen = [str(form.get("first_staff") or ""), str(form.get("second_staff") or "")]
    try:
        visits.allocate(
            ctx.database, referral_id, chosen, by=who, now=ctx.now(), expected_version=expected
        )
    except lifecycle.StaleVersion:
        return _allocation_form(
            request,
            referral_id,
            "Someone else changed this referral while you were choosing (it may already be "
            "allocated). Nothing was changed: check it below and try again if it still needs "
            "staff.",
            409,
        )
    except ValidationError as error:
        return _allocation_form(request, referral_id, error.message.capitalize() + ".", 422)
    with ctx.database.reading() as session:
        names = [
            n
            for (n,) in session.execute(select(StaffMember.name).where(StaffMember.id.in_(chosen)))
        ]
    message = f"Referral {referral_id} allocated to {' and '.join(sorted(names))}."
    return RedirectResponse("/board?" + urlencode({"message": message}), status_code=303)


@router.get("/whoami", response_class=HTMLResponse)
def whoami(request: Request, next: str = Query("/board", max_length=500)):
    ctx = context(request)
    with ctx.database.reading() as session:
        staff = session.execute(
            select(StaffMember.id, StaffMember.name, StaffMember.role).order_by(StaffMember.name)
        ).all()
    return page(request, "whoami.html", {"staff": staff, "next": next, "error": None})


@router.post("/whoami", response_class=HTMLResponse)
async def set_whoami(request: Request):
    form = await request.form()
    name = str(form.get("name") or "").strip()
    staff_id = str(form.get("staff_id") or "").strip()
    target = str(form.get("next") or "/board")
    if not target.startswith("/") or target.startswith("//"):
        target = "/board"
    ctx = context(request)
    if staff_id:
        with ctx.database.reading() as session:
            member = session.get(StaffMember, staff_id)
        if member is None:
            staff_id = ""
        else:
            name = member.name
    if not name:
        with ctx.database.reading() as session:
            staff = session.execute(
                select(StaffMember.id, StaffMember.name, StaffMember.role).order_by(
                    StaffMember.name
                )
            ).all()
        return page(
            request,
            "whoami.html",
            {"staff": staff, "next": target, "error": "Enter your name or choose yourself"},
            status_code=422,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(ACTOR_COOKIE, name[:160], httponly=True, samesite="lax")
    if staff_id:
        response.set_cookie(STAFF_COOKIE, staff_id, httponly=True, samesite="lax")
    else:
        response.delete_cookie(STAFF_COOKIE)
    return response

"""The daily MDT huddle: every active episode, its day, latest scores, open actions, decisions."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.security.audit import Access
from avert.services import clinical, lifecycle, worklists
from avert.services.access import visible_referrals
from avert.store.schema import Team
from avert.web.auth import allowed, audited, record_access, visible_referral
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.care_record import record_summaries
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Huddler = allowed(Permission.HUDDLE_RECORD)
PAGE = 50


@router.get("/huddle", response_class=HTMLResponse)
def huddle(
    request: Request,
    principal: Huddler,
    team: str | None = Query(None, max_length=32),
    start: int = Query(0, ge=0),
):
    ctx = context(request)
    with ctx.database.reading() as session:
        teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    cards, total = worklists.active_episodes(
        ctx.database,
        ctx.settings,
        now=ctx.now(),
        team_id=team,
        limit=PAGE,
        offset=start,
        scope=visible_referrals(principal, ctx.now()),
    )
    record_access(
        request,
        principal,
        Access("list", "huddle", tuple(c.person_id for c in cards), principal.caseload.value),
    )
    return page(
        request,
        "huddle.html",
        {
            "cards": cards,
            "total": total,
            "start": start,
            "page_size": PAGE,
            "teams": teams,
            "team": team or "",
            "record_summaries": record_summaries(ctx.database, [c.person_id for c in cards]),
        },
    )


@router.post("/referrals/{referral_id}/decisions", response_class=HTMLResponse)
async def record_decision(referral_id: int, request: Request, principal: Huddler):
    who = principal.display_name
    form = await request.form()
    ctx = context(request)
    seen = visible_referral(request, principal, referral_id)
    access = Access("update", f"referral/{referral_id}/decision", (seen.person.id,), seen.basis)
    try:
        with audited(request, principal, access):
            clinical.record_decision(
                ctx.database,
                referral_id,
                decision=str(form.get("decision") or ""),
                by=who,
                now=ctx.now(),
            )
    except ValidationError:
        raise ApiError(422, "invalid_input", "Write the decision before saving it.") from None
    except lifecycle.NotFound:
        raise ApiError(404, "not_found", f"There is no referral {referral_id}.") from None
    return RedirectResponse(f"/huddle#episode-{referral_id}", status_code=303)

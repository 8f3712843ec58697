"""One referral's record: its timeline (every event, who and when), clocks and triage reasoning."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from avert.domain.access import Permission
from avert.security.audit import Access
from avert.services import referrals
from avert.store.schema import (
    Assessment,
    CareAction,
    HuddleDecision,
    StaffMember,
    Visit,
    VisitStaff,
)
from avert.web.auth import allowed, record_access, visible_referral
from avert.web.context import context
from avert.web.pages.care_record import record_summary
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Reader = allowed(Permission.REFERRAL_READ)


@router.get("/referrals/{referral_id}", response_class=HTMLResponse)
def referral_page(referral_id: int, request: Request, principal: Reader):
    ctx = context(request)
    seen = visible_referral(request, principal, referral_id)
    view = referrals.describe(
        seen.referral, seen.person, ctx.settings, ctx.now(), database=ctx.database
    )
    events = referrals.history(ctx.database, referral_id)
    with ctx.database.reading() as session:
        visit_rows = (
            session.execute(
                select(Visit).where(Visit.referral_id == referral_id).order_by(Visit.allocated_at)
            )
            .scalars()
            .all()
        )
        staff = {}
        for visit_id, name in session.execute(
            select(VisitStaff.visit_id, StaffMember.name)
            .join(StaffMember, StaffMember.id == VisitStaff.staff_id)
            .where(VisitStaff.visit_id.in_([v.id for v in visit_rows]))
        ):
            staff.setdefault(visit_id, []).append(name)
        assessments = (
            session.execute(
                select(Assessment)
                .where(Assessment.referral_id == referral_id)
                .order_by(Assessment.recorded_at)
            )
            .scalars()
            .all()
        )
        actions = (
            session.execute(
                select(CareAction)
                .where(CareAction.referral_id == referral_id)
                .order_by(CareAction.created_at)
            )
            .scalars()
            .all()
        )
        decisions = (
            session.execute(
                select(HuddleDecision)
                .where(HuddleDecision.referral_id == referral_id)
                .order_by(HuddleDecision.decided_at)
            )
            .scalars()
            .all()
        )
    record_access(
        request,
        principal,
        Access("read", f"referral/{referral_id}/record", (seen.person.id,), seen.basis),
    )
    return page(
        request,
        "referral.html",
        {
            "r": view,
            "events": events,
            "visits": visit_rows,
            "visit_staff": staff,
            "assessments": assessments,
            "actions": actions,
            "decisions": decisions,
            "record_summary": record_summary(ctx.database, seen.person.id),
            "record_person_id": seen.person.id,
        },
    )

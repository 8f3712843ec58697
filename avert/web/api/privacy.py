"""Break-glass access, and the privacy officer's questions: who looked at this person, and what
did this user look at; the break-glass review queue."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from avert.domain.access import Permission
from avert.security import audit, break_glass
from avert.security.audit import Access
from avert.web.auth import allowed, audit_in_transaction, record_access
from avert.web.context import context
from avert.web.errors import ApiError, error_responses


router = APIRouter(prefix="/api", tags=["privacy"], responses=error_responses(401, 403, 422, 503))
Requester = allowed(Permission.BREAK_GLASS)
Auditor = allowed(Permission.AUDIT_READ)
Reviewer = allowed(Permission.BREAK_GLASS_REVIEW)
ERRORS = error_responses(401, 403, 422)


class BreakGlassIn(BaseModel):
    nhs_number: str = Field(max_length=20)
    reason: str = Field(max_length=2000)


class ReviewIn(BaseModel):
    note: str = Field(max_length=2000)


@router.post(
    "/break-glass",
    status_code=201,
    responses=ERRORS | error_responses(404, s404="No such person"),
    summary="Emergency access to one person's record, with a reason, for a limited time",
)
def request_break_glass(body: BreakGlassIn, request: Request, principal: Requester) -> dict:
    ctx = context(request)
    try:
        row, person_id = break_glass.grant(
            ctx.database,
            principal,
            body.nhs_number,
            body.reason,
            now=ctx.now(),
            length=ctx.settings.break_glass,
            audit=audit_in_transaction(
                request,
                principal,
                lambda grant: Access(
                    "break_glass", f"person/{grant.person_id}", (grant.person_id,), "break glass"
                ),
            ),
        )
    except break_glass.NoSuchPerson:
        raise ApiError(404, "not_found", "Nobody with that NHS number is known here.") from None
    return {"id": row.id, "person_id": person_id, "expires_at": row.expires_at}


def _entries(entries) -> list[dict]:
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor,
            "role": e.role,
            "organisation": e.organisation,
            "action": e.action,
            "resource": e.resource,
            "basis": e.basis,
            "outcome": e.outcome,
            "request_id": e.request_id,
            "people": e.subjects,
        }
        for e in entries
    ]


@router.get(
    "/privacy/audit",
    responses=ERRORS,
    summary="Who looked at this person (person=ID), or what this user looked at (actor=ID)",
)
def audit_query(
    request: Request,
    principal: Auditor,
    person: int | None = Query(None, ge=1),
    actor: str | None = Query(None, max_length=100),
) -> dict:
    ctx = context(request)
    if (person is None) == (actor is None):
        raise ApiError(
            422,
            "invalid_input",
            "Ask about one person or one user.",
            [{"field": "person", "message": "give person or actor, not both"}],
        )
    if person is not None:
        found = audit.who_looked_at(ctx.database, person)
        record_access(
            request,
            principal,
            Access("audit", f"audit/person/{person}", (person,), "privacy officer"),
        )
    else:
        found = audit.what_user_looked_at(ctx.database, actor)
        people = tuple({p for e in found for p in e.subjects})
        record_access(
            request, principal, Access("audit", f"audit/actor/{actor}", people, "privacy officer")
        )
    return {"entries": _entries(found)}


@router.get(
    "/privacy/break-glass", responses=ERRORS, summary="Break-glass grants waiting for review"
)
def review_queue(request: Request, principal: Reviewer) -> dict:
    ctx = context(request)
    grants = break_glass.awaiting_review(ctx.database)
    record_access(
        request,
        principal,
        Access("list", "break-glass-review", tuple(g.person_id for g in grants), "privacy officer"),
    )
    return {
        "grants": [
            {
                "id": g.id,
                "user_id": g.user_id,
                "person_id": g.person_id,
                "reason": g.reason,
                "granted_at": g.granted_at,
                "expires_at": g.expires_at,
            }
            for g in grants
        ]
    }


@router.post(
    "/privacy/break-glass/{grant_id}/review",
    responses=ERRORS | error_responses(404, s404="No such grant waiting for review"),
    summary="Record the review of a break-glass grant",
)
def review_grant(grant_id: int, body: ReviewIn, request: Request, principal: Reviewer) -> dict:
    ctx = context(request)
    if not break_glass.review(
        ctx.database, grant_id, by=principal.id, note=body.note, now=ctx.now()
    ):
        raise ApiError(404, "not_found", "No such grant waiting for review.")
    return {"id": grant_id, "reviewed_at": ctx.now()}

"""The referral API: intake, the live queue, reading a referral and its history, moving it on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from avert.domain.access import Permission
from avert.domain.clocks import to_local
from avert.domain.lifecycle import Discharge
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import lifecycle, queue, referrals
from avert.services.access import visible_referrals
from avert.services.intake import IdempotencyConflict, submit_referral
from avert.web.api.schemas import (
    HistoryOut,
    QueueOut,
    ReferralIn,
    ReferralOut,
    TransitionIn,
    TriageOverrideIn,
    to_referral_request,
)
from avert.web.auth import (
    allowed,
    audit_in_transaction,
    audited,
    record_access,
    visible_referral,
)
from avert.web.context import Context, context
from avert.web.errors import ApiError, error_responses


router = APIRouter(prefix="/api", tags=["referrals"], responses=error_responses(401, 403, 422, 503))
Creator = allowed(Permission.REFERRAL_CREATE)
Reader = allowed(Permission.REFERRAL_READ)
Updater = allowed(Permission.REFERRAL_UPDATE)
Overrider = allowed(Permission.TRIAGE_OVERRIDE)

ERRORS = error_responses(
    400,
    401,
    403,
    503,
    404,
    409,
    422,
    s404="No such referral",
    s409="Not allowed from the referral's current state, or changed meanwhile",
)


def _not_found(referral_id: int) -> ApiError:
    return ApiError(404, "not_found", f"There is no referral {referral_id}.")


@router.post(
    "/referrals",
    status_code=201,
    response_model=ReferralOut,
    responses={200: {"description": "A replay: the original referral", "model": ReferralOut}}
    | ERRORS,
    summary="Submit a referral (idempotent)",
)
def create_referral(
    body: ReferralIn,
    request: Request,
    response: Response,
    principal: Creator,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict:
    """Triage a referral, start its clock and store it; a replay returns the original."""
    ctx: Context = context(request)
    now = ctx.now()
    referral_request = to_referral_request(body, today=to_local(now).date())
    try:
        result = submit_referral(
            ctx.database,
            ctx.settings,
            referral_request,
            now=now,
            actor=f"{principal.display_name} ({body.source.label}: {body.referrer.name})",
            idempotency=(principal.id, idempotency_key) if idempotency_key else None,
            submitted_by=principal.id,
            audit=audit_in_transaction(
                request,
                principal,
                lambda referral, person: Access(
                    "create", f"referral/{referral.id}", (person.id,), "referrer"
                ),
            ),
        )
    except IdempotencyConflict as conflict:
        raise ApiError(
            422,
            "idempotency_conflict",
            f"This {conflict.what} was already used for referral {conflict.referral_id} "
            "with a different body; send a new key or the original body.",
            [{"field": conflict.what, "message": "was already used with a different body"}],
        ) from None
    response.headers["Location"] = f"/api/referrals/{result.referral_id}"
    if result.created:
        return referrals.describe(
            result.referral, result.person, ctx.settings, now, database=ctx.database
        )
    try:
        seen = referrals.find_visible(ctx.database, principal, result.referral_id, now=now)
    except lifecycle.NotFound:
        raise ApiError(
            409, "already_referred", "This referral was already made by another system."
        ) from None
    record_access(
        request,
        principal,
        Access("read", f"referral/{result.referral_id}", (seen.person.id,), seen.basis),
    )
    response.status_code = 200
    return referrals.describe(seen.referral, seen.person, ctx.settings, now, database=ctx.database)


@router.get(
    "/queue",
    response_model=QueueOut,
    responses={k: ERRORS[k] for k in (401, 403, 422, 503)},
    summary="The live queue of open referrals",
)
def live_queue(
    request: Request,
    principal: Reader,
    team: Annotated[str | None, Query(max_length=32)] = None,
    disposition: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    """Open referrals you may see, ordered by time left on their clock, breaches first."""
    ctx = context(request)
    page = queue.open_queue(
        ctx.database,
        now=ctx.now(),
        team_id=team,
        disposition=disposition,
        limit=limit,
        offset=offset,
        scope=visible_referrals(principal, ctx.now()),
    )
    record_access(
        request,
        principal,
        Access("list", "queue", tuple(page.person_ids), principal.caseload.value),
    )
    return {
        "now": page.now,
        "total": page.total,
        "overdue": page.overdue,
        "items": [
            {
                **{k: getattr(item, k) for k in item.__dataclass_fields__},
                "clock_state": item.clock_state.value if item.clock_state else None,
                "remaining_seconds": (
                    int(item.remaining.total_seconds()) if item.remaining is not None else None
                ),
            }
            for item in page.items
        ],
    }


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    responses={404: ERRORS[404]},
    summary="One referral: triage, clock, episode and outcome",
)
def read_referral(
    referral_id: int,
    request: Request,
    principal: Reader,
) -> dict:
    ctx = context(request)
    seen = _visible(request, principal, referral_id)
    record_access(
        request, principal, Access("read", f"referral/{referral_id}", (seen.person.id,), seen.basis)
    )
    return referrals.describe(
        seen.referral, seen.person, ctx.settings, ctx.now(), database=ctx.database
    )


def _visible(request: Request, principal: Principal, referral_id: int) -> referrals.Visible:
    return visible_referral(request, principal, referral_id)


@router.get(
    "/referrals/{referral_id}/history",
    response_model=HistoryOut,
    responses={404: ERRORS[404]},
    summary="Every event in a referral's life, oldest first",
)
def read_history(
    referral_id: int,
    request: Request,
    principal: Reader,
) -> dict:
    ctx = context(request)
    seen = _visible(request, principal, referral_id)
    events = referrals.history(ctx.database, referral_id)
    record_access(
        request,
        principal,
        Access("read", f"referral/{referral_id}/history", (seen.person.id,), seen.basis),
    )
    return {
        "referral_id": referral_id,
        "events": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason,
                "note": e.note,
                "data": e.data,
            }
            for e in events
        ],
    }


def _acting(principal: Principal, for_whom: str | None) -> str:
    """The signed-in user, and whom they act for when that is someone else."""
    if for_whom and for_whom != principal.display_name:
        return f"{principal.display_name} for {for_whom}"
    return principal.display_name


def _stale(error: lifecycle.StaleVersion) -> ApiError:
    return ApiError(
        409,
        "changed_meanwhile",
        "Someone else changed this referral first "
        f"(it is now at version {error.current_version}); reload it and try again.",
    )


@router.post(
    "/referrals/{referral_id}/transitions",
    response_model=ReferralOut,
    responses=ERRORS,
    summary="Move a referral to another state with a reason",
)
def move_referral(
    referral_id: int,
    body: TransitionIn,
    request: Request,
    principal: Updater,
) -> dict:
    ctx = context(request)
    seen = _visible(request, principal, referral_id)
    discharge = None
    if body.outcome is not None:
        discharge = Discharge(body.outcome, body.onward_service, body.onward_note)
    access = Access("update", f"referral/{referral_id}", (seen.person.id,), seen.basis)
    try:
        with audited(request, principal, access):
            lifecycle.transition(
                ctx.database,
                referral_id,
                lifecycle.TransitionRequest(
                    to=body.to,
                    reason=body.reason,
                    actor=_acting(principal, body.actor),
                    at=body.at,
                    note=body.note,
                    discharge=discharge,
                    expected_version=body.expected_version,
                ),
                now=ctx.now(),
            )
    except lifecycle.NotFound:
        raise _not_found(referral_id) from None
    except lifecycle.StaleVersion as stale:
        raise _stale(stale) from None
    return referrals.referral_view(ctx.database, ctx.settings, referral_id, now=ctx.now())


@router.post(
    "/referrals/{referral_id}/triage-override",
    response_model=ReferralOut,
    responses=ERRORS,
    summary="A clinician overrides the triage disposition, with a reason",
)
def override_triage(
    referral_id: int,
    body: TriageOverrideIn,
    request: Request,
    principal: Overrider,
) -> dict:
    ctx = context(request)
    seen = _visible(request, principal, referral_id)
    access = Access("update", f"referral/{referral_id}/triage", (seen.person.id,), seen.basis)
    try:
        with audited(request, principal, access):
            lifecycle.override_triage(
                ctx.database,
                ctx.settings,
                referral_id,
                disposition=body.disposition,
                destination=body.destination,
                reason=body.reason,
                by=_acting(principal, body.by),
                now=ctx.now(),
                expected_version=body.expected_version,
            )
    except lifecycle.NotFound:
        raise _not_found(referral_id) from None
    except lifecycle.StaleVersion as stale:
        raise _stale(stale) from None
    return referrals.referral_view(ctx.database, ctx.settings, referral_id, now=ctx.now())

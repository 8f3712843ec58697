"""Service health and the coded vocabulary that forms and client systems use."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import text

from avert.domain import vocab
from avert.domain.access import Permission
from avert.domain.lifecycle import TRANSITIONS, StatusReason
from avert.web.auth import require
from avert.web.context import context
from avert.web.errors import ApiError


router = APIRouter(
    prefix="/api", tags=["service"], dependencies=[Depends(require(Permission.PUBLIC))]
)

VOCABULARY = {
    "referral_source": vocab.ReferralSource,
    "condition_need": vocab.ConditionNeed,
    "red_flag": vocab.RedFlag,
    "residence": vocab.Residence,
    "stated_urgency": vocab.StatedUrgency,
    "disposition": vocab.Disposition,
    "destination": vocab.Destination,
    "referral_state": vocab.ReferralState,
    "status_reason": StatusReason,
    "discharge_outcome": vocab.DischargeOutcome,
    "onward_service": vocab.OnwardService,
    "sex": vocab.Sex,
}


@router.get("/health", summary="Is the service up and its database reachable?")
def health(request: Request) -> dict:
    ctx = context(request)
    try:
        with ctx.database.reading() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        raise ApiError(503, "database_unavailable", "The database is not answering.") from None
    return {"status": "ok", "database": ctx.database.dialect}


@router.get("/vocabulary", summary="Every coded value with its label, and the lifecycle")
def vocabulary() -> dict:
    return {
        "codes": {
            name: [{"code": m.value, "label": m.label} for m in enum]
            for name, enum in VOCABULARY.items()
        },
        "transitions": {
            state.value: {
                target.value: sorted(r.value for r in reasons)
                for target, reasons in targets.items()
            }
            for state, targets in TRANSITIONS.items()
        },
    }

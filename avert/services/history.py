"""A referral's history: append-only events saying who did what, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from avert.domain.lifecycle import StatusReason
from avert.domain.vocab import ReferralState
from avert.store.schema import Referral, ReferralEvent


def add_event(
    session: Session,
    referral: Referral,
    *,
    at: datetime,
    actor: str,
    action: str,
    from_state: ReferralState | None = None,
    to_state: ReferralState | None = None,
    reason: StatusReason | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event to a referral's history (never updated, never deleted)."""
    last = session.execute(
        select(ReferralEvent.seq)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    row = event_row(
        referral.id,
        (last or 0) + 1,
        at=at,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        note=note,
        data=data,
    )
    session.execute(insert(ReferralEvent), [row])


def event_row(
    referral_id: int,
    seq: int,
    *,
    at: datetime,
    actor: str,
    action: str,
    from_state: ReferralState | None = None,
    to_state: ReferralState | None = None,
    reason: StatusReason | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One history row, ready to insert."""
    return {
        "referral_id": referral_id,
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value if to_state else None,
        "reason": reason.value if reason else None,
        "note": note,
        "data": data,
    }

"""Moving a referral through its lifecycle, and a clinician's triage override.

Each change is one write transaction: the state moves by compare-and-set on the referral's
version (two coordinators acting at once: one wins, the other is told), the moments that drive
clocks are recorded, and one event is appended to the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from avert.config import Settings
from avert.domain.errors import ValidationError
from avert.domain.lifecycle import (
    Discharge,
    StatusReason,
    check_transition,
    is_open,
)
from avert.domain.triage import TriageDecision, override
from avert.domain.vocab import Destination, Disposition, ReferralState
from avert.services.clocks import refresh_clock, start_clock_if_due
from avert.services.history import add_event
from avert.services.intake import triage_columns
from avert.store.db import Database
from avert.store.schema import Referral, Team


class NotFound(Exception):
    """No such referral."""


class StaleVersion(Exception):
    """Someone else changed the referral first."""

    def __init__(self, current_version: int) -> None:
        super().__init__("the referral was changed by someone else")
        self.current_version = current_version


@dataclass(frozen=True)
class TransitionRequest:
    to: ReferralState
    reason: StatusReason
    actor: str
    at: datetime | None = None
    note: str | None = None
    discharge: Discharge | None = None
    expected_version: int | None = None


def load_for_update(session: Session, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id, with_for_update=True)
    if referral is None:
        raise NotFound(referral_id)
    return referral


def compare_and_set(session: Session, referral: Referral, expected: int | None) -> None:
    """Claim the next version of the row, or raise StaleVersion if someone else has it."""
    version = referral.version if expected is None else expected
    result = session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.version == version)
        .values(version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(referral)
        raise StaleVersion(referral.version)
    referral.version = version + 1


def _moment(request_at: datetime | None, referral: Referral, now: datetime) -> datetime:
    at = request_at or now
    if at > now:
        raise ValidationError("at", "cannot be in the future")
    if at < referral.received_at:
        raise ValidationError("at", "cannot be before the referral was received")
    return at


def transition(
    database: Database, referral_id: int, request: TransitionRequest, *, now: datetime
) -> Referral:
    """Move a referral to another state, recording who, when and why."""
    with database.writing() as session:
        referral = load_for_update(session, referral_id)
        compare_and_set(session, referral, request.expected_version)
        apply_transition(session, referral, request, now=now)
        return referral


def apply_transition(
    session: Session, referral: Referral, request: TransitionRequest, *, now: datetime
) -> None:
    """Check and apply one move inside the caller's transaction, appending its event."""
    current = ReferralState(referral.state)
    check_transition(current, request.to, request.reason)
    at = _moment(request.at, referral, now)
    if request.to is ReferralState.DISCHARGED and request.discharge is None:
        raise ValidationError("outcome", "is required to discharge a referral")
    if request.discharge is not None and request.to is not ReferralState.DISCHARGED:
        raise ValidationError("outcome", "is recorded only at discharge")
    if request.to is ReferralState.ACCEPTED and referral.accepted_at is None:
        referral.accepted_at = at
    if request.reason is StatusReason.ARRIVED and referral.first_contact_at is None:
        referral.first_contact_at = at
    data = None
    if request.discharge is not None:
        discharge = request.discharge
        referral.outcome = discharge.outcome.value
        referral.onward_service = (
            discharge.onward_service.value if discharge.onward_service else None
        )
        referral.onward_note = discharge.onward_note
        referral.discharged_at = at
        data = {"outcome": referral.outcome, "onward_service": referral.onward_service}
    if request.to is ReferralState.REOPENED:
        referral.discharged_at = None
        referral.outcome = referral.onward_service = referral.onward_note = None
    referral.state = request.to.value
    referral.state_reason = request.reason.value
    referral.is_open = is_open(request.to)
    refresh_clock(referral)
    add_event(
        session,
        referral,
        at=at,
        actor=request.actor,
        action="transition",
        from_state=current,
        to_state=request.to,
        reason=request.reason,
        note=request.note,
        data=data,
    )


def override_triage(
    database: Database,
    settings: Settings,
    referral_id: int,
    *,
    disposition: Disposition,
    destination: Destination | None,
    reason: str,
    by: str,
    now: datetime,
    expected_version: int | None = None,
) -> Referral:
    """A clinician replaces the ruleset's disposition, with a recorded reason."""
    with database.writing() as session:
        referral = load_for_update(session, referral_id)
        current = ReferralState(referral.state)
        decision = override(
            TriageDecision.from_dict(referral.triage),
            disposition=disposition,
            destination=destination,
            reason=reason,
            by=by,
        )
        if disposition is Disposition.REDIRECT:
            target, why = ReferralState.REDIRECTED, StatusReason.REDIRECTED_BY_CLINICIAN
        else:
            target, why = ReferralState.TRIAGED, StatusReason.TRIAGE_OVERRIDDEN
        check_transition(current, target, why)
        compare_and_set(session, referral, expected_version)
        for column, value in triage_columns(decision).items():
            setattr(referral, column, value)
        referral.state = target.value
        referral.state_reason = why.value
        referral.is_open = is_open(target)
        referral.triaged_at = now
        team = session.get(Team, referral.team_id) if referral.team_id else None
        start_clock_if_due(referral, team, settings)
        add_event(
            session,
            referral,
            at=now,
            actor=by,
            action="triage_override",
            from_state=current,
            to_state=target,
            reason=why,
            note=reason,
            data={"triage": decision.to_dict()},
        )
        return referral

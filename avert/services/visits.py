"""Visits: allocating a referral to one or two staff, and the visit from en route to done.

Allocation claims the referral by compare-and-set on its version, so two coordinators
allocating the same referral at once cannot both win: the second is told. In the same
transaction it refuses a member of staff who would be double-booked (avert/domain/booking.py),
with the staff rows locked first, so two allocators racing for one person cannot both win
either. Each step of a visit moves the referral's lifecycle too (arrival is the first
face-to-face contact that stops the 2-hour clock) and the staff member's live status (available,
travelling, on a visit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from avert.domain.booking import double_booked
from avert.domain.errors import ValidationError
from avert.domain.lifecycle import Discharge, StatusReason
from avert.domain.vocab import ReferralState
from avert.services.lifecycle import (
    NotFound,
    TransitionRequest,
    apply_transition,
    compare_and_set,
    load_for_update,
)
from avert.store.db import Database
from avert.store.schema import Referral, StaffMember, Visit, VisitStaff


S, R = ReferralState, StatusReason
ALLOCATABLE = {S.TRIAGED, S.ACCEPTED, S.IN_CARE, S.REOPENED}
ACTIVE_VISIT = ("allocated", "en_route", "arrived")


class VisitConflict(Exception):
    """The visit is no longer in the state this step needs (someone else moved it)."""


@dataclass(frozen=True)
class Allocation:
    visit_id: int
    referral_version: int


def _move(session: Session, referral: Referral, to, reason, actor: str, now: datetime, **kw):
    apply_transition(
        session, referral, TransitionRequest(to=to, reason=reason, actor=actor, **kw), now=now
    )


def allocate(
    database: Database,
    referral_id: int,
    staff_ids: list[str],
    *,
    by: str,
    now: datetime,
    expected_version: int,
    planned_at: datetime | None = None,
) -> Allocation:
    """Allocate a referral to one or two staff: one visit, claimed by compare-and-set."""
    chosen = list(dict.fromkeys(s for s in staff_ids if s))
    if not 1 <= len(chosen) <= 2:
        raise ValidationError("staff", "choose one or two staff to send")
    with database.writing() as session:
        referral = load_for_update(session, referral_id)
        compare_and_set(session, referral, expected_version)
        state = ReferralState(referral.state)
        if state not in ALLOCATABLE:
            raise ValidationError(
                "referral", f"a referral that is {state.label.lower()} cannot be allocated"
            )
        if _has_active_visit(session, referral.id):
            raise ValidationError("referral", "this referral already has a visit under way")
        # Lock the staff rows (in id order, so two allocators cannot deadlock) before checking
        # their visits: on PostgreSQL a concurrent allocation of the same person waits here and
        # then sees this one's visit; SQLite writers are already one at a time (BEGIN IMMEDIATE).
        staff = session.execute(
            select(StaffMember)
            .where(StaffMember.id.in_(chosen))
            .order_by(StaffMember.id)
            .with_for_update()
        ).scalars()
        found = {s.id: s for s in staff}
        if missing := [s for s in chosen if s not in found]:
            raise ValidationError("staff", f"not a member of staff: {', '.join(missing)}")
        if off := [found[s].name for s in chosen if found[s].status == "off"]:
            raise ValidationError("staff", f"not on shift: {', '.join(off)}")
        if busy := _double_booked(session, chosen, planned_at):
            raise ValidationError(
                "staff",
                "already on a visit at that time (double-booked): "
                + ", ".join(found[s].name for s in busy),
            )
        if state in (S.TRIAGED, S.REOPENED):
            _move(session, referral, S.ACCEPTED, R.ACCEPTED_BY_CLINICIAN, by, now)
        names = " and ".join(found[s].name for s in chosen)
        _move(session, referral, S.ALLOCATED, R.ALLOCATED_TO_STAFF, by, now, note=names)
        visit = Visit(
            referral_id=referral.id,
            status="allocated",
            planned_at=planned_at,
            allocated_at=now,
            allocated_by=by,
            version=1,
        )
        session.add(visit)
        session.flush()
        session.add_all(VisitStaff(visit_id=visit.id, staff_id=s) for s in chosen)
        return Allocation(visit.id, referral.version)


def _has_active_visit(session: Session, referral_id: int) -> bool:
    return (
        session.execute(
            select(Visit.id)
            .where(Visit.referral_id == referral_id, Visit.status.in_(ACTIVE_VISIT))
            .limit(1)
        ).first()
        is not None
    )


def _double_booked(session: Session, chosen: list[str], planned_at: datetime | None) -> list[str]:
    """The chosen staff whose active visits clash with one more at `planned_at` (domain.booking)."""
    held: dict[str, list[datetime | None]] = {s: [] for s in chosen}
    rows = session.execute(
        select(VisitStaff.staff_id, Visit.planned_at)
        .join(Visit, Visit.id == VisitStaff.visit_id)
        .where(VisitStaff.staff_id.in_(chosen), Visit.status.in_(ACTIVE_VISIT))
    )
    for staff_id, planned in rows:
        held[staff_id].append(planned)
    return [s for s in chosen if double_booked(held[s], planned_at)]


def _claim_visit(session: Session, visit_id: int, expected: tuple[str, ...], **values) -> Visit:
    result = session.execute(
        update(Visit)
        .where(Visit.id == visit_id, Visit.status.in_(expected))
        .values(version=Visit.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        if session.get(Visit, visit_id) is None:
            raise NotFound(visit_id)
        raise VisitConflict(visit_id)
    visit = session.get(Visit, visit_id)
    session.refresh(visit)
    return visit


def _set_staff_status(session: Session, visit_id: int, status: str, now: datetime) -> None:
    staff_ids = select(VisitStaff.staff_id).where(VisitStaff.visit_id == visit_id)
    session.execute(
        update(StaffMember)
        .where(StaffMember.id.in_(staff_ids))
        .values(status=status, status_at=now)
        .execution_options(synchronize_session=False)
    )


def start_travel(database: Database, visit_id: int, *, by: str, now: datetime) -> None:
    """Staff set off: the visit is en route and so is the referral."""
    with database.writing() as session:
        visit = _claim_visit(session, visit_id, ("allocated",), status="en_route", en_route_at=now)
        referral = load_for_update(session, visit.referral_id)
        if referral.state == S.ALLOCATED:
            compare_and_set(session, referral, None)
            _move(session, referral, S.EN_ROUTE, R.STAFF_TRAVELLING, by, now)
        _set_staff_status(session, visit_id, "travelling", now)


def arrive(
    database: Database, visit_id: int, *, by: str, now: datetime, at: datetime | None = None
) -> None:
    """Staff arrive: the first face-to-face contact, which stops the response clock."""
    at = at or now
    with database.writing() as session:
        visit = _claim_visit(session, visit_id, ("en_route",), status="arrived", arrived_at=at)
        referral = load_for_update(session, visit.referral_id)
        if referral.state == S.EN_ROUTE:
            compare_and_set(session, referral, None)
            _move(session, referral, S.ON_SITE, R.ARRIVED, by, now, at=at)
        _set_staff_status(session, visit_id, "on_visit", now)


def finish(
    database: Database,
    visit_id: int,
    *,
    by: str,
    now: datetime,
    discharge: Discharge | None = None,
    note: str | None = None,
) -> None:
    """Staff leave: care continues (in care), or the referral is discharged with an outcome."""
    with database.writing() as session:
        visit = _claim_visit(session, visit_id, ("arrived",), status="done", finished_at=now)
        referral = load_for_update(session, visit.referral_id)
        compare_and_set(session, referral, None)
        if discharge is not None:
            _move(
                session,
                referral,
                S.DISCHARGED,
                R.DISCHARGED_WITH_OUTCOME,
                by,
                now,
                discharge=discharge,
                note=note,
            )
        elif referral.state == S.ON_SITE:
            _move(session, referral, S.IN_CARE, R.CARE_STARTED, by, now, note=note)
        _set_staff_status(session, visit_id, "available", now)

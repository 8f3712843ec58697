"""The live queue: open referrals, the least time left on the clock first.

Running clocks come first, ordered by deadline (so breaches sit at the top), then referrals whose
clock has stopped or not started, oldest first. The order is kept in one indexed column
(`queue_key`, maintained by services.clocks), so a page of the queue is an index range scan; the
page asks for a slice, never the whole queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select

from avert.domain.clocks import ClockState
from avert.store.db import Database
from avert.store.schema import Person, Referral, Team


@dataclass(frozen=True)
class QueueItem:
    referral_id: int
    person_name: str
    nhs_number: str | None
    age_years: int
    need: str
    disposition: str
    destination: str | None
    standard: str | None
    state: str
    team_id: str | None
    team_name: str | None
    received_at: datetime
    deadline: datetime | None
    clock_stopped_at: datetime | None
    clock_state: ClockState | None
    remaining: timedelta | None
    possible_duplicate_of: int | None
    needs_clinical_review: bool
    version: int


@dataclass(frozen=True)
class QueuePage:
    items: tuple[QueueItem, ...]
    total: int
    overdue: int
    now: datetime
    person_ids: tuple[int, ...] = ()


def _clock_state(deadline: datetime | None, stopped: datetime | None, now: datetime):
    if deadline is None:
        return None, None
    if stopped is not None:
        return (ClockState.MET if stopped <= deadline else ClockState.BREACHED), deadline - stopped
    return (ClockState.RUNNING if now <= deadline else ClockState.OVERDUE), deadline - now


def open_queue(
    database: Database,
    *,
    now: datetime,
    team_id: str | None = None,
    disposition: str | None = None,
    locality: str | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
    scope: ColumnElement[bool] | None = None,
) -> QueuePage:
    """A page of the live queue, with the total count and how many clocks are overdue.

    `scope` is the caseload condition of the person asking (services.access); it is part of the
    query, so out-of-scope referrals are never read.
    """
    filters = [Referral.is_open.is_(True)]
    if scope is not None:
        filters.append(scope)
    if team_id:
        filters.append(Referral.team_id == team_id)
    if disposition:
        filters.append(Referral.disposition == disposition)
    if state:
        filters.append(Referral.state == state)
    if locality:
        filters.append(Referral.team_id.in_(select(Team.id).where(Team.locality == locality)))
    query = (
        select(Referral, Person.given_name, Person.family_name, Person.nhs_number, Team.name)
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(Team, Team.id == Referral.team_id)
        .where(*filters)
        .order_by(Referral.is_open, Referral.queue_key, Referral.id)
        .limit(limit)
        .offset(offset)
    )
    # Running clocks carry their deadline as queue_key, so the overdue are those keyed before now.
    counts = select(
        func.count(), func.coalesce(func.sum(case((Referral.queue_key < now, 1), else_=0)), 0)
    ).where(*filters)
    with database.reading() as session:
        rows = session.execute(query).all()
        total, overdue = session.execute(counts).one()
    items = []
    for referral, given, family, nhs_number, team_name in rows:
        state, remaining = _clock_state(referral.clock_deadline, referral.clock_stopped_at, now)
        items.append(
            QueueItem(
                referral_id=referral.id,
                person_name=f"{given} {family}".strip(),
                nhs_number=nhs_number,
                age_years=referral.age_years,
                need=referral.need,
                disposition=referral.disposition,
                destination=referral.destination,
                standard=referral.standard,
                state=referral.state,
                team_id=referral.team_id,
                team_name=team_name,
                received_at=referral.received_at,
                deadline=referral.clock_deadline,
                clock_stopped_at=referral.clock_stopped_at,
                clock_state=state,
                remaining=remaining,
                possible_duplicate_of=referral.possible_duplicate_of,
                needs_clinical_review=referral.needs_clinical_review,
                version=referral.version,
            )
        )
    return QueuePage(
        items=tuple(items),
        total=total,
        overdue=int(overdue),
        now=now,
        person_ids=tuple(referral.person_id for referral, *_ in rows),
    )

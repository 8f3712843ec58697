"""What people work from: staff on shift, a clinician's visits for the day, the MDT huddle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select

from avert.config import Settings
from avert.domain.lifecycle import EpisodeStatus, episode_status
from avert.domain.vocab import Disposition
from avert.store.db import Database
from avert.store.schema import (
    Assessment,
    CareAction,
    HuddleDecision,
    Person,
    Referral,
    Shift,
    StaffMember,
    Team,
    Visit,
    VisitStaff,
)


@dataclass(frozen=True)
class StaffOnShift:
    id: str
    name: str
    role: str
    skills: tuple[str, ...]
    team_id: str
    team_name: str
    status: str
    shift_end: datetime
    lat: float
    lon: float
    active_visits: int


def staff_on_shift(
    database: Database, *, now: datetime, team_id: str | None = None
) -> list[StaffOnShift]:
    """Everyone whose shift covers `now`, with their live status and current load."""
    load = (
        select(VisitStaff.staff_id, func.count().label("n"))
        .join(Visit, Visit.id == VisitStaff.visit_id)
        .where(Visit.status.in_(("allocated", "en_route", "arrived")))
        .group_by(VisitStaff.staff_id)
        .subquery()
    )
    query = (
        select(StaffMember, Team.name, func.max(Shift.ends_at), func.coalesce(load.c.n, 0))
        .join(
            Shift,
            and_(Shift.staff_id == StaffMember.id, Shift.starts_at <= now, Shift.ends_at > now),
        )
        .join(Team, Team.id == StaffMember.team_id)
        .outerjoin(load, load.c.staff_id == StaffMember.id)
        .group_by(StaffMember.id, Team.name, load.c.n)
        .order_by(Team.name, StaffMember.name)
    )
    if team_id:
        query = query.where(StaffMember.team_id == team_id)
    with database.reading() as session:
        rows = session.execute(query).all()
    return [
        StaffOnShift(
            id=s.id,
            name=s.name,
            role=s.role,
            skills=tuple(s.skills),
            team_id=s.team_id,
            team_name=team_name,
            status=s.status,
            shift_end=shift_end,
            lat=s.last_lat if s.last_lat is not None else s.home_lat,
            lon=s.last_lon if s.last_lon is not None else s.home_lon,
            active_visits=active,
        )
        for s, team_name, shift_end, active in rows
    ]


@dataclass(frozen=True)
class VisitCard:
    visit_id: int
    status: str
    referral_id: int
    person_id: int
    person_name: str
    address: str
    postcode: str | None
    access_note: str | None
    need: str
    disposition: str
    deadline: datetime | None
    clock_stopped_at: datetime | None
    arrived_at: datetime | None
    colleagues: tuple[str, ...]


def my_visits(database: Database, staff_id: str, *, now: datetime) -> list[VisitCard]:
    """A clinician's visits: on site first, then en route, then allocated by deadline."""
    since = now - timedelta(hours=24)
    query = (
        select(Visit, Referral, Person)
        .join(VisitStaff, VisitStaff.visit_id == Visit.id)
        .join(Referral, Referral.id == Visit.referral_id)
        .join(Person, Person.id == Referral.person_id)
        .where(
            VisitStaff.staff_id == staff_id,
            (Visit.status.in_(("allocated", "en_route", "arrived"))) | (Visit.finished_at >= since),
        )
    )
    with database.reading() as session:
        rows = session.execute(query).all()
        colleagues = {}
        if rows:
            for visit_id, name in session.execute(
                select(VisitStaff.visit_id, StaffMember.name)
                .join(StaffMember, StaffMember.id == VisitStaff.staff_id)
                .where(
                    VisitStaff.visit_id.in_([v.id for v, _, _ in rows]),
                    VisitStaff.staff_id != staff_id,
                )
            ):
                colleagues.setdefault(visit_id, []).append(name)
    order = {"arrived": 0, "en_route": 1, "allocated": 2, "done": 3, "cancelled": 4}
    far = now + timedelta(days=365)
    cards = [
        VisitCard(
            visit_id=visit.id,
            status=visit.status,
            referral_id=referral.id,
            person_id=person.id,
            person_name=f"{person.given_name} {person.family_name}",
            address=person.address_line or "Address not recorded",
            postcode=person.postcode,
            access_note=person.access_note,
            need=referral.need,
            disposition=referral.disposition,
            deadline=referral.clock_deadline,
            clock_stopped_at=referral.clock_stopped_at,
            arrived_at=visit.arrived_at,
            colleagues=tuple(colleagues.get(visit.id, ())),
        )
        for visit, referral, person in rows
    ]
    cards.sort(key=lambda c: (order[c.status], c.deadline or far, c.visit_id))
    return cards


@dataclass
class EpisodeCard:
    referral_id: int
    person_id: int
    person_name: str
    state: str
    disposition: str
    team_name: str | None
    episode: EpisodeStatus | None
    news2_total: int | None = None
    news2_band: str | None = None
    cfs: int | None = None
    open_actions: list[CareAction] = field(default_factory=list)
    decisions_today: list[HuddleDecision] = field(default_factory=list)


def active_episodes(
    database: Database,
    settings: Settings,
    *,
    now: datetime,
    team_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
    scope: ColumnElement[bool] | None = None,
) -> tuple[list[EpisodeCard], int]:
    """Open referrals that have been seen (a page of them, longest first) and how many in all."""
    query = (
        select(Referral, Person.given_name, Person.family_name, Team.name)
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(Team, Team.id == Referral.team_id)
        .where(Referral.is_open.is_(True), Referral.first_contact_at.is_not(None))
        .order_by(Referral.first_contact_at)
    )
    if team_id:
        query = query.where(Referral.team_id == team_id)
    if scope is not None:
        query = query.where(scope)
    with database.reading() as session:
        total = session.execute(
            select(func.count()).select_from(query.with_only_columns(Referral.id).subquery())
        ).scalar()
        rows = session.execute(query.limit(limit).offset(offset)).all()
        ids = [r.id for r, *_ in rows]
        latest_news2: dict[int, Assessment] = {}
        latest_cfs: dict[int, Assessment] = {}
        actions: dict[int, list[CareAction]] = {}
        decisions: dict[int, list[HuddleDecision]] = {}
        if ids:
            for a in session.execute(
                select(Assessment)
                .where(Assessment.referral_id.in_(ids))
                .order_by(Assessment.recorded_at)
            ).scalars():
                if a.news2_total is not None:
                    latest_news2[a.referral_id] = a
                if a.cfs is not None:
                    latest_cfs[a.referral_id] = a
            for a in session.execute(
                select(CareAction)
                .where(CareAction.referral_id.in_(ids), CareAction.status == "open")
                .order_by(CareAction.created_at)
            ).scalars():
                actions.setdefault(a.referral_id, []).append(a)
            for d in session.execute(
                select(HuddleDecision)
                .where(
                    HuddleDecision.referral_id.in_(ids),
                    HuddleDecision.decided_at >= now - timedelta(hours=24),
                )
                .order_by(HuddleDecision.decided_at)
            ).scalars():
                decisions.setdefault(d.referral_id, []).append(d)
    cards = []
    for referral, given, family, team_name in rows:
        news = latest_news2.get(referral.id)
        frail = latest_cfs.get(referral.id)
        cards.append(
            EpisodeCard(
                referral_id=referral.id,
                person_id=referral.person_id,
                person_name=f"{given} {family}",
                state=referral.state,
                disposition=referral.disposition,
                team_name=team_name,
                episode=episode_status(
                    Disposition(referral.disposition),
                    referral.first_contact_at,
                    now,
                    settings.episodes,
                ),
                news2_total=news.news2_total if news else None,
                news2_band=news.news2_band if news else None,
                cfs=frail.cfs if frail else None,
                open_actions=actions.get(referral.id, []),
                decisions_today=decisions.get(referral.id, []),
            )
        )
    return cards, total

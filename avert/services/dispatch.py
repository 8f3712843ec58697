"""Live dispatch from the database: the running day, who should go, and a person off sick.

`running_day` reads what `avert.dispatch.live` needs (staff on shift with their status and last
position, visits allocated or under way with their people, referrals waiting for a visit with
their response deadlines and the person's location) and builds the current plan. The planning
itself is pure and lives in `avert.dispatch.live`; this module only reads and writes rows.

`mark_off_sick` is the one change: the person's status becomes `off`, and each visit they have
not started is withdrawn in the same transaction (the visit is cancelled and its referral goes
back from allocated to accepted with the reason "allocation withdrawn"), so those referrals are
open again for the coordinator to allocate. A visit already under way stays as it is.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avert.dispatch.live import (
    DEFAULT,
    Assumptions,
    Day,
    LiveOption,
    LiveReferral,
    LiveStaff,
    Prediction,
    Running,
    build,
    improve,
    insert,
    predict,
)
from avert.dispatch.model import Plan
from avert.dispatch.stop import MaxRuntime, MultipleCriteria, NoImprovement
from avert.domain.booking import double_booked
from avert.domain.lifecycle import StatusReason
from avert.domain.vocab import ReferralState
from avert.services.lifecycle import (
    NotFound,
    TransitionRequest,
    apply_transition,
    compare_and_set,
    load_for_update,
)
from avert.services.worklists import staff_on_shift
from avert.store.db import Database
from avert.store.schema import (
    MaintainedPlan,
    Person,
    Referral,
    ReferralEvent,
    StaffMember,
    Team,
    Visit,
    VisitStaff,
)


ACTIVE = ("allocated", "en_route", "arrived")
WAITING = ("triaged", "accepted", "reopened")
MAINTAIN_SECONDS = 0.3  # the warm search each time the day is planned again for the board
MAINTAIN_PATIENCE = 200  # ... or fewer iterations, once this many in a row found nothing better
SHOWN_OPTIONS = 10  # options on the allocation form
MAX_WAITING = 100  # waiting referrals planned: the most urgent, as on the board's first page
FRESH = timedelta(seconds=60)  # how long the board's predictions are reused if nothing changed


def read_day(database: Database, *, now: datetime) -> Day:
    """The state of the day at `now`, as values for `avert.dispatch.live`.

    Every visit allocated or under way is read; of the referrals waiting for a visit, the
    `MAX_WAITING` most urgent (the queue's order: least time left first).
    """
    staff = tuple(
        LiveStaff(
            id=s.id,
            name=s.name,
            skills=frozenset(s.skills),
            status=s.status,
            lat=s.lat,
            lon=s.lon,
            shift_end=s.shift_end,
        )
        for s in staff_on_shift(database, now=now)
    )
    with database.reading() as session:
        bases = {t.id: (t.base_lat, t.base_lon) for t in session.execute(select(Team)).scalars()}
        active = session.execute(
            select(Visit, Referral, Person)
            .join(Referral, Referral.id == Visit.referral_id)
            .join(Person, Person.id == Referral.person_id)
            .where(Visit.status.in_(ACTIVE), Referral.is_open.is_(True))
            .order_by(Visit.id)
        ).all()
        crews: dict[int, list[str]] = {}
        if active:
            for visit_id, staff_id in session.execute(
                select(VisitStaff.visit_id, VisitStaff.staff_id)
                .where(VisitStaff.visit_id.in_([v.id for v, _, _ in active]))
                .order_by(VisitStaff.visit_id, VisitStaff.staff_id)
            ):
                crews.setdefault(visit_id, []).append(staff_id)
        busy = {r.id for _, r, _ in active}
        waiting = session.execute(
            select(Referral, Person)
            .join(Person, Person.id == Referral.person_id)
            .where(Referral.is_open.is_(True), Referral.state.in_(WAITING))
            .order_by(Referral.queue_key, Referral.id)
            .limit(MAX_WAITING)
        ).all()
    fallback = next(iter(bases.values()), None)
    if fallback is None and staff:
        fallback = (staff[0].lat, staff[0].lon)

    def where(referral: Referral, person: Person) -> tuple[float, float, bool] | None:
        if person.lat is not None and person.lon is not None:
            return person.lat, person.lon, True
        base = bases.get(referral.team_id or "", fallback)
        return (base[0], base[1], False) if base else None

    def deadline(referral: Referral) -> datetime | None:
        return referral.clock_deadline if referral.clock_stopped_at is None else None

    referrals = []
    for visit, referral, person in active:
        place = where(referral, person)
        if place is None:
            continue
        referrals.append(
            LiveReferral(
                id=referral.id,
                need=referral.need,
                disposition=referral.disposition,
                lat=place[0],
                lon=place[1],
                located=place[2],
                deadline=deadline(referral),
                visit_id=visit.id,
                status=visit.status,
                staff_ids=tuple(crews.get(visit.id, ())),
                planned_at=visit.planned_at,
                en_route_at=visit.en_route_at,
                arrived_at=visit.arrived_at,
            )
        )
    for referral, person in waiting:
        place = where(referral, person)
        if place is None or referral.id in busy:
            continue
        referrals.append(
            LiveReferral(
                id=referral.id,
                need=referral.need,
                disposition=referral.disposition,
                lat=place[0],
                lon=place[1],
                located=place[2],
                deadline=deadline(referral),
            )
        )
    return Day(now=now, staff=staff, referrals=tuple(referrals))


def running_day(
    database: Database, *, now: datetime, assumptions: Assumptions = DEFAULT
) -> Running:
    """The running day and its current plan (`avert.dispatch.live.build`)."""
    return build(read_day(database, now=now), assumptions)


@dataclass(frozen=True)
class _Kept:
    """This process's last build of the running day, from version `version` of the shared plan."""

    database: weakref.ref
    version: int
    running: Running
    predictions: dict[int, Prediction]


_kept: dict[int, _Kept] = {}
_kept_lock = threading.Lock()


def _fingerprint(session: Session) -> str:
    """Changes whenever a referral moves (every move appends an event) or someone's status does."""
    mark = (
        session.execute(select(func.max(ReferralEvent.id))).scalar(),
        *session.execute(
            select(
                func.max(StaffMember.status_at),
                func.sum(case((StaffMember.status == "off", 1), else_=0)),
                func.sum(case((StaffMember.status == "available", 1), else_=0)),
            )
        ).one(),
    )
    return json.dumps(mark, default=str)


def _previous(database: Database) -> _Kept | None:
    with _kept_lock:
        kept = _kept.get(id(database))
    return kept if kept is not None and kept.database() is database else None


def _keep(database: Database, version: int, running: Running) -> _Kept:
    kept = _Kept(weakref.ref(database), version, running, predict(running))
    with _kept_lock:
        _kept[id(database)] = kept
    return kept


def _state(database: Database) -> tuple[str, tuple[int, str, datetime] | None]:
    """The day's fingerprint, and the shared plan's version, the fingerprint it was made for
    and when (None before the first), read together."""
    with database.reading() as session:
        row = session.execute(
            select(MaintainedPlan.version, MaintainedPlan.mark, MaintainedPlan.made_at).where(
                MaintainedPlan.id == 1
            )
        ).first()
        return _fingerprint(session), (tuple(row) if row else None)


def _shared_plan(database: Database, version: int) -> Plan | None:
    with database.reading() as session:
        data = session.execute(
            select(MaintainedPlan.plan).where(
                MaintainedPlan.id == 1, MaintainedPlan.version == version
            )
        ).scalar()
    return Plan.from_json(data) if data is not None else None


def _share(database: Database, mark: str, made_at: datetime, plan: Plan) -> int:
    """Store the plan as the one every server process shows; its version."""
    for attempt in range(2):
        try:
            with database.writing() as session:
                row = session.get(MaintainedPlan, 1, with_for_update=True)
                if row is None:
                    row = MaintainedPlan(id=1, version=0)
                    session.add(row)
                row.version += 1
                row.mark, row.made_at, row.plan = mark, made_at, plan.to_json()
                return row.version
        except IntegrityError:  # another process stored the first one: update it
            if attempt:
                raise
    raise AssertionError("unreachable")


def current_day(database: Database, *, now: datetime) -> Running:
    """The running day with a **maintained** plan: the last plan kept, carried into the day as
    it is now (`build(..., initial=...)`), then improved by a short warm search.

    The plan is kept in the database and reused for up to `FRESH` of the application's time
    while no referral and no member of staff has changed, so the board's rows (every 15
    seconds, by everyone looking) do not plan the day each time, and every server process shows
    the same plan: a process that finds a plan made for this state of the day carries it into
    the day as it is, without searching.
    """
    mark, shared = _state(database)
    kept = _previous(database)
    known = kept.running if kept else None  # its travel to reuse
    if shared is None:
        initial = None
    elif kept and kept.version == shared[0]:
        initial = kept.running.plan
    else:
        initial = _shared_plan(database, shared[0])
    version, made_for, made_at = shared or (0, "", now)
    if made_for == mark and timedelta(0) <= now - made_at < FRESH and initial is not None:
        if kept and kept.version == version:
            return kept.running
        # Made by another process for this state of the day: shown as that process shows it.
        running = build(read_day(database, now=made_at), initial=initial, known=known)
        return _keep(database, version, running).running
    running = build(read_day(database, now=now), initial=initial, known=known)
    stop = MultipleCriteria([MaxRuntime(MAINTAIN_SECONDS), NoImprovement(MAINTAIN_PATIENCE)])
    running = improve(running, stop)
    return _keep(database, _share(database, mark, now, running.plan), running).running


def remember(database: Database, *, now: datetime, running: Running) -> None:
    """Keep a re-planned day (after a change) as the maintained plan."""
    mark, _shared = _state(database)
    _keep(database, _share(database, mark, now, running.plan), running)


def predictions(database: Database, *, now: datetime) -> dict[int, Prediction]:
    """Predicted start against deadline for the referrals of the running day (`live.predict`),
    from the maintained plan."""
    current_day(database, now=now)
    kept = _previous(database)
    return kept.predictions if kept else {}


def who_should_go(
    database: Database,
    referral_id: int,
    *,
    now: datetime,
    assumptions: Assumptions = DEFAULT,
    limit: int = SHOWN_OPTIONS,
) -> list[LiveOption]:
    """The best `limit` people who could go to this referral now, with reasons (`live.insert`).

    The referral is taken out of the running day and inserted into the plan of the rest.
    """
    day = read_day(database, now=now)
    target = next((r for r in day.referrals if r.id == referral_id and not r.allocated), None)
    if target is None:
        target = _referral_alone(database, referral_id, day)
    if target is None:
        return []
    rest = replace(day, referrals=tuple(r for r in day.referrals if r.id != referral_id))
    kept = _previous(database)
    previous = kept.running if kept else None
    running = build(rest, assumptions, initial=previous.plan if previous else None, known=previous)
    held: dict[str, list[datetime | None]] = {}
    for r in rest.referrals:
        for staff_id in r.staff_ids if r.allocated else ():
            held.setdefault(staff_id, []).append(r.planned_at)
    options = []
    for option in insert(running, target):
        planned = planned_time(running, option)
        option = replace(option, planned_at=planned)
        if double_booked(held.get(option.staff_id, ()), planned):
            option = replace(
                option,
                blocked="already holds a visit at that time, so allocation would double-book",
            )
        options.append(option)
    options.sort(key=lambda o: bool(o.blocked))  # stable: the ranking stands within each part
    return options[:limit]


def planned_time(running: Running, option: LiveOption) -> datetime:
    """The option's predicted arrival, to the minute: the planned time of the visit it offers."""
    at = running.at(option.option.arrival)
    return at.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if at.second or at.microsecond else timedelta(0)
    )


def _referral_alone(database: Database, referral_id: int, day: Day) -> LiveReferral | None:
    """A referral not waiting in the day (e.g. in care, for a further visit) as a new visit."""
    with database.reading() as session:
        row = session.execute(
            select(Referral, Person)
            .join(Person, Person.id == Referral.person_id)
            .where(Referral.id == referral_id)
        ).first()
        if row is None:
            return None
        referral, person = row
        team = session.get(Team, referral.team_id) if referral.team_id else None
    if person.lat is not None and person.lon is not None:
        lat, lon, located = person.lat, person.lon, True
    elif team is not None:
        lat, lon, located = team.base_lat, team.base_lon, False
    elif day.staff:
        lat, lon, located = day.staff[0].lat, day.staff[0].lon, False
    else:
        return None
    return LiveReferral(
        id=referral.id,
        need=referral.need,
        disposition=referral.disposition,
        lat=lat,
        lon=lon,
        located=located,
        deadline=referral.clock_deadline if referral.clock_stopped_at is None else None,
    )


def referral_names(database: Database, referral_ids: list[int]) -> dict[int, str]:
    """The name of the person behind each referral (to show what a re-plan moved)."""
    if not referral_ids:
        return {}
    with database.reading() as session:
        rows = session.execute(
            select(Referral.id, Person.given_name, Person.family_name)
            .join(Person, Person.id == Referral.person_id)
            .where(Referral.id.in_(referral_ids))
        )
        return {rid: f"{given} {family}" for rid, given, family in rows}


def person_ids(database: Database, referral_ids: list[int]) -> tuple[int, ...]:
    """The people behind these referrals (for the audit entry of a page that shows them)."""
    if not referral_ids:
        return ()
    with database.reading() as session:
        rows = session.execute(
            select(Referral.person_id).where(Referral.id.in_(referral_ids)).distinct()
        )
        return tuple(sorted(pid for (pid,) in rows))


@dataclass(frozen=True)
class OffSick:
    """What marking a person off sick changed: the referrals whose visits were withdrawn."""

    staff_id: str
    name: str
    released: tuple[int, ...]
    kept: tuple[int, ...]  # visits already under way, which stay with them


def mark_off_sick(database: Database, staff_id: str, *, by: str, now: datetime) -> OffSick:
    """The person is off: their status is `off` and their visits not yet started are withdrawn."""
    with database.writing() as session:
        person = session.get(StaffMember, staff_id, with_for_update=True)
        if person is None:
            raise NotFound(staff_id)
        person.status = "off"
        person.status_at = now
        rows = session.execute(
            select(Visit.id, Visit.referral_id, Visit.status)
            .join(VisitStaff, VisitStaff.visit_id == Visit.id)
            .where(VisitStaff.staff_id == staff_id, Visit.status.in_(ACTIVE))
            .order_by(Visit.id)
        ).all()
        released, kept = [], []
        for visit_id, referral_id, status in rows:
            if status != "allocated":
                kept.append(referral_id)
                continue
            session.execute(
                update(Visit)
                .where(Visit.id == visit_id, Visit.status == "allocated")
                .values(status="cancelled", version=Visit.version + 1)
                .execution_options(synchronize_session=False)
            )
            referral = load_for_update(session, referral_id)
            if referral.state == ReferralState.ALLOCATED:
                compare_and_set(session, referral, None)
                apply_transition(
                    session,
                    referral,
                    TransitionRequest(
                        to=ReferralState.ACCEPTED,
                        reason=StatusReason.ALLOCATION_WITHDRAWN,
                        actor=by,
                        note=f"{person.name} is off sick",
                    ),
                    now=now,
                )
            released.append(referral_id)
        return OffSick(staff_id, person.name, tuple(released), tuple(kept))


def mark_back_on_shift(database: Database, staff_id: str, *, now: datetime) -> str:
    """Undo `off`: the person is available again (visits withdrawn stay withdrawn)."""
    with database.writing() as session:
        person = session.get(StaffMember, staff_id, with_for_update=True)
        if person is None:
            raise NotFound(staff_id)
        if person.status == "off":
            person.status = "available"
            person.status_at = now
        return person.name

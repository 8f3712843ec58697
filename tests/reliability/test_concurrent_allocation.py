"""16 dispatchers racing to allocate 100 visits among 20 staff: no double allocation or booking.

Each dispatcher works through every referral in its own random order and, for each one still
waiting, tries staff in a random order until one is allocated or all are refused. Most visits have
a planned time on a half-hour grid (one hour apart is free, less is double-booked); some are "go
now" and hold their staff until finished. At the end the database is checked against the rule
with plain arithmetic, independently of avert/domain/booking.py.
"""

import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from avert.domain.errors import ValidationError
from avert.domain.service_hours import ServiceHours
from avert.services import lifecycle, visits
from avert.services.intake import submit_referral
from avert.store.schema import Referral, Shift, StaffMember, Team, Visit, VisitStaff
from avert.web.api.schemas import ReferralIn, to_referral_request
from tests.factories import referral_body


NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
DISPATCHERS, VISITS, STAFF = 16, 100, 20
HOUR = timedelta(hours=1)


def _seed_round(database, settings, n: int, rng: random.Random):
    """A team of 20 staff on shift, and 100 triaged referrals each with its visit's planned time."""
    team = f"T-RACE{n}"
    staff = [f"S-R{n}-{i:02d}" for i in range(STAFF)]
    with database.writing() as session:
        session.add(
            Team(
                id=team,
                name=f"Race team {n}",
                locality="City",
                base_lat=52.63,
                base_lon=-1.13,
                service_hours=ServiceHours.default().to_config(),
            )
        )
        session.flush()
        for staff_id in staff:
            session.add(
                StaffMember(
                    id=staff_id,
                    name=f"Staff {staff_id}",
                    role="nurse",
                    skills=[],
                    team_id=team,
                    home_lat=52.63,
                    home_lon=-1.13,
                    status="available",
                )
            )
            session.flush()
            session.add(Shift(staff_id=staff_id, starts_at=NOW, ends_at=NOW + 24 * HOUR))
    planned = {}
    for _ in range(VISITS):
        body = referral_body(team_id=team)
        request = to_referral_request(ReferralIn.model_validate(body), today=NOW.date())
        referral_id = submit_referral(database, settings, request, now=NOW, actor="t").referral_id
        # One in ten "go now"; the rest on a half-hour grid over ten hours.
        slot = None if rng.random() < 0.1 else NOW + timedelta(minutes=30 * rng.randrange(20))
        planned[referral_id] = (slot, 2 if rng.random() < 0.2 else 1)
    return staff, planned


def _race(database, staff, planned, seed):
    """Every dispatcher tries every waiting referral; returns what they were told."""
    told = Counter()
    allocated = {}
    lock = threading.Lock()

    def dispatcher(d: int):
        rng = random.Random(seed * 100 + d)
        order = list(planned)
        rng.shuffle(order)
        for referral_id in order:
            at, people = planned[referral_id]
            candidates = staff[:]
            rng.shuffle(candidates)
            choices = (
                [[s] for s in candidates]
                if people == 1
                else [rng.sample(candidates, 2) for _ in range(STAFF // 2)]
            )
            for chosen in choices:
                with database.reading() as session:
                    referral = session.get(Referral, referral_id)
                    state, version = referral.state, referral.version
                if state != "triaged":
                    break
                try:
                    result = visits.allocate(
                        database,
                        referral_id,
                        chosen,
                        by=f"dispatcher {d}",
                        now=NOW,
                        expected_version=version,
                        planned_at=at,
                    )
                except lifecycle.StaleVersion:
                    outcome = "stale"
                except ValidationError as error:
                    refused = "double-booked" in error.message
                    outcome = "double-booking refused" if refused else "other refusal"
                else:
                    outcome = "allocated"
                with lock:
                    told[outcome] += 1
                    if outcome == "allocated" and referral_id in allocated:
                        told["allocated twice"] += 1
                    elif outcome == "allocated":
                        allocated[referral_id] = (result.visit_id, tuple(sorted(chosen)))
                if outcome == "allocated":
                    break

    with ThreadPoolExecutor(max_workers=DISPATCHERS) as pool:
        list(pool.map(dispatcher, range(DISPATCHERS)))
    return told, allocated


def _clash(a, b) -> bool:
    return a is None or b is None or abs(a - b) < HOUR


@pytest.mark.timeout(1800)  # --long runs for many minutes
def test_sixteen_dispatchers_allocating_a_hundred_visits_never_double_book_anyone(
    database, settings, reliability_report, long_run
):
    """No referral gets two active visits, no one holds two clashing visits, no refusal wrong."""
    rounds = 10 if long_run else 1
    totals = Counter()
    started = time.monotonic()
    for n in range(rounds):
        rng = random.Random(20261125 + n)
        staff, planned = _seed_round(database, settings, n, rng)
        told, allocated = _race(database, staff, planned, seed=n)
        with database.reading() as session:
            rows = session.execute(
                select(Visit.id, Visit.referral_id, Visit.status, Visit.planned_at)
                .join(Referral, Referral.id == Visit.referral_id)
                .where(Referral.id.in_(planned))
            ).all()
            crew = defaultdict(list)
            for visit_id, staff_id in session.execute(
                select(VisitStaff.visit_id, VisitStaff.staff_id).where(
                    VisitStaff.visit_id.in_([r.id for r in rows])
                )
            ):
                crew[visit_id].append(staff_id)
            states = dict(
                session.execute(
                    select(Referral.id, Referral.state).where(Referral.id.in_(planned))
                ).all()
            )

        per_referral = Counter(r.referral_id for r in rows if r.status in visits.ACTIVE_VISIT)
        double_allocations = sum(1 for k in per_referral.values() if k > 1)
        held = defaultdict(list)
        for r in rows:
            for staff_id in crew[r.id]:
                held[staff_id].append(r.planned_at)
        double_bookings = sum(
            1
            for times in held.values()
            for i, a in enumerate(times)
            for b in times[i + 1 :]
            if _clash(a, b)
        )
        # A single-person referral left waiting had nobody free, even at the end.
        wrongly_refused = sum(
            1
            for referral_id, (at, people) in planned.items()
            if people == 1
            and referral_id not in allocated
            and any(not any(_clash(at, h) for h in held[s]) for s in staff)
        )
        # The database says exactly what the dispatchers were told, and no more.
        in_database = {r.referral_id: (r.id, tuple(sorted(crew[r.id]))) for r in rows}
        disagreements = len(in_database.items() ^ allocated.items()) + sum(
            1 for r in planned if states[r] != ("allocated" if r in allocated else "triaged")
        )
        totals.update(told)
        totals.update(
            cycles=1,
            double_allocations=double_allocations + told["allocated twice"],
            double_bookings=double_bookings,
            wrongly_refused=wrongly_refused,
            disagreements=disagreements,
            rounds_mostly_allocated=len(allocated) > VISITS // 2,
        )

    reliability_report.record(
        "concurrent allocation",
        cycles=totals["cycles"],
        dispatchers=DISPATCHERS,
        visits=VISITS * rounds,
        staff=STAFF,
        cases=sum(totals[k] for k in ("allocated", "stale", "double-booking refused")),
        allocated=totals["allocated"],
        stale_refused=totals["stale"],
        double_booking_refused=totals["double-booking refused"],
        double_allocations=totals["double_allocations"],
        double_bookings=totals["double_bookings"],
        wrongly_refused=totals["wrongly_refused"],
        other_refusals=totals["other refusal"],
        disagreements=totals["disagreements"],
        seconds=round(time.monotonic() - started, 2),
    )
    assert totals["double_allocations"] == 0, "a referral with two active visits"
    assert totals["double_bookings"] == 0, "a member of staff double-booked"
    assert totals["wrongly_refused"] == 0, "a visit refused while someone was free"
    assert totals["disagreements"] == 0, "the database differs from what dispatchers were told"
    assert totals["other refusal"] == 0
    assert totals["rounds_mostly_allocated"] == rounds, "most visits should find someone"

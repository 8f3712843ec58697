"""The simulator's engine: conservation, the rota, seeds, common random numbers and what-ifs."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from avert.domain.errors import ValidationError
from avert.sim.area import caseload_rate, hourly_rate, referrals_per_year, synthetic_service
from avert.sim.engine import Job, Simulation, simulate
from avert.sim.model import (
    AVERT,
    MINUTES_PER_WEEK,
    NEAREST_FREE,
    NEAREST_FREE_SERVICE_WIDE,
    PLANNED,
    SAME_DAY,
    TWO_DAY,
    TWO_HOUR,
    Kind,
    Service,
    Site,
    StaffSpec,
    TeamSpec,
)
from avert.sim.stats import estimate, measure, paired, t_quantile
from avert.sim.whatif import SCENARIOS, compare, scenario


@pytest.fixture(scope="module")
def area():
    return synthetic_service(population=60_000, seed=3)


@pytest.mark.parametrize("policy", [AVERT, NEAREST_FREE], ids=lambda p: p.name)
def test_every_arrival_is_seen_or_still_waiting_at_the_end(area, policy):
    """Conservation: nothing is lost; every visit that fell due was made or is still waiting."""
    sim = Simulation(area, policy, seed=5, days=10)
    outcome = sim.run()
    arrived = sum(outcome.arrivals.values())
    assert arrived == len(sim.jobs) + outcome.arrivals[PLANNED]
    assert len(sim.jobs) > 0 and outcome.arrivals[PLANNED] > 0
    seen = sum(outcome.seen.values())
    assert seen + outcome.waiting_at_end == arrived
    assert sum(outcome.met.values()) <= seen
    assert outcome.visits <= seen


def test_no_visit_falls_outside_the_shift_of_the_person_who_makes_it(area):
    """From setting off to the end of the visit, the person is on a rostered shift."""
    outcome = simulate(area, AVERT, seed=2, days=14, log_visits=True)
    shifts = {s.id: s.shifts for s in area.staff}
    assert outcome.visit_log
    for staff_id, leave, end in outcome.visit_log:
        week = math.floor(leave / MINUTES_PER_WEEK)
        inside = any(
            start + w * MINUTES_PER_WEEK <= leave + 1e-9
            and end <= stop + w * MINUTES_PER_WEEK + 1e-9
            for w in (week - 1, week)
            for start, stop in shifts[staff_id]
        )
        assert inside, (staff_id, leave, end)


def test_a_seed_reproduces_a_run_exactly_and_another_seed_does_not(area):
    """Seeded and reproducible: the same seed gives the same figures, another seed other ones."""
    first = measure(simulate(area, AVERT, seed=11, days=7), 7)
    again = measure(simulate(area, AVERT, seed=11, days=7), 7)
    other = measure(simulate(area, AVERT, seed=12, days=7), 7)
    assert first == again
    assert first != other


def test_both_policies_see_exactly_the_same_referrals(area):
    """Common random numbers: the demand does not depend on the policy or on staffing."""
    a = simulate(area, AVERT, seed=4, days=7)
    b = simulate(area, NEAREST_FREE, seed=4, days=7)
    c = simulate(scenario("paramedic-16-20").change(area), AVERT, seed=4, days=7)
    for kind in (TWO_HOUR, SAME_DAY, TWO_DAY, PLANNED):
        assert a.arrivals[kind] == b.arrivals[kind] == c.arrivals[kind]


def test_demand_scaling_thins_or_adds_to_the_same_referrals(area):
    """x0.8 keeps a subset of the baseline's referrals; x1.2 keeps them all and adds more."""
    days = 150

    def referrals(service):
        sim = Simulation(service, NEAREST_FREE, seed=9, days=days)
        sim.run()
        return {(j.arrival, j.x, j.y) for j in sim.jobs if j.first}

    base = referrals(area)
    less = referrals(replace(area, demand_scale=0.8))
    more = referrals(replace(area, demand_scale=1.2))
    assert less < base < more
    assert len(less) / len(base) == pytest.approx(0.8, abs=0.05)
    assert len(more) / len(base) == pytest.approx(1.2, abs=0.05)


def test_the_demand_profile_adds_up_to_the_calibrated_volume():
    """Referrals needing a visit are 90 % of all (10 % are redirected at triage)."""
    per_week = sum(hourly_rate(400_000))
    assert per_week * 365.25 / 7 == pytest.approx(0.9 * referrals_per_year(400_000))
    assert referrals_per_year(4_000_000) == pytest.approx(100_000)
    rates = hourly_rate(400_000)
    assert rates[10] > 5 * rates[3]  # Monday 10:00 is far busier than 03:00


def test_the_what_ifs_change_the_staff_and_hours_they_name(area):
    """A paramedic 16:00-20:00 per team; 24/7 opens every team and adds night posts."""
    plus = SCENARIOS["paramedic-16-20"].change(area)
    added = plus.staff[len(area.staff) :]
    assert len(added) == len(area.teams)
    assert all(p.role == "paramedic" for p in added)
    assert all(
        (end - start) == 240 and start % 1440 == 960 for p in added for start, end in p.shifts
    )
    night = SCENARIOS["24-7"].change(area)
    assert all(t.always_open for t in night.teams)
    assert len(night.staff) > len(area.staff)
    assert night.hourly_rate == area.hourly_rate
    assert SCENARIOS["demand+20"].change(area).demand_scale == pytest.approx(1.2)


def test_a_comparison_reports_paired_differences_from_the_baseline(area):
    """What-if results carry the difference from the baseline with an interval."""
    results = compare(area, ["demand+20"], AVERT, seed=1, days=7, replications=3)
    assert [r.scenario for r in results] == ["baseline", "demand+20"]
    assert results[0].versus_baseline is None
    diff = results[1].versus_baseline["referrals_per_day"]
    assert diff.mean > 0 and diff.n == 3
    assert len(results[0].by_hour) == 24


def test_the_t_interval_uses_students_t():
    """Table values, the large-sample limit, and an interval computed by hand."""
    assert t_quantile(1) == pytest.approx(12.706)
    assert t_quantile(29) == pytest.approx(2.045)
    assert t_quantile(60) == pytest.approx(2.000, abs=1e-3)
    assert t_quantile(10_000) == pytest.approx(1.960, abs=1e-3)
    e = estimate([1.0, 2.0, 3.0, 4.0])
    half = 3.182 * math.sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3 / 4)
    assert (e.mean, e.low, e.high) == pytest.approx((2.5, 2.5 - half, 2.5 + half))
    assert paired([3.0, 5.0], [1.0, 2.0]).mean == pytest.approx(2.5)


def test_a_population_outside_the_range_is_refused():
    """The simulated area is 1,000 to 10 million people."""
    with pytest.raises(ValidationError):
        synthetic_service(population=999)


def _two_teams() -> Service:
    """Team 0 covers the only neighbourhood but nobody in it has the skill its referrals need;
    team 1's catheter nurse is based 2 km away."""
    return Service(
        name="two teams",
        hourly_rate=(0.2,) * 168,
        kinds=(Kind(TWO_HOUR, 1.0, 120.0, 30.0, (("catheter", 1.0),)),),
        sites=(Site(0.0, 0.0, 0.5, 1.0, 0),),
        teams=(TeamSpec("T0", "Here", always_open=True), TeamSpec("T1", "Next", always_open=True)),
        staff=(
            StaffSpec("S0", 0, "support_worker", frozenset({"personal_care"}), 0.0, 0.0, None),
            StaffSpec("S1", 1, "nurse", frozenset({"catheter"}), 2.0, 0.0, None),
        ),
    )


def test_only_a_service_wide_policy_sends_another_teams_clinician_to_a_2_hour_referral():
    """Avert's policy, like the live board, may send any team's skilled clinician; the locality
    baseline waits for its own team, which here never has the skill."""
    service = _two_teams()
    met = {
        p.name: simulate(service, p, seed=1, days=5).met[TWO_HOUR]
        for p in (AVERT, NEAREST_FREE, NEAREST_FREE_SERVICE_WIDE)
    }
    arrived = simulate(service, NEAREST_FREE, seed=1, days=5).arrivals[TWO_HOUR]
    assert arrived > 10
    assert met["nearest_free"] == 0
    assert met["avert"] >= 0.9 * arrived
    assert met["nearest_free_service_wide"] >= 0.9 * arrived


@pytest.mark.parametrize("policy", [AVERT, NEAREST_FREE_SERVICE_WIDE], ids=lambda p: p.name)
def test_nothing_is_lost_when_visits_are_committed_ahead_and_across_teams(area, policy):
    """Conservation also holds when visits are committed ahead of others and released."""
    busy = replace(area, caseload_rate=caseload_rate(area.staff, len(area.teams), 0.85))
    sim = Simulation(busy, policy, seed=6, days=7)
    outcome = sim.run()
    arrived = sum(outcome.arrivals.values())
    assert sum(outcome.seen.values()) + outcome.waiting_at_end == arrived
    assert all(p.current is None or p.current.staff == p.id for p in sim.people)
    assert all(j.staff == p.id for p in sim.people for j in p.pending)


def test_the_simulator_page_offers_every_policy_by_name():
    """Each dispatch policy the simulator knows has a label on the page, and only those."""
    from avert.sim.model import POLICIES
    from avert.web.pages.simulate import POLICY_LABELS

    assert set(POLICY_LABELS) == set(POLICIES)


def _quiet(shift_end: float | None) -> Service:
    """No random demand: nurse A at the centre (on shift until `shift_end`, or always) and
    nurse B 100 km away (2 h 36 min's drive), for visits placed by hand."""
    shifts = None if shift_end is None else ((0.0, shift_end),)
    return Service(
        name="by hand",
        hourly_rate=(0.0,) * 168,
        kinds=(Kind(TWO_HOUR, 1.0, 120.0, 30.0, (("", 1.0),)),),
        sites=(Site(0.0, 0.0, 0.0, 1.0, 0),),
        teams=(TeamSpec("T0", "Team", always_open=True),),
        staff=(
            StaffSpec("A", 0, "nurse", frozenset(), 0.0, 0.0, shifts),
            StaffSpec("B", 0, "nurse", frozenset(), 100.0, 0.0, None),
        ),
        radius_km=120.0,
    )  # fmt: skip


def _by_hand(service: Service, policy=AVERT) -> list[tuple[str, float, float]]:
    """Planned visit P1 (60 min) at 0, planned P2 (60 min, due within 4 h) at 10, and a 2-hour
    referral (30 min) at 20, all at the centre; the visits made, in order."""
    sim = Simulation(service, policy, seed=1, days=1, log_visits=True)

    def visit(kind: int, first: bool, at: float, window: float, minutes: float) -> Job:
        return Job(at, kind, first, "", 0.0, 0.0, 0, at, at, at + window, minutes, (), ())

    def arrivals():
        for at, job in (
            (0.0, visit(sim.planned_kind, False, 0.0, 240.0, 60.0)),
            (10.0, visit(sim.planned_kind, False, 10.0, 240.0, 60.0)),
            (20.0, visit(0, True, 20.0, 120.0, 30.0)),
        ):
            yield sim.env.timeout(at - sim.env.now)
            sim._arrive(job)

    sim.env.process(arrivals())
    return sim.run().visit_log


def test_a_crisis_goes_ahead_of_a_planned_visit_committed_to_a_busy_nurse_who_can_make_it():
    """A finishes P1 at 60 with P2 committed next (B, free, would reach it later); B could
    not reach the crisis by its deadline, so it goes to A ahead of P2, which still starts
    within its window. The baseline sends B, the only one free, to P2 and to nobody else."""
    assert _by_hand(_quiet(None)) == [("A", 0.0, 60.0), ("A", 60.0, 90.0), ("A", 90.0, 150.0)]
    assert _by_hand(_quiet(None), NEAREST_FREE) == [
        ("A", 0.0, 60.0), ("B", 10.0, 226.0), ("A", 60.0, 90.0)
    ]  # fmt: skip


def test_a_committed_visit_pushed_past_the_end_of_a_shift_goes_to_someone_else():
    """A's shift ends at 130: the crisis goes ahead of P2 as before, P2 would then end at 150,
    so it is released and sent to B, who is free."""
    made = _by_hand(_quiet(130.0))  # (who, set off, visit ends), in the order they set off
    assert made == [("A", 0.0, 60.0), ("B", 20.0, 236.0), ("A", 60.0, 90.0)]

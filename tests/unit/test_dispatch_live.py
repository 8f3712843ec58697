"""The running day as a dispatch problem: pins, allocations kept, insertion, predictions, re-plans.

The day: 10:00 GMT on a Tuesday. Ann (falls) arrived at a visit at 09:30; Ben (falls) set off
at 09:55 for one; Cat (falls, catheter) has two visits allocated and not started; Dan is off.
Two referrals wait: a fall due by 12:00 and a palliative crisis nobody on shift can take.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from avert.bench.live import synthetic_day
from avert.dispatch import live
from avert.dispatch.live import Day, LiveReferral, LiveStaff
from avert.dispatch.stop import MaxIterations
from avert.dispatch.validator import ViolationKind, validate


NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
END = NOW + timedelta(hours=8)
BASE = (52.63, -1.13)


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def staff(ident, skills=("falls",), status="available", north=0.0):
    return LiveStaff(ident, ident.title(), frozenset(skills), status, BASE[0] + north, BASE[1], END)


def referral(ident, north=0.01, need="fall", deadline=120, **kw):
    return LiveReferral(
        id=ident,
        need=need,
        disposition="two_hour_crisis",
        lat=BASE[0] + north,
        lon=BASE[1],
        deadline=at(deadline) if deadline is not None else None,
        **kw,
    )


def the_day(**changes) -> Day:
    people = (
        staff("ann", status="on_visit"),
        staff("ben", status="travelling"),
        staff("cat", skills=("falls", "catheter"), north=0.02),
        staff("dan", status="off"),
    )
    referrals = (
        referral(1, status="arrived", staff_ids=("ann",), visit_id=11, arrived_at=at(-30)),
        referral(
            2, north=0.03, status="en_route", staff_ids=("ben",), visit_id=12, en_route_at=at(-5)
        ),
        referral(
            3,
            north=0.02,
            deadline=300,
            status="allocated",
            staff_ids=("cat",),
            visit_id=13,
            planned_at=at(60),
        ),
        referral(
            4,
            north=0.025,
            deadline=400,
            status="allocated",
            staff_ids=("cat",),
            visit_id=14,
            planned_at=at(180),
        ),
        referral(5, north=-0.01),
        referral(6, need="palliative_crisis"),
    )
    return replace(Day(NOW, people, referrals), **changes)


def valid(running) -> bool:
    """The validator finds nothing wrong apart from visits nobody on shift can do."""
    report = validate(running.problem, running.plan)
    return all(
        v.kind is ViolationKind.UNPLANNED and v.message.split(":")[0] in running.plan.unassigned
        for v in report.violations
    )


def route(running, staff_id):
    return [(s.visit_id, round(s.start, 3)) for s in running.plan.route_of(staff_id).stops]


def minute(running, when: datetime) -> float:
    return running.minute(when)


def test_the_running_day_plan_is_valid_by_the_independent_validator():
    """Pins, exclusions and shifts as built make a plan the validator accepts."""
    running = live.build(the_day())
    assert valid(running) and running.plan.unassigned == ("R6",)
    assert [s.id for s in running.problem.staff] == ["ann", "ben", "cat"]  # Dan is off


def test_a_visit_under_way_is_pinned_at_its_arrival_and_lasts_its_expected_length():
    """Ann arrived at 09:30: pinned there, an hour long, so she is free at 10:30."""
    running = live.build(the_day())
    (pin,) = [p for p in running.problem.pins if p.staff_id == "ann"]
    assert (pin.visit_id, pin.start) == ("R1", minute(running, at(-30)))
    (ann,) = [c for c in live.candidates(running) if c.staff_id == "ann"]
    assert ann.free_at == pytest.approx(minute(running, at(30)))


def test_a_visit_running_over_is_expected_to_last_a_while_more():
    """Ann arrived 90 minutes ago: her visit is expected to end 10 minutes from now."""
    day = the_day()
    first = replace(day.referrals[0], arrived_at=at(-90))
    running = live.build(replace(day, referrals=(first, *day.referrals[1:])))
    (ann,) = [c for c in live.candidates(running) if c.staff_id == "ann"]
    assert ann.free_at == pytest.approx(running.now + 10)


def test_someone_travelling_is_pinned_at_their_estimated_arrival():
    """Ben set off at 09:55 for a visit 3.3 km north: pinned at 09:55 plus the drive."""
    running = live.build(the_day())
    (pin,) = [p for p in running.problem.pins if p.staff_id == "ben"]
    drive = running.problem.travel.minutes[running.compiled.start_place[1]][
        running.problem.visit_by_id["R2"].place
    ]
    assert pin.start == pytest.approx(max(running.now, minute(running, at(-5)) + drive))


def test_allocated_visits_stay_with_their_people_in_their_planned_order():
    """Cat keeps visits 3 then 4; nobody else may be given them."""
    running = live.build(the_day())
    assert [v for v, _ in route(running, "cat") if v in ("R3", "R4")] == ["R3", "R4"]
    assert running.problem.visit_by_id["R3"].excluded_staff == {"ann", "ben"}


def test_a_waiting_referral_needs_the_skill_its_need_calls_for():
    """A fall needs the falls skill; a palliative crisis needs palliative care."""
    running = live.build(the_day())
    assert running.problem.visit_by_id["R5"].tasks[0].skill == "falls"
    assert running.problem.visit_by_id["R6"].tasks[0].skill == "palliative"
    assert "R6" in running.plan.unassigned


def test_predictions_say_on_time_at_risk_breach_or_nobody():
    """Each waiting or allocated referral gets a status from the plan; visits under way none."""
    day = the_day()
    late = referral(7, north=0.2, deadline=20)  # 22 km away, due in 20 minutes
    running = live.build(replace(day, referrals=(*day.referrals, late)))
    predicted = live.predict(running)
    assert 1 not in predicted
    assert predicted[6].status == "unplanned"
    assert predicted[7].status == "will_breach" and predicted[7].minutes > 0
    assert predicted[3].status == "on_time"
    assert {p.status for p in predicted.values()} <= {
        "on_time",
        "at_risk",
        "will_breach",
        "unplanned",
    }


def test_inserting_a_new_visit_ranks_people_and_moves_no_pin_and_changes_nothing():
    """Best first, all priced exactly; the running plan is left as it was."""
    running = live.build(the_day())
    before = running.plan
    options = live.insert(running, referral(8, north=0.021))
    # Ben is free at 11:03 nearby; Ann only after the fall she is planned for; Cat pushes visit 4.
    assert [o.staff_id for o in options] == ["ben", "ann", "cat"]
    assert all(o.exact for o in options)
    keys = [(o.option.breaches, o.option.lateness + o.option.knock_on_lateness) for o in options]
    assert keys == sorted(keys)
    assert running.plan == before


def test_an_option_that_pushes_visits_says_how_many_and_how_late():
    """Cat's list is full of deadlines: putting the crisis first pushes her visits, and says so."""
    day = the_day(staff=(staff("cat", skills=("falls", "catheter"), north=0.02),))
    tight = tuple(
        replace(r, deadline=at(70)) if r.id in (3, 4) else r
        for r in day.referrals
        if r.id in (3, 4)
    )
    running = live.build(replace(day, referrals=tight))
    (option,) = live.insert(running, referral(8, north=0.021, deadline=30))
    assert option.option.pushed >= 1
    assert any(reason.startswith("pushes") for reason in option.option.reasons)


def test_off_sick_releases_visits_not_started_and_keeps_the_one_under_way():
    """Cat off: her two visits go to others. Ann off: her visit under way stays pinned with her."""
    running = live.build(the_day())
    result = live.off_sick(running, "cat", MaxIterations(50))
    after = result.running
    assert "cat" not in {s.id for s in after.problem.staff}
    moved = {m.referral_id: m for m in result.moves}
    assert moved[3].before == ("cat",) and moved[3].after in (("ann",), ("ben",))
    assert valid(after)

    result = live.off_sick(running, "ann", MaxIterations(50))
    after = result.running
    assert route(after, "ann") == [("R1", minute(after, at(-30)))]


def test_an_overrun_moves_what_comes_after_it():
    """Ann's visit runs 45 minutes over: whatever she does next starts later."""
    running = live.build(the_day())
    after = live.overrun(running, 1, 45, MaxIterations(0)).running
    (ann_before,) = [c for c in live.candidates(running) if c.staff_id == "ann"]
    (ann_after,) = [c for c in live.candidates(after) if c.staff_id == "ann"]
    assert ann_after.free_at == pytest.approx(ann_before.free_at + 45)


def test_a_synthetic_day_of_fifty_people_and_three_hundred_visits_builds_and_validates():
    """The benchmark's day: every visit planned or explained, and the plan valid."""
    day = synthetic_day(staff=50, visits=300)
    running = live.build(day)
    assert len(running.problem.visits) == 300
    assert validate(running.problem, running.plan).feasible


def test_adding_the_new_visit_to_the_compiled_day_equals_compiling_it_afresh():
    """The shortcut insertion takes (extend by one task) gives what `Compiled` would."""
    from avert.dispatch.model import TravelMatrix
    from avert.dispatch.timing import Compiled

    running = live.build(the_day())
    c, st, t = live._with_visit(running, referral(8, north=0.021))
    travel = c.problem.travel
    whole = replace(c.problem, travel=TravelMatrix(travel.minutes, travel.distance))
    fresh = Compiled(whole)
    assert set(vars(c)) == set(vars(fresh))
    for name, value in vars(fresh).items():
        if name in ("M", "D"):
            size = len(value)
            assert [[getattr(c, name)[i][j] for j in range(size)] for i in range(size)] == value
        elif name == "problem":
            assert (c.problem.staff, c.problem.visits) == (whole.staff, whole.visits)
        else:
            assert getattr(c, name) == value, name
    assert t == fresh.n_tasks - 1 and st.route_of[t] == -1
    assert st.routes == running.state.routes


def test_a_rebuilt_day_reads_travel_it_already_knows_and_computes_only_new_places(monkeypatch):
    """Cat goes off: the re-plan's day has no new place, so its travel is read from the day it
    starts from, and equals travel computed afresh. A new referral's place is computed."""
    from avert.dispatch.travel import StraightLine

    running = live.build(the_day())
    people = tuple(replace(s, status="off") if s.id == "cat" else s for s in the_day().staff)
    day = the_day(staff=people)
    fresh = live.build(day, initial=running.plan)
    computed = StraightLine.matrix

    def refuse(self, places):
        raise AssertionError("travel computed again")

    monkeypatch.setattr(StraightLine, "matrix", refuse)
    again = live.build(day, initial=running.plan, known=running)
    assert again.problem.travel == fresh.problem.travel
    assert again.plan == fresh.plan
    more = the_day(referrals=(*the_day().referrals, referral(9, north=0.05)))
    with pytest.raises(AssertionError, match="computed again"):
        live.build(more, known=running)
    monkeypatch.setattr(StraightLine, "matrix", computed)
    assert live.build(more, known=running).problem.travel == live.build(more).problem.travel

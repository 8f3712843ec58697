"""The independent validator: each rule it enforces, as a table of cases, and the published
best solutions it must reproduce.

Every case starts from the hand-checked optimal plan of `avert.dispatch.examples` (valid, cost
27.475) and breaks one rule.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from avert.dispatch import hhcrsp
from avert.dispatch.examples import OPTIMAL_DISTANCE, tiny_problem
from avert.dispatch.model import Assignment, Pin, Plan, Route, Staff, Sync, SyncKind, Window
from avert.dispatch.published import benchmarks_dir, mankowska_best, solomon_best
from avert.dispatch.validator import ViolationKind, validate, validate_vrptw
from avert.dispatch.vrplib_io import read_solution, read_vrptw


MEET = 40 + 10 * math.sqrt(2)  # both start V3 when the nurse gets there


def good_plan() -> Plan:
    return Plan(
        (
            Route(
                "nurse",
                (
                    Assignment("V1", 0, 10, 20),
                    Assignment("V4", 0, 30, 40),
                    Assignment("V3", 0, MEET, MEET + 20),
                ),
            ),
            Route("ot", (Assignment("V2", 0, 10, 20), Assignment("V3", 1, MEET, MEET + 20))),
        )
    )


def _swap(plan: Plan, staff_id: str, index: int, stop: Assignment) -> Plan:
    routes = []
    for route in plan.routes:
        stops = list(route.stops)
        if route.staff_id == staff_id:
            stops[index] = stop
        routes.append(Route(route.staff_id, tuple(stops)))
    return Plan(tuple(routes), plan.unassigned)


def _problem_with(**visit_changes):
    problem = tiny_problem()
    visits = tuple(
        replace(v, **visit_changes[v.id]) if v.id in visit_changes else v for v in problem.visits
    )
    return replace(problem, visits=visits)


def _nurse_shift(*windows):
    problem = tiny_problem()
    nurse = Staff("nurse", frozenset({"nursing"}), tuple(Window(a, b) for a, b in windows))
    return replace(problem, staff=(nurse, problem.staff[1]))


def _both_skills():
    problem = tiny_problem()
    nurse = Staff("nurse", frozenset({"nursing", "therapy"}))
    return replace(problem, staff=(nurse, problem.staff[1]))


def _with_stop(staff_id: str, index: int, **changes) -> Plan:
    route = good_plan().route_of(staff_id)
    return _swap(good_plan(), staff_id, index, replace(route.stops[index], **changes))


def _routes(nurse: tuple, ot: tuple, unassigned: tuple = ()) -> Plan:
    return Plan((Route("nurse", nurse), Route("ot", ot)), unassigned)


N1, N4, N3 = good_plan().route_of("nurse").stops
O2, O3 = good_plan().route_of("ot").stops
K = ViolationKind

CASES = [
    # (rule broken, problem, plan, every kind of violation expected)
    (
        "a task done by someone without its skill",
        replace(
            tiny_problem(),
            staff=(Staff("nurse", frozenset({"first aid"})), Staff("ot", frozenset({"therapy"}))),
        ),
        good_plan(),
        {K.SKILL},
    ),
    (
        "a person sent to a visit they are excluded from",
        _problem_with(V1={"excluded_staff": frozenset({"nurse"})}),
        good_plan(),
        {K.EXCLUDED},
    ),
    (
        "two people not starting a simultaneous visit together",
        tiny_problem(),
        _with_stop("ot", 1, start=MEET + 5, end=MEET + 25),
        {K.SIMULTANEOUS},
    ),
    (
        "the second of a sequential visit starting too soon after the first",
        _problem_with(V3={"sync": Sync(SyncKind.SEQUENTIAL, 5, 10)}),
        good_plan(),
        {K.SEQUENTIAL_GAP},
    ),
    (
        "the second of a sequential visit starting too long after the first",
        _problem_with(V3={"sync": Sync(SyncKind.SEQUENTIAL, 0, 3)}),
        _with_stop("ot", 1, start=MEET + 5, end=MEET + 25),
        {K.SEQUENTIAL_GAP},
    ),
    (
        "one person in two places at once (no time to travel)",
        tiny_problem(),
        _with_stop("nurse", 1, start=25, end=35),
        {K.OVERLAP},
    ),
    (
        "a visit cut shorter than its duration",
        tiny_problem(),
        _with_stop("nurse", 0, end=15),
        {K.DURATION},
    ),
    (
        "a visit started before its window opens",
        _problem_with(V2={"window": Window(15, 60)}),
        good_plan(),
        {K.EARLY},
    ),
    ("work after the end of the shift", _nurse_shift((0, 60)), good_plan(), {K.SHIFT}),
    (
        "work in the gap between two shifts",
        _nurse_shift((0, 25), (35, 300)),
        good_plan(),
        {K.SHIFT},
    ),
    ("back at base after the last shift ends", _nurse_shift((0, 80)), good_plan(), {K.SHIFT}),
    ("leaving base before the shift starts", _nurse_shift((5, 300)), good_plan(), {K.SHIFT}),
    (
        "both tasks of a two-person visit done by one person",
        _both_skills(),
        _routes((N1, N4, N3, replace(O3, start=MEET + 20, end=MEET + 40)), (O2,)),
        {K.SAME_PERSON, K.SIMULTANEOUS},
    ),
    ("a task nobody does", tiny_problem(), _routes((N1, N4, N3), (O3,)), {K.MISSING}),
    (
        "a task done twice",
        tiny_problem(),
        _routes((N1, N4, N3), (O2, O3, replace(N4, start=90, end=100))),
        {K.DUPLICATE, K.SKILL},
    ),
    (
        "a pinned task moved",
        tiny_problem(pins=(Pin("V1", 0, "nurse", 12.0),)),
        good_plan(),
        {K.PIN},
    ),
    ("a visit left unplanned", tiny_problem(), _routes((N1, N3), (O2, O3), ("V4",)), {K.UNPLANNED}),
]
# fmt: on


def test_the_hand_checked_plan_is_valid_and_costs_what_the_hand_calculation_says():
    """The optimal plan of the tiny problem has no violations and costs 82.426 / 3."""
    report = validate(tiny_problem(), good_plan())
    assert report.violations == ()
    assert report.distance == pytest.approx(OPTIMAL_DISTANCE)
    assert report.objective == pytest.approx(OPTIMAL_DISTANCE / 3)


@pytest.mark.parametrize(("rule", "problem", "plan", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_validator_catches_each_broken_rule(rule, problem, plan, expected):
    """Each broken rule is reported, with no other kind of violation."""
    assert validate(problem, plan).kinds() == expected


def test_lateness_is_measured_per_task_and_counted_in_the_objective():
    """V1 at 70 is 10 late; V3 at 124.142 is 34.142 late for each of its two people."""
    problem = tiny_problem()
    late = _with_stop("nurse", 0, start=70, end=80)
    late = _swap(late, "nurse", 1, replace(N4, start=90, end=100))
    late = _swap(late, "nurse", 2, replace(N3, start=124.142, end=144.142))
    late = _swap(late, "ot", 1, replace(O3, start=124.142, end=144.142))
    report = validate(problem, late)
    assert report.feasible
    assert report.max_lateness == pytest.approx(34.142)
    assert report.total_lateness == pytest.approx(10 + 2 * 34.142)


def _published():
    root = benchmarks_dir()
    return [(root, row) for row in mankowska_best(root)]


def test_every_published_mankowska_solution_is_read():
    """All 70 published best solutions are in the table the next test walks through."""
    assert len(_published()) == 70


@pytest.mark.parametrize("row", [r for _, r in _published()], ids=lambda r: r.name)
def test_the_validator_reproduces_each_published_best_cost(row):
    """Each published solution is valid and its recomputed cost matches the published one.

    Within 1e-3 where the table prints three decimals; where it prints six significant
    figures (costs over 1000), within half a unit of its last printed digit.
    """
    root = benchmarks_dir()
    instance = hhcrsp.read_instance(root / "hhcrsp" / "mankowska2014" / row.instance)
    plan = hhcrsp.read_solution(root / "hhcrsp" / "mankowska2014_best" / row.solution, instance)
    report = validate(instance.problem, plan)
    assert report.violations == ()
    tolerance = max(1e-3, 0.5 * 10.0**-row.cost_decimals) + 1e-9
    assert abs(report.objective - row.total_cost) <= tolerance


def test_the_validator_reproduces_every_solomon_best_known_cost():
    """All 56 Solomon best-known routes are feasible and cost exactly their stated cost."""
    root = benchmarks_dir()
    best = solomon_best(root)
    assert len(best) == 56
    for name, cost in best.items():
        instance = read_vrptw(root / "solomon" / f"{name}.vrp")
        routes, stated = read_solution(root / "solomon" / f"{name}.sol")
        report = validate_vrptw(instance, routes)
        assert report.violations == (), name
        assert report.cost == pytest.approx(cost, abs=1e-6), name

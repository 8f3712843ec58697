"""The planner: a hand-checked optimum, determinism, pins, warm starts and unplannable visits."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from avert.dispatch.examples import OPTIMAL_DISTANCE, tiny_problem
from avert.dispatch.hhcrsp import Instance, read_instance
from avert.dispatch.model import Pin, Plan, Staff, Window
from avert.dispatch.published import benchmarks_dir
from avert.dispatch.solve import plan, schedule
from avert.dispatch.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement


@pytest.fixture(scope="module")
def hhcrsp_b1() -> Instance:
    """Mankowska B1 (25 patients, 5 caregivers); fails if the benchmark data is missing."""
    return read_instance(
        benchmarks_dir() / "hhcrsp" / "mankowska2014" / "InstanzCPLEX_HCSRP_25_1.json"
    )


def _sequence(result, staff_id):
    return [(s.visit_id, s.task) for s in result.plan.route_of(staff_id).stops]


def test_the_tiny_problem_is_planned_at_its_hand_checked_optimum():
    """Nurse V1, V4, V3 and OT V2, V3 meeting at 54.142: distance 82.426, nobody late."""
    result = plan(tiny_problem(), MaxIterations(200), seed=3)
    assert result.is_feasible()
    assert _sequence(result, "nurse") == [("V1", 0), ("V4", 0), ("V3", 0)]
    assert _sequence(result, "ot") == [("V2", 0), ("V3", 1)]
    v3 = [s.start for r in result.plan.routes for s in r.stops if s.visit_id == "V3"]
    assert v3 == pytest.approx([20 + 20 + 10 * math.sqrt(2)] * 2)
    assert result.report.distance == pytest.approx(OPTIMAL_DISTANCE)
    assert result.report.total_lateness == 0
    assert result.cost == pytest.approx(OPTIMAL_DISTANCE / 3)


def test_the_same_seed_gives_the_same_plan(hhcrsp_b1):
    """Two runs with one seed and an iteration budget return identical plans."""
    first = plan(hhcrsp_b1.problem, MaxIterations(60), seed=7)
    second = plan(hhcrsp_b1.problem, MaxIterations(60), seed=7)
    assert first.plan == second.plan
    assert first.cost == second.cost


def test_the_planner_improves_on_its_first_plan(hhcrsp_b1):
    """A few hundred iterations beat the greedy start, and the plan stays valid."""
    start = plan(hhcrsp_b1.problem, MaxIterations(0), seed=1)
    better = plan(hhcrsp_b1.problem, MaxIterations(300), seed=1)
    assert better.is_feasible()
    assert better.cost < start.cost
    assert better.report.objective == pytest.approx(better.cost)


def test_a_pinned_visit_stays_with_its_person_at_its_time():
    """A visit already under way keeps its person and start, even if that is not optimal."""
    pins = (Pin("V1", 0, "nurse", 25.0),)
    result = plan(tiny_problem(pins=pins), MaxIterations(100), seed=1)
    assert result.is_feasible()
    first = result.plan.route_of("nurse").stops[0]
    assert (first.visit_id, first.start) == ("V1", 25.0)


def test_a_visit_nobody_can_do_is_reported_unplanned():
    """With the OT off, the therapy visits cannot be planned and the plan says so."""
    problem = tiny_problem()
    problem = replace(problem, staff=problem.staff[:1])
    result = plan(problem, MaxIterations(20), seed=1)
    assert set(result.plan.unassigned) == {"V2", "V3"}
    assert not result.is_feasible()
    assert {v.kind for v in result.report.violations} == {"unplanned"}


def test_shifts_are_respected_by_the_plan():
    """A nurse off between 25 and 50 is not given work then; the plan checks out."""
    problem = tiny_problem()
    nurse = Staff("nurse", frozenset({"nursing"}), (Window(0, 25), Window(50, 300)))
    problem = replace(problem, staff=(nurse, problem.staff[1]))
    result = plan(problem, MaxIterations(200), seed=2)
    assert result.is_feasible()
    for stop in result.plan.route_of("nurse").stops:
        assert stop.end <= 25 or stop.start >= 50


def test_a_warm_start_keeps_a_good_plan():
    """Starting from the optimum with no iterations returns the optimum."""
    best = plan(tiny_problem(), MaxIterations(200), seed=3)
    again = plan(tiny_problem(), MaxIterations(0), seed=99, initial=best.plan)
    assert again.plan == best.plan


def test_scheduling_given_sequences_gives_earliest_starts():
    """Fixed sequences are timed at their earliest starts: the OT waits for the nurse at V3."""
    timed = schedule(
        tiny_problem(),
        {"nurse": [("V1", 0), ("V4", 0), ("V3", 0)], "ot": [("V2", 0), ("V3", 1)]},
    )
    assert isinstance(timed, Plan)
    starts = [s.start for s in timed.route_of("ot").stops]
    assert starts == pytest.approx([10, 20 + 20 + 10 * math.sqrt(2)])


def test_two_people_waiting_for_each_other_cannot_be_scheduled():
    """Nurse does X then Y, OT does Y then X, both together: no timing exists."""
    problem = tiny_problem()
    together = problem.visit_by_id["V3"]
    x = replace(together, id="X", place=1)
    y = replace(together, id="Y", place=3)
    problem = replace(problem, visits=(x, y))
    crossed = {"nurse": [("X", 0), ("Y", 0)], "ot": [("Y", 1), ("X", 1)]}
    assert schedule(problem, crossed) is None
    aligned = {"nurse": [("X", 0), ("Y", 0)], "ot": [("X", 1), ("Y", 1)]}
    assert schedule(problem, aligned) is not None


def test_stopping_criteria_stop_when_they_should():
    """Iteration, runtime, no-improvement and combined criteria each end a run."""
    assert plan(tiny_problem(), MaxIterations(5), seed=1).iterations == 5
    assert plan(tiny_problem(), NoImprovement(10), seed=1).iterations >= 10
    assert plan(tiny_problem(), MaxRuntime(0.05), seed=1).runtime < 2
    both = MultipleCriteria([MaxIterations(3), MaxRuntime(10)])
    assert plan(tiny_problem(), both, seed=1).iterations == 3

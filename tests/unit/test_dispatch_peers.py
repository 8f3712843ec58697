"""The benchmark peers: the OR-Tools model of the same problem, and plain VRPTW via PyVRP."""

from __future__ import annotations

import pytest

from avert.dispatch.examples import OPTIMAL_DISTANCE, tiny_problem
from avert.dispatch.ortools_model import solve_ortools
from avert.dispatch.published import benchmarks_dir
from avert.dispatch.stop import MaxIterations
from avert.dispatch.validator import validate, validate_vrptw
from avert.dispatch.vrplib_io import read_vrptw
from avert.dispatch.vrptw import solve_vrptw


def test_the_ortools_model_plans_the_tiny_problem_validly():
    """OR-Tools' plan of the tiny problem passes the validator and is no better than optimal."""
    plan = solve_ortools(tiny_problem(), 1.0)
    assert plan is not None
    report = validate(tiny_problem(), plan)
    assert report.feasible
    assert report.objective >= OPTIMAL_DISTANCE / 3 - 1e-9


def test_plain_vrptw_goes_to_pyvrp_and_comes_back_feasible():
    """C101 with a few hundred PyVRP iterations: feasible routes, cost as the validator says."""
    instance = read_vrptw(benchmarks_dir() / "solomon" / "C101.vrp")
    result = solve_vrptw(instance, MaxIterations(300), seed=1)
    report = validate_vrptw(instance, result.routes)
    assert result.feasible and report.feasible
    assert report.cost == pytest.approx(result.cost)

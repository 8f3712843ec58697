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


# fmt: off
CASES = [
    # rule broken                               problem                                            plan                                                                                  expected
    ("nurse given the OT's visit (skill)",      tiny_problem(),                                    Plan((Route("nurse", (Assignment("V2", 0, 10, 20),)), good_plan().routes[1]._replace_first())) if False else None, None),
]
# fmt: on

"""The independent validator: does a plan keep every rule, and what does it cost?

Written apart from the planner (it shares only the problem model, never the planner's timing
code), so that a bug in one is caught by the other. It takes the plan's start and end times as
given and checks them (issue 4, part 4):

- every visit's tasks are planned once each (or the visit is listed as unplanned);
- the person has the task's skill and is not excluded from the visit;
- a two-person visit has two different people; simultaneous tasks start together; the second
  of a sequential pair starts within `[min_gap, max_gap]` of the first;
- nobody is in two places at once: each task starts no earlier than the previous one's end
  plus the travel between them, and lasts at least its duration;
- nothing starts before its window opens; each task lies inside one of the person's shift
  windows, the person leaves no earlier than their first shift starts and is back by the end
  of their last;
- pinned tasks are where and when they were pinned.

It recomputes the objective: distance (start place, the stops, end place; nothing for a person
with no stops), lateness per task (start after the window's end), total and maximum, weighted
by the problem's `Weights`. With the default weights that is Mankowska et al.'s objective, and
it reproduces the published best solutions' costs (tests/spec/test_dispatch_validator.py).

`validate_vrptw` does the same for VRPTW routes (capacity, hard windows, fleet size).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from avert.dispatch.model import Plan, Problem, SyncKind
from avert.dispatch.vrplib_io import VrptwInstance


TOLERANCE = 1e-6


class ViolationKind(StrEnum):
    UNKNOWN = "unknown"
    MISSING = "missing"
    DUPLICATE = "duplicate"
    UNPLANNED = "unplanned"
    SKILL = "skill"
    EXCLUDED = "excluded"
    SAME_PERSON = "same_person"
    SIMULTANEOUS = "simultaneous"
    SEQUENTIAL_GAP = "sequential_gap"
    OVERLAP = "overlap"
    DURATION = "duration"
    EARLY = "early"
    SHIFT = "shift"
    PIN = "pin"


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    message: str


@dataclass(frozen=True)
class Report:
    """What is wrong with a plan (nothing, if feasible) and its recomputed cost."""

    violations: tuple[Violation, ...]
    distance: float
    total_lateness: float
    max_lateness: float
    objective: float

    @property
    def feasible(self) -> bool:
        return not self.violations

    def kinds(self) -> set[ViolationKind]:
        return {v.kind for v in self.violations}


def validate(problem: Problem, plan: Plan, tolerance: float = TOLERANCE) -> Report:
    """Check every rule and recompute the cost of `plan` for `problem`."""
    tol = tolerance
    found: list[Violation] = []

    def bad(kind: ViolationKind, message: str) -> None:
        found.append(Violation(kind, message))

    staff = {s.id: s for s in problem.staff}
    visits = {v.id: v for v in problem.visits}
    minutes = problem.travel.minutes
    dist = problem.travel.distance
    done: dict[tuple[str, int], list[tuple[str, float, float]]] = defaultdict(list)

    distance = 0.0
    lateness: list[float] = []
    seen_staff: set[str] = set()
    for route in plan.routes:
        person = staff.get(route.staff_id)
        if person is None:
            bad(ViolationKind.UNKNOWN, f"route for unknown staff {route.staff_id}")
            continue
        if route.staff_id in seen_staff:
            bad(ViolationKind.DUPLICATE, f"{route.staff_id} has two routes")
        seen_staff.add(route.staff_id)
        if not route.stops:
            continue
        here = person.start_place
        clock = person.shifts[0].start
        for i, stop in enumerate(route.stops):
            visit = visits.get(stop.visit_id)
            if visit is None or not 0 <= stop.task < len(visit.tasks):
                bad(ViolationKind.UNKNOWN, f"{route.staff_id} visits unknown {stop.visit_id}")
                continue
            task = visit.tasks[stop.task]
            where = f"{route.staff_id} at {visit.id}/{stop.task}"
            done[(visit.id, stop.task)].append((person.id, stop.start, stop.end))
            if task.skill not in person.skills:
                bad(ViolationKind.SKILL, f"{where}: lacks skill {task.skill}")
            if person.id in visit.excluded_staff:
                bad(ViolationKind.EXCLUDED, f"{where}: excluded from this visit")
            if stop.end - stop.start < task.duration - tol:
                bad(ViolationKind.DURATION, f"{where}: shorter than the task's duration")
            if stop.start < visit.window.start - tol:
                bad(ViolationKind.EARLY, f"{where}: starts before the window opens")
            ready = clock + minutes[here][visit.place]
            if stop.start < ready - tol:
                kind = ViolationKind.SHIFT if i == 0 else ViolationKind.OVERLAP
                bad(kind, f"{where}: starts before the person can be there")
            if not any(
                w.start - tol <= stop.start and stop.end <= w.end + tol for w in person.shifts
            ):
                bad(ViolationKind.SHIFT, f"{where}: outside the person's shifts")
            distance += dist[here][visit.place]
            lateness.append(max(0.0, stop.start - visit.window.end))
            here = visit.place
            clock = stop.end
        distance += dist[here][person.end_place]
        if clock + minutes[here][person.end_place] > person.shifts[-1].end + tol:
            bad(ViolationKind.SHIFT, f"{route.staff_id}: back after the end of the last shift")

    unplanned = set(plan.unassigned)
    for visit_id in unplanned - set(visits):
        bad(ViolationKind.UNKNOWN, f"unplanned list names unknown visit {visit_id}")
    for visit in problem.visits:
        if visit.id in unplanned:
            bad(ViolationKind.UNPLANNED, f"{visit.id}: not planned")
            continue
        starts = []
        people = []
        for k in range(len(visit.tasks)):
            entries = done.get((visit.id, k), [])
            if not entries:
                bad(ViolationKind.MISSING, f"{visit.id}/{k}: nobody does this task")
                continue
            if len(entries) > 1:
                bad(ViolationKind.DUPLICATE, f"{visit.id}/{k}: done more than once")
            people.append(entries[0][0])
            starts.append(entries[0][1])
        if visit.sync is None or len(starts) != 2:
            continue
        if people[0] == people[1]:
            bad(ViolationKind.SAME_PERSON, f"{visit.id}: both tasks by {people[0]}")
        gap = starts[1] - starts[0]
        if visit.sync.kind is SyncKind.SIMULTANEOUS:
            if abs(gap) > tol:
                bad(ViolationKind.SIMULTANEOUS, f"{visit.id}: the two do not start together")
        elif not (visit.sync.min_gap - tol <= gap <= visit.sync.max_gap + tol):
            bad(ViolationKind.SEQUENTIAL_GAP, f"{visit.id}: second start outside the gap")

    for pin in problem.pins:
        entries = done.get((pin.visit_id, pin.task), [])
        if not any(who == pin.staff_id and abs(s - pin.start) <= tol for who, s, _ in entries):
            bad(ViolationKind.PIN, f"{pin.visit_id}/{pin.task}: pinned task moved")

    total = sum(lateness)
    worst = max(lateness, default=0.0)
    w = problem.weights
    objective = w.distance * distance + w.total_lateness * total + w.max_lateness * worst
    return Report(tuple(found), distance, total, worst, objective)


@dataclass(frozen=True)
class VrptwReport:
    """Violations of a VRPTW solution and its distance (DIMACS: tenths, truncated)."""

    violations: tuple[str, ...]
    cost: float

    @property
    def feasible(self) -> bool:
        return not self.violations


def validate_vrptw(instance: VrptwInstance, routes: list[list[int]]) -> VrptwReport:
    """Check capacity, hard time windows (waiting allowed), fleet size, every customer once."""
    problems: list[str] = []
    pts = instance.coords

    def tenths(a: int, b: int) -> int:
        return math.trunc(10 * math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]))

    used = [r for r in routes if r]
    if len(used) > instance.vehicles:
        problems.append(f"{len(used)} routes for {instance.vehicles} vehicles")
    seen: dict[int, int] = defaultdict(int)
    total = 0
    for k, route in enumerate(used, start=1):
        load = 0
        clock = 10 * instance.windows[0][0]
        here = 0
        for c in route:
            if not 0 < c < instance.size:
                problems.append(f"route {k}: unknown customer {c}")
                continue
            seen[c] += 1
            load += instance.demand[c]
            step = tenths(here, c)
            total += step
            clock = max(clock + step, 10 * instance.windows[c][0])
            if clock > 10 * instance.windows[c][1]:
                problems.append(f"route {k}: customer {c} served after its window")
            clock += 10 * instance.service[c]
            here = c
        step = tenths(here, 0)
        total += step
        if clock + step > 10 * instance.windows[0][1]:
            problems.append(f"route {k}: back at the depot after it closes")
        if load > instance.capacity:
            problems.append(f"route {k}: load {load} over capacity")
    for c in range(1, instance.size):
        if seen[c] != 1:
            problems.append(f"customer {c} visited {seen[c]} times")
    return VrptwReport(tuple(problems), total / 10)

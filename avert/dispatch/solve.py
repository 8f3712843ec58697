"""`plan(problem, stop, seed) -> Result`: the dispatch planner, in the shape of `pyvrp.solve`.

A large neighbourhood search (Shaw 1998; Ropke & Pisinger 2006) with simulated-annealing
acceptance: each iteration takes some visits out (`ruin`) and puts them back at their cheapest
places (`insertion`), timing every change exactly with the synchronisation-aware propagation
in `timing`. Why this and not a solver used as is, with the measurements: docs/dispatch.md.

Determinism: all randomness comes from `random.Random(seed)`, so with `MaxIterations` the plan
is a function of the problem and the seed. `initial` warm-starts from a plan (e.g. the running
day's, with its pins), which is how a live re-plan starts from a partial state.

The returned `Result` carries the plan, its cost, and the independent validator's report on it.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from avert.dispatch import ruin
from avert.dispatch.insertion import insert_visit
from avert.dispatch.model import Assignment, Plan, Problem, Route
from avert.dispatch.stop import StoppingCriterion, progress_of
from avert.dispatch.timing import (
    Compiled,
    State,
    cost,
    insert_task,
    lateness,
    remove_task,
    reschedule,
    route_distance,
)
from avert.dispatch.validator import Report, validate
from avert.domain.errors import ValidationError


@dataclass(frozen=True)
class Params:
    """Search settings: how many visits a ruin takes out, and the annealing temperatures
    (as fractions of the initial cost per visit).

    Small problems (up to `small` movable visits) get large ruins (up to half the visits) and
    a hot start, to escape deep local optima; large ones get ruins of at most `max_removed`
    visits (and at most a quarter of them) and a cooler search, because in a Python search they
    get far fewer iterations per second (measurements in docs/dispatch.md).
    """

    min_removed: int = 2
    max_removed: int = 30
    small: int = 60
    small_removed_share: float = 0.5
    small_start_temperature: float = 0.5
    small_end_temperature: float = 0.005
    large_removed_share: float = 0.25
    large_start_temperature: float = 0.2
    large_end_temperature: float = 0.002


@dataclass(frozen=True)
class Result:
    """The best plan found, its cost, the validator's report, and how the search went."""

    plan: Plan
    cost: float
    report: Report
    iterations: int
    runtime: float
    seed: int

    def is_feasible(self) -> bool:
        return self.report.feasible

    @property
    def violations(self) -> tuple[str, ...]:
        return tuple(v.message for v in self.report.violations)


def plan(
    problem: Problem,
    stop: StoppingCriterion,
    seed: int = 0,
    *,
    initial: Plan | None = None,
    params: Params = Params(),
) -> Result:
    """Plan the day: who does which visit, in what order, starting when."""
    began = time.perf_counter()
    rng = random.Random(seed)
    c = Compiled(problem)
    state = _start(c, initial, rng)
    near = ruin.neighbours(c)
    current, current_cost = state, cost(c, state)
    best, best_cost = current.copy(), current_cost
    movable = sum(1 for v in range(len(c.visit_tasks)) if not c.pinned_visit[v])
    per_visit = current_cost / max(1, movable) if current_cost < 1e5 else 1.0
    small = movable <= params.small
    t0 = per_visit * (params.small_start_temperature if small else params.large_start_temperature)
    t1 = per_visit * (params.small_end_temperature if small else params.large_end_temperature)
    cap = ruin_cap(c, params)
    iterations = 0
    while movable and not stop(best_cost):
        iterations += 1
        temperature = t0 * (t1 / t0) ** progress_of(stop) if t0 > 0 else 0.0
        candidate = current.copy()
        k = rng.randint(min(params.min_removed, cap), cap)
        operator = rng.choices(ruin.OPERATORS, ruin.WEIGHTS)[0]
        removed = operator(c, candidate, k, near, rng)
        _take_out(c, candidate, removed)
        _recreate(c, candidate, removed, rng)
        candidate_cost = cost(c, candidate)
        delta = candidate_cost - current_cost
        if delta < 0 or (temperature > 0 and rng.random() < math.exp(-delta / temperature)):
            current, current_cost = candidate, candidate_cost
            if current_cost < best_cost - 1e-9:
                best, best_cost = current.copy(), current_cost
    result_plan = to_plan(c, best)
    return Result(
        plan=result_plan,
        cost=best_cost,
        report=validate(problem, result_plan),
        iterations=iterations,
        runtime=time.perf_counter() - began,
        seed=seed,
    )


def ruin_cap(c: Compiled, params: Params = Params()) -> int:
    """The most visits one ruin takes out (see `Params`).

    On a large problem, a visit only one person can do moves only within that person's list,
    so the cap counts visits that can change hands: with few of those (a running day, where
    most visits are allocated), a ruin also takes out more of the others around them."""
    movable = sum(1 for v in range(len(c.visit_tasks)) if not c.pinned_visit[v])
    if movable <= params.small:
        return max(params.min_removed, int(movable * params.small_removed_share))
    free = sum(
        1
        for v, tasks in enumerate(c.visit_tasks)
        if not c.pinned_visit[v] and any(len(c.eligible[t]) > 1 for t in tasks)
    )
    scaled = params.max_removed * movable // max(1, free)
    return max(params.min_removed, min(scaled, int(movable * params.large_removed_share)))


def _start(c: Compiled, initial: Plan | None, rng: random.Random) -> State:
    state = State(c)
    _place_pins(c, state)
    if initial is not None:
        state = _load(c, state, initial)
    order = sorted(state.unassigned, key=lambda v: (c.ready[c.visit_tasks[v][0]], v))
    _recreate(c, state, order, rng, shuffle=False)
    return state


def _place_pins(c: Compiled, st: State) -> None:
    pinned = sorted((c.pinned_start[t], t) for t in range(c.n_tasks) if c.pinned_staff[t] >= 0)
    for _, t in pinned:
        r = c.pinned_staff[t]
        insert_task(st, t, r, len(st.routes[r]))
        st.npinned[r] += 1
    for v, tasks in enumerate(c.visit_tasks):
        if all(st.route_of[t] >= 0 for t in tasks):
            st.unassigned.discard(v)
    for r in range(c.n_staff):
        st.rdist[r] = route_distance(c, st, r)
    reschedule(c, st)


def _load(c: Compiled, pinned: State, initial: Plan) -> State:
    """Follow a given plan's sequences after the pins; if they cannot be timed, keep the pins."""
    visit_index = {v.id: i for i, v in enumerate(c.problem.visits)}
    st = pinned.copy()
    for route in initial.routes:
        r = c.staff_index.get(route.staff_id)
        if r is None:
            raise ValidationError("initial", "the plan names an unknown staff member")
        for stop in route.stops:
            v = visit_index.get(stop.visit_id)
            if v is None or not 0 <= stop.task < len(c.visit_tasks[v]):
                raise ValidationError("initial", "the plan names an unknown visit or task")
            t = c.visit_tasks[v][stop.task]
            if st.route_of[t] >= 0 or r not in c.eligible[t]:
                continue
            insert_task(st, t, r, len(st.routes[r]))
    for v, tasks in enumerate(c.visit_tasks):
        placed = [t for t in tasks if st.route_of[t] >= 0]
        if len(placed) == len(tasks):
            st.unassigned.discard(v)
    for v, tasks in enumerate(c.visit_tasks):
        if any(st.route_of[t] >= 0 for t in tasks) and v in st.unassigned:
            for t in tasks:
                if st.route_of[t] >= 0 and c.pinned_staff[t] < 0:
                    remove_task(st, t)
    if not reschedule(c, st):
        return pinned
    for r in range(c.n_staff):
        st.rdist[r] = route_distance(c, st, r)
    return st


def _take_out(c: Compiled, st: State, visits: list[int]) -> None:
    touched = set()
    for v in visits:
        for t in c.visit_tasks[v]:
            if st.route_of[t] >= 0:
                touched.add(remove_task(st, t))
        st.unassigned.add(v)
    for r in touched:
        st.rdist[r] = route_distance(c, st, r)
    reschedule(c, st, touched)


def _recreate(
    c: Compiled, st: State, visits: list[int], rng: random.Random, *, shuffle: bool = True
) -> None:
    order = list(visits)
    if shuffle:
        how = rng.random()
        if how < 0.4:
            rng.shuffle(order)
        elif how < 0.6:
            order.sort(key=lambda v: c.ready[c.visit_tasks[v][0]])
        elif how < 0.8:
            order.sort(key=lambda v: -len(c.visit_tasks[v]))
        else:
            order.sort(key=lambda v: c.due[c.visit_tasks[v][0]])
        # Visits only one person can do go back first (stably, so in the order just drawn):
        # placed after the others, they would find the best places in that person's list taken.
        # Where every visit has a choice of person, this changes nothing.
        eligible = c.eligible
        order.sort(key=lambda v: min(len(eligible[t]) for t in c.visit_tasks[v]) > 1)
    _, worst = lateness(c, st)
    for v in order:
        if v in st.unassigned:
            now = insert_visit(c, st, v, worst, rng)
            if now is not None:
                worst = now


def to_plan(c: Compiled, st: State) -> Plan:
    """The working state as a `Plan` of routes with start and end times."""
    problem = c.problem
    routes = []
    for r, person in enumerate(problem.staff):
        stops = tuple(
            Assignment(
                visit_id=problem.visits[c.task_visit[t]].id,
                task=c.task_index[t],
                start=st.start[t],
                end=st.start[t] + c.dur[t],
            )
            for t in st.routes[r]
        )
        routes.append(Route(person.id, stops))
    unassigned = tuple(problem.visits[v].id for v in sorted(st.unassigned))
    return Plan(tuple(routes), unassigned)


def schedule(problem: Problem, sequences: dict[str, list[tuple[str, int]]]) -> Plan | None:
    """Earliest start times for given sequences of (visit id, task) per staff id.

    Used to time plans that come from elsewhere (e.g. the OR-Tools peer). None if the sequences
    cannot be timed (a cycle of people waiting on each other, or a shift that cannot hold them).
    """
    c = Compiled(problem)
    st = State(c)
    visit_index = {v.id: i for i, v in enumerate(problem.visits)}
    for staff_id, seq in sequences.items():
        r = c.staff_index[staff_id]
        for visit_id, task in seq:
            insert_task(st, c.visit_tasks[visit_index[visit_id]][task], r, len(st.routes[r]))
    for v, tasks in enumerate(c.visit_tasks):
        if all(st.route_of[t] >= 0 for t in tasks):
            st.unassigned.discard(v)
    if not reschedule(c, st):
        return None
    return to_plan(c, st)

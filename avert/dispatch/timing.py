"""The planner's working state and its timing: given each person's sequence, when does each
task start?

A task starts at the earliest time allowed by: arriving from the previous stop, its window's
start, its shift, and its partner (simultaneous: same start; sequential: the second starts
`min_gap..max_gap` after the first). These are difference constraints whose right-hand sides
only grow, so the least solution of the system gives every task its earliest start; lateness
only grows with start times, so for fixed sequences that least solution is optimal. It is
found by label-correcting propagation from lower bounds. A positive cycle (two people each
waiting for the other, e.g. A does x then y while B does y' then x', x with x' and y with y'
simultaneous) makes starts grow without end: a step limit detects it and the change is refused.
After an insertion, a task pushed more than `MOVES_PER_TASK` times is taken as the sign of
such a cycle, which refuses it many times sooner than the step limit on large problems.

Inserting a task only adds constraints, so after an insertion the propagation starts from the
current starts and touches only what moves; removing tasks is followed by a full pass over the
routes that lost them and the routes tied to those by two-person visits (`linked`).

This module is the planner's own evaluation; `avert.dispatch.validator` checks plans with
separate code.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

from avert.dispatch.model import Problem, SyncKind


INF = math.inf
EPS = 1e-9
NONE, SIMULTANEOUS, FIRST, SECOND = 0, 1, 2, 3


class Compiled:
    """A problem flattened into lists indexed by task and by staff, for fast evaluation."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.M = [list(row) for row in problem.travel.minutes]
        self.D = [list(row) for row in problem.travel.distance]
        w = problem.weights
        self.wd, self.wt, self.wm = w.distance, w.total_lateness, w.max_lateness
        staff = problem.staff
        self.n_staff = len(staff)
        self.staff_index = {s.id: i for i, s in enumerate(staff)}
        self.start_place = [s.start_place for s in staff]
        self.end_place = [s.end_place for s in staff]
        self.shifts = [[(w.start, w.end) for w in s.shifts] for s in staff]
        self.depart = [s.shifts[0].start for s in staff]
        self.last_end = [s.shifts[-1].end for s in staff]
        self.open_shift = [len(s.shifts) == 1 and math.isinf(s.shifts[0].end) for s in staff]

        self.task_visit: list[int] = []
        self.task_index: list[int] = []
        self.visit_tasks: list[list[int]] = []
        self.visit_place: list[int] = []
        for v, visit in enumerate(problem.visits):
            ids = []
            for k in range(len(visit.tasks)):
                ids.append(len(self.task_visit))
                self.task_visit.append(v)
                self.task_index.append(k)
            self.visit_tasks.append(ids)
            self.visit_place.append(visit.place)
        n = len(self.task_visit)
        self.n_tasks = n
        visits = problem.visits
        self.place = [visits[self.task_visit[t]].place for t in range(n)]
        self.dur = [visits[self.task_visit[t]].tasks[self.task_index[t]].duration for t in range(n)]
        self.ready = [visits[self.task_visit[t]].window.start for t in range(n)]
        self.due = [visits[self.task_visit[t]].window.end for t in range(n)]
        self.partner = [-1] * n
        self.kind = [NONE] * n
        self.gmin = [0.0] * n
        self.gmax = [0.0] * n
        for v, visit in enumerate(visits):
            if visit.sync is None:
                continue
            a, b = self.visit_tasks[v]
            self.partner[a], self.partner[b] = b, a
            if visit.sync.kind is SyncKind.SIMULTANEOUS:
                self.kind[a] = self.kind[b] = SIMULTANEOUS
            else:
                self.kind[a], self.kind[b] = FIRST, SECOND
                self.gmin[a] = self.gmin[b] = visit.sync.min_gap
                self.gmax[a] = self.gmax[b] = visit.sync.max_gap
        self.eligible = [
            [
                i
                for i, person in enumerate(staff)
                if problem.can_do(person, visits[self.task_visit[t]], self.task_index[t])
            ]
            for t in range(n)
        ]
        self.pinned_staff = [-1] * n
        self.pinned_start = [0.0] * n
        for pin in problem.pins:
            v = next(i for i, visit in enumerate(visits) if visit.id == pin.visit_id)
            t = self.visit_tasks[v][pin.task]
            self.pinned_staff[t] = self.staff_index[pin.staff_id]
            self.pinned_start[t] = pin.start
        self.pinned_visit = [
            any(self.pinned_staff[t] >= 0 for t in ids) for ids in self.visit_tasks
        ]
        self.step_limit = 3 * n + 50
        self.paired = any(q >= 0 for q in self.partner)

    def fit(self, r: int, s: float, dur: float) -> float:
        """The earliest start at or after `s` at which the task fits in one of r's shifts."""
        if self.open_shift[r]:
            a = self.shifts[r][0][0]
            return s if s >= a else a
        for a, b in self.shifts[r]:
            if s < a:
                s = a
            if s + dur <= b + EPS:
                return s
        return INF


class State:
    """Sequences per person, the start of every assigned task, and the unplanned visits."""

    __slots__ = ("routes", "route_of", "pos_of", "start", "rdist", "unassigned", "npinned")

    def __init__(self, c: Compiled) -> None:
        self.routes: list[list[int]] = [[] for _ in range(c.n_staff)]
        self.route_of = [-1] * c.n_tasks
        self.pos_of = [-1] * c.n_tasks
        self.start = list(c.ready)
        self.rdist = [0.0] * c.n_staff
        self.unassigned: set[int] = set(range(len(c.visit_tasks)))
        self.npinned = [0] * c.n_staff

    def copy(self) -> State:
        other = State.__new__(State)
        other.routes = [list(r) for r in self.routes]
        other.route_of = list(self.route_of)
        other.pos_of = list(self.pos_of)
        other.start = list(self.start)
        other.rdist = list(self.rdist)
        other.unassigned = set(self.unassigned)
        other.npinned = list(self.npinned)
        return other


def route_distance(c: Compiled, st: State, r: int) -> float:
    route = st.routes[r]
    if not route:
        return 0.0
    D, place = c.D, c.place
    here = c.start_place[r]
    total = 0.0
    for t in route:
        total += D[here][place[t]]
        here = place[t]
    return total + D[here][c.end_place[r]]


def lateness(c: Compiled, st: State) -> tuple[float, float]:
    """Total and maximum lateness over the assigned tasks."""
    start, due = st.start, c.due
    total = worst = 0.0
    for route in st.routes:
        for t in route:
            late = start[t] - due[t]
            if late > 0:
                total += late
                if late > worst:
                    worst = late
    return total, worst


UNPLANNED_PENALTY = 1e6
# After an insertion, a task whose start is pushed more often than this is taken to be on a
# cycle of people waiting for each other: a cycle pushes each of its tasks once per turn, while
# an insertion without one settles after a few pushes per task (Bellman-Ford order).
MOVES_PER_TASK = 10


def cost(c: Compiled, st: State) -> float:
    total, worst = lateness(c, st)
    return (
        c.wd * sum(st.rdist) + c.wt * total + c.wm * worst + UNPLANNED_PENALTY * len(st.unassigned)
    )


def sync_bound(c: Compiled, st: State, t: int) -> float:
    """The lower bound the partner's current start puts on task t (or -inf)."""
    q = c.partner[t]
    if q < 0 or st.route_of[q] < 0:
        return -INF
    k = c.kind[t]
    if k == SIMULTANEOUS:
        return st.start[q]
    if k == FIRST:
        return st.start[q] - c.gmax[t]
    return st.start[q] + c.gmin[t]


def propagate(
    c: Compiled,
    st: State,
    seeds: list[tuple[int, int]],
    log: dict[int, float] | None,
    *,
    full: bool = False,
) -> bool:
    """Recompute starts from (route, position) seeds until nothing moves.

    Returns False if a task cannot fit in any shift, a route cannot get home before the end of
    the last shift, or the starts never settle (a cycle). Old starts are recorded in `log`.
    """
    M, place, dur, ready = c.M, c.place, c.dur, c.ready
    start, routes, route_of, pos_of = st.start, st.routes, st.route_of, st.pos_of
    partner, kind, gmin, gmax = c.partner, c.kind, c.gmin, c.gmax
    pinned_staff, pinned_start = c.pinned_staff, c.pinned_start
    queue = deque((r, p, full) for r, p in seeds)
    steps = 0
    limit = c.step_limit
    counts: dict[int, int] | None = None if full else {}
    while queue:
        r, p, forced = queue.popleft()
        route = routes[r]
        if p == 0:
            end, here = c.depart[r], c.start_place[r]
        else:
            q = route[p - 1]
            end, here = start[q] + dur[q], place[q]
        open_shift = c.open_shift[r]
        floor = c.shifts[r][0][0]
        settled = False
        for k in range(p, len(route)):
            t = route[k]
            if pinned_staff[t] >= 0:
                s = pinned_start[t]
            else:
                s = end + M[here][place[t]]
                if s < ready[t]:
                    s = ready[t]
                q = partner[t]
                if q >= 0 and route_of[q] >= 0:
                    kd = kind[t]
                    if kd == SIMULTANEOUS:
                        b = start[q]
                    elif kd == FIRST:
                        b = start[q] - gmax[t]
                    else:
                        b = start[q] + gmin[t]
                    if b > s:
                        s = b
                if open_shift:
                    if s < floor:
                        s = floor
                else:
                    s = c.fit(r, s, dur[t])
                    if s == INF:
                        return False
            old = start[t]
            if s != old:
                if log is not None and t not in log:
                    log[t] = old
                start[t] = s
                steps += 1
                if steps > limit:
                    return False
                if counts is not None:
                    n_moves = counts.get(t, 0) + 1
                    if n_moves > MOVES_PER_TASK:
                        return False
                    counts[t] = n_moves
                q = partner[t]
                if q >= 0 and route_of[q] >= 0:
                    kd = kind[t]
                    if kd == SIMULTANEOUS:
                        need = s
                    elif kd == FIRST:
                        need = s + gmin[q]
                    else:
                        need = s - gmax[q]
                    if need > start[q] and pinned_staff[q] < 0:
                        queue.append((route_of[q], pos_of[q], False))
            elif k > p and not forced:
                settled = True
                break
            end, here = s + dur[t], place[t]
        if not settled and route and not open_shift:
            if end + M[here][c.end_place[r]] > c.last_end[r] + EPS:
                return False
    return True


def linked(c: Compiled, st: State, routes: Iterable[int]) -> list[int]:
    """The given routes and every route tied to them by a two-person visit, directly or
    through others: the only routes whose starts can change when the given ones change."""
    partner, route_of, routes_of = c.partner, st.route_of, st.routes
    seen = set(routes)
    todo = list(seen)
    while todo:
        for t in routes_of[todo.pop()]:
            q = partner[t]
            if q >= 0:
                rq = route_of[q]
                if rq >= 0 and rq not in seen:
                    seen.add(rq)
                    todo.append(rq)
    return sorted(seen)


def reschedule(c: Compiled, st: State, routes: Iterable[int] | None = None) -> bool:
    """Recompute starts from scratch (after removals): of every route, or only of `routes`
    and the routes linked to them (`linked`); the others' starts cannot change."""
    start, ready = st.start, c.ready
    pinned_staff, pinned_start = c.pinned_staff, c.pinned_start
    seeds = []
    for r in range(c.n_staff) if routes is None else linked(c, st, routes):
        route = st.routes[r]
        for t in route:
            start[t] = pinned_start[t] if pinned_staff[t] >= 0 else ready[t]
        if route:
            seeds.append((r, 0))
    return propagate(c, st, seeds, None, full=True)


def insert_task(st: State, t: int, r: int, pos: int) -> None:
    route = st.routes[r]
    route.insert(pos, t)
    st.route_of[t] = r
    pos_of = st.pos_of
    for k in range(pos, len(route)):
        pos_of[route[k]] = k


def remove_task(st: State, t: int) -> int:
    r = st.route_of[t]
    route = st.routes[r]
    pos = st.pos_of[t]
    del route[pos]
    pos_of = st.pos_of
    for k in range(pos, len(route)):
        pos_of[route[k]] = k
    st.route_of[t] = -1
    st.pos_of[t] = -1
    return r

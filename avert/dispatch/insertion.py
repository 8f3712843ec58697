"""Cheapest insertion of one visit (one task, or a synchronised pair) into the working plan.

Every eligible (person, position) is priced by its extra distance; in order of that price,
the start time and the lateness it pushes down the person's route are estimated, stopping
once the extra distance alone costs more than the best estimate. A two-person visit pairs the
best few positions of each task with different people and couples their start times
(simultaneous: both at the later one; sequential: within the gap). The best estimate is then
applied exactly (`timing.propagate`, which also moves partners in other routes); if it makes
a cycle of people waiting on each other or breaks a shift, it is undone and the next is tried.
"""

from __future__ import annotations

import random

from avert.dispatch.timing import (
    FIRST,
    INF,
    SIMULTANEOUS,
    Compiled,
    State,
    insert_task,
    propagate,
    remove_task,
    route_distance,
    sync_bound,
)


PAIR_WIDTH = 8
PAIR_SCAN = 10_000
TRIES = 12
EXACT = 4


def _prev(c: Compiled, st: State, r: int, pos: int) -> tuple[float, int]:
    if pos == 0:
        return c.depart[r], c.start_place[r]
    q = st.routes[r][pos - 1]
    return st.start[q] + c.dur[q], c.place[q]


def _positions(c: Compiled, st: State, t: int) -> list[tuple[float, int, int]]:
    """(extra distance, person, position) for every place the task could go."""
    D, place = c.D, c.place
    x = place[t]
    out = []
    q = c.partner[t]
    taken = st.route_of[q] if q >= 0 else -1
    for r in c.eligible[t]:
        if r == taken:
            continue
        route = st.routes[r]
        n = len(route)
        first = st.npinned[r]
        a = c.start_place[r] if first == 0 else place[route[first - 1]]
        dx = D[a]
        if n == 0:
            out.append((dx[x] + D[x][c.end_place[r]], r, 0))
            continue
        for pos in range(first, n + 1):
            b = place[route[pos]] if pos < n else c.end_place[r]
            out.append((dx[x] + D[x][b] - dx[b], r, pos))
            dx = D[b]
    out.sort()
    return out


def _earliest(c: Compiled, st: State, t: int, r: int, pos: int) -> float:
    end, here = _prev(c, st, r, pos)
    s = end + c.M[here][c.place[t]]
    if s < c.ready[t]:
        s = c.ready[t]
    b = sync_bound(c, st, t)
    if b > s:
        s = b
    return c.fit(r, s, c.dur[t])


def _push(c: Compiled, st: State, t: int, r: int, pos: int, s: float) -> tuple[float, float]:
    """(extra lateness of the tasks after `pos`, their worst new lateness) if t starts at s."""
    route = st.routes[r]
    M, place, dur, due, start = c.M, c.place, c.dur, c.due, st.start
    e = s + dur[t]
    here = place[t]
    extra = 0.0
    worst = -INF
    open_shift = c.open_shift[r]
    for k in range(pos, len(route)):
        q = route[k]
        arr = e + M[here][place[q]]
        old = start[q]
        if arr <= old:
            return extra, worst
        if c.pinned_staff[q] >= 0:
            return INF, INF
        if open_shift:
            ns = arr
        else:
            ns = c.fit(r, arr, dur[q])
            if ns == INF:
                return INF, INF
        late_new = ns - due[q]
        late_old = old - due[q]
        extra += (late_new if late_new > 0 else 0.0) - (late_old if late_old > 0 else 0.0)
        if late_new > worst:
            worst = late_new
        e = ns + dur[q]
        here = place[q]
    if not open_shift and e + M[here][c.end_place[r]] > c.last_end[r]:
        return INF, INF
    return extra, worst


def _single(c: Compiled, st: State, t: int, cur_max: float) -> list[tuple[float, int, int]]:
    """Estimated (cost, person, position) for a one-person task, best first."""
    wd, wt, wm, due = c.wd, c.wt, c.wm, c.due[t]
    best = INF
    found = []
    for dd, r, pos in _positions(c, st, t):
        base = wd * dd
        if base >= best and len(found) >= TRIES:
            break
        s = _earliest(c, st, t, r, pos)
        if s == INF:
            continue
        extra, worst = _push(c, st, t, r, pos, s)
        if extra == INF:
            continue
        own = s - due
        est = base + wt * (extra + (own if own > 0 else 0.0))
        top = max(own, worst)
        if top > cur_max:
            est += wm * (top - cur_max)
        found.append((est, r, pos))
        if est < best:
            best = est
    found.sort()
    return found[:TRIES]


def _couple(c: Compiled, t1: int, r1: int, s1: float, t2: int, r2: int, s2: float):
    """Start times for the pair that respect their sync, or None."""
    fit = c.fit
    kind = c.kind[t1]
    for _ in range(6):
        if kind == SIMULTANEOUS:
            s = s1 if s1 > s2 else s2
            n1, n2 = fit(r1, s, c.dur[t1]), fit(r2, s, c.dur[t2])
            if n1 == INF or n2 == INF:
                return None
            if n1 == n2:
                return n1, n2
            s1, s2 = n1, n2
        else:
            first, second = (t1, t2) if kind == FIRST else (t2, t1)
            sf, ss = (s1, s2) if kind == FIRST else (s2, s1)
            rf, rs = (r1, r2) if kind == FIRST else (r2, r1)
            lo, hi = c.gmin[first], c.gmax[first]
            if ss < sf + lo:
                ss = fit(rs, sf + lo, c.dur[second])
            if ss == INF:
                return None
            if ss > sf + hi:
                sf = fit(rf, ss - hi, c.dur[first])
                if sf == INF:
                    return None
            if sf + lo <= ss + 1e-9 and ss <= sf + hi + 1e-9:
                return (sf, ss) if kind == FIRST else (ss, sf)
            s1, s2 = (sf, ss) if kind == FIRST else (ss, sf)
    return None


def _pair(c: Compiled, st: State, t1: int, t2: int, cur_max: float):
    """Estimated (cost, r1, pos1, r2, pos2) for a two-person visit, best first."""
    wd, wt, wm = c.wd, c.wt, c.wm
    options = []
    for t in (t1, t2):
        scored = []
        for dd, r, pos in _positions(c, st, t)[:PAIR_SCAN]:
            s = _earliest(c, st, t, r, pos)
            if s == INF:
                continue
            late = s - c.due[t]
            scored.append((wd * dd + wt * (late if late > 0 else 0.0), dd, r, pos, s))
        scored.sort()
        options.append(scored[:PAIR_WIDTH])
    found = []
    for _, dd1, r1, p1, s1 in options[0]:
        for _, dd2, r2, p2, s2 in options[1]:
            if r1 == r2:
                continue
            starts = _couple(c, t1, r1, s1, t2, r2, s2)
            if starts is None:
                continue
            a, b = starts
            x1, w1 = _push(c, st, t1, r1, p1, a)
            if x1 == INF:
                continue
            x2, w2 = _push(c, st, t2, r2, p2, b)
            if x2 == INF:
                continue
            la, lb = a - c.due[t1], b - c.due[t2]
            est = wd * (dd1 + dd2) + wt * (x1 + x2 + max(la, 0.0) + max(lb, 0.0))
            top = max(la, lb, w1, w2)
            if top > cur_max:
                est += wm * (top - cur_max)
            found.append((est, r1, p1, r2, p2))
    found.sort()
    return found[:TRIES]


def _try(
    c: Compiled, st: State, moves: list[tuple[int, int, int]], cur_max: float
) -> tuple[float, dict[int, float], float] | None:
    """Insert tasks at (task, person, position) and propagate exactly.

    Returns the exact change in cost and the log of old starts, or None (and undoes) if the
    change cannot be timed.
    """
    log: dict[int, float] = {}
    new = []
    old_dist = 0.0
    routes = set()
    for t, r, pos in moves:
        insert_task(st, t, r, pos)
        st.start[t] = c.ready[t]
        new.append(t)
        routes.add(r)
    seeds = [(st.route_of[t], st.pos_of[t]) for t in new]
    if not propagate(c, st, seeds, log):
        _undo(st, new, log)
        return None
    start, due = st.start, c.due
    extra = 0.0
    worst = cur_max
    for t in new:
        late = start[t] - due[t]
        if late > 0:
            extra += late
            if late > worst:
                worst = late
    for t, old in log.items():
        if t in new:
            continue
        late = start[t] - due[t]
        if late > 0:
            before = old - due[t]
            extra += late - (before if before > 0 else 0.0)
            if late > worst:
                worst = late
    dist = 0.0
    for r in routes:
        old_dist += st.rdist[r]
        dist += route_distance(c, st, r)
    delta = c.wd * (dist - old_dist) + c.wt * extra + c.wm * (worst - cur_max)
    return delta, log, worst


def _undo(st: State, new: list[int], log: dict[int, float]) -> None:
    for t, old in log.items():
        st.start[t] = old
    for t in reversed(new):
        remove_task(st, t)


def _best_exact(
    c: Compiled, st: State, options: list[list[tuple[int, int, int]]], cur_max: float
) -> float | None:
    """Price the options exactly (up to EXACT that work), keep the cheapest, and return the
    new maximum lateness (None if no option works)."""
    best = None
    tried = 0
    for moves in options:
        outcome = _try(c, st, moves, cur_max)
        if outcome is None:
            continue
        delta, log, worst = outcome
        _undo(st, [t for t, _, _ in moves], log)
        if best is None or delta < best[0]:
            best = (delta, moves, worst)
        tried += 1
        if tried >= EXACT:
            break
    if best is None:
        return None
    moves = best[1]
    _try(c, st, moves, cur_max)
    for r in {r for _, r, _ in moves}:
        st.rdist[r] = route_distance(c, st, r)
    return best[2]


def insert_visit(
    c: Compiled, st: State, v: int, cur_max: float, rng: random.Random
) -> float | None:
    """Insert visit v at its cheapest place that works and return the new maximum lateness;
    None (and the plan unchanged) if no place works."""
    tasks = [t for t in c.visit_tasks[v] if st.route_of[t] < 0]
    if len(tasks) == 1:
        t = tasks[0]
        options = [[(t, r, pos)] for _, r, pos in _single(c, st, t, cur_max)]
        worst = _best_exact(c, st, options, cur_max)
        if worst is None:
            q = c.partner[t]
            taken = st.route_of[q] if q >= 0 else -1
            ends = [[(t, r, len(st.routes[r]))] for r in c.eligible[t] if r != taken]
            rng.shuffle(ends)
            worst = _best_exact(c, st, ends, cur_max)
            if worst is None:
                return None
        st.unassigned.discard(v)
        return worst
    t1, t2 = tasks
    options = [[(t1, r1, p1), (t2, r2, p2)] for _, r1, p1, r2, p2 in _pair(c, st, t1, t2, cur_max)]
    worst = _best_exact(c, st, options, cur_max)
    if worst is None:
        # Appending both at the ends of two routes cannot make a cycle.
        ends = [
            [(t1, r1, len(st.routes[r1])), (t2, r2, len(st.routes[r2]))]
            for r1 in c.eligible[t1]
            for r2 in c.eligible[t2]
            if r1 != r2
        ]
        rng.shuffle(ends)
        worst = _best_exact(c, st, ends[:20], cur_max)
        if worst is None:
            return None
    st.unassigned.discard(v)
    return worst

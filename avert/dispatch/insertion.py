"""Cheapest insertion of one visit (one task, or a synchronised pair) into the working plan.

Every eligible (person, position) is priced by its extra distance; in order of that price,
the start time and the lateness it pushes down the person's route are estimated, stopping
once the extra distance alone costs more than the best estimate. A two-person visit pairs the
best few positions of each task (counting the lateness each pushes down its route) with
different people and couples their start times (simultaneous: both at the later one;
sequential: within the gap). The best few estimates are then applied exactly
(`timing.propagate`, which also moves partners in other routes) and the cheapest is kept; one
that makes a cycle of people waiting on each other or breaks a shift is undone and skipped.
Where no two-person visit can be reached, the estimate is exact and only the best is applied.
"""

from __future__ import annotations

import heapq
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
PAIR_PUSHES = 32
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


def _single(
    c: Compiled, st: State, t: int, cur_max: float, tries: int = TRIES
) -> list[tuple[float, int, int]]:
    """Estimated (cost, person, position) for a one-person task, the best `tries`, best first."""
    wd, wt, wm, due = c.wd, c.wt, c.wm, c.due[t]
    best = INF
    found = []
    for dd, r, pos in _positions(c, st, t):
        base = wd * dd
        if base >= best and len(found) >= tries:
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
    return found[:tries]


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


def _scan(c: Compiled, st: State, t: int) -> list[tuple[float, float, int, int, float]]:
    """The PAIR_PUSHES cheapest places for a task whose partner is not placed yet, each as
    (estimate, extra distance, person, position, earliest start), cheapest first. The estimate
    is the extra distance and the task's own lateness (`_positions` and `_earliest` in one walk
    along each route); the lateness it pushes down the route is added by `_pair`."""
    D, M, place, dur, start = c.D, c.M, c.place, c.dur, st.start
    x, ready, d, due = place[t], c.ready[t], dur[t], c.due[t]
    wd, wt = c.wd, c.wt
    Dx = D[x]
    fit = c.fit
    out = []
    for r in c.eligible[t]:
        route = st.routes[r]
        n = len(route)
        first = st.npinned[r]
        if first == 0:
            end, a = c.depart[r], c.start_place[r]
        else:
            q = route[first - 1]
            end, a = start[q] + dur[q], place[q]
        open_shift = c.open_shift[r]
        floor = c.shifts[r][0][0]
        for pos in range(first, n + 1):
            dx = D[a]
            if pos < n:
                q = route[pos]
                b = place[q]
                dd = dx[x] + Dx[b] - dx[b]
            else:
                q = -1
                b = c.end_place[r]
                dd = dx[x] + Dx[b] - (dx[b] if n else 0.0)
            s = end + M[a][x]
            if s < ready:
                s = ready
            if open_shift:
                if s < floor:
                    s = floor
            else:
                s = fit(r, s, d)
            if s != INF:
                late = s - due
                out.append((wd * dd + wt * (late if late > 0 else 0.0), dd, r, pos, s))
            if q >= 0:
                end, a = start[q] + dur[q], b
    return heapq.nsmallest(PAIR_PUSHES, out)


def _pair(c: Compiled, st: State, t1: int, t2: int, cur_max: float):
    """Estimated (cost, r1, pos1, r2, pos2) for a two-person visit, best first."""
    wd, wt, wm = c.wd, c.wt, c.wm
    options = []
    for t in (t1, t2):
        scored = _scan(c, st, t)
        # Add the lateness each position pushes down its route, in order of the cost without
        # it, until that cost alone exceeds the PAIR_WIDTH-th best: a place early in a busy
        # route looks cheap until the visits it delays are counted.
        kept: list[tuple[float, float, int, int, float]] = []  # a max-heap of the best
        bar = INF
        for base, dd, r, pos, s in scored:
            if base >= bar:
                break
            extra, _ = _push(c, st, t, r, pos, s)
            if extra == INF:
                continue
            item = (-(base + wt * extra), dd, r, pos, s)
            if len(kept) < PAIR_WIDTH:
                heapq.heappush(kept, item)
                if len(kept) == PAIR_WIDTH:
                    bar = -kept[0][0]
            elif item > kept[0]:
                heapq.heapreplace(kept, item)
                bar = -kept[0][0]
        options.append(sorted((-e, dd, r, pos, s) for e, dd, r, pos, s in kept))
    # Coupling only delays the two starts, and delay only adds lateness, so the sum of the two
    # options' own estimates bounds a combination's from below: combinations are priced in
    # order of that bound until it reaches the TRIES-th best estimate found.
    combos = sorted(
        (e1 + e2, i, j)
        for i, (e1, _, r1, _, _) in enumerate(options[0])
        for j, (e2, _, r2, _, _) in enumerate(options[1])
        if r1 != r2
    )
    found: list[tuple[float, int, int, int, int]] = []
    bar = INF
    pushed1: dict[tuple[int, int, float], tuple[float, float]] = {}
    pushed2: dict[tuple[int, int, float], tuple[float, float]] = {}
    for bound, i, j in combos:
        if bound > bar:
            break
        _, dd1, r1, p1, s1 = options[0][i]
        _, dd2, r2, p2, s2 = options[1][j]
        starts = _couple(c, t1, r1, s1, t2, r2, s2)
        if starts is None:
            continue
        a, b = starts
        key = (r1, p1, a)
        x1, w1 = pushed1.get(key) or pushed1.setdefault(key, _push(c, st, t1, r1, p1, a))
        if x1 == INF:
            continue
        key = (r2, p2, b)
        x2, w2 = pushed2.get(key) or pushed2.setdefault(key, _push(c, st, t2, r2, p2, b))
        if x2 == INF:
            continue
        la, lb = a - c.due[t1], b - c.due[t2]
        est = wd * (dd1 + dd2) + wt * (x1 + x2 + max(la, 0.0) + max(lb, 0.0))
        top = max(la, lb, w1, w2)
        if top > cur_max:
            est += wm * (top - cur_max)
        found.append((est, r1, p1, r2, p2))
        if len(found) >= TRIES:
            found.sort()
            del found[TRIES:]
            bar = found[-1][0]
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


def _estimates_are_exact(
    c: Compiled, st: State, t: int, options: list[list[tuple[int, int, int]]]
) -> bool:
    """True if the task and every task on the options' routes are one-person tasks: then
    nothing an insertion pushes reaches another route, and `_single`'s estimate (extra
    distance, own and pushed lateness, new maximum) is the exact change in cost."""
    partner = c.partner
    if partner[t] >= 0:
        return False
    seen = set()
    for (_, r, _), *_ in options:
        if r not in seen:
            seen.add(r)
            for q in st.routes[r]:
                if partner[q] >= 0:
                    return False
    return True


def _first_that_works(
    c: Compiled, st: State, options: list[list[tuple[int, int, int]]], cur_max: float
) -> float | None:
    """Apply the first option that can be timed and return the new maximum lateness."""
    for moves in options:
        outcome = _try(c, st, moves, cur_max)
        if outcome is not None:
            for r in {r for _, r, _ in moves}:
                st.rdist[r] = route_distance(c, st, r)
            return outcome[2]
    return None


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
        if not c.paired:
            # No two-person visits at all: every estimate is exact, so only the best is needed.
            options = [[(t, r, pos)] for _, r, pos in _single(c, st, t, cur_max, 1)]
            worst = _first_that_works(c, st, options, cur_max)
        else:
            options = [[(t, r, pos)] for _, r, pos in _single(c, st, t, cur_max)]
            if _estimates_are_exact(c, st, t, options):
                worst = _first_that_works(c, st, options, cur_max)
            else:
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

"""Ruin operators of the large neighbourhood search: which visits to take out and re-plan.

- `related`: a random visit and its nearest neighbours (Shaw 1998): visits close together are
  the ones whose exchange can shorten routes;
- `strings`: from a random visit, cut a short run of consecutive stops out of each of the
  nearby people's routes (the SISR idea of Christiaens & Vanden Berghe 2020);
- `late`: the latest visits, with a random bias towards the worst;
- `random`: any visits.

Pinned visits (started or done) are never taken out.
"""

from __future__ import annotations

import random

from avert.dispatch.timing import Compiled, State


def neighbours(c: Compiled) -> list[list[int]]:
    """For each visit, the other visits ordered by travel distance from it."""
    D, places = c.D, c.visit_place
    n = len(places)
    out = []
    for v in range(n):
        row = D[places[v]]
        far = [row[p] for p in places]
        # A stable sort of the indices: ties stay in index order.
        order = sorted(range(n), key=far.__getitem__)
        order.remove(v)
        out.append(order)
    return out


def _movable(c: Compiled, st: State, v: int) -> bool:
    return not c.pinned_visit[v] and v not in st.unassigned


def related(c: Compiled, st: State, k: int, near: list[list[int]], rng: random.Random) -> list[int]:
    candidates = [v for v in range(len(near)) if _movable(c, st, v)]
    if not candidates:
        return []
    seed = rng.choice(candidates)
    out = [seed]
    for w in near[seed]:
        if len(out) >= k:
            break
        if _movable(c, st, w) and rng.random() < 0.9:
            out.append(w)
    return out


def strings(c: Compiled, st: State, k: int, near: list[list[int]], rng: random.Random) -> list[int]:
    candidates = [v for v in range(len(near)) if _movable(c, st, v)]
    if not candidates:
        return []
    seed = rng.choice(candidates)
    chosen: set[int] = set()
    routes_done: set[int] = set()
    max_len = max(1, min(10, k // 2))
    for w in [seed, *near[seed]]:
        if len(chosen) >= k:
            break
        if not _movable(c, st, w):
            continue
        t = c.visit_tasks[w][0]
        r = st.route_of[t]
        if r < 0 or r in routes_done:
            continue
        routes_done.add(r)
        route = st.routes[r]
        length = rng.randint(1, max_len)
        first = max(st.npinned[r], st.pos_of[t] - rng.randint(0, length - 1))
        for q in route[first : first + length]:
            u = c.task_visit[q]
            if _movable(c, st, u):
                chosen.add(u)
    return sorted(chosen)


def late(c: Compiled, st: State, k: int, near: list[list[int]], rng: random.Random) -> list[int]:
    scored = []
    for v, tasks in enumerate(c.visit_tasks):
        if not _movable(c, st, v):
            continue
        late_by = max(st.start[t] - c.due[t] for t in tasks)
        scored.append((-late_by, v))
    scored.sort()
    order = [v for _, v in scored]
    out: list[int] = []
    while order and len(out) < k:
        i = int(len(order) * rng.random() ** 4)
        out.append(order.pop(i))
    return out


def random_visits(
    c: Compiled, st: State, k: int, near: list[list[int]], rng: random.Random
) -> list[int]:
    candidates = [v for v in range(len(near)) if _movable(c, st, v)]
    return rng.sample(candidates, min(k, len(candidates)))


OPERATORS = (related, strings, late, random_visits)
WEIGHTS = (0.35, 0.35, 0.15, 0.15)

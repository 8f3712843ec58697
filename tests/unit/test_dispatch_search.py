"""The planner's moving parts: a ruin operator, two-person insertion, and timing shortcuts."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from avert.dispatch import insertion, ruin, solve
from avert.dispatch.examples import tiny_problem
from avert.dispatch.hhcrsp import read_instance
from avert.dispatch.model import Problem, Staff, Sync, SyncKind, Task, TravelMatrix, Visit, Window
from avert.dispatch.published import benchmarks_dir
from avert.dispatch.stop import MaxIterations
from avert.dispatch.timing import (
    Compiled,
    State,
    insert_task,
    lateness,
    reschedule,
    route_distance,
)


def _routed(problem: Problem, routes: dict[str, list[str]]) -> tuple[Compiled, State]:
    """The problem's working state with the given visits (first task each) in these orders."""
    c = Compiled(problem)
    st = State(c)
    index = {v.id: i for i, v in enumerate(problem.visits)}
    for staff_id, visit_ids in routes.items():
        r = c.staff_index[staff_id]
        for visit_id in visit_ids:
            insert_task(st, c.visit_tasks[index[visit_id]][0], r, len(st.routes[r]))
            st.unassigned.discard(index[visit_id])
        st.rdist[r] = route_distance(c, st, r)
    assert reschedule(c, st)
    return c, st


def _line_problem(points: list[tuple[float, float]], visits: list[Visit], staff) -> Problem:
    """Straight-line travel between `points` (place 0 is the office)."""
    matrix = [[((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for b in points] for a in points]
    return Problem(tuple(staff), tuple(visits), TravelMatrix.square(matrix))


def test_related_visits_are_listed_nearest_first_and_ties_by_their_order():
    """V1 and V3 are both 10 from V2; V4 is 20 away: V2's neighbours are V1, V3, V4."""
    points = [(0, 0), (10, 0), (20, 0), (30, 0), (40, 0)]
    visits = [Visit(f"V{p}", p, Window(0, 1000), (Task("nursing", 5),)) for p in (1, 2, 3, 4)]
    problem = _line_problem(points, visits, [Staff("nurse", frozenset({"nursing"}))])
    near = ruin.neighbours(Compiled(problem))
    assert near[1] == [0, 2, 3]
    assert near[0] == [1, 2, 3]
    assert near[3] == [2, 1, 0]


def test_a_two_person_visit_is_not_put_where_it_would_make_a_full_day_late():
    """Ann and Ben each have ten tight visits on the spot where a two-person visit is. Putting
    the pair first in their lists costs no distance but makes all twenty visits late; Cat and
    Dan, free, are 1 km away. The pair goes to Cat and Dan."""
    points = [(0, 0), (1, 0)]
    x = frozenset({"x"})
    staff = [
        Staff("ann", x | {"a"}),
        Staff("ben", x | {"b"}),
        Staff("cat", x),
        Staff("dan", x),
    ]
    visits = [
        Visit(f"{who}{k}", 1, Window(1 + 10 * k, 1 + 10 * k + 5), (Task(who, 10),))
        for who in ("a", "b")
        for k in range(10)
    ]
    pair = Visit("P", 1, Window(0, 30), (Task("x", 60), Task("x", 60)), Sync(SyncKind.SIMULTANEOUS))
    problem = _line_problem(points, [*visits, pair], staff)
    c, st = _routed(
        problem,
        {"ann": [f"a{k}" for k in range(10)], "ben": [f"b{k}" for k in range(10)]},
    )
    v = len(visits)
    assert insertion.insert_visit(c, st, v, 0.0, random.Random(1)) is not None
    people = {c.problem.staff[st.route_of[t]].id for t in c.visit_tasks[v]}
    assert people == {"cat", "dan"}
    late, _ = lateness(c, st)
    assert late == 0


def test_timing_only_the_routes_linked_to_a_change_gives_the_full_timing():
    """After taking visits out, re-timing the touched routes and those tied to them by
    two-person visits gives every start a full re-timing gives."""
    problem = read_instance(
        benchmarks_dir() / "hhcrsp" / "mankowska2014" / "InstanzCPLEX_HCSRP_25_1.json"
    ).problem
    result = solve.plan(problem, MaxIterations(30), seed=2)
    c = Compiled(problem)
    rng = random.Random(5)
    for _ in range(20):
        st = solve._start(c, result.plan, rng)
        out = rng.sample([v for v in range(len(c.visit_tasks))], 3)
        solve._take_out(c, st, out)
        full = st.copy()
        assert reschedule(c, full)
        assert [st.start[t] for t in range(c.n_tasks) if st.route_of[t] >= 0] == pytest.approx(
            [full.start[t] for t in range(c.n_tasks) if full.route_of[t] >= 0]
        )


def test_an_insertion_that_makes_two_people_wait_for_each_other_is_refused():
    """Nurse does X then Y; putting the OT's part of Y before her part of X is refused."""
    problem = tiny_problem()
    together = problem.visit_by_id["V3"]
    problem = replace(
        problem, visits=(replace(together, id="X", place=1), replace(together, id="Y", place=3))
    )
    c = Compiled(problem)
    st = State(c)
    x, y = c.visit_tasks
    for t in (x[0], y[0]):
        insert_task(st, t, 0, len(st.routes[0]))
    insert_task(st, x[1], 1, 0)
    assert reschedule(c, st)
    before = list(st.start)
    assert insertion._try(c, st, [(y[1], 1, 0)], 0.0) is None
    assert st.routes[1] == [x[1]] and st.start == before
    assert insertion._try(c, st, [(y[1], 1, 1)], 0.0) is not None


def test_ruins_take_out_more_visits_when_most_visits_belong_to_one_person():
    """200 visits any of four people can do: ruins of at most 30. When 160 of them are
    allocated (only their person may do them), the cap scales to a quarter of the visits,
    because those visits can only move within their person's list."""
    staff = [Staff(f"s{i}", frozenset({"care"})) for i in range(4)]
    points = [(0, 0), *((i % 20, i // 20) for i in range(200))]
    free = [Visit(f"V{i}", i + 1, Window(0, 1000), (Task("care", 5),)) for i in range(200)]
    problem = _line_problem(points, free, staff)
    assert solve.ruin_cap(Compiled(problem)) == 30
    others = frozenset(s.id for s in staff[1:])
    allocated = [replace(v, excluded_staff=others) if i < 160 else v for i, v in enumerate(free)]
    assert solve.ruin_cap(Compiled(_line_problem(points, allocated, staff))) == 50
    small = _line_problem(points[:41], free[:40], staff)
    assert solve.ruin_cap(Compiled(small)) == 20


def test_visits_only_one_person_can_do_go_back_before_visits_with_a_choice(monkeypatch):
    """Whatever order a recreate draws, visits allocated to one person are put back first."""
    staff = [Staff(f"s{i}", frozenset({"care"})) for i in range(3)]
    points = [(0, 0), *((i, 0) for i in range(12))]
    visits = [Visit(f"V{i}", i + 1, Window(i, 1000), (Task("care", 5),)) for i in range(12)]
    others = frozenset({"s1", "s2"})
    visits = [replace(v, excluded_staff=others) if i % 3 == 0 else v for i, v in enumerate(visits)]
    c = Compiled(_line_problem(points, visits, staff))
    order: list[int] = []
    monkeypatch.setattr(solve, "insert_visit", lambda c, st, v, worst, rng: order.append(v))
    for seed in range(10):
        order.clear()
        solve._recreate(c, State(c), list(range(12)), random.Random(seed))
        assert sorted(order[:4]) == [0, 3, 6, 9]
        assert sorted(order[4:]) == [1, 2, 4, 5, 7, 8, 10, 11]

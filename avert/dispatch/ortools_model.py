"""The OR-Tools peer: the same dispatch problem as an OR-Tools routing model.

Used by the benchmark (and to decide which solver to build on, docs/dispatch.md). OR-Tools'
routing library expresses most of the problem natively:

- skills and exclusions: values removed from each task's vehicle variable (the
  `SetAllowedVehiclesForIndex` binding rejects Python lists in OR-Tools 9.15);
- soft deadlines: `SetCumulVarSoftUpperBound` on the time dimension (lateness cost per minute);
- simultaneous visits: equal time cumuls; sequential: `min_gap <= t2 - t1 <= max_gap`;
- two different people: `VehicleVar(a) != VehicleVar(b)`;
- pins: the task's vehicle and start fixed.

What it cannot express is the maximum-lateness term of the objective (a min-max over nodes);
the model leaves it out and the plan is scored with the full objective by the validator.
Shifts are modelled as one window from the first start to the last end. Times and distances
are scaled to integers (x1000, rounded up for travel and durations so the plan stays feasible
with the exact values). The sequences found are timed with the planner's earliest-start
scheduler, which can only lower their cost.
"""

from __future__ import annotations

import math
import time as _time

from avert.dispatch.model import Plan, Problem, SyncKind


SCALE = 1000
# Tried in turn until one finds a first solution (with synchronisation constraints the
# default strategies sometimes find none).
FIRST_SOLUTION_STRATEGIES = (
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "PATH_CHEAPEST_ARC",
)


def solve_ortools(problem: Problem, seconds: float) -> Plan | None:
    """Best plan OR-Tools finds within `seconds` (one thread), or None if it finds none."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    from avert.dispatch.solve import schedule

    staff = problem.staff
    travel_min, travel_dist = problem.travel.minutes, problem.travel.distance
    tasks = [(v, k) for v in problem.visits for k in range(len(v.tasks))]
    depot_places = sorted({s.start_place for s in staff} | {s.end_place for s in staff})
    depot_node = {place: i for i, place in enumerate(depot_places)}
    node_place = depot_places + [v.place for v, _ in tasks]
    node_dur = [0.0] * len(depot_places) + [v.tasks[k].duration for v, k in tasks]
    first = len(depot_places)
    manager = pywrapcp.RoutingIndexManager(
        len(node_place),
        len(staff),
        [depot_node[s.start_place] for s in staff],
        [depot_node[s.end_place] for s in staff],
    )
    routing = pywrapcp.RoutingModel(manager)

    def dist_cb(i: int, j: int) -> int:
        a, b = node_place[manager.IndexToNode(i)], node_place[manager.IndexToNode(j)]
        return round(travel_dist[a][b] * SCALE)

    def time_cb(i: int, j: int) -> int:
        ni, nj = manager.IndexToNode(i), manager.IndexToNode(j)
        return math.ceil((travel_min[node_place[ni]][node_place[nj]] + node_dur[ni]) * SCALE)

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(dist_cb))
    ends = [v.window.end for v in problem.visits if math.isfinite(v.window.end)]
    starts = [v.window.start for v in problem.visits]
    longest = max((max(row) for row in travel_min), default=0.0)
    horizon_min = max([*ends, *starts, 0.0]) + sum(node_dur) + len(tasks) * longest + 1
    shift_ends = [s.shifts[-1].end for s in staff if math.isfinite(s.shifts[-1].end)]
    horizon = math.ceil(max([horizon_min, *shift_ends]) * SCALE)
    routing.AddDimension(routing.RegisterTransitCallback(time_cb), horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    w = problem.weights
    late_cost = max(1, round(w.total_lateness / w.distance)) if w.distance else 1
    index_of = {}
    for n, (visit, k) in enumerate(tasks, start=first):
        index = manager.NodeToIndex(n)
        index_of[(visit.id, k)] = index
        time.CumulVar(index).SetRange(math.ceil(visit.window.start * SCALE), horizon)
        if math.isfinite(visit.window.end):
            time.SetCumulVarSoftUpperBound(index, math.floor(visit.window.end * SCALE), late_cost)
        barred = [i for i, s in enumerate(staff) if not problem.can_do(s, visit, k)]
        if barred:
            routing.VehicleVar(index).RemoveValues(barred)
    for i, s in enumerate(staff):
        time.CumulVar(routing.Start(i)).SetRange(math.ceil(s.shifts[0].start * SCALE), horizon)
        end = s.shifts[-1].end
        if math.isfinite(end):
            time.CumulVar(routing.End(i)).SetMax(math.floor(end * SCALE))
    solver = routing.solver()
    for visit in problem.visits:
        if visit.sync is None:
            continue
        a, b = index_of[(visit.id, 0)], index_of[(visit.id, 1)]
        solver.Add(routing.VehicleVar(a) != routing.VehicleVar(b))
        if visit.sync.kind is SyncKind.SIMULTANEOUS:
            solver.Add(time.CumulVar(a) == time.CumulVar(b))
        else:
            solver.Add(time.CumulVar(b) >= time.CumulVar(a) + math.ceil(visit.sync.min_gap * SCALE))
            solver.Add(
                time.CumulVar(b) <= time.CumulVar(a) + math.floor(visit.sync.max_gap * SCALE)
            )
    staff_index = {s.id: i for i, s in enumerate(staff)}
    for pin in problem.pins:
        index = index_of[(pin.visit_id, pin.task)]
        routing.VehicleVar(index).SetValue(staff_index[pin.staff_id])
        time.CumulVar(index).SetRange(round(pin.start * SCALE), round(pin.start * SCALE))

    strategy = routing_enums_pb2.FirstSolutionStrategy
    solution = None
    deadline = _time.perf_counter() + seconds
    for first_strategy in FIRST_SOLUTION_STRATEGIES:
        left = deadline - _time.perf_counter()
        if left <= 0.01:
            break
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(strategy, first_strategy)
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(max(1, int(left * 1000)))
        solution = routing.SolveWithParameters(params)
        if solution is not None:
            break
    if solution is None:
        return None
    sequences: dict[str, list[tuple[str, int]]] = {}
    for i, s in enumerate(staff):
        seq = []
        index = solution.Value(routing.NextVar(routing.Start(i)))
        while not routing.IsEnd(index):
            visit, k = tasks[manager.IndexToNode(index) - first]
            seq.append((visit.id, k))
            index = solution.Value(routing.NextVar(index))
        sequences[s.id] = seq
    return schedule(problem, sequences)

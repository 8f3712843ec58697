"""Plain VRPTW (capacities, hard time windows, no skills or synchronisation): PyVRP as is.

When nothing in the problem needs Avert's own search (no synchronised double visits, no
skills, no soft deadlines), the planner hands it to PyVRP, the strongest solver measured for
it (docs/dispatch.md), with distances in integer tenths (the DIMACS convention).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from avert.dispatch.stop import StoppingCriterion
from avert.dispatch.vrplib_io import VrptwInstance


@dataclass(frozen=True)
class VrptwResult:
    routes: list[list[int]]
    cost: float
    feasible: bool
    iterations: int
    runtime: float


def problem_data(instance: VrptwInstance):
    """The instance as PyVRP `ProblemData` (distances and times in tenths)."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    matrix = np.asarray(instance.tenths(), dtype=np.int64)
    locations = [Location(x=x, y=y) for x, y in instance.coords]
    e0, l0 = instance.windows[0]
    depots = [Depot(location=0, tw_early=10 * e0, tw_late=10 * l0)]
    clients = [
        Client(
            location=i,
            delivery=[instance.demand[i]],
            service_duration=10 * instance.service[i],
            tw_early=10 * instance.windows[i][0],
            tw_late=10 * instance.windows[i][1],
        )
        for i in range(1, instance.size)
    ]
    vehicles = [
        VehicleType(
            num_available=instance.vehicles,
            capacity=[instance.capacity],
            tw_early=10 * e0,
            tw_late=10 * l0,
        )
    ]
    return ProblemData(locations, clients, depots, vehicles, [matrix], [matrix])


def solve_vrptw(instance: VrptwInstance, stop: StoppingCriterion, seed: int = 0) -> VrptwResult:
    """Solve with PyVRP; routes as customer numbers (depot 0), cost in the file's units."""
    import pyvrp

    began = time.perf_counter()
    data = problem_data(instance)
    result = pyvrp.solve(data, stop=stop, seed=seed, display=False)
    best = result.best
    clients = data.clients()
    routes = [
        [int(clients[a.idx].location) for a in route if a.is_client()] for route in best.routes()
    ]
    return VrptwResult(
        routes=routes,
        cost=best.distance() / 10,
        feasible=best.is_feasible(),
        iterations=result.num_iterations,
        runtime=time.perf_counter() - began,
    )

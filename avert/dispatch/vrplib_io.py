"""VRPLIB: read capacitated VRP with time windows instances, write and read `.sol` files.

Instances are read with the `vrplib` package (NODE_COORD, DEMAND, TIME_WINDOW, SERVICE_TIME,
VEHICLES, CAPACITY, DEPOT). Distances and travel times follow the scoring convention of the
Solomon best-known values (DIMACS): Euclidean distance truncated to one decimal, held here as
integers in tenths (`tenths[i][j] = trunc(10 * euclid)`), so costs add up exactly.
Time-window bounds and service times are truncated to whole units.

Solutions: one `Route #k: c1 c2 ...` line per non-empty route (customers numbered as in the
file with the depot as 0), then `Cost <total distance>`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from avert.domain.errors import ValidationError


@dataclass(frozen=True)
class VrptwInstance:
    """A VRPTW instance; node 0 is the depot, distances in integer tenths."""

    name: str
    coords: tuple[tuple[float, float], ...]
    demand: tuple[int, ...]
    capacity: int
    vehicles: int
    windows: tuple[tuple[int, int], ...]
    service: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.coords)
        if n < 2:
            raise ValidationError("instance", "needs a depot and at least one customer")
        for name in ("demand", "windows", "service"):
            if len(getattr(self, name)) != n:
                raise ValidationError(name, "needs one entry per node")
        if self.capacity <= 0 or self.vehicles <= 0:
            raise ValidationError("instance", "capacity and vehicles must be positive")
        for early, late in self.windows:
            if late < early:
                raise ValidationError("time_window", "a window ends before it starts")

    @property
    def size(self) -> int:
        return len(self.coords)

    def tenths(self) -> list[list[int]]:
        """Distance (= travel time) in tenths, truncated: the DIMACS convention."""
        pts = self.coords
        return [[math.trunc(10 * math.hypot(a[0] - b[0], a[1] - b[1])) for b in pts] for a in pts]


def read_vrptw(path: Path) -> VrptwInstance:
    """Read a VRPLIB CVRPTW instance."""
    import vrplib

    try:
        data = vrplib.read_instance(str(path))
    except Exception as error:  # vrplib raises many kinds of errors on a malformed file
        raise ValidationError(
            "instance", f"not a readable VRPLIB file ({type(error).__name__})"
        ) from None
    for key in ("node_coord", "demand", "time_window", "capacity"):
        if key not in data:
            raise ValidationError("instance", f"missing {key.upper()} section")
    coords = tuple((float(x), float(y)) for x, y in data["node_coord"])
    n = len(coords)
    depots = [int(d) for d in data.get("depot", [0])]
    if depots != [0]:
        raise ValidationError("depot", "only a single depot at node 1 is supported")
    service = data.get("service_time", 0)
    services = (
        tuple(math.trunc(float(service)) for _ in range(n))
        if isinstance(service, int | float)
        else tuple(math.trunc(float(s)) for s in service)
    )
    services = (0, *services[1:])
    return VrptwInstance(
        name=str(data.get("name", Path(path).stem)),
        coords=coords,
        demand=tuple(int(d) for d in data["demand"]),
        capacity=int(data["capacity"]),
        vehicles=int(data.get("vehicles", n - 1)),
        windows=tuple((math.trunc(float(a)), math.trunc(float(b))) for a, b in data["time_window"]),
        service=services,
    )


def format_solution(routes: list[list[int]], cost: float) -> str:
    lines = [
        f"Route #{k}: " + " ".join(str(c) for c in route)
        for k, route in enumerate((r for r in routes if r), start=1)
    ]
    return "\n".join([*lines, f"Cost {cost:.1f}"]) + "\n"


def write_solution(path: Path, routes: list[list[int]], cost: float) -> None:
    Path(path).write_text(format_solution(routes, cost))


def read_solution(path: Path) -> tuple[list[list[int]], float | None]:
    """Routes (customer numbers, depot 0) and the stated cost, if any."""
    routes: list[list[int]] = []
    stated = None
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line.lower().startswith("route"):
            _, _, rest = line.partition(":")
            try:
                routes.append([int(x) for x in rest.split()])
            except ValueError:
                raise ValidationError(
                    "solution", "a route lists something other than customers"
                ) from None
        elif line.lower().startswith("cost"):
            try:
                stated = float(line.split()[1])
            except (IndexError, ValueError):
                raise ValidationError("solution", "the Cost line has no number") from None
    return routes, stated

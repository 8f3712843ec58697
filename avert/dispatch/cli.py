"""`avert plan hhcrsp|vrptw`: plan a published benchmark instance and write it in its format.

Each function reads the instance (bad files raise `ValidationError`, which the command line
prints and exits 12), plans within the time budget, checks the plan with the independent
validator, writes it, prints one summary line and returns 0 if the plan is feasible, 1 if not.
"""

from __future__ import annotations

from pathlib import Path

from avert.dispatch import hhcrsp, vrplib_io
from avert.dispatch.solve import plan
from avert.dispatch.stop import MaxRuntime
from avert.dispatch.validator import validate_vrptw
from avert.dispatch.vrptw import solve_vrptw
from avert.domain.errors import ValidationError


def _budget(seconds: float) -> MaxRuntime:
    if not seconds > 0:
        raise ValidationError("seconds", "the time budget must be positive")
    return MaxRuntime(seconds)


def plan_hhcrsp(instance: Path, *, seconds: float, seed: int, out: Path) -> int:
    """Plan a Mankowska/Ceschia JSON instance; write the plan in the published JSON shape."""
    stop = _budget(seconds)
    problem = hhcrsp.read_instance(instance)
    result = plan(problem.problem, stop, seed)
    hhcrsp.write_solution(out, result.plan, problem)
    report = result.report
    print(
        f"{problem.name}: cost {report.objective:.3f} (distance {report.distance:.3f}, "
        f"total lateness {report.total_lateness:.3f}, max lateness {report.max_lateness:.3f}), "
        f"{'feasible' if report.feasible else 'NOT feasible'}, {result.iterations} iterations"
    )
    for violation in report.violations[:10]:
        print(f"  {violation.kind}: {violation.message}")
    return 0 if report.feasible else 1


def plan_vrptw(instance: Path, *, seconds: float, seed: int, out: Path) -> int:
    """Plan a VRPLIB VRPTW instance; write a VRPLIB `.sol` file."""
    stop = _budget(seconds)
    problem = vrplib_io.read_vrptw(instance)
    result = solve_vrptw(problem, stop, seed)
    report = validate_vrptw(problem, result.routes)
    vrplib_io.write_solution(out, result.routes, report.cost)
    routes = sum(1 for r in result.routes if r)
    print(
        f"{problem.name}: cost {report.cost:.1f}, {routes} routes, "
        f"{'feasible' if report.feasible else 'NOT feasible'}"
    )
    for violation in report.violations[:10]:
        print(f"  {violation}")
    return 0 if report.feasible else 1

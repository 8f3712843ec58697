"""`avert bench dispatch`: the planner against published results and against its peers.

1. Solomon VRPTW (56 instances, 2 s each): Avert's VRPTW path and plain PyVRP (read with
   PyVRP's own reader, DIMACS rounding) at the same budget; every plan checked by the
   validator; total cost ratio and mean gap to the best-known values.
2. Mankowska HHCRSP (70 instances; 5 s for families A-B, 30 s for C-E, 60 s for F-G): Avert's
   planner and the OR-Tools model at the same budget; every plan checked by the validator; mean
   gap to the 2024 best per family group; total cost ratio to OR-Tools.

All peers run one after the other in this process, one thread each. `--quick` runs a small
subset with shorter budgets (a smoke test: its figures are not comparable with the goals).
Results go to `OUT/dispatch.json`; the summary is printed.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from avert.dispatch import hhcrsp
from avert.dispatch.ortools_model import solve_ortools
from avert.dispatch.published import benchmarks_dir, mankowska_best, solomon_best
from avert.dispatch.solve import plan
from avert.dispatch.stop import MaxRuntime
from avert.dispatch.validator import validate, validate_vrptw
from avert.dispatch.vrplib_io import read_vrptw
from avert.dispatch.vrptw import solve_vrptw


SOLOMON_SECONDS = 2.0
HHCRSP_SECONDS = {"A": 5.0, "B": 5.0, "C": 30.0, "D": 30.0, "E": 30.0, "F": 60.0, "G": 60.0}
GROUPS = {"A-B": "AB", "C-E": "CDE", "F-G": "FG"}
GOALS = {
    "solomon_cost_ratio_to_pyvrp": 1.02,
    "solomon_mean_gap_pct": 1.5,
    "hhcrsp_mean_gap_pct": {"A-B": 1.0, "C-E": 5.0, "F-G": 10.0},
    "hhcrsp_cost_ratio_to_ortools": 0.90,
}
QUICK_SOLOMON = ("C101", "R101", "RC101", "R201")
QUICK_HHCRSP = {"A1": 5.0, "B1": 5.0, "C1": 10.0}
SEED = 1


def _gap(cost: float, best: float) -> float:
    return 100.0 * (cost - best) / best


def solomon(root: Path, names: Sequence[str], seconds: float) -> dict:
    """Avert's VRPTW path and plain PyVRP on the named Solomon instances."""
    import pyvrp
    from pyvrp.stop import MaxRuntime as PyvrpMaxRuntime

    best = solomon_best(root)
    rows = []
    for name in names:
        path = root / "solomon" / f"{name}.vrp"
        instance = read_vrptw(path)
        ours = solve_vrptw(instance, MaxRuntime(seconds), SEED)
        ours_report = validate_vrptw(instance, ours.routes)
        data = pyvrp.read(path, round_func="dimacs")
        peer = pyvrp.solve(data, stop=PyvrpMaxRuntime(seconds), seed=SEED, display=False)
        clients = data.clients()
        peer_routes = [
            [int(clients[a.idx].location) for a in route if a.is_client()]
            for route in peer.best.routes()
        ]
        peer_report = validate_vrptw(instance, peer_routes)
        rows.append(
            {
                "instance": name,
                "best_known": best[name],
                "avert_cost": ours_report.cost,
                "avert_feasible": ours_report.feasible,
                "avert_gap_pct": round(_gap(ours_report.cost, best[name]), 3),
                "pyvrp_cost": peer_report.cost,
                "pyvrp_feasible": peer_report.feasible,
                "pyvrp_gap_pct": round(_gap(peer_report.cost, best[name]), 3),
            }
        )
        print(
            f"  {name}: avert {ours_report.cost:.1f} pyvrp {peer_report.cost:.1f} "
            f"best {best[name]:.1f}",
            flush=True,
        )
    ours_total = sum(r["avert_cost"] for r in rows)
    peer_total = sum(r["pyvrp_cost"] for r in rows)
    return {
        "seconds_per_instance": seconds,
        "instances": len(rows),
        "all_feasible": all(r["avert_feasible"] for r in rows),
        "avert_total_cost": round(ours_total, 1),
        "pyvrp_total_cost": round(peer_total, 1),
        "cost_ratio_to_pyvrp": round(ours_total / peer_total, 4),
        "avert_mean_gap_pct": round(statistics.fmean(r["avert_gap_pct"] for r in rows), 3),
        "avert_median_gap_pct": round(statistics.median(r["avert_gap_pct"] for r in rows), 3),
        "pyvrp_mean_gap_pct": round(statistics.fmean(r["pyvrp_gap_pct"] for r in rows), 3),
        "rows": rows,
    }


def mankowska(root: Path, budgets: dict[str, float]) -> dict:
    """Avert's planner and the OR-Tools model on the named instances (name -> seconds)."""
    published = {row.name: row for row in mankowska_best(root)}
    rows = []
    for name, seconds in budgets.items():
        row = published[name]
        instance = hhcrsp.read_instance(root / "hhcrsp" / "mankowska2014" / row.instance)
        result = plan(instance.problem, MaxRuntime(seconds), SEED)
        ours = result.report
        began = time.perf_counter()
        peer_plan = solve_ortools(instance.problem, seconds)
        peer_seconds = time.perf_counter() - began
        peer = validate(instance.problem, peer_plan) if peer_plan is not None else None
        rows.append(
            {
                "instance": name,
                "family": row.family,
                "seconds": seconds,
                "best_2024": row.total_cost,
                "avert_cost": round(ours.objective, 3),
                "avert_valid": ours.feasible,
                "avert_gap_pct": round(_gap(ours.objective, row.total_cost), 3),
                "avert_iterations": result.iterations,
                "ortools_cost": round(peer.objective, 3) if peer else None,
                "ortools_valid": peer.feasible if peer else False,
                "ortools_gap_pct": round(_gap(peer.objective, row.total_cost), 3) if peer else None,
                "ortools_seconds": round(peer_seconds, 2),
            }
        )
        print(
            f"  {name} ({seconds:.0f} s): avert {ours.objective:.2f} "
            f"ortools {peer.objective if peer else float('nan'):.2f} best {row.total_cost}",
            flush=True,
        )
    groups = {}
    for group, families in GROUPS.items():
        chosen = [r for r in rows if r["family"] in families]
        if chosen:
            groups[group] = {
                "instances": len(chosen),
                "avert_mean_gap_pct": round(
                    statistics.fmean(r["avert_gap_pct"] for r in chosen), 3
                ),
                "avert_median_gap_pct": round(
                    statistics.median(r["avert_gap_pct"] for r in chosen), 3
                ),
            }
    both = [r for r in rows if r["ortools_cost"] is not None]
    ours_total = sum(r["avert_cost"] for r in both)
    peer_total = sum(r["ortools_cost"] for r in both)
    return {
        "instances": len(rows),
        "all_valid": all(r["avert_valid"] for r in rows),
        "groups": groups,
        "ortools_found_plans": len(both),
        "ortools_all_valid": all(r["ortools_valid"] for r in both),
        "avert_total_cost_where_both": round(ours_total, 3),
        "ortools_total_cost_where_both": round(peer_total, 3),
        "cost_ratio_to_ortools": round(ours_total / peer_total, 4) if peer_total else None,
        "rows": rows,
    }


def full_budgets(root: Path, families: str = "ABCDEFG") -> dict[str, float]:
    names = [row.name for row in mankowska_best(root) if row.family in families]
    names.sort(key=lambda n: (n[0], int(n[1:])))
    return {name: HHCRSP_SECONDS[name[0]] for name in names}


def run(
    out: Path, *, quick: bool = False, families: str = "ABCDEFG", solomon_all: bool = True
) -> int:
    root = benchmarks_dir()
    results: dict = {
        "suite": "dispatch",
        "quick": quick,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "seed": SEED,
        "goals": GOALS,
    }
    names = (
        QUICK_SOLOMON
        if quick
        else sorted(p.stem for p in (root / "solomon").glob("*.vrp"))
        if solomon_all
        else ()
    )
    if names:
        print(f"Solomon VRPTW, {len(names)} instances at {SOLOMON_SECONDS:.0f} s", flush=True)
        results["solomon"] = solomon(root, names, SOLOMON_SECONDS)
    budgets = QUICK_HHCRSP if quick else full_budgets(root, families)
    if budgets:
        print(f"Mankowska HHCRSP, {len(budgets)} instances", flush=True)
        results["hhcrsp"] = mankowska(root, budgets)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out.mkdir(parents=True, exist_ok=True)
    (out / "dispatch.json").write_text(json.dumps(results, indent=2) + "\n")
    if "solomon" in results:
        s = results["solomon"]
        print(
            f"Solomon: {s['instances']} instances, all feasible: {s['all_feasible']}, "
            f"cost ratio to PyVRP {s['cost_ratio_to_pyvrp']} (goal <= 1.02), "
            f"mean gap {s['avert_mean_gap_pct']} % (goal <= 1.5 %)"
        )
    if "hhcrsp" in results:
        h = results["hhcrsp"]
        print(
            f"Mankowska: {h['instances']} instances, all valid: {h['all_valid']}, "
            f"cost ratio to OR-Tools {h['cost_ratio_to_ortools']} (goal <= 0.90; OR-Tools "
            f"found {h['ortools_found_plans']} plans)"
        )
        for group, g in h["groups"].items():
            goal = GOALS["hhcrsp_mean_gap_pct"][group]
            print(f"  {group}: mean gap {g['avert_mean_gap_pct']} % (goal <= {goal} %)")
    print(f"written to {out / 'dispatch.json'}")
    return 0


if __name__ == "__main__":  # a partial full run: python -m avert.bench.dispatch OUT FAMILIES
    sys.exit(
        run(
            Path(sys.argv[1]),
            families=sys.argv[2] if len(sys.argv) > 2 else "ABCDEFG",
            solomon_all=len(sys.argv) <= 3 or sys.argv[3] != "no-solomon",
        )
    )

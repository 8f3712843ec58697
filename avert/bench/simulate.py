"""`avert bench simulate`: the simulator's benchmark (issue 4, part 5).

(a) **Policy.** The synthetic area (the default 50,000 people, and an ICS of 4 million, about
100,000 referrals a year) simulated for a day and for a year under Avert's dispatch policy and
two "nearest free skilled clinician" baselines on the same demand (common random numbers): the
locality one (`nearest_free`: the referral's own team, as a coordinator without a shared view
works) and a service-wide one (`nearest_free_service_wide`: a 2-hour referral goes to the
nearest free skilled person of any team, as Avert's policy may send it). Plus a busy week
(400,000 people, 80 % of day-time shifts booked with planned caseload) as a sensitivity case.
Reported: the share of 2-hour referrals seen within 2 hours for each, the difference in
percentage points with its paired 95 % interval, and travel (km per visit and per day). Goal: at
least 5 points better at equal or lower travel.

(b) **Speed.** A year of the ICS (about 100,000 referrals) with Avert's policy, replications
spread over both cores; the wall time of `SPEED_REPLICATIONS` replications is measured and scaled
to 100 (replications are independent and equal in size, so the time is linear in their number).
Goal: 100 replications in at most 3 minutes. Measured for the full model and for referrals only
(without the planned caseload, docs/simulation.md), with a profile of one shorter replication
saying where the time goes.

Results go to `bench-results/simulate.json`. `--quick` shortens everything to check it runs.
Partial runs: `python -m avert.bench.simulate OUT policy` (or `speed`).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from avert.sim.area import caseload_rate, referrals_per_year, synthetic_service
from avert.sim.engine import simulate
from avert.sim.model import AVERT, NEAREST_FREE, NEAREST_FREE_SERVICE_WIDE, Service
from avert.sim.whatif import compare_policies, replicate, workers_default


GOAL_POINTS = 5.0
GOAL_SECONDS_FOR_100 = 180.0
ICS_POPULATION = 4_000_000
AREA_POPULATION = 50_000
SPEED_REPLICATIONS = 2
BUSY_POPULATION = 400_000
BUSY_CASELOAD = 0.8
"""A sensitivity case, not the goal's configuration: 80 % of day-time shift booked with planned
caseload (the calibrated default is 65 %, `area.CASELOAD_SHARE`), so that staff are busy most of
the day."""


def _policy_case(service: Service, days: float, replications: int, workers: int) -> dict:
    started = time.perf_counter()
    avert, compared = compare_policies(
        service, AVERT, seed=1, days=days, replications=replications, workers=workers,
        baselines=(NEAREST_FREE, NEAREST_FREE_SERVICE_WIDE),
    )  # fmt: skip

    def figures(result) -> dict:
        return {
            k: result.summary[k].to_json()
            for k in ("crisis_met", "km_per_visit", "km_per_day", "utilisation", "crisis_wait_p90")
        }

    def versus(diff) -> dict:
        points, km = diff["crisis_met"], diff["km_per_visit"]
        return {
            "difference": {
                k: diff[k].to_json() for k in ("crisis_met", "km_per_visit", "km_per_day")
            },
            "goal_met": bool(
                points.mean is not None
                and points.mean >= GOAL_POINTS
                and km.mean is not None
                and km.mean <= 0
            ),
        }

    case = {
        "population": service.population,
        "days": days,
        "replications": replications,
        "avert": figures(avert),
    }
    for base, diff in compared:
        case[base.policy] = figures(base) | versus(diff)
    case["seconds"] = round(time.perf_counter() - started, 1)
    return case


def _speed(service: Service, days: float, replications: int, workers: int) -> dict:
    started = time.perf_counter()
    runs = replicate(service, AVERT, seed=1, days=days, replications=replications, workers=workers)
    wall = time.perf_counter() - started
    per_100 = wall * 100 / replications
    return {
        "days": days,
        "replications_run": replications,
        "workers": workers,
        "wall_seconds": round(wall, 1),
        "seconds_per_replication_per_core": round(wall * workers / replications, 1),
        "estimated_seconds_for_100": round(per_100, 0),
        "referrals_per_replication": round(runs[0][0]["referrals_per_day"] * days),
        "goal_seconds_for_100": GOAL_SECONDS_FOR_100,
        "goal_met": per_100 <= GOAL_SECONDS_FOR_100,
    }


def _profile(service: Service, days: float) -> dict:
    """Where one replication spends its time: the functions with the most time of their own."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    outcome = simulate(service, AVERT, seed=1, days=days)
    profiler.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(row[2] for row in stats.stats.values()) or 1.0
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:10]
    return {
        "days": days,
        "wall_seconds": round(wall, 2),
        "events": {
            "referral_and_follow_up_visits_due": sum(
                n for k, n in outcome.arrivals.items() if k != "planned"
            ),
            "planned_caseload_visits_due": outcome.arrivals.get("planned", 0),
            "visits_made": outcome.visits,
        },
        "own_time": [
            {
                "function": f"{Path(file).name}:{line}({name})",
                "share": round(row[2] / total, 3),
                "calls": row[1],
            }
            for (file, line, name), row in top
        ],
    }


def run(out: Path, *, quick: bool = False, parts: tuple[str, ...] = ("policy", "speed")) -> int:
    workers = workers_default()
    year = 7 if quick else 365
    results: dict = {
        "suite": "simulate",
        "quick": quick,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "goal_points": GOAL_POINTS,
    }
    area = synthetic_service(population=AREA_POPULATION, seed=1)
    ics = synthetic_service(population=ICS_POPULATION, seed=1)
    results["ics_referrals_per_year"] = referrals_per_year(ICS_POPULATION)
    big = synthetic_service(population=BUSY_POPULATION, seed=1)
    busy = replace(big, caseload_rate=caseload_rate(big.staff, len(big.teams), BUSY_CASELOAD))
    if "policy" in parts:
        results["policy"] = {
            "area_day": _policy_case(area, 1, 20 if quick else 200, workers),
            "area_year": _policy_case(area, year, 2 if quick else 20, workers),
            "ics_day": _policy_case(ics, 1, 2 if quick else 20, workers),
            "busy_week": _policy_case(busy, 7, 2 if quick else 10, workers),
        }
    if "speed" in parts:
        referrals_only = replace(ics, caseload_rate=())
        results["speed"] = {
            "full_model": _speed(ics, year, SPEED_REPLICATIONS, workers),
            "referrals_only": _speed(referrals_only, year, SPEED_REPLICATIONS, workers),
        }
        results["profile"] = {
            "full_model": _profile(ics, 2 if quick else 14),
            "referrals_only": _profile(referrals_only, 2 if quick else 14),
        }
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out.mkdir(parents=True, exist_ok=True)
    path = out / ("simulate.json" if len(parts) == 2 else f"simulate-{'-'.join(parts)}.json")
    path.write_text(json.dumps(results, indent=2) + "\n")
    for name, case in results.get("policy", {}).items():
        for baseline in (NEAREST_FREE.name, NEAREST_FREE_SERVICE_WIDE.name):
            d = case[baseline]["difference"]["crisis_met"]
            low, high = d["low"], d["high"]
            span = f" ({low:+.1f} to {high:+.1f})" if low is not None and high is not None else ""
            print(
                f"{name}: 2-hour met {case['avert']['crisis_met']['mean']:.1f} % (Avert) vs "
                f"{case[baseline]['crisis_met']['mean']:.1f} % ({baseline}): "
                f"{d['mean']:+.1f} points{span}; km per visit "
                f"{case['avert']['km_per_visit']['mean']:.2f} vs "
                f"{case[baseline]['km_per_visit']['mean']:.2f} "
                f"(goal +{GOAL_POINTS:g} points at equal or lower travel: "
                f"{'met' if case[baseline]['goal_met'] else 'missed'})"
            )
    for name, speed in results.get("speed", {}).items():
        print(
            f"speed, {name}: {speed['replications_run']} x {speed['days']} days in "
            f"{speed['wall_seconds']} s on {speed['workers']} processes; 100 replications "
            f"~{speed['estimated_seconds_for_100']:.0f} s (goal {GOAL_SECONDS_FOR_100:.0f} s: "
            f"{'met' if speed['goal_met'] else 'missed'})"
        )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":  # partial runs: python -m avert.bench.simulate OUT policy|speed
    sys.exit(run(Path(sys.argv[1]), parts=tuple(sys.argv[2:]) or ("policy", "speed")))

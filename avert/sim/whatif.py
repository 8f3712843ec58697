"""What-if scenarios, replications in parallel, and comparisons on common random numbers.

A scenario changes the baseline `Service` and nothing else; every replication r of every
scenario and policy draws its referrals from the same random stream (seed, r), so differences
between scenarios come from the change, not from different demand. Differences are therefore
estimated pair by pair (`stats.paired`), which gives much narrower intervals than comparing two
independent means.

Scenarios:
- `baseline`: the service as rostered;
- `paramedic-16-20`: one more paramedic in each team, 16:00-20:00 every day, at the team's base;
- `24-7`: every team open round the clock, taking its own 2-hour referrals at night, with night
  posts in the day teams in proportion to the 24/7 team's night cover per referral;
- `demand+20` and `demand-20`: referrals x1.2 and x0.8 (the planned caseload stays as it is).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from avert.domain.errors import ValidationError
from avert.sim.engine import simulate
from avert.sim.model import (
    MINUTES_PER_DAY,
    NEAREST_FREE,
    Policy,
    Service,
    StaffSpec,
)
from avert.sim.stats import METRICS, Estimate, by_hour, measure, met_by_hour, paired, summarise


PARAMEDIC_SKILLS = frozenset({"falls", "wound_care", "manual_handling"})
"""What every paramedic of the synthetic area can do (avert/synth/workforce.py)."""
NIGHT = (20 * 60.0, 32 * 60.0)


def _team_base(service: Service, team: int) -> tuple[float, float]:
    members = [s for s in service.staff if s.team == team] or list(service.staff)
    return (
        sum(s.x for s in members) / len(members),
        sum(s.y for s in members) / len(members),
    )


def add_paramedic(service: Service) -> Service:
    """One more paramedic in each team, 16:00-20:00 every day."""
    extra = tuple(
        StaffSpec(
            f"WHATIF-PARAMEDIC-{i + 1}",
            i,
            "paramedic",
            PARAMEDIC_SKILLS,
            *_team_base(service, i),
            tuple(
                (d * MINUTES_PER_DAY + 16 * 60.0, d * MINUTES_PER_DAY + 20 * 60.0) for d in range(7)
            ),
        )
        for i in range(len(service.teams))
    )
    return replace(service, staff=service.staff + extra, name=service.name + ", +paramedic 16-20")


def extend_24_7(service: Service) -> Service:
    """Every team open 24/7, with night posts like the 24/7 team's, in proportion to demand."""
    night_team = next((i for i, t in enumerate(service.teams) if t.always_open), None)
    if night_team is None:
        raise ValidationError("scenario", "24-7 needs a team that is already open at night")
    sleepers = [
        s
        for s in service.staff
        if s.team == night_team
        and s.shifts
        and any(a % MINUTES_PER_DAY == NIGHT[0] for a, _ in s.shifts)
    ]
    nights = sum(
        1 for s in sleepers for a, _ in (s.shifts or ()) if a % MINUTES_PER_DAY == NIGHT[0]
    )
    weight = [0.0] * len(service.teams)
    for site in service.sites:
        weight[site.team] += site.weight
    extra: list[StaffSpec] = []
    for i, team in enumerate(service.teams):
        if team.always_open or not sleepers:
            continue
        posts = max(1, math.ceil(nights / 7 * weight[i] / weight[night_team]))
        x, y = _team_base(service, i)
        for k in range(posts):
            model = sleepers[k % len(sleepers)]
            extra.append(
                StaffSpec(
                    f"WHATIF-NIGHT-{i + 1}-{k + 1}",
                    i,
                    model.role,
                    model.skills,
                    x,
                    y,
                    tuple(
                        (d * MINUTES_PER_DAY + NIGHT[0], d * MINUTES_PER_DAY + NIGHT[1])
                        for d in range(7)
                    ),
                )
            )
    teams = tuple(replace(t, always_open=True) for t in service.teams)
    return replace(
        service, teams=teams, staff=service.staff + tuple(extra), name=service.name + ", 24/7"
    )


def scale_demand(factor: float) -> Callable[[Service], Service]:
    def change(service: Service) -> Service:
        return replace(
            service,
            demand_scale=service.demand_scale * factor,
            name=f"{service.name}, demand x{factor:g}",
        )

    return change


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    label: str
    change: Callable[[Service], Service]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("baseline", "As rostered", lambda service: service),
        Scenario("paramedic-16-20", "Add a paramedic 16:00-20:00 in each team", add_paramedic),
        Scenario("24-7", "Every team open 24/7", extend_24_7),
        Scenario("demand+20", "Demand up 20 %", scale_demand(1.2)),
        Scenario("demand-20", "Demand down 20 %", scale_demand(0.8)),
    )
}


def scenario(name: str) -> Scenario:
    if name not in SCENARIOS:
        raise ValidationError("scenario", f"must be one of {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


# --- running replications -----------------------------------------------------------------


def _one(task: tuple) -> tuple[dict, list[tuple[int, int]]]:
    service, policy, seed, replication, days, warmup = task
    outcome = simulate(
        service, policy, seed=seed, replication=replication, days=days, warmup_days=warmup
    )
    return measure(outcome, days), by_hour(outcome)


def workers_default() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def replicate(
    service: Service,
    policy: Policy,
    *,
    seed: int,
    days: float,
    replications: int,
    workers: int = 1,
    warmup_days: float = 0.0,
) -> list[tuple[dict, list[tuple[int, int]]]]:
    """Run replications 0..n-1 (in `workers` processes) and return each one's figures."""
    tasks = [(service, policy, seed, r, days, warmup_days) for r in range(replications)]
    if workers <= 1 or replications <= 1:
        return [_one(t) for t in tasks]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_one, tasks, chunksize=max(1, replications // (4 * workers))))


@dataclass(frozen=True)
class Result:
    """One scenario under one policy over its replications."""

    scenario: str
    label: str
    policy: str
    rows: tuple[dict, ...]
    summary: dict[str, Estimate]
    by_hour: tuple[float | None, ...]
    versus_baseline: dict[str, Estimate] | None

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "label": self.label,
            "policy": self.policy,
            "replications": len(self.rows),
            "metrics": {k: e.to_json() for k, e in self.summary.items()},
            "crisis_met_by_hour": list(self.by_hour),
            "difference_from_baseline": (
                {k: e.to_json() for k, e in self.versus_baseline.items()}
                if self.versus_baseline is not None
                else None
            ),
        }


def _versus(rows: Sequence[dict], base_rows: Sequence[dict]) -> dict[str, Estimate]:
    """Paired differences, replication by replication, of every metric from a baseline's."""
    return {m.key: paired([r[m.key] for r in rows], [b[m.key] for b in base_rows]) for m in METRICS}


def _result(name: str, label: str, policy: Policy, runs, base_rows=None) -> Result:
    rows = tuple(row for row, _ in runs)
    versus = None if base_rows is None else _versus(rows, base_rows)
    return Result(
        name,
        label,
        policy.name,
        rows,
        summarise(rows),
        tuple(met_by_hour([h for _, h in runs])),
        versus,
    )


def compare(
    service: Service,
    names: Sequence[str],
    policy: Policy,
    *,
    seed: int,
    days: float,
    replications: int,
    workers: int = 1,
) -> list[Result]:
    """The baseline and each named scenario, with differences from the baseline."""
    chosen = [scenario(n) for n in names if n != "baseline"]
    base_runs = replicate(
        service, policy, seed=seed, days=days, replications=replications, workers=workers
    )
    results = [_result("baseline", SCENARIOS["baseline"].label, policy, base_runs)]
    base_rows = results[0].rows
    for s in chosen:
        runs = replicate(
            s.change(service), policy, seed=seed, days=days, replications=replications,
            workers=workers,
        )  # fmt: skip
        results.append(_result(s.name, s.label, policy, runs, base_rows))
    return results


def compare_policies(
    service: Service,
    policy: Policy,
    *,
    seed: int,
    days: float,
    replications: int,
    workers: int = 1,
    baselines: Sequence[Policy] = (NEAREST_FREE,),
) -> tuple[Result, list[tuple[Result, dict[str, Estimate]]]]:
    """`policy` and each baseline dispatcher on the same demand: the policy's result, and each
    baseline's with the paired differences of the policy from it."""

    def run(p: Policy):
        return replicate(
            service, p, seed=seed, days=days, replications=replications, workers=workers
        )

    own = _result("baseline", "Avert's dispatch policy", policy, run(policy))
    compared = []
    for baseline in baselines:
        base = _result("baseline", "Nearest free skilled clinician", baseline, run(baseline))
        compared.append((base, _versus(own.rows, base.rows)))
    return own, compared

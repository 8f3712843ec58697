"""`avert simulate`: simulate the synthetic area's service, print a table and charts, write JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from avert.domain.errors import ValidationError
from avert.sim.area import referrals_per_year, synthetic_service
from avert.sim.model import POLICIES
from avert.sim.report import text_report, to_json
from avert.sim.whatif import SCENARIOS, compare, workers_default


MAX_DAYS = 366
MAX_REPLICATIONS = 1000


def _whole(field: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise ValidationError(field, f"must be a whole number from {lo:,} to {hi:,}")


def simulate_command(
    *,
    days: int,
    replications: int,
    seed: int,
    scenarios: Sequence[str],
    population: int,
    policy: str,
    out: Path | None,
    workers: int | None = None,
    echo=print,
) -> int:
    """Run the baseline and the named what-ifs; print the report; write JSON to `out`."""
    _whole("days", days, 1, MAX_DAYS)
    _whole("replications", replications, 1, MAX_REPLICATIONS)
    if policy not in POLICIES:
        raise ValidationError("policy", f"must be one of {', '.join(POLICIES)}")
    for name in scenarios:
        if name not in SCENARIOS:
            raise ValidationError("scenario", f"must be one of {', '.join(SCENARIOS)}")
    service = synthetic_service(population=population, seed=seed)
    started = time.perf_counter()
    results = compare(
        service,
        list(dict.fromkeys(scenarios)),
        POLICIES[policy],
        seed=seed,
        days=days,
        replications=replications,
        workers=workers or workers_default(),
    )
    seconds = time.perf_counter() - started
    title = (
        f"Simulated {service.name}: {days} day(s) x {replications} replication(s), "
        f"policy {policy}; about {referrals_per_year(population):,.0f} referrals a year "
        f"({seconds:.1f} s)"
    )
    echo(text_report(title, results))
    if out is not None:
        meta = {
            "population": population,
            "seed": seed,
            "days": days,
            "replications": replications,
            "policy": policy,
            "seconds": round(seconds, 3),
        }
        try:
            out.write_text(json.dumps(to_json(meta, results), indent=2) + "\n")
        except OSError as error:
            reason = error.strerror or "an error"
            raise ValidationError("out", f"cannot write the results file: {reason}") from None
        echo(f"\nResults written to {out}")
    return 0

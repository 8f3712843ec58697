"""`avert bench fhir`: latency of FHIR reads on a large synthetic area.

The largest area the 999 test range can number (909,091 people, `avert.synth.MAX_POPULATION`;
50,000 with --quick) is generated and loaded into SQLite, served by a real `avert serve` process,
and two requests are timed over many different people (drawn with a fixed seed):

- `GET /fhir/Patient/{id}` (a primary-key read);
- `GET /fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|NNN` (the unique NHS number
  index).

p50, p95 and p99 go to `bench-results/fhir.json`; the goal is p95 under 50 ms (issue 5).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import func, select

from avert.bench.intake import Server, _prepare, coordinator_headers, percentile
from avert.fhir import systems
from avert.store.db import Database
from avert.store.schema import Person
from avert.synth import MAX_POPULATION


GOAL_P95_MS = 50


def _sample(url: str, count: int, seed: int) -> list[tuple[int, str]]:
    """`count` people (id, NHS number) spread over the whole table."""
    database = Database.from_url(url)
    try:
        with database.reading() as session:
            low, high = session.execute(select(func.min(Person.id), func.max(Person.id))).one()
            chosen = random.Random(seed).sample(range(low, high + 1), min(count, high - low + 1))
            rows = session.execute(
                select(Person.id, Person.nhs_number).where(
                    Person.id.in_(chosen), Person.nhs_number.is_not(None)
                )
            ).all()
    finally:
        database.dispose()
    return [(r.id, r.nhs_number) for r in rows]


def _timed(base: str, paths: list[str]) -> dict:
    auth = coordinator_headers(base)
    timings = []
    with httpx.Client(base_url=base, timeout=30, headers=auth) as http:
        for path in paths[:20]:  # warm-up
            http.get(path).raise_for_status()
        for path in paths:
            started = time.perf_counter()
            response = http.get(path)
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
    return {
        "requests": len(paths),
        "p50_ms": round(percentile(timings, 50) * 1000, 2),
        "p95_ms": round(percentile(timings, 95) * 1000, 2),
        "p99_ms": round(percentile(timings, 99) * 1000, 2),
        "max_ms": round(max(timings) * 1000, 2),
    }


def run(out: Path, *, quick: bool = False) -> int:
    population = 50_000 if quick else MAX_POPULATION
    requests = 300 if quick else 2_000
    results: dict = {
        "suite": "fhir",
        "quick": quick,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "engine": "sqlite",
    }
    with tempfile.TemporaryDirectory(prefix="avert-bench-") as scratch:
        url = f"sqlite:///{scratch}/fhir.db"
        results["area"] = _prepare(url, population, history_days=30, open_referrals=None)
        people = _sample(url, requests, seed=11)
        server = Server(url)
        try:
            results["patient_read"] = _timed(
                server.base, [f"/fhir/Patient/{pid}" for pid, _ in people]
            )
            results["patient_by_nhs_number"] = _timed(
                server.base,
                [
                    f"/fhir/Patient?identifier={quote(systems.NHS_NUMBER + '|' + nhs, safe='')}"
                    for _, nhs in people
                ],
            )
        finally:
            server.stop()
    worst = max(results["patient_read"]["p95_ms"], results["patient_by_nhs_number"]["p95_ms"])
    results["goal_p95_ms"] = GOAL_P95_MS
    results["goal_met"] = worst <= GOAL_P95_MS
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "fhir.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    people_count = results["area"]["population"]
    for name in ("patient_read", "patient_by_nhs_number"):
        r = results[name]
        print(
            f"{name} ({people_count:,} people): p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms "
            f"(goal p95 {GOAL_P95_MS} ms)"
        )
    print(f"results: {path}")
    return 0

"""`avert bench intake`: referrals accepted per second over the API, and the queue's latency.

1. Throughput: a real `avert serve` on SQLite (one process, as SQLite is served) and on
   PostgreSQL (one process, then one per core: `--workers`, as docs/operations.md recommends),
   eight client threads posting distinct referrals (each with its own Idempotency-Key) for a
   fixed time; three runs, the median reported with latency percentiles. Every 2xx is a
   committed referral.
2. Queue: the largest area the 999 test range can number (909,091 people: one nine-digit stem
   in eleven has no valid check digit) with a year of referral history and 10,000 open
   referrals, loaded into SQLite; the queue page and API each requested repeatedly; p50 and p95.

Results go to `bench-results/intake.json`. Numbers from this shared machine are noisy: read the
medians, and compare runs made on the same machine in the same job.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from avert.bench.pgserver import PostgresServer, create_database, free_port
from avert.config import Settings
from avert.domain.access import Role
from avert.security.sessions import create_client, create_user
from avert.services.area import load_area
from avert.store import migrate
from avert.store.db import Database
from avert.synth import MAX_POPULATION, generate_area


GOAL_REFERRALS_PER_SECOND = 200
GOAL_QUEUE_P95_MS = 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Server:
    """`avert serve` in its own process, so the clients do not share its interpreter."""

    def __init__(self, database_url: str, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "AVERT_DATABASE_URL": database_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "avert", "serve", "--port", str(self.port)]
            + ["--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the benchmark server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _prepare(url: str, population: int, *, history_days: int, open_referrals: int | None) -> dict:
    database = Database.from_url(url)
    migrate.upgrade(database)
    started = time.perf_counter()
    area = generate_area(
        seed=7,
        population=population,
        now=datetime.now(UTC),
        history_days=history_days,
        open_referrals=open_referrals,
    )
    generated = time.perf_counter()
    report = load_area(database, Settings(database_url=url), area)
    loaded = time.perf_counter()
    create_user(
        database,
        user_id="bench-coordinator",
        display_name="Bench Coordinator",
        role=Role.COORDINATOR,
        organisation="RT5",
        password=BENCH_SECRET,
        now=datetime.now(UTC),
    )
    create_client(
        database,
        client_id="bench-client",
        name="Benchmark referrer",
        organisation="RYC",
        secret=BENCH_SECRET,
        scopes=["referral:create", "referral:read"],
    )
    database.dispose()
    return {
        "population": report.people,
        "referrals": report.referrals,
        "open_referrals": report.open_referrals,
        "events": report.events,
        "generate_seconds": round(generated - started, 2),
        "load_seconds": round(loaded - generated, 2),
    }


BENCH_SECRET = "benchmark only, never a real secret"


def coordinator_headers(base: str) -> dict[str, str]:
    """Sign in as the benchmark's coordinator; the session cookie sent by hand (it is Secure)."""
    response = httpx.post(
        f"{base}/login", data={"username": "bench-coordinator", "password": BENCH_SECRET}
    )
    cookie = response.headers["set-cookie"].split(";", 1)[0]
    return {"Cookie": cookie}


def client_headers(base: str) -> dict[str, str]:
    """A bearer token for the benchmark's referring system (client credentials)."""
    token = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "bench-client",
            "client_secret": BENCH_SECRET,
        },
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _referral(n: int, run: int) -> dict:
    from avert.domain.identifiers import nhs_number_check_digit

    serial = run * 1_000_000 + n
    while (check := nhs_number_check_digit(f"999{serial % 1_000_000:06d}")) is None:
        serial += 1
    return {
        "source": ["self", "carer_relative", "gp", "ambulance_999", "telecare"][n % 5],
        "referrer": {"name": "Bench Referrer", "phone": "0116 496 0000"},
        "person": {
            "nhs_number": f"999{serial % 1_000_000:06d}{check}",
            "given_name": "Bench",
            "family_name": f"Person{n}",
            "date_of_birth": "1940-01-01",
            "residence": "own_home",
        },
        "need": ["fall", "catheter_care", "frailty_decompensation", "confusion_delirium"][n % 4],
        "stated_urgency": "within_2_hours",
    }


def _throughput_run(base: str, run: int, *, seconds: float, clients: int) -> dict:
    auth = client_headers(base)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def client(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=30, headers=auth) as http:
            while time.perf_counter() < stop_at:
                n = next(counter)
                started = time.perf_counter()
                response = http.post(
                    "/api/referrals",
                    json=_referral(n, run),
                    headers={"Idempotency-Key": f"bench-{run}-{n}"},
                )
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    accepted = statuses.get(201, 0)
    return {
        "seconds": round(took, 2),
        "accepted": accepted,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "referrals_per_second": round(accepted / took, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50) * 1000, 1),
            "p95": round(percentile(latencies, 95) * 1000, 1),
            "p99": round(percentile(latencies, 99) * 1000, 1),
        },
    }


def _throughput(engine: str, url: str, *, quick: bool, workers: int = 1) -> dict:
    setup = _prepare(url, 2_000 if quick else 20_000, history_days=7, open_referrals=None)
    server = Server(url, workers)
    try:
        _throughput_run(server.base, 0, seconds=1, clients=4)  # warm-up
        runs = [
            _throughput_run(server.base, run, seconds=3 if quick else 15, clients=8)
            for run in range(1, 4)
        ]
    finally:
        server.stop()
    median = statistics.median(r["referrals_per_second"] for r in runs)
    return {
        "engine": engine,
        "server_processes": workers,
        "area": setup,
        "runs": runs,
        "median_referrals_per_second": median,
        "goal_referrals_per_second": GOAL_REFERRALS_PER_SECOND,
        "goal_met": median >= GOAL_REFERRALS_PER_SECOND,
    }


def _timed_gets(base: str, path: str, count: int, headers: dict[str, str]) -> dict:
    timings = []
    with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
        for _ in range(5):
            http.get(path).raise_for_status()
        for _ in range(count):
            started = time.perf_counter()
            http.get(path).raise_for_status()
            timings.append(time.perf_counter() - started)
    return {
        "requests": count,
        "p50_ms": round(percentile(timings, 50) * 1000, 1),
        "p95_ms": round(percentile(timings, 95) * 1000, 1),
    }


def _queue(url: str, *, quick: bool) -> dict:
    population = 50_000 if quick else MAX_POPULATION
    open_referrals = 1_000 if quick else 10_000
    setup = _prepare(url, population, history_days=365, open_referrals=open_referrals)
    server = Server(url)
    try:
        count = 50 if quick else 300
        auth = coordinator_headers(server.base)
        page = _timed_gets(server.base, "/queue", count, auth)
        api = _timed_gets(server.base, "/api/queue", count, auth)
        open_total = httpx.get(f"{server.base}/api/queue?limit=1", headers=auth).json()["total"]
    finally:
        server.stop()
    return {
        "area": setup,
        "open_referrals_on_queue": open_total,
        "queue_page": page,
        "queue_api": api,
        "goal_p95_ms": GOAL_QUEUE_P95_MS,
        "goal_met": page["p95_ms"] <= GOAL_QUEUE_P95_MS,
    }


def run(out: Path, *, quick: bool = False, postgres_url: str | None = None) -> int:
    results: dict = {
        "suite": "intake",
        "quick": quick,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "throughput": [],
    }
    with tempfile.TemporaryDirectory(prefix="avert-bench-") as scratch:
        results["throughput"].append(
            _throughput("sqlite", f"sqlite:///{scratch}/throughput.db", quick=quick)
        )
        server = None
        if postgres_url is None:
            server = PostgresServer()
            postgres_url = server.url
        try:
            for workers in sorted({1, os.cpu_count() or 1}):
                url, drop = create_database(postgres_url)
                try:
                    results["throughput"].append(
                        _throughput("postgresql", url, quick=quick, workers=workers)
                    )
                finally:
                    drop()
        finally:
            if server is not None:
                server.stop()
        results["queue"] = _queue(f"sqlite:///{scratch}/queue.db", quick=quick)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "intake.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    for t in results["throughput"]:
        print(
            f"{t['engine']}, {t['server_processes']} server process(es): "
            f"{t['median_referrals_per_second']} referrals/s "
            f"(median of 3; goal {GOAL_REFERRALS_PER_SECOND})"
        )
    q = results["queue"]
    print(
        f"queue with {q['open_referrals_on_queue']} open referrals, "
        f"{q['area']['population']:,} people: page p95 {q['queue_page']['p95_ms']} ms, "
        f"API p95 {q['queue_api']['p95_ms']} ms (goal {GOAL_QUEUE_P95_MS} ms)"
    )
    print(f"results: {path}")
    return 0

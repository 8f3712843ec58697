"""Crashes lose no acknowledged referral and create no duplicate.

The real server (`python -m avert serve`) runs as a subprocess on a free port. Client threads
submit referrals over HTTP with bearer tokens and Idempotency-Keys; about 30 % of submissions
replay a key already sent (acknowledged or not, as a client does after a timeout). Meanwhile the
server is killed with SIGKILL at random moments and restarted, or (on PostgreSQL) the database
server itself is stopped with `pg_ctl stop -m immediate` and restarted. At the end the database
is reconciled against every 2xx answer: each acknowledged key is stored exactly once, with the
acknowledged id and the body that was sent, and no key or source referral id is stored twice.

A default run does a few cycles per engine; `--long` does many more.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import func, select

from avert.bench.pgserver import PostgresServer, create_database
from avert.services.intake import fingerprint
from avert.store.db import Database
from avert.store.schema import IdempotencyKey, Person, Referral
from avert.web.api.schemas import ReferralIn
from tests.factories import referral_body
from tests.reliability.server import Server, bearer_token, prepare


CLIENTS = ("ambulance", "telecare")
THREADS_PER_CLIENT = 2
REPLAY_SHARE = 0.3
SOURCE_SYSTEM = "reliability-crash-test"


@dataclass
class Ledger:
    """What the clients sent and what they were told, shared by the client threads."""

    bodies: dict[tuple[str, str], dict] = field(default_factory=dict)
    acknowledged: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    # A 2xx answer naming a different referral than an earlier 2xx for the same key.
    contradictions: list[tuple[str, str]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(server: Server, client_id: str, n: int, ledger: Ledger, stop: threading.Event):
    """Submit referrals until told to stop: new keys, and replays of keys already sent."""
    rng = random.Random(f"{client_id}-{n}")
    token = None
    serial = 0
    with httpx.Client(timeout=5) as http:
        while not stop.is_set():
            with ledger.lock:
                sent = [k for k in ledger.bodies if k[0] == client_id]
            replay = bool(sent) and rng.random() < REPLAY_SHARE
            if replay:
                key = rng.choice(sent)
                body = ledger.bodies[key]
            else:
                serial += 1
                key = (client_id, f"{client_id}-{n}-{serial}")
                body = referral_body(source_system=SOURCE_SYSTEM, source_referral_id=key[1])
                with ledger.lock:
                    ledger.bodies[key] = body
            if token is None:
                try:
                    token = bearer_token(server.base, client_id)
                except httpx.HTTPError:  # the server or its database is down: try again soon
                    time.sleep(0.05)
                    continue
            try:
                response = http.post(
                    f"{server.base}/api/referrals",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key[1]},
                )
            except httpx.ConnectError:
                with ledger.lock:
                    ledger.counts["connection refused"] += 1  # down: nothing was sent
                time.sleep(0.05)  # a client backs off a little
                continue
            except httpx.HTTPError:
                with ledger.lock:
                    ledger.counts["submissions"] += 1
                    ledger.counts["replays"] += replay
                    ledger.counts["no answer"] += 1
                continue
            with ledger.lock:
                ledger.counts["submissions"] += 1
                ledger.counts["replays"] += replay
                if response.status_code in (200, 201):
                    referral_id = response.json()["id"]
                    earlier = ledger.acknowledged.setdefault(key, referral_id)
                    if earlier != referral_id:
                        ledger.contradictions.append(key)
                    ledger.counts[f"http {response.status_code}"] += 1
                elif response.status_code == 401:
                    token = None
                elif response.status_code >= 500:
                    ledger.counts["http 5xx"] += 1
                else:
                    ledger.unexpected.append(f"{response.status_code} {response.text[:200]}")


@dataclass
class Reconciliation:
    lost: int  # acknowledged keys missing, or stored with another id or another body
    duplicates: int  # extra rows for one key or one source referral id, or contradictory answers
    stored: int
    stored_unacknowledged: int  # sent, never acknowledged, but stored (allowed: the commit won)


def _fingerprint(body: dict) -> str:
    """The hash intake stores for a body (the body as the API parsed it)."""
    return fingerprint(ReferralIn.model_validate(body).model_dump(mode="json"))


def _reconcile(database_url: str, ledger: Ledger) -> Reconciliation:
    database = Database.from_url(database_url)
    try:
        with database.reading() as session:
            keys = session.execute(
                select(IdempotencyKey.client_id, IdempotencyKey.key, IdempotencyKey.referral_id)
            ).all()
            referrals = {
                row.id: row
                for row in session.execute(
                    select(
                        Referral.id,
                        Referral.source_referral_id,
                        Referral.request_hash,
                        Referral.submitted_by,
                        Person.nhs_number,
                    )
                    .join(Person, Person.id == Referral.person_id)
                    .where(Referral.source_system == SOURCE_SYSTEM)
                )
            }
            per_source = session.execute(
                select(func.count())
                .select_from(Referral)
                .where(Referral.source_system == SOURCE_SYSTEM)
                .group_by(Referral.source_referral_id)
            ).scalars()
            source_duplicates = sum(n - 1 for n in per_source)
    finally:
        database.dispose()
    stored = {(k.client_id, k.key): k.referral_id for k in keys}
    key_duplicates = len(keys) - len(stored)
    lost = 0
    for key, referral_id in ledger.acknowledged.items():
        row = referrals.get(stored.get(key))
        body = ledger.bodies[key]
        if (
            row is None
            or row.id != referral_id
            or row.source_referral_id != key[1]
            or row.submitted_by != key[0]
            or row.nhs_number != body["person"]["nhs_number"]
            or row.request_hash != _fingerprint(body)
        ):
            lost += 1
    # Every stored referral came from a key that was sent, and is reached by exactly that key.
    unclaimed = set(referrals) - set(stored.values())
    phantoms = len(unclaimed) + sum(1 for key in stored if key not in ledger.bodies)
    return Reconciliation(
        lost=lost,
        duplicates=key_duplicates + source_duplicates + phantoms + len(ledger.contradictions),
        stored=len(referrals),
        stored_unacknowledged=sum(1 for key in stored if key not in ledger.acknowledged),
    )


def _run_clients(server: Server, ledger: Ledger, stop: threading.Event) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=_client, args=(server, c, n, ledger, stop), daemon=True)
        for c in CLIENTS
        for n in range(THREADS_PER_CLIENT)
    ]
    for thread in threads:
        thread.start()
    return threads


def _finish(server: Server, ledger: Ledger, stop: threading.Event, threads) -> None:
    """Let the clients run on a healthy server for a moment, then stop them and the server."""
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    server.kill()


def _check_and_record(report, name, engine, cycles, ledger: Ledger, result: Reconciliation):
    report.record(
        name,
        engine=engine,
        cycles=cycles,
        submissions=ledger.counts["submissions"],
        acknowledged=len(ledger.acknowledged),
        replays=ledger.counts["replays"],
        no_answer=ledger.counts["no answer"],
        connection_refused=ledger.counts["connection refused"],
        server_errors=ledger.counts["http 5xx"],
        stored=result.stored,
        stored_unacknowledged=result.stored_unacknowledged,
        lost=result.lost,
        duplicates=result.duplicates,
    )
    assert ledger.unexpected == []
    assert len(ledger.acknowledged) > cycles, "too few referrals acknowledged to test anything"
    assert ledger.counts["replays"] > 0
    assert (result.lost, result.duplicates) == (0, 0)


@pytest.mark.timeout(1800)  # --long runs for many minutes
def test_killing_the_server_at_random_moments_loses_no_acknowledged_referral(
    database_url, tmp_path, reliability_report, long_run
):
    """SIGKILL and restart the server while clients submit and replay: no loss, no duplicate."""
    cycles = 40 if long_run else 4
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    prepare(database_url)
    rng = random.Random(20261125)
    server = Server(database_url, tmp_path / "server.log")
    ledger, stop = Ledger(), threading.Event()
    server.start()
    threads = _run_clients(server, ledger, stop)
    try:
        for _ in range(cycles):
            time.sleep(rng.uniform(0.3, 1.5))
            server.kill()
            server.start()
        _finish(server, ledger, stop, threads)
    finally:
        stop.set()
        server.kill()
    result = _reconcile(database_url, ledger)
    _check_and_record(reliability_report, "server SIGKILL", engine, cycles, ledger, result)


@pytest.fixture(scope="module")
def throwaway_postgres():
    """A PostgreSQL cluster of this module's own, so stopping it never touches the suite's."""
    if os.environ.get("AVERT_SKIP_POSTGRES") == "1":
        pytest.skip("AVERT_SKIP_POSTGRES=1: PostgreSQL tests deliberately skipped")
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    server._run("pg_ctl", "-D", str(server.data), *args)


def _stop_immediately(server: PostgresServer) -> None:
    """`pg_ctl stop -m immediate`: no checkpoint, no clean shutdown; recovery replays the WAL."""
    _pg_ctl(server, "-m", "immediate", "stop")


def _start_again(server: PostgresServer) -> None:
    options = (
        f"-p {server.port} -k {server.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    )
    _pg_ctl(server, "-l", str(server.root / "server.log"), "-w", "-o", options, "start")


@pytest.mark.timeout(1800)  # --long runs for many minutes
def test_stopping_postgresql_immediately_loses_no_acknowledged_referral(
    throwaway_postgres, tmp_path, reliability_report, long_run
):
    """`pg_ctl stop -m immediate` under load, then restart: no loss, no duplicate."""
    cycles = 20 if long_run else 3
    database_url, _drop = create_database(throwaway_postgres.url)
    prepare(database_url)
    rng = random.Random(20261126)
    server = Server(database_url, tmp_path / "server.log")
    ledger, stop = Ledger(), threading.Event()
    server.start()
    threads = _run_clients(server, ledger, stop)
    try:
        for n in range(cycles):
            time.sleep(rng.uniform(0.5, 1.5))
            _stop_immediately(throwaway_postgres)
            time.sleep(rng.uniform(0.1, 0.5))
            _start_again(throwaway_postgres)
            if n % 2:  # every other cycle the application server dies too
                server.kill()
                server.start()
        _finish(server, ledger, stop, threads)
    finally:
        stop.set()
        server.kill()
    result = _reconcile(database_url, ledger)
    _check_and_record(
        reliability_report, "PostgreSQL immediate stop", "postgresql", cycles, ledger, result
    )

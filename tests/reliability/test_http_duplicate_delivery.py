"""Duplicate delivery through the real server: 1,000 referrals sent 1-5 times by 8 clients."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from avert.store.db import Database
from avert.store.schema import IdempotencyKey, Referral
from tests.factories import referral_body
from tests.reliability.server import Server, bearer_token, prepare


SOURCE_SYSTEM = "reliability-http-delivery"


@pytest.mark.slow
def test_a_thousand_referrals_delivered_one_to_five_times_over_http_are_stored_once(
    database_url, tmp_path, reliability_report
):
    """Over HTTP with Idempotency-Keys, 8 concurrent clients, shuffled: one referral each."""
    referrals = 1_000
    prepare(database_url)
    rng = random.Random(20261127)
    bodies = {
        f"http-{n}": referral_body(source_system=SOURCE_SYSTEM, source_referral_id=f"http-{n}")
        for n in range(referrals)
    }
    deliveries = [key for key in bodies for _ in range(rng.randint(1, 5))]
    rng.shuffle(deliveries)
    server = Server(database_url, tmp_path / "server.log")
    server.start()
    answers: dict[str, set[int]] = defaultdict(set)
    statuses: Counter = Counter()
    lock = threading.Lock()
    local = threading.local()
    clients: list[httpx.Client] = []
    try:
        headers = {"Authorization": f"Bearer {bearer_token(server.base, 'ambulance')}"}

        def deliver(key: str) -> None:
            if not hasattr(local, "http"):
                local.http = httpx.Client(base_url=server.base, timeout=30, headers=headers)
                with lock:
                    clients.append(local.http)
            response = local.http.post(
                "/api/referrals", json=bodies[key], headers={"Idempotency-Key": key}
            )
            with lock:
                statuses[response.status_code] += 1
                if response.status_code in (200, 201):
                    answers[key].add(response.json()["id"])

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(deliver, deliveries))
        seconds = time.monotonic() - started
    finally:
        for client in clients:
            client.close()
        server.kill()

    database = Database.from_url(database_url)
    try:
        with database.reading() as session:
            rows = session.execute(
                select(func.count())
                .select_from(Referral)
                .where(Referral.source_system == SOURCE_SYSTEM)
            ).scalar()
            stored = dict(
                session.execute(select(IdempotencyKey.key, IdempotencyKey.referral_id)).all()
            )
    finally:
        database.dispose()
    lost = sum(1 for key in bodies if key not in stored)
    duplicates = (rows - referrals) + sum(len(ids) - 1 for ids in answers.values() if ids)
    reliability_report.record(
        "duplicate delivery over HTTP",
        cases=referrals,
        deliveries=len(deliveries),
        clients=8,
        created=statuses[201],
        replayed=statuses[200],
        lost=lost,
        duplicates=duplicates,
        seconds=round(seconds, 2),
    )
    assert dict(statuses) == {201: referrals, 200: len(deliveries) - referrals}
    assert {key: next(iter(ids)) for key, ids in answers.items()} == stored
    assert (rows, lost, duplicates) == (referrals, 0, 0)

"""`avert serve --workers 2` on PostgreSQL: two processes write one database and one audit chain.

Both worker processes take requests (each connection is new, so the kernel spreads them); every
referral is stored once whichever process took each delivery, and the audit chain the two
processes appended to concurrently verifies entry by entry. Killing the parent stops them.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from avert.bench.pgserver import create_database
from avert.config import Settings
from avert.security.audit import verify
from avert.store.db import Database
from avert.store.schema import Referral
from tests.factories import referral_body
from tests.reliability.server import Server, bearer_token, prepare


SOURCE_SYSTEM = "reliability-workers"
REFERRALS = 150


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name (state, parent, ...), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _workers(pid: int) -> list[int]:
    """The worker processes `pid` started (multiprocessing's, not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_two_server_processes_store_each_referral_once_and_keep_one_audit_chain(
    postgres_url, tmp_path
):
    url, drop = create_database(postgres_url)
    try:
        prepare(url)
        rng = random.Random(20261125)
        bodies = {
            f"w-{n}": referral_body(source_system=SOURCE_SYSTEM, source_referral_id=f"w-{n}")
            for n in range(REFERRALS)
        }
        deliveries = [key for key in bodies for _ in range(rng.randint(1, 2))]
        rng.shuffle(deliveries)
        answers: dict[str, set[int]] = defaultdict(set)
        statuses: Counter = Counter()
        lock = threading.Lock()
        server = Server(url, tmp_path / "server.log", workers=2)
        server.start()
        try:
            workers = _workers(server.process.pid)
            before = {pid: _cpu_seconds(pid) for pid in workers}
            headers = {"Authorization": f"Bearer {bearer_token(server.base, 'ambulance')}"}

            def deliver(key: str) -> None:
                response = httpx.post(  # a new connection each time
                    f"{server.base}/api/referrals",
                    json=bodies[key],
                    headers=headers | {"Idempotency-Key": key},
                    timeout=30,
                )
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code in (200, 201):
                        answers[key].add(response.json()["id"])

            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(deliver, deliveries))
            busy = {pid: _cpu_seconds(pid) - before[pid] for pid in workers}
        finally:
            server.kill()

        assert len(workers) == 2, f"worker processes: {workers}"
        assert all(seconds > 0.1 for seconds in busy.values()), busy
        assert dict(statuses) == {201: REFERRALS, 200: len(deliveries) - REFERRALS}
        assert all(len(ids) == 1 for ids in answers.values())
        database = Database.from_url(url)
        try:
            with database.reading() as session:
                stored = session.execute(
                    select(func.count())
                    .select_from(Referral)
                    .where(Referral.source_system == SOURCE_SYSTEM)
                ).scalar()
            report = verify(database, Settings.from_environ(os.environ).secret_key)
        finally:
            database.dispose()
        assert stored == REFERRALS
        assert report.ok, report.problems
        assert report.entries >= len(deliveries)  # a create or a read for every delivery
    finally:
        drop()


def test_the_worker_processes_stop_when_the_server_process_is_killed(postgres_url, tmp_path):
    """SIGKILL to the parent alone (no shutdown handler runs): its workers stop too, and
    nothing answers on the port any more."""
    url, drop = create_database(postgres_url)
    try:
        prepare(url)
        server = Server(url, tmp_path / "server.log", workers=2)
        server.start()
        try:
            workers = _workers(server.process.pid)
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=30)
            deadline = time.monotonic() + 30
            while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = [pid for pid in workers if _running(pid)]
        finally:
            server.kill()
        assert len(workers) == 2 and left == []
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{server.base}/api/health", timeout=2)
    finally:
        drop()

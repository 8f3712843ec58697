"""`avert bench pages`: server time for the board and the queue under a full day's load.

The largest 999-range area (909,091 people) with a year of history and 10,000 open referrals is
loaded into SQLite, and 300 staff are put on shift now (the synthetic rota is topped up where the
hour of the run has fewer). A real `avert serve` process answers; each page is requested
repeatedly from one client on the same machine and p50/p95 are reported. Results go to
`bench-results/pages.json`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import and_, func, insert, select

from avert.bench.intake import Server, _prepare, _timed_gets, coordinator_headers
from avert.store.db import Database
from avert.store.schema import Shift, StaffMember
from avert.synth import MAX_POPULATION


GOAL_P95_MS = 100
STAFF_ON_SHIFT = 300


def _staff_on_shift_now(url: str, wanted: int) -> int:
    """Make sure `wanted` staff are on shift now; returns how many are."""
    database = Database.from_url(url)
    now = datetime.now(UTC)
    try:
        with database.writing() as session:
            on_shift = select(Shift.staff_id).where(
                and_(Shift.starts_at <= now, Shift.ends_at > now)
            )
            current = session.execute(select(func.count()).select_from(on_shift.subquery()))
            missing = wanted - current.scalar()
            if missing > 0:
                extra = session.execute(
                    select(StaffMember.id).where(StaffMember.id.not_in(on_shift)).limit(missing)
                ).scalars()
                rows = [
                    {
                        "staff_id": s,
                        "starts_at": now - timedelta(hours=2),
                        "ends_at": now + timedelta(hours=10),
                    }
                    for s in extra
                ]
                if rows:
                    session.execute(insert(Shift), rows)
        with database.reading() as session:
            return session.execute(
                select(func.count(func.distinct(Shift.staff_id))).where(
                    Shift.starts_at <= now, Shift.ends_at > now
                )
            ).scalar()
    finally:
        database.dispose()


def run(out: Path, *, quick: bool = False) -> int:
    population = 50_000 if quick else MAX_POPULATION
    open_referrals = 1_000 if quick else 10_000
    count = 50 if quick else 300
    with tempfile.TemporaryDirectory(prefix="avert-bench-") as scratch:
        url = f"sqlite:///{scratch}/pages.db"
        setup = _prepare(url, population, history_days=365, open_referrals=open_referrals)
        on_shift = _staff_on_shift_now(url, 30 if quick else STAFF_ON_SHIFT)
        server = Server(url)
        try:
            auth = coordinator_headers(server.base)
            pages = {
                path: _timed_gets(server.base, path, count, auth)
                for path in ("/board", "/board/rows", "/queue", "/api/queue")
            }
            total = httpx.get(f"{server.base}/api/queue?limit=1", headers=auth).json()["total"]
        finally:
            server.stop()
    results = {
        "suite": "pages",
        "quick": quick,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "area": setup,
        "open_referrals_on_queue": total,
        "staff_on_shift": on_shift,
        "pages": pages,
        "goal_p95_ms": GOAL_P95_MS,
        "goal_met": all(p["p95_ms"] <= GOAL_P95_MS for p in pages.values()),
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / "pages.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{total} open referrals, {on_shift} staff on shift, {setup['population']:,} people:")
    for name, figures in pages.items():
        print(f"  {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
    print(f"goal p95 <= {GOAL_P95_MS} ms for the board and queue; results: {path}")
    return 0

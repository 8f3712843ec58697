"""The real server as a subprocess, for the reliability tests that crash it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from avert.bench.pgserver import free_port
from avert.store import migrate
from avert.store.db import Database
from tests.conftest import seed_cast


ROOT = Path(__file__).parents[2]


class Server:
    """`python -m avert serve` on a free port, started, SIGKILLed and restarted by the test.

    It runs in a process group of its own, so that killing it kills its worker processes too."""

    def __init__(self, database_url: str, log: Path, *, workers: int = 1) -> None:
        self.database_url = database_url
        self.log = log
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> None:
        env = {k: v for k, v in os.environ.items() if k != "AVERT_MODE"}
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "avert", "--database-url", self.database_url, "serve"]
                + ["--port", str(self.port), "--workers", str(self.workers)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the server did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, in-flight requests die with the process."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)


def bearer_token(base: str, client_id: str) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": f"{client_id}-secret",
    }
    response = httpx.post(f"{base}/oauth/token", data=form, timeout=5)
    response.raise_for_status()
    return response.json()["access_token"]


def prepare(database_url: str) -> None:
    database = Database.from_url(database_url)
    try:
        migrate.upgrade(database)
        seed_cast(database)
    finally:
        database.dispose()

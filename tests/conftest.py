"""Shared fixtures: a fresh database per test, on SQLite and on a real PostgreSQL server.

The PostgreSQL server is the one named by AVERT_TEST_POSTGRES_URL (a server URL whose user may
create databases), or else one this suite starts itself from the Debian `postgresql` package in a
temporary folder. A machine without PostgreSQL fails the PostgreSQL tests with a message saying
what to install, unless AVERT_SKIP_POSTGRES=1 is set deliberately.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from avert.config import Settings
from avert.store import migrate
from avert.store.db import Database


ENGINES = ["sqlite", "postgresql"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary folder, run as the postgres user if root."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError(
                "PostgreSQL is not installed: `apt-get install postgresql` (the tests start "
                "their own server), set AVERT_TEST_POSTGRES_URL, or set AVERT_SKIP_POSTGRES=1"
            )
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="avert-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200",
            "start",
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests may create databases on."""
    if os.environ.get("AVERT_TEST_POSTGRES_URL"):
        yield os.environ["AVERT_TEST_POSTGRES_URL"]
        return
    if os.environ.get("AVERT_SKIP_POSTGRES") == "1":
        pytest.skip("AVERT_SKIP_POSTGRES=1: PostgreSQL tests deliberately skipped")
    server = PostgresServer()
    try:
        yield server.url
    finally:
        server.stop()


def _fresh_postgres_database(server_url: str) -> tuple[str, callable]:
    name = f"avert_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database of the engine the test is parametrised with (default: SQLite)."""
    engine = getattr(request, "param", "sqlite")
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'avert.db'}"
        return
    url, drop = _fresh_postgres_database(request.getfixturevalue("postgres_url"))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    """A migrated, empty database."""
    db = Database.from_url(database_url)
    migrate.upgrade(db)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def settings() -> Settings:
    return Settings()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))


def pytest_generate_tests(metafunc):
    """Integration and API tests that use a database run once per engine."""
    if "database_url" in metafunc.fixturenames:
        folder = Path(str(metafunc.definition.fspath)).parent.name
        if folder in ("integration", "api", "reliability"):
            metafunc.parametrize("database_url", ENGINES, indirect=True)

"""Shared fixtures: a fresh database per test, on SQLite and on a real PostgreSQL server.

The PostgreSQL server is the one named by AVERT_TEST_POSTGRES_URL (a server URL whose user may
create databases), or else one this suite starts itself from the Debian `postgresql` package in a
temporary folder. A machine without PostgreSQL fails the PostgreSQL tests with a message saying
what to install, unless AVERT_SKIP_POSTGRES=1 is set deliberately.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from avert.bench.pgserver import PostgresServer, create_database
from avert.config import Settings
from avert.store import migrate
from avert.store.db import Database


ENGINES = ["sqlite", "postgresql"]


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


@pytest.fixture
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database of the engine the test is parametrised with (default: SQLite)."""
    engine = getattr(request, "param", "sqlite")
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'avert.db'}"
        return
    url, drop = create_database(request.getfixturevalue("postgres_url"))
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

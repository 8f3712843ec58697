"""Shared fixtures: a fresh database per test, on SQLite and on a real PostgreSQL server.

The PostgreSQL server is the one named by AVERT_TEST_POSTGRES_URL (a server URL whose user may
create databases), or else one this suite starts itself from the Debian `postgresql` package in a
temporary folder. A machine without PostgreSQL fails the PostgreSQL tests with a message saying
what to install, unless AVERT_SKIP_POSTGRES=1 is set deliberately.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from avert.bench.pgserver import PostgresServer, create_database
from avert.config import Settings
from avert.store import migrate
from avert.store.db import Database


ENGINES = ["sqlite", "postgresql"]


def pytest_addoption(parser):
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="run the slow-marked reliability tests, and many more cycles in the others",
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked `slow` run only with --long."""
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="long-running reliability cycles: run with --long")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory) -> dict[str, str]:
    """Each engine migrated once; tests start from copies (a file copy, or CREATE ... TEMPLATE)."""
    return {"sqlite": str(tmp_path_factory.mktemp("template") / "template.db")}


@pytest.fixture
def database(request, database_url, migrated_templates) -> Iterator[Database]:
    """A migrated, empty database (copied from one migrated template per engine and run)."""
    if database_url.startswith("sqlite"):
        template = migrated_templates["sqlite"]
        if not os.path.exists(template):
            db = Database.from_url(f"sqlite:///{template}")
            migrate.upgrade(db)
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            db.dispose()
        shutil.copyfile(template, database_url.removeprefix("sqlite:///"))
        db = Database.from_url(database_url)
    else:
        db = _from_postgres_template(request, database_url, migrated_templates)
    try:
        yield db
    finally:
        db.dispose()


def _from_postgres_template(request, database_url: str, templates: dict[str, str]) -> Database:
    """Replace the test's empty PostgreSQL database with a copy of a migrated template."""
    server = request.getfixturevalue("postgres_url")
    name = make_url(database_url).database
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if "postgresql" not in templates:
                template_url, _drop = create_database(server)
                template_db = Database.from_url(template_url)
                migrate.upgrade(template_db)
                template_db.dispose()
                templates["postgresql"] = make_url(template_url).database
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"')
            )
    finally:
        admin.dispose()
    return Database.from_url(database_url)


@pytest.fixture
def settings() -> Settings:
    """Default settings, but sessions that outlive the clock jumps tests make (a century)."""
    return Settings(session_idle=timedelta(days=36500), session_lifetime=timedelta(days=36500))


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


PASSWORD = "correct horse battery staple"
TEAMS = [("T-CITY", "City UCR team", "City"), ("T-COUNTY", "County UCR team", "County")]
# The standing cast (after healthchecks' Alice, Bob and Charlie): who they are and what they do.
STAFF = [
    ("S-OT", "Olu Adeyemi", "occupational_therapist", ["equipment_assessment", "falls"], "T-CITY"),
    ("S-CRS", "Casey Brown", "support_worker", ["manual_handling"], "T-CITY"),
    ("S-RN", "Nia Evans", "nurse", ["diabetes", "catheter", "wound_care"], "T-CITY"),
    ("S-PT", "Priya Shah", "physiotherapist", ["falls"], "T-CITY"),
    ("S-CH", "Charlie Dunn", "nurse", ["wound_care"], "T-COUNTY"),
]
USERS = [
    # username, name, role, team, staff
    ("sam", "Sam Coordinator", "coordinator", None, None),
    ("coord2", "Coordinator Two", "coordinator", None, None),
    ("olu", "Olu Adeyemi", "clinician", "T-CITY", "S-OT"),
    ("casey", "Casey Brown", "clinician", "T-CITY", "S-CRS"),
    ("nia", "Nia Evans", "clinician", "T-CITY", "S-RN"),
    ("priya", "Priya Shah", "clinician", "T-CITY", "S-PT"),
    ("tess", "Tess Lead", "team_lead", "T-CITY", "S-PT"),
    ("charlie", "Charlie Dunn", "clinician", "T-COUNTY", "S-CH"),
    ("sally", "Sally Social", "social_worker", "T-CITY", None),
    ("ana", "Ana Lyst", "analyst", None, None),
    ("sergio", "Sergio Lead", "service_lead", None, None),
    ("adam", "Adam Admin", "administrator", None, None),
    ("pia", "Pia Privacy", "privacy_officer", None, None),
]
CLIENTS = [
    ("ambulance", "Ambulance service", ["referral:create", "referral:read"]),
    ("telecare", "Telecare provider", ["referral:create", "referral:read"]),
    ("readonly", "A system that may only read", ["referral:read"]),
]


@functools.cache
def _hash(secret: str) -> str:
    """argon2 is slow on purpose; the cast's hashes are made once per test run."""
    from avert.security.secrets import hash_password

    return hash_password(secret)


def seed_cast(database) -> None:
    """Teams, staff on shift for a century, one user per role, and API clients."""
    from avert.domain.service_hours import ServiceHours
    from avert.store.schema import ApiClient, Shift, StaffMember, Team, User

    with database.writing() as session:
        for team_id, name, locality in TEAMS:
            session.add(
                Team(
                    id=team_id,
                    name=name,
                    locality=locality,
                    base_lat=52.63,
                    base_lon=-1.13,
                    service_hours=ServiceHours.default().to_config(),
                )
            )
        session.flush()
        for staff_id, name, role, skills, team_id in STAFF:
            session.add(
                StaffMember(
                    id=staff_id,
                    name=name,
                    role=role,
                    skills=skills,
                    team_id=team_id,
                    home_lat=52.63,
                    home_lon=-1.13,
                    status="available",
                )
            )
            session.flush()
            session.add(
                Shift(
                    staff_id=staff_id,
                    starts_at=datetime(2000, 1, 1, tzinfo=UTC),
                    ends_at=datetime(2100, 1, 1, tzinfo=UTC),
                )
            )
        for username, name, role, team_id, staff_id in USERS:
            session.add(
                User(
                    id=username,
                    display_name=name,
                    role=role,
                    organisation="RT5",
                    team_id=team_id,
                    staff_id=staff_id,
                    password_hash=_hash(PASSWORD),
                    disabled=False,
                    created_at=datetime(2020, 1, 1, tzinfo=UTC),
                )
            )
        for client_id, name, scopes in CLIENTS:
            session.add(
                ApiClient(
                    id=client_id,
                    name=name,
                    organisation="RYC",
                    secret_hash=_hash(f"{client_id}-secret"),
                    scopes=scopes,
                    disabled=False,
                )
            )

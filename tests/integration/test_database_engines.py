"""Both engines are durable, migrated by Alembic, and match the schema the code expects."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from avert.store import migrate
from avert.store.db import Database, UnsafeDatabaseError, check_durability
from avert.store.schema import Base


def test_migrations_build_exactly_the_schema_the_code_declares(database):
    """An upgraded empty database has no difference from the ORM metadata."""
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_the_database_is_at_the_newest_schema_after_upgrade(database):
    """`avert db upgrade` reaches the head revision and the server accepts it."""
    assert migrate.current_revision(database) == migrate.head_revision()
    migrate.require_current(database)


def test_upgrading_twice_changes_nothing(database):
    """Upgrade is idempotent."""
    assert migrate.upgrade(database) == migrate.head_revision()


def test_a_database_from_an_unknown_version_is_refused(database):
    """The server will not run on a schema it does not know."""
    with database.writing() as session:
        session.execute(text("UPDATE alembic_version SET version_num = 'ffffff'"))
    with pytest.raises(migrate.SchemaVersionError, match="does not know"):
        migrate.require_current(database)


def test_an_empty_database_must_be_upgraded_first(database_url):
    """A database with no schema gets a message naming the command to run."""
    db = Database.from_url(database_url)
    try:
        with pytest.raises(migrate.SchemaVersionError, match="avert db upgrade"):
            migrate.require_current(db)
    finally:
        db.dispose()


def test_durability_settings_are_on(database):
    """SQLite runs WAL with synchronous=FULL; PostgreSQL keeps fsync and synchronous commit."""
    found = check_durability(database.engine)
    if database.dialect == "sqlite":
        assert found == {"journal_mode": "wal", "synchronous": "2"}
    else:
        assert found["synchronous_commit"] == "on"


def test_an_unsafe_sqlite_setting_is_refused(tmp_path):
    """synchronous=OFF could lose acknowledged referrals, so the check refuses it."""
    from sqlalchemy import event

    db = Database.from_url(f"sqlite:///{tmp_path / 'unsafe.db'}")

    @event.listens_for(db.engine, "connect")
    def _unsafe(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    try:
        with pytest.raises(UnsafeDatabaseError, match="synchronous"):
            check_durability(db.engine)
    finally:
        db.dispose()


def test_sqlite_writers_in_one_process_take_turns_without_the_busy_timeout(tmp_path):
    """Writers queue on the process's lock, not by polling SQLite: even with a busy timeout of
    1 ms, 40 writes from 8 threads, each holding its transaction 10 ms, all commit."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import event

    db = Database.from_url(f"sqlite:///{tmp_path / 'turns.db'}")

    @event.listens_for(db.engine, "connect")
    def _impatient(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=1")

    def write(n: int) -> None:
        with db.writing() as session:
            session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
            time.sleep(0.01)

    try:
        with db.writing() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, range(40)))
        with db.reading() as session:
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 40
    finally:
        db.dispose()


def test_upgrading_from_the_first_schema_keeps_every_referral(database_url):
    """A database at revision 0001 holding a referral upgrades to head with its rows intact."""
    db = Database.from_url(database_url)
    try:
        migrate.upgrade(db, "0001")
        with db.writing() as session:
            for statement in FIRST_SCHEMA_ROWS:
                session.execute(text(statement))
        migrate.upgrade(db)
        with db.reading() as session:
            referrals = session.execute(text("SELECT id, state, need FROM referrals")).all()
            keyed = session.execute(text("SELECT count(*) FROM referrals WHERE queue_key IS NULL"))
            assert keyed.scalar() == 0
            people = session.execute(text("SELECT nhs_number, access_note FROM people")).all()
            staff = session.execute(text("SELECT id, status FROM staff")).all()
        assert [tuple(r) for r in referrals] == [(7, "triaged", "fall")]
        assert [tuple(p) for p in people] == [("9990000018", None)]
        assert [tuple(s) for s in staff] == [("S1", "available")]
    finally:
        db.dispose()


FIRST_SCHEMA_ROWS = [
    "INSERT INTO teams (id, name, locality, base_lat, base_lon, service_hours) "
    "VALUES ('T1', 'Team', 'City', 52.6, -1.1, '{}')",
    "INSERT INTO staff (id, name, role, skills, team_id, home_lat, home_lon) "
    "VALUES ('S1', 'Sam', 'nurse', '[]', 'T1', 52.6, -1.1)",
    "INSERT INTO people (id, nhs_number, given_name, family_name, sex, residence) "
    "VALUES (1, '9990000018', 'Ada', 'Test', 'female', 'own_home')",
    "INSERT INTO referrals (id, person_id, team_id, source, request_hash, referrer_name, "
    "referrer_phone, received_at, need, red_flags, stated_urgency, residence, age_years, "
    "disposition, ruleset_version, triage, needs_clinical_review, state, state_reason, is_open, "
    "version, created_at) VALUES (7, 1, 'T1', 'gp', 'h', 'Dr X', '0116', "
    "'2026-03-10 14:00:00', 'fall', '[]', 'within_2_hours', 'own_home', 85, "
    "'two_hour_crisis', '2026.11.1', '{}', false, 'triaged', 'triaged_by_rules', true, 1, "
    "'2026-03-10 14:00:00')",
]

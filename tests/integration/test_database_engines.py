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

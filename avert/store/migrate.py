"""Schema migrations (Alembic), run from code: `avert db upgrade` and at start-up checks.

Each migration runs in one transaction on both engines (PostgreSQL has transactional DDL; SQLite
runs Alembic's batch mode inside BEGIN IMMEDIATE), so a crash leaves the old or the new version,
never a mix. The server refuses to start on a database whose version it does not know.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from avert.store.db import Database


MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaVersionError(RuntimeError):
    """The database's schema is not the one this version of Avert needs."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> str:
    """Bring the schema up to `revision` (default: the newest); returns the revision reached."""
    config = _config()
    with database.engine.execution_options(avert_write=True).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(database)


def require_current(database: Database) -> None:
    """Refuse to serve a database that is behind, or from a version of Avert we do not know."""
    found = current_revision(database)
    head = head_revision()
    if found == head:
        return
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if found is None:
        raise SchemaVersionError("the database has no schema yet: run `avert db upgrade`")
    if found not in known:
        raise SchemaVersionError(
            f"the database is at schema {found}, which this version of Avert does not know"
        )
    raise SchemaVersionError(f"the database is at schema {found}; run `avert db upgrade`")

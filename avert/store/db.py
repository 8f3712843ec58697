"""Database engines: SQLite (embedded default) and PostgreSQL (production), made durable.

SQLite runs in WAL mode with `synchronous=FULL`, so a commit is on disk before a referral is
acknowledged (RELIABILITY.md 3.3), with foreign keys on and a busy timeout. Write transactions
start with `BEGIN IMMEDIATE` so that two writers queue instead of failing half-way; reads use a
plain deferred BEGIN and run beside the writer. Within one process, writers also queue on a
lock before they begin: SQLite's busy handler makes a waiting writer sleep and poll, with sleeps
growing to 100 ms, so under load a few requests waited most of a second while the database sat
idle (p99 0.8 s with 8 clients; with the lock, 75 ms, and about 10 % more referrals a second).
Other processes still queue by the busy timeout. PostgreSQL keeps its durable defaults;
`check_durability` refuses a server whose settings could lose an acknowledged commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from threading import RLock

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


# Work to do inside the next write transaction before it commits (the web layer's audit entry for
# a change: the change and its record commit together or not at all). Each hook runs at most once.
_BEFORE_COMMIT: ContextVar[list[Callable[[Session], None]] | None] = ContextVar(
    "avert_before_commit", default=None
)


@contextmanager
def before_next_commit(hook: Callable[[Session], None]) -> Iterator[None]:
    """Run `hook(session)` inside the first write transaction opened in this block."""
    token = _BEFORE_COMMIT.set([hook])
    try:
        yield
    finally:
        _BEFORE_COMMIT.reset(token)


class UnsafeDatabaseError(RuntimeError):
    """The database is configured in a way that could lose acknowledged referrals."""


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred-only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        if connection.get_execution_options().get("avert_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def create_database_engine(url: str) -> Engine:
    """An engine for `url` with Avert's durability settings."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def check_durability(engine: Engine) -> dict[str, str]:
    """The settings that decide durability; raise if any could lose an acknowledged commit."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            found = {
                "journal_mode": connection.exec_driver_sql("PRAGMA journal_mode").scalar(),
                "synchronous": str(connection.exec_driver_sql("PRAGMA synchronous").scalar()),
            }
            wanted = {"journal_mode": "wal", "synchronous": "2"}  # 2 = FULL
        else:
            found = {
                name: connection.execute(text(f"SHOW {name}")).scalar()
                for name in ("fsync", "synchronous_commit", "full_page_writes")
            }
            wanted = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
    unsafe = [name for name, value in wanted.items() if str(found[name]).lower() != value]
    if unsafe:
        raise UnsafeDatabaseError(
            "refusing to run: these database settings could lose acknowledged referrals: "
            + ", ".join(f"{n}={found[n]}" for n in unsafe)
        )
    return {k: str(v) for k, v in found.items()}


@dataclass
class Database:
    """An engine with two session factories: one for reads, one for write transactions."""

    engine: Engine

    def __post_init__(self) -> None:
        self._writer = RLock() if self.engine.dialect.name == "sqlite" else None
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(avert_write=True), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(create_database_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with self._writer or nullcontext(), self._write() as session, session.begin():
            yield session
            pending = _BEFORE_COMMIT.get()
            while pending:
                pending.pop()(session)

    def dispose(self) -> None:
        self.engine.dispose()

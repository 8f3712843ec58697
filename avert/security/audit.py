"""The audit log: every read or change of patient data, hash-chained, append-only.

An entry is written (and committed) before patient data leaves the server; if it cannot be
written, the data is not returned (the request gets 503). Each entry's hash covers its content
and the previous entry's hash, keyed with the service's secret, so `avert audit verify` finds
any entry altered or removed. The database refuses UPDATE and DELETE on the table (migration
0004 triggers); the chain catches what a database administrator could still do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, text

from avert.security.principal import Principal
from avert.store.db import Database
from avert.store.schema import AuditEntry, AuditSubject


GENESIS = "0" * 64


class AuditUnavailable(Exception):
    """The audit entry could not be written: the data must not be released."""


@dataclass(frozen=True)
class Access:
    action: str  # read, list, create, update, search, export, break_glass, denied ...
    resource: str  # e.g. "referral/12", "queue", "Patient/3"
    subjects: tuple[int, ...]  # person ids
    basis: str  # service role, team caseload, allocated visit, own submission, break glass
    outcome: str = "allowed"


def _digest(key: str, prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key.encode(), (prev_hash + payload).encode(), hashlib.sha256).hexdigest()


HASHED = (
    "seq",
    "at",
    "actor",
    "role",
    "organisation",
    "action",
    "resource",
    "basis",
    "request_id",
    "outcome",
    "subjects",
)


def _fields(values: dict) -> dict:
    """The content an entry's hash covers (everything but the hashes themselves)."""
    hashed = {name: values[name] for name in HASHED}
    hashed["at"] = values["at"].isoformat()
    hashed["subjects"] = list(values["subjects"])
    return hashed


def append(
    session,
    dialect: str,
    key: str,
    principal: Principal,
    access: Access,
    *,
    now: datetime,
    request_id: str | None,
) -> int:
    """Append one entry to the chain inside the caller's write transaction."""
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq = (last.seq if last else 0) + 1
    fields = {
        "seq": seq,
        "at": now,
        "actor": principal.id,
        "role": principal.role.value,
        "organisation": principal.organisation,
        "action": access.action,
        "resource": access.resource,
        "basis": access.basis,
        "request_id": request_id,
        "outcome": access.outcome,
        "subjects": sorted(set(access.subjects)),
        "prev_hash": last.hash if last else GENESIS,
    }
    fields["hash"] = _digest(key, fields["prev_hash"], _fields(fields))
    connection = session.connection()
    connection.execute(insert(AuditEntry), fields)
    if fields["subjects"]:
        connection.execute(
            insert(AuditSubject), [{"seq": seq, "person_id": p} for p in fields["subjects"]]
        )
    return seq


def record(
    database: Database,
    key: str,
    principal: Principal,
    access: Access,
    *,
    now: datetime,
    request_id: str | None,
) -> int:
    """Append one entry in a transaction of its own and commit it; AuditUnavailable on failure."""
    try:
        with database.writing() as session:
            return append(
                session, database.dialect, key, principal, access, now=now, request_id=request_id
            )
    except Exception as error:  # any failure to write means the data stays here
        raise AuditUnavailable(type(error).__name__) from None


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(database: Database, key: str) -> VerifyReport:
    """Recompute the chain: any altered, inserted or removed entry is reported by its number."""
    problems = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    with database.reading() as session:
        subjects: dict[int, set[int]] = {}
        for seq, person in session.execute(select(AuditSubject.seq, AuditSubject.person_id)):
            subjects.setdefault(seq, set()).add(person)
        for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
            count += 1
            if entry.seq != expected_seq:
                problems.append(f"entries {expected_seq} to {entry.seq - 1} are missing")
            if entry.prev_hash != prev_hash:
                problems.append(f"entry {entry.seq} does not follow the entry before it")
            if entry.hash != _digest(key, entry.prev_hash, _fields(vars(entry))):
                problems.append(f"entry {entry.seq} has been altered")
            if subjects.get(entry.seq, set()) != set(entry.subjects):
                problems.append(f"entry {entry.seq}'s list of people has been altered")
            prev_hash, expected_seq = entry.hash, entry.seq + 1
        total = session.execute(select(func.count()).select_from(AuditEntry)).scalar()
    if total != count:
        problems.append("the number of entries changed while verifying")
    return VerifyReport(count, tuple(problems))


def who_looked_at(database: Database, person_id: int, limit: int = 500) -> list[AuditEntry]:
    with database.reading() as session:
        return list(
            session.execute(
                select(AuditEntry)
                .join(AuditSubject, AuditSubject.seq == AuditEntry.seq)
                .where(AuditSubject.person_id == person_id)
                .order_by(AuditEntry.seq.desc())
                .limit(limit)
            ).scalars()
        )


def what_user_looked_at(database: Database, actor: str, limit: int = 500) -> list[AuditEntry]:
    with database.reading() as session:
        return list(
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.actor == actor)
                .order_by(AuditEntry.seq.desc())
                .limit(limit)
            ).scalars()
        )

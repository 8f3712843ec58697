"""Break-glass access: a reasoned, time-limited grant to one person's record, reviewed afterwards.

The grant lands in the privacy officer's review queue the moment it is made (it is the queue).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_nhs_number
from avert.security.principal import Principal
from avert.store.db import Database
from avert.store.schema import BreakGlass, Person


class NoSuchPerson(Exception):
    """No person with that NHS number (said plainly: the requester already knows the number)."""


def grant(
    database: Database,
    principal: Principal,
    nhs_number: str,
    reason: str,
    *,
    now: datetime,
    length: timedelta,
    audit: Callable[[Session, BreakGlass], None] | None = None,
) -> tuple[BreakGlass, int]:
    """Grant access; `audit` records the grant in the same transaction (both or neither)."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError("reason", "explain in a sentence why you need this record now")
    number = parse_nhs_number(nhs_number)
    with database.writing() as session:
        person_id = session.execute(
            select(Person.id).where(Person.nhs_number == number)
        ).scalar_one_or_none()
        if person_id is None:
            raise NoSuchPerson()
        row = BreakGlass(
            user_id=principal.id,
            person_id=person_id,
            reason=reason,
            granted_at=now,
            expires_at=now + length,
        )
        session.add(row)
        session.flush()
        if audit is not None:
            audit(session, row)
        return row, person_id


def awaiting_review(database: Database) -> list[BreakGlass]:
    with database.reading() as session:
        return list(
            session.execute(
                select(BreakGlass)
                .where(BreakGlass.reviewed_at.is_(None))
                .order_by(BreakGlass.granted_at)
            ).scalars()
        )


def review(database: Database, grant_id: int, *, by: str, note: str, now: datetime) -> bool:
    note = (note or "").strip()
    if not note:
        raise ValidationError("note", "record what the review found")
    with database.writing() as session:
        done = session.execute(
            update(BreakGlass)
            .where(BreakGlass.id == grant_id, BreakGlass.reviewed_at.is_(None))
            .values(reviewed_by=by, reviewed_at=now, review_note=note)
            .execution_options(synchronize_session=False)
        )
        return done.rowcount == 1

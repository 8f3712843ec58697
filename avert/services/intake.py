"""Referral intake at the single point of access: find or create the person, triage, clock.

A referral is acknowledged only after the transaction that stores it (with its history and its
idempotency key) has committed. Intake is idempotent: the same Idempotency-Key, or the same
source system and source referral id, returns the original referral; the same key with a
different body is refused. A probable duplicate (same NHS number, an open referral in the last
24 hours) is flagged for the coordinator, never merged: a second call can mean deterioration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avert.config import Settings
from avert.domain.clocks import to_local
from avert.domain.errors import ValidationError
from avert.domain.identifiers import age_in_years
from avert.domain.lifecycle import StatusReason, check_transition, is_open
from avert.domain.triage import TriageDecision, TriageInput, triage
from avert.domain.vocab import (
    ConditionNeed,
    Disposition,
    RedFlag,
    ReferralSource,
    ReferralState,
    Residence,
    Sex,
    StatedUrgency,
)
from avert.services.clocks import start_clock_if_due
from avert.services.history import event_row
from avert.store.db import Database
from avert.store.schema import (
    IdempotencyKey,
    Neighbourhood,
    Person,
    Referral,
    ReferralEvent,
    Team,
)


class IdempotencyConflict(Exception):
    """A replayed key or source referral id arrived with a different body."""

    def __init__(self, what: str, referral_id: int) -> None:
        super().__init__(what)
        self.what = what
        self.referral_id = referral_id


@dataclass(frozen=True)
class PersonDetails:
    given_name: str
    family_name: str
    nhs_number: str | None = None
    date_of_birth: date | None = None
    age_years: int | None = None
    sex: Sex = Sex.UNKNOWN
    address_line: str | None = None
    postcode: str | None = None
    residence: Residence = Residence.OWN_HOME
    access_note: str | None = None
    # A person already known to the service, chosen by the coordinator (pages) or matched later.
    person_id: int | None = None

    def __post_init__(self) -> None:
        if self.date_of_birth is None and self.age_years is None:
            raise ValidationError("person.date_of_birth", "give a date of birth or an age")


@dataclass(frozen=True)
class ReferralRequest:
    """A validated referral as it arrived (the API and the pages build one)."""

    source: ReferralSource
    referrer_name: str
    referrer_phone: str
    person: PersonDetails
    need: ConditionNeed
    need_text: str | None = None
    red_flags: frozenset[RedFlag] = frozenset()
    stated_urgency: StatedUrgency = StatedUrgency.NOT_STATED
    referrer_organisation: str | None = None
    source_system: str | None = None
    source_referral_id: str | None = None
    received_at: datetime | None = None
    team_id: str | None = None
    # The body as the client sent it, for the replay fingerprint (excluded from equality).
    fingerprint_source: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if (self.source_system is None) != (self.source_referral_id is None):
            raise ValidationError(
                "source_referral_id", "give both source_system and source_referral_id, or neither"
            )


@dataclass(frozen=True)
class IntakeResult:
    """The referral's id; for a new one, also the rows just committed (to answer without a read)."""

    referral_id: int
    created: bool
    referral: Referral | None = None
    person: Person | None = None


# Core statements, compiled once: intake is the hot path (see `avert bench intake`).
_INSERT_PERSON = insert(Person).returning(Person.id)
_INSERT_REFERRAL = insert(Referral).returning(Referral.id)
_FIND_KEY = select(IdempotencyKey.referral_id, IdempotencyKey.request_hash).where(
    IdempotencyKey.client_id == bindparam("client_id"), IdempotencyKey.key == bindparam("key")
)
_FIND_SOURCE_REFERRAL = select(Referral.id, Referral.request_hash).where(
    Referral.source_system == bindparam("system"),
    Referral.source_referral_id == bindparam("referral"),
)


def fingerprint(body: dict[str, Any]) -> str:
    """A stable hash of a request body: key order and spacing do not matter."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit_referral(
    database: Database,
    settings: Settings,
    request: ReferralRequest,
    *,
    now: datetime,
    actor: str,
    idempotency: tuple[str, str] | None = None,
    submitted_by: str | None = None,
    audit: Callable[[Session, Referral, Person], None] | None = None,
) -> IntakeResult:
    """Store a referral (or find the one it replays) and return its id.

    `audit` writes the access record in the same transaction as the new referral, so the two
    commit together or not at all.
    """
    request_hash = fingerprint(request.fingerprint_source)
    for attempt in range(3):
        try:
            with database.writing() as session:
                replayed = find_replay(session, request, request_hash, idempotency)
                if replayed is not None:
                    return IntakeResult(replayed, created=False)
                referral, person = create_referral(
                    session, settings, request, request_hash, now, actor, submitted_by
                )
                if idempotency is not None:
                    session.connection().execute(
                        insert(IdempotencyKey),
                        {
                            "client_id": idempotency[0],
                            "key": idempotency[1],
                            "request_hash": request_hash,
                            "referral_id": referral.id,
                            "created_at": now,
                        },
                    )
                if audit is not None:
                    audit(session, referral, person)
            return IntakeResult(referral.id, created=True, referral=referral, person=person)
        except IntegrityError:
            # A concurrent first delivery won the unique key: the next pass finds it as a replay.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def find_replay(
    session: Session,
    request: ReferralRequest,
    request_hash: str,
    idempotency: tuple[str, str] | None,
) -> int | None:
    """The referral this request replays (same key or source referral id), inside `session`.

    IdempotencyConflict if it replays one with a different body; None for a new request.
    """
    conn = session.connection()
    if idempotency is not None:
        seen = conn.execute(_FIND_KEY, {"client_id": idempotency[0], "key": idempotency[1]}).first()
        if seen is not None:
            if seen.request_hash != request_hash:
                raise IdempotencyConflict("Idempotency-Key", seen.referral_id)
            return seen.referral_id
    if request.source_system is not None:
        existing = conn.execute(
            _FIND_SOURCE_REFERRAL,
            {"system": request.source_system, "referral": request.source_referral_id},
        ).first()
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyConflict("source_referral_id", existing.id)
            return existing.id
    return None


def _find_or_create_person(session: Session, details: PersonDetails) -> Person:
    if details.person_id is not None:
        person = session.get(Person, details.person_id)
        if person is None:
            raise ValidationError("person.person_id", "is not a person known to the service")
        if details.access_note:
            person.access_note = details.access_note
        return person
    if details.nhs_number is not None:
        person = session.execute(
            select(Person).where(Person.nhs_number == details.nhs_number)
        ).scalar_one_or_none()
        if person is not None:
            if details.access_note:
                person.access_note = details.access_note
            return person
    values = {
        "nhs_number": details.nhs_number,
        "given_name": details.given_name,
        "family_name": details.family_name,
        "sex": details.sex.value,
        "date_of_birth": details.date_of_birth,
        "address_line": details.address_line,
        "postcode": details.postcode,
        "residence": details.residence.value,
        "access_note": details.access_note,
    }
    person_id = session.connection().execute(_INSERT_PERSON, values).scalar_one()
    return Person(id=person_id, **values)


def _team_for(session: Session, person: Person, team_id: str | None) -> Team | None:
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None:
            raise ValidationError("team_id", "is not a team of this service")
        return team
    if person.neighbourhood_id is not None:
        locality = (
            select(Neighbourhood.locality)
            .where(Neighbourhood.id == person.neighbourhood_id)
            .scalar_subquery()
        )
        team = session.execute(
            select(Team).where(Team.locality == locality).order_by(Team.id).limit(1)
        ).scalar_one_or_none()
        if team is not None:
            return team
    return session.execute(select(Team).order_by(Team.id).limit(1)).scalar_one_or_none()


def _probable_duplicate(
    session: Session, person: Person, received_at: datetime, window: timedelta
) -> int | None:
    if person.nhs_number is None:
        return None
    return session.execute(
        select(Referral.id)
        .where(
            Referral.person_id == person.id,
            Referral.is_open.is_(True),
            Referral.received_at >= received_at - window,
            Referral.received_at <= received_at,
        )
        .order_by(Referral.received_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def create_referral(
    session: Session,
    settings: Settings,
    request: ReferralRequest,
    request_hash: str,
    now: datetime,
    actor: str,
    submitted_by: str | None = None,
) -> tuple[Referral, Person]:
    """Triage and store a new referral (and its person, if new) inside the caller's transaction."""
    received_at = (request.received_at or now).astimezone(UTC)
    if received_at > now:
        raise ValidationError("received_at", "cannot be in the future")
    if now - received_at > timedelta(days=7):
        raise ValidationError("received_at", "is more than 7 days ago; enter it as history")
    person = _find_or_create_person(session, request.person)
    details = request.person
    if details.date_of_birth is not None:
        age = age_in_years(details.date_of_birth, to_local(received_at).date())
    else:
        age = details.age_years
    decision = triage(
        TriageInput(
            age_years=age,
            residence=details.residence,
            need=request.need,
            need_text=request.need_text,
            red_flags=request.red_flags,
            stated_urgency=request.stated_urgency,
            source=request.source,
        )
    )
    team = _team_for(session, person, request.team_id)
    duplicate_of = _probable_duplicate(session, person, received_at, settings.duplicate_window)

    target_state = (
        ReferralState.REDIRECTED
        if decision.disposition is Disposition.REDIRECT
        else ReferralState.TRIAGED
    )
    reason = (
        StatusReason.REDIRECTED_BY_RULES
        if target_state is ReferralState.REDIRECTED
        else StatusReason.TRIAGED_BY_RULES
    )
    check_transition(ReferralState.RECEIVED, target_state, reason)
    referral = Referral(
        person_id=person.id,
        team_id=team.id if team else None,
        source=request.source.value,
        source_system=request.source_system,
        source_referral_id=request.source_referral_id,
        request_hash=request_hash,
        referrer_name=request.referrer_name,
        referrer_organisation=request.referrer_organisation,
        referrer_phone=request.referrer_phone,
        received_at=received_at,
        need=request.need.value,
        need_text=request.need_text,
        red_flags=sorted(f.value for f in request.red_flags),
        stated_urgency=request.stated_urgency.value,
        residence=details.residence.value,
        age_years=age,
        state=target_state.value,
        state_reason=reason.value,
        is_open=is_open(target_state),
        triaged_at=now,
        possible_duplicate_of=duplicate_of,
        submitted_by=submitted_by,
        version=1,
        created_at=now,
        **triage_columns(decision),
    )
    start_clock_if_due(referral, team, settings)
    columns = {c: getattr(referral, c) for c in Referral.__table__.columns.keys() if c != "id"}
    referral.id = session.connection().execute(_INSERT_REFERRAL, columns).scalar_one()
    first_events = [
        event_row(
            referral.id,
            1,
            at=received_at,
            actor=actor,
            action="received",
            to_state=ReferralState.RECEIVED,
            data={"source": request.source.value, "possible_duplicate_of": duplicate_of},
        ),
        event_row(
            referral.id,
            2,
            at=now,
            actor="ruleset " + decision.ruleset_version,
            action="triaged",
            from_state=ReferralState.RECEIVED,
            to_state=target_state,
            reason=reason,
            data={"triage": decision.to_dict()},
        ),
    ]
    session.connection().execute(insert(ReferralEvent), first_events)
    return referral, person


def triage_columns(decision: TriageDecision) -> dict[str, Any]:
    return {
        "disposition": decision.disposition.value,
        "destination": decision.destination.value if decision.destination else None,
        "standard": decision.standard.value if decision.standard else None,
        "ruleset_version": decision.ruleset_version,
        "triage": decision.to_dict(),
        "needs_clinical_review": decision.needs_clinical_review,
    }

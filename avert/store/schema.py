"""The tables: the synthetic or real area (people, practices, teams, staff) and the referrals.

Times are stored in UTC (`UtcDateTime` refuses naive values) and converted for display at the
edge. Referral history is append-only in `referral_events`; the `referrals` row holds the current
state so that the live queue is one indexed query. Schema changes go through Alembic migrations
in `avert/store/migrations/`; a test checks that the migrations produce exactly these tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime: give it a timezone")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Neighbourhood(Base):
    __tablename__ = "neighbourhoods"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    locality: Mapped[str] = mapped_column(String(120))
    centre_lat: Mapped[float] = mapped_column(Float)
    centre_lon: Mapped[float] = mapped_column(Float)
    deprivation_decile: Mapped[int] = mapped_column(Integer)


class Practice(Base):
    __tablename__ = "practices"
    ods_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"))
    postcode: Mapped[str] = mapped_column(String(8))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class CareHome(Base):
    __tablename__ = "care_homes"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    nursing: Mapped[bool] = mapped_column(Boolean)
    beds: Mapped[int] = mapped_column(Integer)
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"))
    address_line: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(8))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(16))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address_line: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    practice_ods: Mapped[str | None] = mapped_column(ForeignKey("practices.ods_code"))
    neighbourhood_id: Mapped[str | None] = mapped_column(ForeignKey("neighbourhoods.id"))
    residence: Mapped[str] = mapped_column(String(32))
    care_home_id: Mapped[str | None] = mapped_column(ForeignKey("care_homes.id"))
    deprivation_decile: Mapped[int | None] = mapped_column(Integer)
    # How to get in and what to know at the door (key safe, hazards): shown to visiting staff.
    access_note: Mapped[str | None] = mapped_column(Text)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    locality: Mapped[str] = mapped_column(String(120))
    base_lat: Mapped[float] = mapped_column(Float)
    base_lon: Mapped[float] = mapped_column(Float)
    service_hours: Mapped[dict[str, Any]] = mapped_column(JSON)


class StaffMember(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(32))
    skills: Mapped[list[Any]] = mapped_column(JSON)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), index=True)
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    # Live status on shift: available, travelling, on_visit or off (services.visits).
    status: Mapped[str] = mapped_column(String(16), default="available", server_default="available")
    status_at: Mapped[datetime | None]
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_lon: Mapped[float | None] = mapped_column(Float)


class Shift(Base):
    __tablename__ = "shifts"
    __table_args__ = (Index(None, "starts_at", "ends_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("source_system", "source_referral_id"),
        Index(None, "is_open", "queue_key", "id"),
        Index(None, "person_id", "received_at"),
        Index(None, "team_id", "is_open"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    source: Mapped[str] = mapped_column(String(32))
    source_system: Mapped[str | None] = mapped_column(String(100))
    source_referral_id: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    referrer_name: Mapped[str] = mapped_column(String(160))
    referrer_organisation: Mapped[str | None] = mapped_column(String(160))
    referrer_phone: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime]
    need: Mapped[str] = mapped_column(String(32))
    need_text: Mapped[str | None] = mapped_column(Text)
    red_flags: Mapped[list[Any]] = mapped_column(JSON)
    stated_urgency: Mapped[str] = mapped_column(String(32))
    residence: Mapped[str] = mapped_column(String(32))
    age_years: Mapped[int] = mapped_column(Integer)
    # Triage: the decision as the ruleset (or a clinician's override) made it.
    disposition: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str | None] = mapped_column(String(40))
    standard: Mapped[str | None] = mapped_column(String(32))
    ruleset_version: Mapped[str] = mapped_column(String(32))
    triage: Mapped[dict[str, Any]] = mapped_column(JSON)
    needs_clinical_review: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lifecycle: control state, the reason for people, and the moments that drive clocks.
    state: Mapped[str] = mapped_column(String(16))
    state_reason: Mapped[str] = mapped_column(String(40))
    is_open: Mapped[bool] = mapped_column(Boolean)
    triaged_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    first_contact_at: Mapped[datetime | None]
    discharged_at: Mapped[datetime | None]
    # The response clock as configured when the referral arrived (so it can be re-evaluated).
    clock_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    clock_started_at: Mapped[datetime | None]
    clock_deadline: Mapped[datetime | None]
    clock_stopped_at: Mapped[datetime | None]
    # The live queue's order in one indexed column: the deadline while the clock runs, otherwise
    # a century after receipt (so those follow, oldest first). Kept by services.clocks.
    queue_key: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    onward_service: Mapped[str | None] = mapped_column(String(32))
    onward_note: Mapped[str | None] = mapped_column(Text)
    possible_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    # Who submitted it: a user id, or an API client id (a system reads back only its own).
    submitted_by: Mapped[str | None] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]


class ReferralEvent(Base):
    """Append-only history: who did what to a referral, when and why."""

    __tablename__ = "referral_events"
    __table_args__ = (UniqueConstraint("referral_id", "seq"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class IdempotencyKey(Base):
    """An Idempotency-Key seen from a client, with the fingerprint of the request it came with."""

    __tablename__ = "idempotency_keys"
    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    created_at: Mapped[datetime]


class Visit(Base):
    """One visit to the person by one or two staff; the first one stops the response clock."""

    __tablename__ = "visits"
    __table_args__ = (Index(None, "status", "planned_at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # allocated, en_route, arrived, done, cancelled
    planned_at: Mapped[datetime | None]
    allocated_at: Mapped[datetime]
    allocated_by: Mapped[str] = mapped_column(String(160))
    en_route_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class VisitStaff(Base):
    """Who goes on a visit: one person, or two together (e.g. an OT with a support worker)."""

    __tablename__ = "visit_staff"
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)


class Assessment(Base):
    """The holistic assessment at a visit: observations with NEWS2, frailty, needs."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(160))
    observations: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    news2_total: Mapped[int | None] = mapped_column(Integer)
    news2_band: Mapped[str | None] = mapped_column(String(16))
    news2_scale: Mapped[int | None] = mapped_column(Integer)
    news2_escalate: Mapped[bool] = mapped_column(Boolean, default=False)
    cfs: Mapped[int | None] = mapped_column(Integer)
    physical_needs: Mapped[str | None] = mapped_column(Text)
    mental_health_needs: Mapped[str | None] = mapped_column(Text)
    social_needs: Mapped[str | None] = mapped_column(Text)
    what_matters: Mapped[str | None] = mapped_column(Text)
    carer_situation: Mapped[str | None] = mapped_column(Text)


class CareAction(Base):
    """Something to be done for the person: package of care, equipment, onward referral, advice."""

    __tablename__ = "care_actions"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    onward_service: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(16))  # open, done
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(160))
    done_at: Mapped[datetime | None]


class HuddleDecision(Base):
    """A decision about a person recorded at the daily MDT huddle."""

    __tablename__ = "huddle_decisions"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    decided_at: Mapped[datetime]
    decided_by: Mapped[str] = mapped_column(String(160))
    decision: Mapped[str] = mapped_column(Text)


class User(Base):
    """A member of staff who signs in. Passwords are stored only as argon2 hashes."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class UserSession(Base):
    """A signed-in browser. Only the token's hash is stored."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ApiClient(Base):
    """A system (NHS 111, ambulance, telecare, GP) that signs in with client credentials."""

    __tablename__ = "api_clients"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    organisation: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[Any]] = mapped_column(JSON)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    """A bearer token issued to a client, with the scopes it was granted. Only the hash is kept."""

    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"), index=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AuditEntry(Base):
    """One access to patient data, hash-chained to the one before. Never updated or deleted."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    resource: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    subjects: Mapped[list[Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditSubject(Base):
    """Which people an audit entry touched, for "who looked at this person"."""

    __tablename__ = "audit_subjects"
    seq: Mapped[int] = mapped_column(ForeignKey("audit_log.seq"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, index=True
    )


class BreakGlass(Base):
    """Emergency access to one person's record: reasoned, time-limited, reviewed."""

    __tablename__ = "break_glass"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)


# Shared care record (migration 0005) ---------------------------------------------------------


class CareRecordEntry(Base):
    """One version of one section of a person's shared care record (append-only).

    The current record is the latest version of each section. A change inserts version n+1 of
    its section; the unique (person, section, version) makes two concurrent edits made from the
    same version collide instead of one silently overwriting the other (compare-and-set).
    """

    __tablename__ = "care_record_entries"
    __table_args__ = (UniqueConstraint("person_id", "section", "version"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    section: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)


# Directory of Services (migration 0006) ------------------------------------------------------


class DirectoryServiceRow(Base):
    """A service in the Directory of Services (avert.domain.directory.DirectoryService).

    Edited by service leads with compare-and-set on `version`. `hours` is a ServiceHours config
    (weekly sessions, bank holidays, bank-holiday sessions, dated exceptions); `needs` and
    `neighbourhoods` are lists of codes, empty meaning "any".
    """

    __tablename__ = "directory_services"
    __table_args__ = (Index(None, "service_type", "active"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    service_type: Mapped[str] = mapped_column(String(32))
    ods_code: Mapped[str | None] = mapped_column(String(10))
    organisation: Mapped[str | None] = mapped_column(String(160))
    address_line: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    neighbourhoods: Mapped[list[Any]] = mapped_column(JSON)
    needs: Mapped[list[Any]] = mapped_column(JSON)
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    route_kind: Mapped[str] = mapped_column(String(8))
    route_value: Mapped[str] = mapped_column(String(200))
    referral_information: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(160))


class DirectoryCapacity(Base):
    """Append-only history of a service's capacity status (RAG); the latest row is in force."""

    __tablename__ = "directory_capacity"
    __table_args__ = (Index(None, "service_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id"))
    status: Mapped[str] = mapped_column(String(8))
    reset_minutes: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime]
    set_by: Mapped[str] = mapped_column(String(160))
    note: Mapped[str | None] = mapped_column(Text)


class MaintainedPlan(Base):
    """The board's maintained plan of the running day (services.dispatch), one row shared by
    every server process: the plan, the state of the day it was made for, and when."""

    __tablename__ = "maintained_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    version: Mapped[int] = mapped_column(Integer)
    mark: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime]
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)

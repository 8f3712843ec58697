"""The shared care record in the store: read the current record, change a section, its history.

Each section of a person's record (avert.domain.care_record) is kept as append-only versions in
`care_record_entries`; the current record is the newest version of each section. A change names
the version it was made from (compare-and-set): if someone else saved the section in between, the
change is refused with `VersionConflict` and nothing is overwritten. Two concurrent saves from
the same version cannot both insert version n+1 (a unique key), so the loser is told too. Every
change carries who, when and why, and its audit entry is written in the same transaction.

Who may see a person's record follows the referral rules (avert.services.access): the single
point of access sees everyone; a clinician sees a person through an open referral on their team's
caseload, a visit allocated to them, or break-glass access; anyone else (a referring system
too: it reads back its own referrals, not the record) gets NotFound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avert.config import Settings
from avert.domain import care_record as domain
from avert.domain.access import Caseload
from avert.domain.care_record import Section, Version
from avert.domain.service_hours import ServiceHours
from avert.domain.vocab import ConditionNeed, Disposition, ReferralState
from avert.security.principal import Principal
from avert.services.access import basis, visible_referrals
from avert.store.db import Database
from avert.store.schema import (
    Assessment,
    BreakGlass,
    CareAction,
    CareRecordEntry,
    Person,
    Practice,
    Referral,
    StaffMember,
    Team,
    Visit,
    VisitStaff,
)


class NotFound(Exception):
    """No such person, or not one this principal may see."""


class VersionConflict(Exception):
    """The section changed since the version the change was made from."""

    def __init__(self, section: Section, current: int) -> None:
        super().__init__(f"{section} is now at version {current}")
        self.section = section
        self.current = current


@dataclass(frozen=True)
class Record:
    """A person's current record: the newest version of each section (None if never recorded)."""

    person_id: int
    sections: dict[Section, Version | None]

    @property
    def data(self) -> dict[str, Any]:
        """{section: its data} for the sections that have been recorded."""
        return {s.value: v.data for s, v in self.sections.items() if v is not None}

    def version(self, section: Section) -> int:
        found = self.sections.get(Section(section))
        return found.version if found else 0


def _version(row: CareRecordEntry) -> Version:
    return Version(
        Section(row.section),
        row.version,
        dict(row.data),
        row.recorded_by,
        row.recorded_at,
        row.reason,
    )


# -------------------------------------------------------------------------------- who sees


def visible_person(
    database: Database, principal: Principal, person_id: int, *, now: datetime
) -> tuple[Person, str]:
    """The person and the basis on which this principal may see them; NotFound otherwise."""
    with database.reading() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound(person_id)
        if principal.caseload is Caseload.SERVICE:
            return person, "service role"
        if principal.caseload is not Caseload.TEAM:
            # A referring system reads back its referrals, not the person's whole record.
            raise NotFound(person_id)
        referral = session.execute(
            select(Referral)
            .where(Referral.person_id == person_id, visible_referrals(principal, now))
            .order_by(Referral.is_open.desc(), Referral.received_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        if referral is not None:
            allocated = principal.staff_id is not None and (
                session.execute(
                    select(VisitStaff.visit_id)
                    .join(Visit, Visit.id == VisitStaff.visit_id)
                    .where(
                        Visit.referral_id == referral.id,
                        VisitStaff.staff_id == principal.staff_id,
                    )
                    .limit(1)
                ).first()
                is not None
            )
            why = basis(principal, referral, allocated=allocated, break_glass=True)
            return person, why
        glass = session.execute(
            select(BreakGlass.id)
            .where(
                BreakGlass.user_id == principal.id,
                BreakGlass.person_id == person_id,
                BreakGlass.expires_at > now,
            )
            .limit(1)
        ).first()
        if glass is not None:
            return person, "break glass"
    raise NotFound(person_id)


# ------------------------------------------------------------------------------------ read


def _newest(session: Session, person_ids: list[int]) -> dict[int, dict[Section, Version | None]]:
    """The newest version of each section of each person, in one query."""
    newest = (
        select(
            CareRecordEntry.person_id,
            CareRecordEntry.section,
            func.max(CareRecordEntry.version).label("version"),
        )
        .where(CareRecordEntry.person_id.in_(person_ids))
        .group_by(CareRecordEntry.person_id, CareRecordEntry.section)
        .subquery()
    )
    rows = session.execute(
        select(CareRecordEntry).join(
            newest,
            (CareRecordEntry.person_id == newest.c.person_id)
            & (CareRecordEntry.section == newest.c.section)
            & (CareRecordEntry.version == newest.c.version),
        )
    ).scalars()
    found: dict[int, dict[Section, Version | None]] = {
        pid: dict.fromkeys(Section) for pid in person_ids
    }
    for row in rows:
        found[row.person_id][Section(row.section)] = _version(row)
    return found


def current_sections(session: Session, person_id: int) -> dict[Section, Version | None]:
    """The newest version of each section (None for a section never recorded)."""
    return _newest(session, [person_id])[person_id]


def read_record(database: Database, person_id: int) -> Record:
    """The current record (callers have checked the person is visible)."""
    with database.reading() as session:
        if session.get(Person, person_id) is None:
            raise NotFound(person_id)
        return Record(person_id, current_sections(session, person_id))


def read_records(database: Database, person_ids: list[int]) -> dict[int, Record]:
    """The current records of several people at once (the huddle)."""
    if not person_ids:
        return {}
    with database.reading() as session:
        return {pid: Record(pid, found) for pid, found in _newest(session, person_ids).items()}


def history(database: Database, person_id: int, section: Section) -> list[Version]:
    """Every version of one section, newest first: who, when and why."""
    with database.reading() as session:
        rows = session.execute(
            select(CareRecordEntry)
            .where(
                CareRecordEntry.person_id == person_id,
                CareRecordEntry.section == Section(section).value,
            )
            .order_by(CareRecordEntry.version.desc())
        ).scalars()
        return [_version(r) for r in rows]


# ---------------------------------------------------------------------------------- change

Audit = Callable[[Session, Person, Version], None]


def write_version(
    session: Session,
    person: Person,
    section: Section,
    data: dict[str, Any],
    *,
    version: int,
    by: str,
    at: datetime,
    reason: str,
    sync_access_note: bool = True,
) -> Version:
    """Insert one version (inside the caller's transaction); IntegrityError if it exists.

    A new access section also becomes the person's one-line access note (board, visit page),
    unless `sync_access_note` is false (an import brings the note as it was).
    """
    session.connection().execute(
        insert(CareRecordEntry),
        {
            "person_id": person.id,
            "section": section.value,
            "version": version,
            "data": data,
            "recorded_by": by,
            "recorded_at": at,
            "reason": reason,
        },
    )
    if section is Section.ACCESS and sync_access_note:
        person.access_note = domain.access_note(data)
    return Version(section, version, data, by, at, reason)


def update_section(
    database: Database,
    person_id: int,
    section: Section,
    data: dict[str, Any],
    *,
    expected_version: int,
    reason: str,
    by: str,
    now: datetime,
    today: date,
    audit: Audit | None = None,
) -> Version:
    """Save a new version of one section if it is still at `expected_version`.

    Raises SectionInvalid (or ValidationError for the reason) for bad input, VersionConflict if
    the section moved on, NotFound for an unknown person. `audit` writes the audit entry in the
    same transaction, so the change and its record commit together or not at all.
    """
    section = Section(section)
    clean = domain.validate(section, data, today=today)
    why = domain.check_reason(reason)
    try:
        with database.writing() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound(person_id)
            current = (
                session.execute(
                    select(func.max(CareRecordEntry.version)).where(
                        CareRecordEntry.person_id == person_id,
                        CareRecordEntry.section == section.value,
                    )
                ).scalar_one_or_none()
                or 0
            )
            if current != expected_version:
                raise VersionConflict(section, current)
            saved = write_version(
                session, person, section, clean, version=current + 1, by=by, at=now, reason=why
            )
            if audit is not None:
                audit(session, person, saved)
    except IntegrityError:
        # Someone saved version n+1 between our read and our insert: they won.
        raise VersionConflict(section, expected_version + 1) from None
    return saved


# ------------------------------------------------------------------------------- documents


def person_facts(session: Session, person: Person) -> domain.PersonFacts:
    practice = session.get(Practice, person.practice_ods) if person.practice_ods else None
    address = ", ".join(p for p in (person.address_line, person.postcode) if p) or None
    return domain.PersonFacts(
        name=f"{person.given_name} {person.family_name}".strip(),
        nhs_number=person.nhs_number,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        address=address,
        gp_practice=f"{practice.name} ({practice.ods_code})" if practice else None,
    )


def latest_referral(session: Session, person_id: int) -> Referral | None:
    """The person's current episode: their newest open referral, else their newest referral."""
    return session.execute(
        select(Referral)
        .where(Referral.person_id == person_id)
        .order_by(Referral.is_open.desc(), Referral.received_at.desc(), Referral.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def service_contacts(
    session: Session, settings: Settings, team_id: str | None
) -> domain.ServiceContacts:
    """The UCR team's name, number and hours (its own hours, or the first team's)."""
    team = session.get(Team, team_id) if team_id else None
    if team is None:
        team = session.execute(select(Team).order_by(Team.id).limit(1)).scalar_one_or_none()
    if team is None:
        return domain.ServiceContacts("The UCR team", settings.ucr_phone, "its opening hours")
    hours = domain.hours_in_words(ServiceHours.from_config(team.service_hours))
    return domain.ServiceContacts(team.name, settings.ucr_phone, hours)


def crisis_plan(
    database: Database, settings: Settings, person_id: int, *, now: datetime
) -> domain.Document:
    """The person's crisis plan (callers have checked the person is visible)."""
    with database.reading() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound(person_id)
        record = Record(person_id, current_sections(session, person_id))
        referral = latest_referral(session, person_id)
        service = service_contacts(session, settings, referral.team_id if referral else None)
        facts = person_facts(session, person)
    return domain.crisis_plan(facts, record.data, service, generated_at=now)


@dataclass(frozen=True)
class Transfer:
    """A transfer summary and what it was built from (the FHIR document needs the rows)."""

    document: domain.Document
    person: Person
    record: Record
    referral: Referral | None
    team_name: str | None
    assessments: list[Assessment]
    visits: list[Visit]
    visit_staff: dict[int, list[tuple[str, str]]]


RECENT_OBSERVATIONS = 3


def transfer_summary(
    database: Database,
    settings: Settings,
    person_id: int,
    *,
    now: datetime,
    from_setting: domain.Setting = domain.Setting.HOME,
    to_setting: domain.Setting = domain.Setting.HOSPITAL,
    reason: str = "",
) -> Transfer:
    """The red-bag transfer summary (callers have checked the person is visible)."""
    with database.reading() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound(person_id)
        record = Record(person_id, current_sections(session, person_id))
        referral = latest_referral(session, person_id)
        team = session.get(Team, referral.team_id) if referral and referral.team_id else None
        assessments = list(
            session.execute(
                select(Assessment)
                .join(Referral, Referral.id == Assessment.referral_id)
                .where(Referral.person_id == person_id)
                .order_by(Assessment.recorded_at.desc(), Assessment.id.desc())
                .limit(RECENT_OBSERVATIONS)
            ).scalars()
        )
        visits: list[Visit] = []
        staff: dict[int, list[tuple[str, str]]] = {}
        actions: list[CareAction] = []
        if referral is not None:
            visits = list(
                session.execute(
                    select(Visit).where(Visit.referral_id == referral.id).order_by(Visit.id)
                ).scalars()
            )
            for visit_id, staff_id, name in session.execute(
                select(VisitStaff.visit_id, StaffMember.id, StaffMember.name)
                .join(StaffMember, StaffMember.id == VisitStaff.staff_id)
                .where(VisitStaff.visit_id.in_([v.id for v in visits]))
                .order_by(StaffMember.id)
            ):
                staff.setdefault(visit_id, []).append((staff_id, name))
            actions = list(
                session.execute(
                    select(CareAction)
                    .where(CareAction.referral_id == referral.id, CareAction.status == "open")
                    .order_by(CareAction.id)
                ).scalars()
            )
        facts = person_facts(session, person)
    episode = None
    if referral is not None:
        episode = domain.EpisodeFacts(
            referral_id=referral.id,
            received_at=referral.received_at,
            need=ConditionNeed(referral.need).label,
            need_text=referral.need_text,
            response=Disposition(referral.disposition).label,
            state=ReferralState(referral.state).label,
            team_name=team.name if team else None,
            actions=tuple(
                f"{a.kind.replace('_', ' ').capitalize()}: {a.detail} (owner {a.owner})"
                for a in actions
            ),
        )
    observed = tuple(
        domain.ObservationFacts(
            recorded_at=a.recorded_at,
            recorded_by=a.recorded_by,
            news2_total=a.news2_total,
            news2_band=a.news2_band,
            values=domain.observation_values(a.observations),
        )
        for a in assessments
    )
    document = domain.transfer_summary(
        facts,
        record.data,
        episode=episode,
        observations=observed,
        from_setting=from_setting,
        to_setting=to_setting,
        reason=reason,
        generated_at=now,
    )
    return Transfer(
        document,
        person,
        record,
        referral,
        team.name if team else None,
        assessments,
        visits,
        staff,
    )

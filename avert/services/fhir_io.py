"""FHIR in and out of the store: reads and searches, inbound referrals, patient export and import.

- Reads and searches for the `/fhir` API build resources with `avert.fhir` from indexed queries
  (a Patient by id or NHS number is one primary-key or unique-index lookup).
- `receive_service_request`: an inbound ServiceRequest (posted, or the focus of a BaRS message)
  becomes an Avert referral through `submit_referral`, so it is triaged, gets its clock and keeps
  intake's idempotency: the same identifier (source system and referral id), the same
  Idempotency-Key, or a match of `If-None-Exist` returns the original and changes nothing.
- `export_patient`: a person's record as a `collection` Bundle, with their shared care record
  (avert.fhir.care_record).
- `import_bundle`: a Bundle of Patients and ServiceRequests (and access-note Flags, and the
  shared care record's resources), all checked before anything is written and written in one
  transaction, so nothing is half-imported. A ServiceRequest Avert exported is restored as it
  was (triage, state, clock); any other is a new referral and goes through intake's triage. A
  care record section the person does not have yet is stored as its first version; one they
  already have is left alone (a warning says so unless it is the same). Importing the same file
  twice changes nothing.
- `transfer_summary_bundle`: the red-bag transfer summary as a FHIR document Bundle.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, true
from sqlalchemy.orm import Session

from avert.config import Settings
from avert.domain import care_record as record_rules
from avert.domain.care_record import Section, SectionInvalid, Setting
from avert.domain.clocks import to_local
from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_nhs_number
from avert.domain.lifecycle import StatusReason
from avert.domain.vocab import ReferralState, Residence
from avert.fhir import bundle as bundles
from avert.fhir import care_record as care_fhir
from avert.fhir import flag as flags
from avert.fhir import systems
from avert.fhir.care_plan import care_plan_resource
from avert.fhir.document import transfer_document
from avert.fhir.encounter import encounter_resource
from avert.fhir.observation import observations
from avert.fhir.outcome import Problem, errors_in
from avert.fhir.patient import patient_resource, person_details
from avert.fhir.search import DateRange
from avert.fhir.service_request import (
    ReferralFields,
    is_avert_export,
    referral_fields,
    referral_request,
    restored_columns,
    service_request_resource,
)
from avert.fhir.validate import WrongResource, read_resource
from avert.services import care_record, intake
from avert.services.clocks import set_queue_key
from avert.services.history import event_row
from avert.services.intake import IdempotencyConflict, PersonDetails, submit_referral
from avert.store.db import Database
from avert.store.schema import (
    Assessment,
    CareAction,
    HuddleDecision,
    Person,
    Referral,
    ReferralEvent,
    StaffMember,
    Team,
    Visit,
    VisitStaff,
)


EXIT_BAD_INPUT = 12
OPEN_STATES = tuple(
    s.value for s in ReferralState if s not in ("discharged", "redirected", "cancelled")
)


class Refused(Exception):
    """The request cannot be honoured; `problems` say why, `status` is the HTTP status."""

    def __init__(self, problems: list[Problem], status: int = 422) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.status = status


class NotFound(Exception):
    """No such resource."""


def _person_name(person: Person) -> str:
    return f"{person.given_name} {person.family_name}".strip()


# ------------------------------------------------------------------------------------ reads


# Every read takes `scope`, the condition on referrals this principal may see
# (services.access.visible_referrals): a person is visible through any visible referral, and
# people and referrals outside it do not exist for the reader. The default is the whole service.
EVERYTHING = true()


def _visible_people(scope: ColumnElement[bool]):
    return select(Referral.person_id).where(scope)


def _person_visible(session: Session, person_id: int, scope: ColumnElement[bool]) -> bool:
    if scope is EVERYTHING:
        return session.get(Person, person_id) is not None
    found = select(Referral.id).where(Referral.person_id == person_id, scope).limit(1)
    return session.execute(found).first() is not None


def read_patient(
    database: Database, person_id: int, *, scope: ColumnElement[bool] = EVERYTHING
) -> dict[str, Any]:
    with database.reading() as session:
        person = session.get(Person, person_id)
        if person is None or not _person_visible(session, person_id, scope):
            raise NotFound(person_id)
    return patient_resource(person)


def search_patients(
    database: Database,
    *,
    identifier: tuple[str | None, str] | None = None,
    family: str | None = None,
    birthdate: DateRange | None = None,
    count: int,
    offset: int,
    scope: ColumnElement[bool] = EVERYTHING,
) -> tuple[list[dict[str, Any]], int]:
    """Patients matching every criterion given, ordered by id; with the total."""
    filters = [] if scope is EVERYTHING else [Person.id.in_(_visible_people(scope))]
    if identifier is not None:
        system, value = identifier
        if system in (None, systems.NHS_NUMBER) and value.isdigit() and len(value) == 10:
            by_nhs = Person.nhs_number == value
        else:
            by_nhs = None
        by_id = (
            Person.id == int(value)
            if system in (None, systems.PERSON_ID) and value.isdigit() and len(value) < 19
            else None
        )
        chosen = [c for c in (by_nhs, by_id) if c is not None]
        if not chosen:
            return [], 0
        filters.append(or_(*chosen) if len(chosen) > 1 else chosen[0])
    if family:
        filters.append(func.lower(Person.family_name).startswith(family.lower(), autoescape=True))
    if birthdate is not None:
        low, high = birthdate.bounds()
        if low is not None:
            filters.append(Person.date_of_birth >= low)
        if high is not None:
            filters.append(Person.date_of_birth < high)
    with database.reading() as session:
        total = session.execute(
            select(func.count()).select_from(Person).where(*filters)
        ).scalar_one()
        people = (
            session.execute(
                select(Person).where(*filters).order_by(Person.id).limit(count).offset(offset)
            )
            .scalars()
            .all()
        )
    return [patient_resource(p) for p in people], total


def _team_names(session: Session, referrals: list[Referral]) -> dict[str, str]:
    ids = {r.team_id for r in referrals if r.team_id}
    if not ids:
        return {}
    return dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(ids))).all())


def _describe_referrals(session: Session, referrals: list[Referral]) -> list[dict[str, Any]]:
    teams = _team_names(session, referrals)
    person_ids = {r.person_id for r in referrals}
    names = {
        pid: f"{given} {family}".strip()
        for pid, given, family in session.execute(
            select(Person.id, Person.given_name, Person.family_name).where(
                Person.id.in_(person_ids)
            )
        )
    }
    return [
        service_request_resource(
            r, person_name=names.get(r.person_id), team_name=teams.get(r.team_id)
        )
        for r in referrals
    ]


def read_service_request(
    database: Database, referral_id: int, *, scope: ColumnElement[bool] = EVERYTHING
) -> dict[str, Any]:
    with database.reading() as session:
        referral = session.execute(
            select(Referral).where(Referral.id == referral_id, scope)
        ).scalar_one_or_none()
        if referral is None:
            raise NotFound(referral_id)
        return _describe_referrals(session, [referral])[0]


def status_filter(status: str):
    """The referrals whose ServiceRequest.status is `status`."""
    reason = Referral.state_reason == StatusReason.CANCELLED_ENTERED_IN_ERROR.value
    if status == "active":
        return Referral.state.in_(OPEN_STATES)
    if status == "completed":
        return Referral.state == ReferralState.DISCHARGED.value
    if status == "revoked":
        return and_(Referral.state.in_(("redirected", "cancelled")), ~reason)
    if status == "entered-in-error":
        return reason
    return Referral.id.is_(None)  # draft, on-hold, unknown: Avert has none


def search_service_requests(
    database: Database,
    *,
    person_id: int | None = None,
    statuses: list[str] | None = None,
    authored: DateRange | None = None,
    identifier: tuple[str | None, str] | None = None,
    count: int,
    offset: int,
    scope: ColumnElement[bool] = EVERYTHING,
) -> tuple[list[dict[str, Any]], int]:
    filters = [scope]
    if person_id is not None:
        filters.append(Referral.person_id == person_id)
    if statuses:
        filters.append(or_(*(status_filter(s) for s in statuses)))
    if authored is not None:
        low, high = authored.instants()
        if low is not None:
            filters.append(Referral.received_at >= low.astimezone(UTC))
        if high is not None:
            filters.append(Referral.received_at < high.astimezone(UTC))
    if identifier is not None:
        filters.append(_identifier_filter(*identifier))
    with database.reading() as session:
        total = session.execute(
            select(func.count()).select_from(Referral).where(*filters)
        ).scalar_one()
        referrals = list(
            session.execute(
                select(Referral)
                .where(*filters)
                .order_by(Referral.received_at, Referral.id)
                .limit(count)
                .offset(offset)
            ).scalars()
        )
        return _describe_referrals(session, referrals), total


def _identifier_filter(system: str | None, value: str):
    by_source = Referral.source_referral_id == value
    if system is not None:
        by_source = and_(Referral.source_system == system, by_source)
    options = [by_source]
    if system in (None, systems.REFERRAL_ID) and value.isdigit() and len(value) < 19:
        options.append(Referral.id == int(value))
    return or_(*options)


def _page(items: list[Any], count: int, offset: int) -> tuple[list[Any], int]:
    return items[offset : offset + count], len(items)


def search_encounters(
    database: Database,
    *,
    person_id: int,
    count: int,
    offset: int,
    scope: ColumnElement[bool] = EVERYTHING,
):
    with database.reading() as session:
        if not _person_visible(session, person_id, scope):
            return [], 0
        visits = list(
            session.execute(
                select(Visit)
                .join(Referral, Referral.id == Visit.referral_id)
                .where(Referral.person_id == person_id)
                .order_by(Visit.allocated_at, Visit.id)
            ).scalars()
        )
        staff = _visit_staff(session, [v.id for v in visits])
    page, total = _page(visits, count, offset)
    return [encounter_resource(v, person_id=person_id, staff=staff[v.id]) for v in page], total


def _visit_staff(session: Session, visit_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if visit_ids:
        rows = session.execute(
            select(VisitStaff.visit_id, StaffMember.id, StaffMember.name)
            .join(StaffMember, StaffMember.id == VisitStaff.staff_id)
            .where(VisitStaff.visit_id.in_(visit_ids))
            .order_by(StaffMember.id)
        )
        for visit_id, staff_id, name in rows:
            found[visit_id].append((staff_id, name))
    return found


def search_observations(
    database: Database,
    *,
    person_id: int,
    kinds: frozenset[str],
    count: int,
    offset: int,
    scope: ColumnElement[bool] = EVERYTHING,
):
    with database.reading() as session:
        if not _person_visible(session, person_id, scope):
            return [], 0
        assessments = list(
            session.execute(
                select(Assessment)
                .join(Referral, Referral.id == Assessment.referral_id)
                .where(Referral.person_id == person_id)
                .order_by(Assessment.recorded_at, Assessment.id)
            ).scalars()
        )
    found = [o for a in assessments for o in observations(a, person_id=person_id, kinds=kinds)]
    return _page(found, count, offset)


def _care_plans(session: Session, referrals: list[Referral]) -> list[dict[str, Any]]:
    ids = [r.id for r in referrals]
    actions: dict[int, list[CareAction]] = defaultdict(list)
    decisions: dict[int, list[HuddleDecision]] = defaultdict(list)
    if ids:
        for action in session.execute(
            select(CareAction).where(CareAction.referral_id.in_(ids)).order_by(CareAction.id)
        ).scalars():
            actions[action.referral_id].append(action)
        for decision in session.execute(
            select(HuddleDecision)
            .where(HuddleDecision.referral_id.in_(ids))
            .order_by(HuddleDecision.id)
        ).scalars():
            decisions[decision.referral_id].append(decision)
    return [
        care_plan_resource(r, actions=actions[r.id], decisions=decisions[r.id])
        for r in referrals
        if actions[r.id] or decisions[r.id]
    ]


def search_care_plans(
    database: Database,
    *,
    person_id: int,
    statuses: list[str] | None,
    count: int,
    offset: int,
    scope: ColumnElement[bool] = EVERYTHING,
):
    with database.reading() as session:
        if not _person_visible(session, person_id, scope):
            return [], 0
        referrals = _person_referrals(session, person_id)
        plans = _care_plans(session, referrals)
    if statuses:
        plans = [p for p in plans if p["status"] in statuses]
    return _page(plans, count, offset)


def _person_referrals(session: Session, person_id: int) -> list[Referral]:
    return list(
        session.execute(
            select(Referral)
            .where(Referral.person_id == person_id)
            .order_by(Referral.received_at, Referral.id)
        ).scalars()
    )


def search_flags(
    database: Database,
    *,
    person_id: int,
    count: int,
    offset: int,
    scope: ColumnElement[bool] = EVERYTHING,
):
    with database.reading() as session:
        person = session.get(Person, person_id)
        if person is None or not _person_visible(session, person_id, scope):
            return [], 0
        referrals = _person_referrals(session, person_id)
        record = care_record.Record(person_id, care_record.current_sections(session, person_id))
    found = [flags.access_flag(person), *(flags.duplicate_flag(r) for r in referrals)]
    # The care record's risk and safeguarding flags, its ReSPECT and access-details Flags.
    found += [r for r in care_fhir.resources(person_id, record.data) if r["resourceType"] == "Flag"]
    return _page([f for f in found if f is not None], count, offset)


# ------------------------------------------------------------------------- inbound referral


@dataclass(frozen=True)
class Received:
    referral_id: int
    created: bool


def _dump(model: Any) -> dict[str, Any]:
    return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))


def _known_person(session: Session, person: Person) -> PersonDetails:
    age = None
    if person.date_of_birth is None:
        age = session.execute(
            select(Referral.age_years)
            .where(Referral.person_id == person.id)
            .order_by(Referral.received_at.desc())
            .limit(1)
        ).scalar_one_or_none()
    return PersonDetails(
        given_name=person.given_name,
        family_name=person.family_name,
        nhs_number=person.nhs_number,
        date_of_birth=person.date_of_birth,
        age_years=age if person.date_of_birth is None else None,
        person_id=person.id,
        residence=Residence(person.residence),
    )


def subject_person(
    database: Database, sr: Any, resolve: bundles.Resolver, *, today, where: str
) -> tuple[PersonDetails | None, Any, list[Problem]]:
    """The person a ServiceRequest's subject names: (details, the Patient or None, problems)."""
    subject = sr.subject
    at = f"{where}.subject"
    reference = subject.reference or ""
    if reference:
        found = resolve(reference)
        if found is not None:
            if found.get_resource_type() != "Patient":
                return None, None, [Problem(at, "must refer to a Patient", "value")]
            details, problems = person_details(found, today=today, where="Patient")
            return details, found, problems
        kind, _, ident = reference.rstrip("/").rpartition("/")
        if kind.rsplit("/", 1)[-1] == "Patient" and ident.isdigit() and len(ident) < 19:
            with database.reading() as session:
                person = session.get(Person, int(ident))
                if person is not None:
                    return _known_person(session, person), None, []
    identifier = subject.identifier
    if identifier is not None and identifier.system == systems.NHS_NUMBER and identifier.value:
        try:
            nhs = parse_nhs_number(identifier.value, field="")
        except ValidationError as error:
            return None, None, [Problem(f"{at}.identifier.value", error.message, "value")]
        with database.reading() as session:
            person = session.execute(
                select(Person).where(Person.nhs_number == nhs)
            ).scalar_one_or_none()
            if person is not None:
                return _known_person(session, person), None, []
    return (
        None,
        None,
        [
            Problem(
                at,
                "is not a patient Avert knows: contain the Patient in the ServiceRequest "
                "(subject #id), send it in a message Bundle, or refer to Patient/<Avert id>",
                "not-found",
            )
        ],
    )


def _find_by_identifier(database: Database, system: str | None, value: str) -> list[int]:
    with database.reading() as session:
        return list(
            session.execute(
                select(Referral.id).where(_identifier_filter(system, value)).limit(2)
            ).scalars()
        )


def receive_service_request(
    database: Database,
    settings: Settings,
    sr: Any,
    *,
    resolve: bundles.Resolver,
    fingerprint_source: dict[str, Any],
    now: datetime,
    where: str = "ServiceRequest",
    client: str = "fhir",
    idempotency_key: str | None = None,
    if_none_exist: tuple[str | None, str] | None = None,
    submitted_by: str | None = None,
) -> Received:
    """Turn an inbound ServiceRequest into an Avert referral (or find the one it repeats)."""
    if if_none_exist is not None:
        matches = _find_by_identifier(database, *if_none_exist)
        if len(matches) > 1:
            raise Refused(
                [Problem("If-None-Exist", "matches more than one ServiceRequest", "duplicate")], 412
            )
        if matches:
            return Received(matches[0], created=False)
    fields, problems = referral_fields(sr, resolve, where=where)
    person, _, more = subject_person(database, sr, resolve, today=to_local(now).date(), where=where)
    problems += more
    if errors_in(problems):
        raise Refused(problems)
    request = referral_request(fields, person, fingerprint_source=fingerprint_source)
    try:
        result = submit_referral(
            database,
            settings,
            request,
            now=now,
            actor=f"{fields.source.label}: {fields.referrer_name}",
            idempotency=(client, idempotency_key) if idempotency_key else None,
            submitted_by=submitted_by,
        )
    except IdempotencyConflict as conflict:
        what = "Idempotency-Key" if conflict.what == "Idempotency-Key" else f"{where}.identifier"
        raise Refused(
            [
                Problem(
                    what,
                    f"was already used for ServiceRequest/{conflict.referral_id} with a different "
                    "body; send a new identifier or the original body",
                    "duplicate",
                )
            ]
        ) from None
    except ValidationError as error:
        raise Refused([Problem(f"{where}.{error.field}", error.message, "business-rule")]) from None
    return Received(result.referral_id, result.created)


# ----------------------------------------------------------------------------------- export


def export_patient(database: Database, nhs_number: str, *, now: datetime) -> dict[str, Any]:
    """A person's record as a FHIR `collection` Bundle; NotFound if Avert does not know them."""
    nhs = parse_nhs_number(nhs_number)
    with database.reading() as session:
        person = session.execute(
            select(Person).where(Person.nhs_number == nhs)
        ).scalar_one_or_none()
        if person is None:
            raise NotFound(nhs)
        referrals = _person_referrals(session, person.id)
        requests = _describe_referrals(session, referrals)
        plans = _care_plans(session, referrals)
    record = care_record.read_record(database, person.id).data
    resources = [care_fhir.with_communication(patient_resource(person), record)]
    resources += [
        f for f in [flags.access_flag(person), *map(flags.duplicate_flag, referrals)] if f
    ]
    resources += requests
    resources += search_encounters(database, person_id=person.id, count=10**6, offset=0)[0]
    kinds = frozenset({"news2", "cfs"})
    resources += search_observations(
        database, person_id=person.id, kinds=kinds, count=10**6, offset=0
    )[0]
    resources += plans
    resources += care_fhir.resources(person.id, record)
    return bundles.collection(resources, timestamp=now)


def transfer_summary_bundle(
    database: Database,
    settings: Settings,
    person_id: int,
    *,
    now: datetime,
    from_setting: Setting = Setting.HOME,
    to_setting: Setting = Setting.HOSPITAL,
    reason: str = "",
    scope: ColumnElement[bool] = EVERYTHING,
) -> dict[str, Any]:
    """The red-bag transfer summary as a FHIR document Bundle; NotFound for an unknown person."""
    with database.reading() as session:
        if not _person_visible(session, person_id, scope):
            raise NotFound(person_id)
    try:
        transfer = care_record.transfer_summary(
            database,
            settings,
            person_id,
            now=now,
            from_setting=from_setting,
            to_setting=to_setting,
            reason=reason,
        )
    except care_record.NotFound:
        raise NotFound(person_id) from None
    record = transfer.record.data
    patient = care_fhir.with_communication(patient_resource(transfer.person), record)
    news2 = frozenset({"news2"})
    found = [
        o for a in transfer.assessments for o in observations(a, person_id=person_id, kinds=news2)
    ]
    episode = []
    if transfer.referral is not None:
        episode.append(
            service_request_resource(
                transfer.referral,
                person_name=_person_name(transfer.person),
                team_name=transfer.team_name,
            )
        )
        episode += [
            encounter_resource(v, person_id=person_id, staff=transfer.visit_staff.get(v.id, []))
            for v in transfer.visits
        ]
    return transfer_document(
        transfer.document,
        patient=patient,
        record_resources=care_fhir.resources(person_id, record),
        observations=found,
        episode=episode,
        author=transfer.team_name or "Avert UCR service",
        now=now,
    )


def export_patient_cli(
    database: Database, settings: Settings, nhs_number: str, out: Path | None
) -> int:
    """`avert export patient NHSNUMBER [--out FILE]`."""
    try:
        found = export_patient(database, nhs_number, now=datetime.now(UTC))
    except ValidationError as error:
        print(f"error: the NHS number {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NotFound:
        print("error: no person with that NHS number is known to Avert", file=sys.stderr)
        return EXIT_BAD_INPUT
    text = json.dumps(found, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        print(f"wrote a Bundle of {len(found['entry'])} resources to {out}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What an import did, entry by entry."""

    people_created: int = 0
    referrals_created: int = 0
    record_sections: int = 0  # care record sections stored
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (entry, what happened)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class _PlannedPerson:
    key: str
    details: PersonDetails
    access_note: str | None = None
    person_id: int | None = None
    created: bool = False
    where: str = ""
    patient: dict[str, Any] = field(default_factory=dict)
    care: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _PlannedReferral:
    where: str
    old_reference: str | None
    person: _PlannedPerson
    fields: ReferralFields
    restored: dict[str, Any] | None
    team_id: str | None
    fingerprint: dict[str, Any]


def _plan(
    bundle: Any, *, today
) -> tuple[list[_PlannedPerson], list[_PlannedReferral], list[Problem]]:
    found = bundles.entries_of(bundle)
    resolve = bundles.resolver([(url, r) for _, url, r in found])
    problems: list[Problem] = []
    people: dict[int, _PlannedPerson] = {}
    referrals: list[_PlannedReferral] = []
    for index, url, resource in found:
        kind = resource.get_resource_type()
        where = f"Bundle.entry[{index}].resource"
        if kind == "Patient":
            details, more = person_details(resource, today=today, where=where)
            problems += more
            if details is not None:
                people[id(resource)] = _PlannedPerson(
                    url or f"Patient/{resource.id}", details, where=where, patient=_dump(resource)
                )
    for index, url, resource in found:
        kind = resource.get_resource_type()
        where = f"Bundle.entry[{index}].resource"
        if kind in CARE_RECORD_KINDS and care_fhir.kind_of(_dump(resource)) is not None:
            problems += _care_resource(resource, where, resolve, people)
            continue
        if kind == "ServiceRequest":
            local = bundles.resolver([(url, r) for _, url, r in found], resource.contained or [])
            subject = (
                local(resource.subject.reference or "") if resource.subject.reference else None
            )
            if subject is None or subject.get_resource_type() != "Patient":
                problems.append(
                    Problem(
                        f"{where}.subject", "must refer to a Patient in this Bundle", "not-found"
                    )
                )
                continue
            if id(subject) not in people:
                if subject in (resource.contained or []):
                    details, more = person_details(subject, today=today, where=f"{where}.contained")
                    problems += more
                    if details is None:
                        continue
                    people[id(subject)] = _PlannedPerson(f"{url}#{subject.id}", details)
                else:
                    continue  # the Patient's own problems are reported at its entry
            restoring = is_avert_export(resource)
            fields, more = referral_fields(resource, local, where=where, new=not restoring)
            problems += more
            restored = None
            if fields is not None and restoring:
                restored, more = restored_columns(resource, fields, where=where)
                problems += more
            team = None
            for performer in resource.performer or []:
                if (
                    performer.identifier is not None
                    and performer.identifier.system == systems.TEAM_ID
                ):
                    team = performer.identifier.value
            if fields is not None:
                referrals.append(
                    _PlannedReferral(
                        where,
                        f"ServiceRequest/{resource.id}" if resource.id else None,
                        people[id(subject)],
                        fields,
                        restored,
                        team,
                        _dump(resource),
                    )
                )
        elif kind == "Flag":
            code = flags.flag_code(resource)
            subject = resolve(resource.subject.reference or "") if resource.subject else None
            if code == flags.ACCESS_NOTE and subject is not None and id(subject) in people:
                if resource.status == "active" and resource.code.text:
                    people[id(subject)].access_note = resource.code.text[:1000]
            elif code != flags.POSSIBLE_DUPLICATE:  # that one follows from the ServiceRequest
                problems.append(
                    Problem(
                        where,
                        "is not imported (only access-note Flags are)",
                        "informational",
                        "warning",
                    )
                )
        elif kind != "Patient":
            problems.append(
                Problem(
                    where,
                    f"is not imported: a {kind} (Avert imports Patients and ServiceRequests)",
                    "informational",
                    "warning",
                )
            )
    for person in people.values():
        problems += _care_sections(person, today=today)
    return list(people.values()), referrals, problems


CARE_RECORD_KINDS = frozenset(
    {
        "AllergyIntolerance",
        "MedicationStatement",
        "Condition",
        "RelatedPerson",
        "Consent",
        "List",
        "Flag",
    }
)


def _care_resource(resource: Any, where: str, resolve, people: dict) -> list[Problem]:
    """File a care record resource under the Patient it is about."""
    data = _dump(resource)
    reference = (data.get("subject") or data.get("patient") or {}).get("reference", "")
    subject = resolve(reference) if reference else None
    if subject is None or id(subject) not in people:
        return [
            Problem(
                where,
                "is not imported: it must refer to a Patient in this Bundle",
                "informational",
                "warning",
            )
        ]
    people[id(subject)].care.append((where, data))
    return []


def _care_sections(person: _PlannedPerson, *, today) -> list[Problem]:
    """The person's care record sections from their resources, checked by the record's rules."""
    if not person.care and not person.patient.get("communication"):
        return []
    found, problems = care_fhir.read_sections(person.patient, person.care)
    for name, data in found.items():
        try:
            person.sections[name] = record_rules.validate(Section(name), data, today=today)
        except SectionInvalid as invalid:
            for item, message in invalid.problems.items():
                problems.append(
                    Problem(
                        f"{person.where} (care record {name}: {item})",
                        message,
                        "business-rule",
                    )
                )
    return problems


def _restore_record(
    session: Session, planned: _PlannedPerson, now: datetime, actor: str, report: ImportReport
) -> None:
    """Store each imported section the person does not have yet, as its first version."""
    if not planned.sections:
        return
    person = session.get(Person, planned.person_id)
    current = care_record.current_sections(session, person.id)
    for name, data in planned.sections.items():
        section = Section(name)
        have = current.get(section)
        if have is not None:
            if have.data != data:
                report.warnings.append(
                    Problem(
                        f"{planned.where} (care record {name})",
                        "is not imported: the person's record already has this section; "
                        "change it in Avert",
                        "informational",
                        "warning",
                    )
                )
            continue
        care_record.write_version(
            session,
            person,
            section,
            data,
            version=1,
            by=actor,
            at=now,
            reason="Imported from a FHIR Bundle",
            sync_access_note=False,
        )
        report.record_sections += 1


def _person_row(session: Session, planned: _PlannedPerson) -> None:
    details = planned.details
    if details.nhs_number is not None:
        existing = session.execute(
            select(Person).where(Person.nhs_number == details.nhs_number)
        ).scalar_one_or_none()
        if existing is not None:
            planned.person_id = existing.id
            if planned.access_note and not existing.access_note:
                existing.access_note = planned.access_note
            return
    values = {
        "nhs_number": details.nhs_number,
        "given_name": details.given_name,
        "family_name": details.family_name,
        "sex": details.sex.value,
        "date_of_birth": details.date_of_birth,
        "address_line": details.address_line,
        "postcode": details.postcode,
        "residence": details.residence.value,
        "access_note": planned.access_note,
    }
    planned.person_id = (
        session.connection().execute(insert(Person).returning(Person.id), values).scalar_one()
    )
    planned.created = True


def _restore(
    session: Session, planned: _PlannedReferral, new_ids: dict[str, int], now: datetime, actor: str
) -> int | None:
    """Insert a referral Avert exported, as it was; None if it is already here."""
    person_id = planned.person.person_id
    columns = dict(planned.restored)
    if columns["source_system"]:
        clash = select(Referral.id).where(
            Referral.source_system == columns["source_system"],
            Referral.source_referral_id == columns["source_referral_id"],
        )
    else:
        clash = select(Referral.id).where(
            Referral.person_id == person_id, Referral.received_at == columns["received_at"]
        )
    if session.execute(clash).first() is not None:
        return None
    team_id = planned.team_id
    if team_id is not None and session.get(Team, team_id) is None:
        team_id = None
    duplicate = columns.pop("possible_duplicate_of")
    referral = Referral(
        **columns,
        person_id=person_id,
        team_id=team_id,
        possible_duplicate_of=new_ids.get(duplicate) if duplicate else None,
        version=1,
        created_at=now,
    )
    set_queue_key(referral)
    values = {c: getattr(referral, c) for c in Referral.__table__.columns.keys() if c != "id"}
    referral_id = (
        session.connection().execute(insert(Referral).returning(Referral.id), values).scalar_one()
    )
    session.connection().execute(
        insert(ReferralEvent),
        [
            event_row(
                referral_id,
                1,
                at=now,
                actor=actor,
                action="imported",
                to_state=ReferralState(columns["state"]),
                note="Restored from a FHIR Bundle exported by Avert",
                data={"exported_as": planned.old_reference},
            )
        ],
    )
    return referral_id


def import_bundle(
    database: Database,
    settings: Settings,
    data: object,
    *,
    now: datetime,
    actor: str = "FHIR import",
) -> ImportReport:
    """Import a Bundle of Patients and ServiceRequests: everything, or nothing (Refused)."""
    try:
        bundle, problems = read_resource(data, "Bundle")
    except WrongResource as wrong:
        raise Refused([wrong.problem], 400) from None
    if bundle is None:
        raise Refused(problems)
    if bundle.type not in ("collection", "transaction", "batch", "message"):
        raise Refused(
            [
                Problem(
                    "Bundle.type",
                    "must be collection, transaction, batch or message",
                    "business-rule",
                )
            ]
        )
    people, referrals, problems = _plan(bundle, today=to_local(now).date())
    if errors_in(problems):
        raise Refused(errors_in(problems))
    report = ImportReport(warnings=problems)
    restored_first = sorted(
        referrals,
        key=lambda r: (r.restored is None, r.restored["received_at"] if r.restored else now),
    )
    with database.writing() as session:
        for person in people:
            _person_row(session, person)
            _restore_record(session, person, now, actor, report)
        new_ids: dict[str, int] = {}
        for planned in restored_first:
            if planned.restored is not None:
                referral_id = _restore(session, planned, new_ids, now, actor)
            else:
                referral_id = _intake(session, settings, planned, now, actor)
            if referral_id is None:
                report.outcomes.append((planned.where, "already present: unchanged"))
                continue
            if planned.old_reference:
                new_ids[planned.old_reference] = referral_id
            report.referrals_created += 1
            report.outcomes.append((planned.where, f"created ServiceRequest/{referral_id}"))
    report.people_created = sum(p.created for p in people)
    return report


def _intake(
    session: Session,
    settings: Settings,
    planned: _PlannedReferral,
    now: datetime,
    actor: str,
) -> int | None:
    """A new referral through intake's triage, in the import's transaction; None for a replay."""
    details = dataclasses.replace(planned.person.details, person_id=planned.person.person_id)
    request = referral_request(planned.fields, details, fingerprint_source=planned.fingerprint)
    request_hash = intake.fingerprint(request.fingerprint_source)
    try:
        if intake.find_replay(session, request, request_hash, None) is not None:
            return None
        referral, _ = intake.create_referral(session, settings, request, request_hash, now, actor)
    except IdempotencyConflict as conflict:
        raise Refused(
            [
                Problem(
                    f"{planned.where}.identifier",
                    f"was already used for ServiceRequest/{conflict.referral_id}"
                    " with a different body",
                    "duplicate",
                )
            ]
        ) from None
    except ValidationError as error:
        raise Refused(
            [Problem(f"{planned.where}.{error.field}", error.message, "business-rule")]
        ) from None
    return referral.id


def import_bundle_cli(database: Database, settings: Settings, path: Path) -> int:
    """`avert import fhir FILE`: print each problem by entry; exit 12 and import nothing if any."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        print(f"error: {path} is not JSON", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        report = import_bundle(database, settings, data, now=datetime.now(UTC))
    except Refused as refused:
        print(f"error: nothing was imported; {len(refused.problems)} problem(s):", file=sys.stderr)
        for problem in refused.problems:
            print(
                f"  {problem.severity}: {problem.expression}: {problem.diagnostics}",
                file=sys.stderr,
            )
        return EXIT_BAD_INPUT
    for problem in report.warnings:
        print(f"  {problem.severity}: {problem.expression}: {problem.diagnostics}", file=sys.stderr)
    for where, outcome in report.outcomes:
        print(f"{where}: {outcome}")
    print(
        f"imported {report.people_created} new people, {report.referrals_created} referrals"
        f" and {report.record_sections} care record sections"
    )
    return 0

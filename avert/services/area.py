"""Loading a synthetic area into an empty database, replaying its referral history.

Every historic referral goes through the real triage ruleset and the real clock rules, and its
life is written as the same events the API would have written, so the queue, the history and the
clock figures of the demo are produced by the code under test, not by the generator.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select, text, update

from avert.config import Settings
from avert.domain.care_record import access_note
from avert.domain.clocks import to_local
from avert.domain.identifiers import age_in_years
from avert.domain.lifecycle import StatusReason, is_open
from avert.domain.service_hours import ServiceHours
from avert.domain.triage import TriageInput, triage
from avert.domain.vocab import Disposition, ReferralState
from avert.services.clocks import start_clock_if_due
from avert.services.directory import load_directory
from avert.services.intake import fingerprint, triage_columns
from avert.store import schema
from avert.store.db import Database
from avert.synth import Area, HistoricReferral
from avert.synth.care_records import care_record_rows
from avert.synth.directory import generate_directory


log = logging.getLogger("avert.area")
BATCH = 5_000
S, R = ReferralState, StatusReason


class AreaNotEmpty(Exception):
    """The database already holds an area; loading another would mix two."""


@dataclass(frozen=True)
class LoadReport:
    people: int
    staff: int
    referrals: int
    open_referrals: int
    events: int
    triage_disagreements: int


def _batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def team_hours(hours: str) -> ServiceHours:
    return ServiceHours.always_open() if hours == "24/7" else ServiceHours.default()


def load_area(database: Database, settings: Settings, area: Area) -> LoadReport:
    """Write the whole area in one transaction: all of it, or (on any error) none of it."""
    with database.writing() as session:
        if session.execute(select(func.count()).select_from(schema.Person)).scalar():
            raise AreaNotEmpty("the database already holds people: load into an empty database")
        conn = session.connection()
        _insert(conn, schema.Neighbourhood, (vars_of(n) for n in area.neighbourhoods))
        _insert(
            conn,
            schema.Practice,
            (
                {k: getattr(p, k) for k in ("ods_code", "name", "neighbourhood_id", "postcode")}
                | {"lat": p.lat, "lon": p.lon}
                for p in area.practices
            ),
        )
        _insert(conn, schema.CareHome, (vars_of(c) for c in area.care_homes))
        _insert(
            conn,
            schema.Person,
            (
                vars_of(p) | {"id": i, "sex": p.sex.value, "residence": p.residence.value}
                for i, p in enumerate(area.people, start=1)
            ),
        )
        teams = {}
        for team in area.teams:
            row = schema.Team(
                id=team.id,
                name=team.name,
                locality=team.locality,
                base_lat=team.base_lat,
                base_lon=team.base_lon,
                service_hours=team_hours(team.hours).to_config(),
            )
            session.add(row)
            teams[team.id] = row
        session.flush()
        _insert(
            conn,
            schema.StaffMember,
            (
                {
                    "id": s.id,
                    "name": s.name,
                    "role": s.role.value,
                    "skills": list(s.skills),
                    "team_id": s.team_id,
                    "home_lat": s.home_lat,
                    "home_lon": s.home_lon,
                }
                for s in area.staff
            ),
        )
        _insert(
            conn,
            schema.Shift,
            (
                {"staff_id": s.id, "starts_at": shift.start, "ends_at": shift.end}
                for s in area.staff
                for shift in s.shifts
            ),
        )
        people = {p.nhs_number: (i, p) for i, p in enumerate(area.people, start=1)}
        referrals, events, disagreements = [], [], 0
        for referral_id, historic in enumerate(area.referrals, start=1):
            person_id, person = people[historic.person_nhs_number]
            row, row_events, agreed = _replay(
                referral_id, person_id, person, historic, teams, settings, area
            )
            disagreements += not agreed
            referrals.append(row)
            events.extend(row_events)
        _insert(conn, schema.Referral, referrals)
        _insert(conn, schema.ReferralEvent, events)
        _care_records(conn, area, people, referrals)
        load_directory(session, generate_directory(area), now=area.now, by="synthetic area")
        if database.dialect == "postgresql":
            for table in ("people", "referrals", "referral_events", "shifts"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
    if disagreements:
        log.info("%d historic referrals triaged differently from the generator", disagreements)
    return LoadReport(
        people=len(area.people),
        staff=len(area.staff),
        referrals=len(referrals),
        open_referrals=sum(1 for r in referrals if r["is_open"]),
        events=len(events),
        triage_disagreements=disagreements,
    )


def _care_records(conn, area: Area, people: dict, referrals: list[dict[str, Any]]) -> None:
    """A plausible shared care record for everyone with an open referral (the demo shows it)."""
    open_needs = [
        (historic.person_nhs_number, historic.need.value)
        for historic, row in zip(area.referrals, referrals, strict=True)
        if row["is_open"]
    ]
    ids = {nhs: person_id for nhs, (person_id, _) in people.items()}
    rows = list(care_record_rows(area, ids, open_needs, area.now))
    _insert(conn, schema.CareRecordEntry, rows)
    for row in rows:
        if row["section"] == "access":
            conn.execute(
                update(schema.Person)
                .where(schema.Person.id == row["person_id"])
                .values(access_note=access_note(row["data"]))
            )


def vars_of(record) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _insert(conn, model, rows: Iterable[dict[str, Any]]) -> None:
    columns = set(model.__table__.columns.keys())
    for batch in _batches(rows):
        conn.execute(insert(model), [{k: v for k, v in r.items() if k in columns} for r in batch])


def _replay(
    referral_id: int,
    person_id: int,
    person,
    historic: HistoricReferral,
    teams: dict[str, schema.Team],
    settings: Settings,
    area: Area,
) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    received = historic.received_at
    decision = triage(
        TriageInput(
            age_years=age_in_years(person.date_of_birth, to_local(received).date()),
            residence=person.residence,
            need=historic.need,
            need_text=historic.need_text,
            red_flags=historic.red_flags,
            stated_urgency=historic.stated_urgency,
            source=historic.source,
        )
    )
    agreed = historic.disposition is None or historic.disposition is decision.disposition
    triaged_at = received + (historic.triaged_after or timedelta(minutes=5))
    row = schema.Referral(
        id=referral_id,
        person_id=person_id,
        team_id=historic.team_id,
        source=historic.source.value,
        source_system="synthetic-area",
        source_referral_id=historic.source_referral_id,
        request_hash=fingerprint({"synthetic": historic.source_referral_id}),
        referrer_name=historic.referrer_name,
        referrer_organisation=historic.referrer_organisation,
        referrer_phone=historic.referrer_phone,
        received_at=received,
        need=historic.need.value,
        need_text=historic.need_text,
        red_flags=sorted(f.value for f in historic.red_flags),
        stated_urgency=historic.stated_urgency.value,
        residence=person.residence.value,
        age_years=age_in_years(person.date_of_birth, to_local(received).date()),
        triaged_at=triaged_at,
        version=1,
        created_at=received,
        **triage_columns(decision),
    )
    events: list[tuple] = [(received, "received", None, S.RECEIVED, None)]
    redirect = decision.disposition is Disposition.REDIRECT
    first_state = S.REDIRECTED if redirect else S.TRIAGED
    events.append(
        (
            triaged_at,
            "triaged",
            S.RECEIVED,
            first_state,
            R.REDIRECTED_BY_RULES if redirect else R.TRIAGED_BY_RULES,
        )
    )
    state, reason = first_state, events[-1][4]
    if not redirect:
        state, reason = _replay_care(row, historic, triaged_at, events)
    row.state, row.state_reason, row.is_open = state.value, reason.value, is_open(state)
    start_clock_if_due(row, teams.get(historic.team_id), settings)
    actor = f"{historic.source.label}: {historic.referrer_name}"
    event_rows = []
    for seq, (at, action, from_state, to_state, why) in enumerate(events, start=1):
        event_rows.append(
            {
                "referral_id": referral_id,
                "seq": seq,
                "at": at,
                "actor": actor if seq == 1 else ("ruleset" if seq == 2 else "UCR team (replayed)"),
                "action": action,
                "from_state": from_state.value if from_state else None,
                "to_state": to_state.value if to_state else None,
                "reason": why.value if why else None,
                "note": None,
                "data": None,
            }
        )
    return _row_dict(row), event_rows, agreed


def _replay_care(row, historic: HistoricReferral, triaged_at, events: list[tuple]):
    received = historic.received_at
    closed_at = received + historic.discharged_after if historic.discharged_after else None
    if historic.first_contact_after is None:
        if closed_at is not None or historic.cancelled:
            at = closed_at or triaged_at
            events.append((at, "transition", S.TRIAGED, S.CANCELLED, R.CANCELLED_BY_REFERRER))
            return S.CANCELLED, R.CANCELLED_BY_REFERRER
        return S.TRIAGED, R.TRIAGED_BY_RULES
    arrived = received + historic.first_contact_after
    accepted = min(triaged_at + timedelta(minutes=2), arrived)
    allocated = min(accepted + timedelta(minutes=3), arrived)
    travelling = min(allocated + timedelta(minutes=5), arrived)
    row.accepted_at = accepted
    row.first_contact_at = arrived
    for at, frm, to, why in (
        (accepted, S.TRIAGED, S.ACCEPTED, R.ACCEPTED_BY_CLINICIAN),
        (allocated, S.ACCEPTED, S.ALLOCATED, R.ALLOCATED_TO_STAFF),
        (travelling, S.ALLOCATED, S.EN_ROUTE, R.STAFF_TRAVELLING),
        (arrived, S.EN_ROUTE, S.ON_SITE, R.ARRIVED),
    ):
        events.append((at, "transition", frm, to, why))
    if closed_at is None:
        events.append((arrived, "transition", S.ON_SITE, S.IN_CARE, R.CARE_STARTED))
        return S.IN_CARE, R.CARE_STARTED
    last = S.ON_SITE
    if closed_at - arrived > timedelta(hours=2):
        events.append((arrived, "transition", S.ON_SITE, S.IN_CARE, R.CARE_STARTED))
        last = S.IN_CARE
    events.append((closed_at, "transition", last, S.DISCHARGED, R.DISCHARGED_WITH_OUTCOME))
    row.discharged_at = closed_at
    row.outcome = historic.outcome.value if historic.outcome else "remained_at_home"
    row.onward_service = historic.onward_service.value if historic.onward_service else None
    return S.DISCHARGED, R.DISCHARGED_WITH_OUTCOME


def _row_dict(row: schema.Referral) -> dict[str, Any]:
    return {c: getattr(row, c) for c in schema.Referral.__table__.columns.keys()}

"""Reading one referral: its current picture (triage, clock, episode) and its full history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from avert.config import Settings
from avert.domain.clocks import cyp104_record, to_local
from avert.domain.lifecycle import episode_status
from avert.domain.vocab import Destination, Disposition, ResponseStandard
from avert.security.principal import Principal
from avert.services import directory
from avert.services.access import basis, visible_referrals
from avert.services.clocks import clock_status
from avert.services.lifecycle import NotFound
from avert.store.db import Database
from avert.store.schema import BreakGlass, Person, Referral, ReferralEvent, Visit, VisitStaff


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


@dataclass(frozen=True)
class Visible:
    referral: Referral
    person: Person
    basis: str


def find_visible(
    database: Database, principal: Principal, referral_id: int, *, now: datetime
) -> Visible:
    """The referral if this principal may see it, with the basis; NotFound otherwise."""
    with database.reading() as session:
        referral = session.execute(
            select(Referral).where(Referral.id == referral_id, visible_referrals(principal, now))
        ).scalar_one_or_none()
        if referral is None:
            raise NotFound(referral_id)
        person = session.get(Person, referral.person_id)
        allocated = break_glass = False
        if principal.staff_id:
            allocated = (
                session.execute(
                    select(VisitStaff.visit_id)
                    .join(Visit, Visit.id == VisitStaff.visit_id)
                    .where(
                        Visit.referral_id == referral_id, VisitStaff.staff_id == principal.staff_id
                    )
                    .limit(1)
                ).first()
                is not None
            )
        if not allocated:
            break_glass = (
                session.execute(
                    select(BreakGlass.id)
                    .where(
                        BreakGlass.user_id == principal.id,
                        BreakGlass.person_id == person.id,
                        BreakGlass.expires_at > now,
                    )
                    .limit(1)
                ).first()
                is not None
            )
    why = basis(principal, referral, allocated=allocated, break_glass=break_glass)
    return Visible(referral, person, why)


def referral_view(
    database: Database, settings: Settings, referral_id: int, *, now: datetime
) -> dict[str, Any]:
    """The referral's picture, unscoped: callers have already checked it is visible."""
    with database.reading() as session:
        referral = session.get(Referral, referral_id)
        if referral is None:
            raise NotFound(referral_id)
        person = session.get(Person, referral.person_id)
    return describe(referral, person, settings, now, database=database)


def describe(
    referral: Referral,
    person: Person,
    settings: Settings,
    now: datetime,
    *,
    database: Database | None = None,
) -> dict[str, Any]:
    """The referral's picture; given the database, a redirect also names the directory service
    to send the person to now (`redirect_to`, read at this moment, not stored)."""
    triage = referral.triage
    clock = None
    status = clock_status(referral, now)
    if status is not None:
        clock = {
            "standard": status.standard.value,
            "csds_measurement_type": ResponseStandard(status.standard).csds_measurement_type,
            "started_at": status.started_at,
            "deadline": status.deadline,
            "deadline_local": to_local(status.deadline).strftime("%a %d %b %Y %H:%M %Z"),
            "stopped_at": status.stopped_at,
            "state": status.state.value,
            "remaining_seconds": _seconds(status.remaining),
            "waited_seconds": _seconds(status.waited),
            "met": status.met,
            "rules": {k: v for k, v in referral.clock_rules.items() if k != "service_hours"},
            "cyp104": (
                cyp104_record(str(referral.id), status).to_row()
                if status.standard.csds_measurement_type
                else None
            ),
        }
    episode = None
    if referral.first_contact_at is not None:
        found = episode_status(
            Disposition(referral.disposition),
            referral.first_contact_at,
            referral.discharged_at or now,
            settings.episodes,
        )
        if found is not None:
            episode = {
                "phase": found.phase.value,
                "started_at": found.started_at,
                "ends_at": found.ends_at,
                "day": found.day,
                "of_days": found.of_days,
                "overrun": found.overrun,
            }
    discharge = None
    if referral.outcome is not None:
        discharge = {
            "outcome": referral.outcome,
            "onward_service": referral.onward_service,
            "onward_note": referral.onward_note,
            "discharged_at": referral.discharged_at,
        }
    destination = referral.destination
    return {
        "id": referral.id,
        "state": referral.state,
        "state_reason": referral.state_reason,
        "version": referral.version,
        "received_at": referral.received_at,
        "source": referral.source,
        "source_system": referral.source_system,
        "source_referral_id": referral.source_referral_id,
        "referrer": {
            "name": referral.referrer_name,
            "organisation": referral.referrer_organisation,
            "phone": referral.referrer_phone,
        },
        "person": {
            "id": person.id,
            "nhs_number": person.nhs_number,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth,
            "sex": person.sex,
            "postcode": person.postcode,
        },
        "age_years": referral.age_years,
        "residence": referral.residence,
        "need": referral.need,
        "need_text": referral.need_text,
        "red_flags": referral.red_flags,
        "stated_urgency": referral.stated_urgency,
        "team_id": referral.team_id,
        "triage": {
            "disposition": referral.disposition,
            "destination": destination,
            "destination_label": Destination(destination).label if destination else None,
            "standard": referral.standard,
            "ruleset_version": referral.ruleset_version,
            "rules_fired": triage.get("rules_fired", []),
            "needs_clinical_review": referral.needs_clinical_review,
            "overridden": bool(triage.get("overridden")),
            "override_reason": triage.get("override_reason"),
            "overridden_by": triage.get("overridden_by"),
        },
        "clock": clock,
        "episode": episode,
        "first_contact_at": referral.first_contact_at,
        "discharge": discharge,
        "possible_duplicate_of": referral.possible_duplicate_of,
        "redirect_to": (
            directory.redirect_for(database, referral, person, now=now) if database else None
        ),
    }


def history(database: Database, referral_id: int) -> list[ReferralEvent]:
    with database.reading() as session:
        if session.get(Referral, referral_id) is None:
            raise NotFound(referral_id)
        return list(
            session.execute(
                select(ReferralEvent)
                .where(ReferralEvent.referral_id == referral_id)
                .order_by(ReferralEvent.seq)
            ).scalars()
        )

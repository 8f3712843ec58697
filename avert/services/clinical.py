"""The clinical record of an episode: assessments with NEWS2, escalations, actions, decisions.

Each is stored with who recorded it and when, and leaves an event in the referral's history so
the timeline reads as one story.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update

from avert.domain.errors import ValidationError
from avert.domain.frailty import ClinicalFrailtyScale
from avert.domain.news2 import News2Result, Observations, news2
from avert.domain.vocab import Destination, Labelled, OnwardService
from avert.services.history import add_event
from avert.services.lifecycle import NotFound
from avert.store.db import Database
from avert.store.schema import Assessment, CareAction, HuddleDecision, Referral


class ActionKind(Labelled):
    CRISIS_PACKAGE_OF_CARE = "crisis_package_of_care", "Crisis package of care"
    URGENT_EQUIPMENT = "urgent_equipment", "Urgent equipment order"
    ONWARD_REFERRAL = "onward_referral", "Onward referral"
    ADVICE = "advice", "Advice given"
    OTHER = "other", "Other action"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


ESCALATION_DESTINATIONS = (Destination.EMERGENCY_999, Destination.EMERGENCY_DEPARTMENT)


@dataclass(frozen=True)
class AssessmentInput:
    observations: Observations | None = None
    cfs: ClinicalFrailtyScale | None = None
    physical_needs: str | None = None
    mental_health_needs: str | None = None
    social_needs: str | None = None
    what_matters: str | None = None
    carer_situation: str | None = None

    def __post_init__(self) -> None:
        texts = (
            self.physical_needs,
            self.mental_health_needs,
            self.social_needs,
            self.what_matters,
            self.carer_situation,
        )
        if self.observations is None and self.cfs is None and not any(texts):
            raise ValidationError("assessment", "record at least observations, frailty or needs")


@dataclass(frozen=True)
class RecordedAssessment:
    assessment_id: int
    news2: News2Result | None


def _referral(session, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(referral_id)
    return referral


def record_assessment(
    database: Database,
    referral_id: int,
    entry: AssessmentInput,
    *,
    by: str,
    now: datetime,
    visit_id: int | None = None,
) -> RecordedAssessment:
    """Store an assessment; NEWS2 is calculated here, never typed in."""
    score = news2(entry.observations) if entry.observations is not None else None
    with database.writing() as session:
        referral = _referral(session, referral_id)
        assessment = Assessment(
            referral_id=referral.id,
            visit_id=visit_id,
            recorded_at=now,
            recorded_by=by,
            observations=(
                {
                    k: (v.value if isinstance(v, StrEnum) else v)
                    for k, v in asdict(entry.observations).items()
                }
                if entry.observations
                else None
            ),
            news2_total=score.total if score else None,
            news2_band=score.band.value if score else None,
            news2_scale=score.scale if score else None,
            news2_escalate=bool(score and score.escalate),
            cfs=int(entry.cfs) if entry.cfs is not None else None,
            physical_needs=entry.physical_needs,
            mental_health_needs=entry.mental_health_needs,
            social_needs=entry.social_needs,
            what_matters=entry.what_matters,
            carer_situation=entry.carer_situation,
        )
        session.add(assessment)
        session.flush()
        summary = []
        if score:
            summary.append(f"NEWS2 {score.total} ({score.band.value.replace('_', '-')})")
        if entry.cfs is not None:
            summary.append(f"CFS {int(entry.cfs)}")
        add_event(
            session,
            referral,
            at=now,
            actor=by,
            action="assessment",
            note=", ".join(summary) or "needs recorded",
            data={"assessment_id": assessment.id, "escalate": bool(score and score.escalate)},
        )
        return RecordedAssessment(assessment.id, score)


def record_escalation(
    database: Database,
    referral_id: int,
    *,
    destination: Destination,
    note: str | None,
    by: str,
    now: datetime,
) -> None:
    """Record that the person was escalated to 999 or ED (e.g. after a high NEWS2)."""
    if destination not in ESCALATION_DESTINATIONS:
        raise ValidationError("destination", "escalate to 999 or the emergency department")
    with database.writing() as session:
        referral = _referral(session, referral_id)
        add_event(
            session,
            referral,
            at=now,
            actor=by,
            action="escalation",
            note=note,
            data={"destination": destination.value},
        )


def add_action(
    database: Database,
    referral_id: int,
    *,
    kind: ActionKind,
    detail: str,
    owner: str,
    by: str,
    now: datetime,
    onward_service: OnwardService | None = None,
) -> int:
    detail = (detail or "").strip()
    owner = (owner or "").strip()
    if not detail:
        raise ValidationError("detail", "say what is to be done")
    if not owner:
        raise ValidationError("owner", "say who owns this action")
    if kind is ActionKind.ONWARD_REFERRAL and onward_service is None:
        raise ValidationError("onward_service", "choose the service referred to")
    with database.writing() as session:
        referral = _referral(session, referral_id)
        action = CareAction(
            referral_id=referral.id,
            kind=kind.value,
            detail=detail,
            onward_service=onward_service.value if onward_service else None,
            owner=owner,
            status=ActionStatus.OPEN.value,
            created_at=now,
            created_by=by,
        )
        session.add(action)
        session.flush()
        add_event(
            session,
            referral,
            at=now,
            actor=by,
            action="action_added",
            note=f"{kind.label}: {detail} (owner {owner})",
            data={"action_id": action.id},
        )
        return action.id


def complete_action(database: Database, action_id: int, *, by: str, now: datetime) -> None:
    with database.writing() as session:
        action = session.get(CareAction, action_id)
        if action is None:
            raise NotFound(action_id)
        done = session.execute(
            update(CareAction)
            .where(CareAction.id == action_id, CareAction.status == ActionStatus.OPEN.value)
            .values(status=ActionStatus.DONE.value, done_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            add_event(
                session,
                _referral(session, action.referral_id),
                at=now,
                actor=by,
                action="action_done",
                note=action.detail,
                data={"action_id": action_id},
            )


def record_decision(
    database: Database, referral_id: int, *, decision: str, by: str, now: datetime
) -> int:
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError("decision", "write the decision")
    with database.writing() as session:
        referral = _referral(session, referral_id)
        row = HuddleDecision(
            referral_id=referral.id, decided_at=now, decided_by=by, decision=decision
        )
        session.add(row)
        session.flush()
        add_event(session, referral, at=now, actor=by, action="huddle_decision", note=decision)
        return row.id

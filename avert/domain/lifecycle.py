"""The referral lifecycle: a small control state machine with reason codes for people.

The machine acts on `ReferralState` alone (job-runner's State); `StatusReason` says why, in words a
coordinator reads (job-runner's StatusCode). Every transition names a reason from the set allowed
for its target state, so a cancelled referral always says who cancelled it and why.

Episode rules (DOMAIN.md 1.2; seeds/004): the crisis phase lasts up to 72 hours; reablement
(Home First) up to six weeks. Both lengths are configuration with these defaults.

The diagram is in docs/lifecycle.md; a test checks that it lists exactly these transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from avert.domain.errors import TransitionError, ValidationError
from avert.domain.vocab import (
    DischargeOutcome,
    Disposition,
    Labelled,
    OnwardService,
    ReferralState,
)


S = ReferralState


class StatusReason(Labelled):
    """Why a referral is in its state: the detail people read beside the control state."""

    TRIAGED_BY_RULES = "triaged_by_rules", "Triaged by the ruleset"
    TRIAGE_OVERRIDDEN = "triage_overridden", "Triage changed by a clinician"
    ACCEPTED_BY_CLINICIAN = "accepted_by_clinician", "Accepted by the triaging clinician"
    ALLOCATED_TO_STAFF = "allocated_to_staff", "Allocated to staff"
    ALLOCATION_WITHDRAWN = "allocation_withdrawn", "Allocation withdrawn"
    STAFF_TRAVELLING = "staff_travelling", "Staff on their way"
    TURNED_BACK = "turned_back", "Staff turned back before arriving"
    ARRIVED = "arrived", "Staff arrived (first face-to-face contact)"
    PERSON_NOT_AT_HOME = "person_not_at_home", "Person not at home on arrival"
    CARE_STARTED = "care_started", "Care and support under way"
    DISCHARGED_WITH_OUTCOME = "discharged_with_outcome", "Discharged with an outcome"
    REDIRECTED_BY_RULES = "redirected_by_rules", "Redirected by the ruleset"
    REDIRECTED_BY_CLINICIAN = "redirected_by_clinician", "Redirected by a clinician"
    CANCELLED_BY_REFERRER = "cancelled_by_referrer", "Cancelled by the referrer"
    CANCELLED_PERSON_DECLINED = "cancelled_person_declined", "The person declined"
    CANCELLED_ADMITTED_ELSEWHERE = "cancelled_admitted_elsewhere", "Admitted before the visit"
    CANCELLED_PERSON_DIED = "cancelled_person_died", "The person died"
    CANCELLED_DUPLICATE = "cancelled_duplicate", "Duplicate of another referral"
    CANCELLED_ENTERED_IN_ERROR = "cancelled_entered_in_error", "Entered in error"
    REOPENED_DETERIORATION = "reopened_deterioration", "Reopened: the person deteriorated"
    REOPENED_CLOSED_IN_ERROR = "reopened_closed_in_error", "Reopened: closed in error"


R = StatusReason

# The whole machine: state -> target -> the reasons allowed for that move.
TRANSITIONS: dict[ReferralState, dict[ReferralState, frozenset[StatusReason]]] = {
    S.RECEIVED: {
        S.TRIAGED: frozenset({R.TRIAGED_BY_RULES}),
        S.REDIRECTED: frozenset({R.REDIRECTED_BY_RULES}),
    },
    S.TRIAGED: {
        S.ACCEPTED: frozenset({R.ACCEPTED_BY_CLINICIAN}),
        S.TRIAGED: frozenset({R.TRIAGE_OVERRIDDEN}),
        S.REDIRECTED: frozenset({R.REDIRECTED_BY_CLINICIAN}),
    },
    S.ACCEPTED: {
        S.ALLOCATED: frozenset({R.ALLOCATED_TO_STAFF}),
        S.TRIAGED: frozenset({R.TRIAGE_OVERRIDDEN}),
        S.REDIRECTED: frozenset({R.REDIRECTED_BY_CLINICIAN}),
    },
    S.ALLOCATED: {
        S.EN_ROUTE: frozenset({R.STAFF_TRAVELLING}),
        S.ACCEPTED: frozenset({R.ALLOCATION_WITHDRAWN}),
    },
    S.EN_ROUTE: {
        S.ON_SITE: frozenset({R.ARRIVED}),
        S.ALLOCATED: frozenset({R.TURNED_BACK}),
        S.ACCEPTED: frozenset({R.PERSON_NOT_AT_HOME}),
    },
    S.ON_SITE: {
        S.IN_CARE: frozenset({R.CARE_STARTED}),
        S.DISCHARGED: frozenset({R.DISCHARGED_WITH_OUTCOME}),
    },
    S.IN_CARE: {
        S.DISCHARGED: frozenset({R.DISCHARGED_WITH_OUTCOME}),
        S.ALLOCATED: frozenset({R.ALLOCATED_TO_STAFF}),
    },
    S.DISCHARGED: {S.REOPENED: frozenset({R.REOPENED_DETERIORATION, R.REOPENED_CLOSED_IN_ERROR})},
    S.REDIRECTED: {S.REOPENED: frozenset({R.REOPENED_DETERIORATION, R.REOPENED_CLOSED_IN_ERROR})},
    S.CANCELLED: {S.REOPENED: frozenset({R.REOPENED_CLOSED_IN_ERROR})},
    S.REOPENED: {
        S.TRIAGED: frozenset({R.TRIAGE_OVERRIDDEN}),
        S.ACCEPTED: frozenset({R.ACCEPTED_BY_CLINICIAN}),
        S.IN_CARE: frozenset({R.CARE_STARTED}),
    },
}

CANCEL_REASONS = frozenset(
    {
        R.CANCELLED_BY_REFERRER,
        R.CANCELLED_PERSON_DECLINED,
        R.CANCELLED_ADMITTED_ELSEWHERE,
        R.CANCELLED_PERSON_DIED,
        R.CANCELLED_DUPLICATE,
        R.CANCELLED_ENTERED_IN_ERROR,
    }
)
CLOSED_STATES = frozenset({S.DISCHARGED, S.REDIRECTED, S.CANCELLED})
# Cancelling is possible from every open state until someone has arrived.
for _state in (S.RECEIVED, S.TRIAGED, S.ACCEPTED, S.ALLOCATED, S.EN_ROUTE, S.REOPENED):
    TRANSITIONS[_state][S.CANCELLED] = CANCEL_REASONS


def is_open(state: ReferralState) -> bool:
    """An open referral is on the live queue."""
    return state not in CLOSED_STATES


def check_transition(
    current: ReferralState, target: ReferralState, reason: StatusReason
) -> ReferralState:
    """The new state, or `TransitionError` saying why the move is refused."""
    targets = TRANSITIONS.get(current, {})
    if target not in targets:
        allowed = ", ".join(sorted(t.value for t in targets)) or "nothing (it is final)"
        raise TransitionError(
            f"A referral that is {current.label.lower()} cannot become "
            f"{target.label.lower()}; it can become: {allowed}.",
            current=current.value,
            requested=target.value,
        )
    if reason not in targets[target]:
        reasons = ", ".join(sorted(r.value for r in targets[target]))
        raise TransitionError(
            f"'{reason.value}' is not a reason to make a referral {target.label.lower()}; "
            f"use one of: {reasons}.",
            current=current.value,
            requested=target.value,
        )
    return target


@dataclass(frozen=True)
class Discharge:
    """What discharge records: the outcome, and where an onward referral went."""

    outcome: DischargeOutcome
    onward_service: OnwardService | None = None
    onward_note: str | None = None

    def __post_init__(self) -> None:
        if self.outcome is DischargeOutcome.ONWARD_REFERRAL and self.onward_service is None:
            raise ValidationError("onward_service", "is required for an onward referral")
        if self.outcome is not DischargeOutcome.ONWARD_REFERRAL and self.onward_service:
            raise ValidationError("onward_service", "is only recorded for an onward referral")


@dataclass(frozen=True)
class EpisodeRules:
    """Episode lengths: crisis phase and reablement. Defaults from DOMAIN.md 1.2 and seeds/004."""

    crisis_phase: timedelta = timedelta(hours=72)
    reablement: timedelta = timedelta(weeks=6)

    def length_for(self, disposition: Disposition) -> timedelta | None:
        if disposition in (Disposition.TWO_HOUR_CRISIS, Disposition.SAME_DAY):
            return self.crisis_phase
        if disposition is Disposition.TWO_DAY_REABLEMENT:
            return self.reablement
        return None


class EpisodePhase(StrEnum):
    CRISIS = "crisis"
    REABLEMENT = "reablement"


@dataclass(frozen=True)
class EpisodeStatus:
    """Where an episode stands: which day of how many, and whether it has run over."""

    phase: EpisodePhase
    started_at: datetime
    ends_at: datetime
    day: int
    of_days: int
    overrun: bool


def episode_status(
    disposition: Disposition, started_at: datetime, now: datetime, rules: EpisodeRules
) -> EpisodeStatus | None:
    """The episode's day count from the first face-to-face contact; None when no episode applies."""
    length = rules.length_for(disposition)
    if length is None:
        return None
    if started_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("episode_status needs timezone-aware datetimes")
    phase = (
        EpisodePhase.REABLEMENT
        if disposition is Disposition.TWO_DAY_REABLEMENT
        else EpisodePhase.CRISIS
    )
    elapsed = max(now - started_at, timedelta(0))
    return EpisodeStatus(
        phase=phase,
        started_at=started_at,
        ends_at=started_at + length,
        day=elapsed // timedelta(days=1) + 1,
        of_days=-(-length // timedelta(days=1)),
        overrun=elapsed > length,
    )

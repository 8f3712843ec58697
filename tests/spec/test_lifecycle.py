"""The referral lifecycle, as a table a clinical safety reviewer can read.

Each row: from state, to state, reason, allowed? The machine acts on states; the reasons are what
people read. Episode rules: crisis phase up to 72 hours, reablement up to six weeks.
"""

from datetime import UTC, datetime, timedelta

import pytest

from avert.domain.errors import TransitionError, ValidationError
from avert.domain.lifecycle import (
    TRANSITIONS,
    Discharge,
    EpisodePhase,
    EpisodeRules,
    StatusReason,
    check_transition,
    episode_status,
    is_open,
)
from avert.domain.vocab import DischargeOutcome, Disposition, OnwardService, ReferralState


LIFECYCLE = """
from         | to          | reason                      | allowed
received     | triaged     | triaged_by_rules            | yes
received     | redirected  | redirected_by_rules         | yes
received     | on_site     | arrived                     | no
triaged      | accepted    | accepted_by_clinician       | yes
triaged      | triaged     | triage_overridden           | yes
triaged      | redirected  | redirected_by_clinician     | yes
triaged      | cancelled   | cancelled_by_referrer       | yes
triaged      | cancelled   | arrived                     | no
triaged      | allocated   | allocated_to_staff          | no
accepted     | allocated   | allocated_to_staff          | yes
accepted     | triaged     | triage_overridden           | yes
allocated    | en_route    | staff_travelling            | yes
allocated    | accepted    | allocation_withdrawn        | yes
en_route     | on_site     | arrived                     | yes
en_route     | accepted    | person_not_at_home          | yes
en_route     | cancelled   | cancelled_admitted_elsewhere| yes
on_site      | in_care     | care_started                | yes
on_site      | discharged  | discharged_with_outcome     | yes
on_site      | cancelled   | cancelled_by_referrer       | no
in_care      | discharged  | discharged_with_outcome     | yes
in_care      | allocated   | allocated_to_staff          | yes
discharged   | reopened    | reopened_deterioration      | yes
discharged   | in_care     | care_started                | no
redirected   | reopened    | reopened_closed_in_error    | yes
cancelled    | reopened    | reopened_closed_in_error    | yes
cancelled    | reopened    | reopened_deterioration      | no
reopened     | accepted    | accepted_by_clinician       | yes
reopened     | triaged     | triage_overridden           | yes
reopened     | discharged  | discharged_with_outcome     | no
"""


def _rows(table: str):
    lines = [line for line in table.strip().splitlines()[1:] if line.strip()]
    for line in lines:
        frm, to, reason, allowed = (cell.strip() for cell in line.split("|"))
        yield pytest.param(frm, to, reason, allowed == "yes", id=f"{frm}->{to}:{reason}")


@pytest.mark.parametrize("frm, to, reason, allowed", list(_rows(LIFECYCLE)))
def test_lifecycle_moves_are_allowed_or_refused_as_the_table_says(frm, to, reason, allowed):
    """Each row of the lifecycle table holds."""
    move = (ReferralState(frm), ReferralState(to), StatusReason(reason))
    if allowed:
        assert check_transition(*move) is ReferralState(to)
    else:
        with pytest.raises(TransitionError) as refused:
            check_transition(*move)
        assert refused.value.current == frm and refused.value.requested == to


def test_closed_states_are_off_the_queue_and_open_ones_on_it():
    """Discharged, redirected and cancelled referrals are closed; everything else is open."""
    closed = {s for s in ReferralState if not is_open(s)}
    assert closed == {ReferralState.DISCHARGED, ReferralState.REDIRECTED, ReferralState.CANCELLED}


def test_every_state_can_be_reached_and_every_closed_state_can_be_reopened():
    """No state is a dead end by accident: each is a target, and closure is reversible."""
    targets = {t for moves in TRANSITIONS.values() for t in moves}
    assert targets | {ReferralState.RECEIVED} == set(ReferralState)
    for closed in (ReferralState.DISCHARGED, ReferralState.REDIRECTED, ReferralState.CANCELLED):
        assert ReferralState.REOPENED in TRANSITIONS[closed]


def test_nobody_can_cancel_a_referral_once_staff_have_arrived():
    """After arrival the referral ends by discharge with an outcome, never by cancellation."""
    for state in (ReferralState.ON_SITE, ReferralState.IN_CARE):
        assert ReferralState.CANCELLED not in TRANSITIONS[state]


@pytest.mark.parametrize(
    "outcome, service, field",
    [
        (DischargeOutcome.ONWARD_REFERRAL, None, "onward_service"),
        (DischargeOutcome.REMAINED_AT_HOME, OnwardService.GP, "onward_service"),
    ],
)
def test_discharge_outcomes_and_onward_services_go_together(outcome, service, field):
    """An onward referral names its service; other outcomes name none."""
    with pytest.raises(ValidationError) as refused:
        Discharge(outcome, service)
    assert refused.value.field == field


START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)

EPISODES = """
disposition        | hours after first contact | phase      | day | of days | overrun
two_hour_crisis    | 0                         | crisis     | 1   | 3       | no
two_hour_crisis    | 25                        | crisis     | 2   | 3       | no
two_hour_crisis    | 72                        | crisis     | 4   | 3       | no
two_hour_crisis    | 73                        | crisis     | 4   | 3       | yes
same_day           | 10                        | crisis     | 1   | 3       | no
two_day_reablement | 0                         | reablement | 1   | 42      | no
two_day_reablement | 1008                      | reablement | 43  | 42      | no
two_day_reablement | 1009                      | reablement | 43  | 42      | yes
"""


def _episode_rows():
    for line in EPISODES.strip().splitlines()[1:]:
        d, hours, phase, day, of_days, overrun = (c.strip() for c in line.split("|"))
        yield pytest.param(
            Disposition(d),
            int(hours),
            EpisodePhase(phase),
            int(day),
            int(of_days),
            overrun == "yes",
            id=f"{d}+{hours}h",
        )


@pytest.mark.parametrize("disposition, hours, phase, day, of_days, overrun", list(_episode_rows()))
def test_episode_day_counts_follow_the_72_hour_and_six_week_rules(
    disposition, hours, phase, day, of_days, overrun
):
    """The crisis phase runs 72 hours and reablement six weeks from the first contact."""
    status = episode_status(disposition, START, START + timedelta(hours=hours), EpisodeRules())
    assert (status.phase, status.day, status.of_days, status.overrun) == (
        phase,
        day,
        of_days,
        overrun,
    )


def test_a_redirect_has_no_episode():
    """Redirected referrals never start a UCR episode."""
    assert episode_status(Disposition.REDIRECT, START, START, EpisodeRules()) is None

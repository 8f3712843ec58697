"""Spec: the three timed case studies from the LLR Urgent Community Response seed (seeds/004).

Each case is first triaged as referred, then with the one fact changed that would have changed
the decision, so the boundary is visible. Facts the seed does not give (age, stated urgency) are
marked as assumptions; the outcomes do not depend on them unless a row says so. Triage has no
clock input: the times in the seed (14:14, 06:56, 13:30) matter to the response clock, not here.
"""

from __future__ import annotations

from typing import Any

import pytest

from avert.domain.triage import TriageDecision, TriageInput, triage
from avert.domain.vocab import (
    ConditionNeed,
    Disposition,
    RedFlag,
    ReferralSource,
    Residence,
    StatedUrgency,
)


def outcome_of(decision: TriageDecision) -> str:
    """`redirect:<destination>` for a redirect, otherwise the disposition."""
    if decision.disposition is Disposition.REDIRECT:
        return f"redirect:{decision.destination}"
    return decision.disposition.value


def row(title: str, changes: dict[str, Any], outcome: str, fired: list[str]):
    """One readable row: what differs from the case as referred, and what triage then decides."""
    return pytest.param(changes, outcome, fired, id=title)


MRS_A = {
    "age_years": 84,  # assumption: the seed gives no age ("Mrs A", recurrent falls, dementia)
    "residence": Residence.OWN_HOME,
    "need": ConditionNeed.FALL,
    "need_text": "fall, back pain and unable to mobilise; recurrent falls, dementia, diabetic",
    "source": ReferralSource.GP,
    "stated_urgency": StatedUrgency.NOT_STATED,  # assumption: the GP's call states none
}


@pytest.mark.parametrize(
    ("changes", "outcome", "fired"),
    [
        row("as referred", {}, "two_hour_crisis", ["R-URGENCY-NOT-STATED"]),
        row(
            "the GP asks for 2 hours",
            {"stated_urgency": StatedUrgency.WITHIN_2_HOURS},
            "two_hour_crisis",
            ["R-URGENCY-WITHIN-2-HOURS"],
        ),
        row(
            "the GP had suspected a fracture",
            {"red_flags": {RedFlag.SUSPECTED_FRACTURE}},
            "redirect:emergency_999",
            ["R-RF-SUSPECTED-FRACTURE", "R-URGENCY-NOT-STATED"],
        ),
    ],
)
def test_mrs_a_after_a_fall_gets_a_two_hour_response(changes, outcome, fired):
    """Mrs A, after a fall with back pain and unable to mobilise, gets a 2-hour response.

    Seed 004, Case Study 1: "14:14 GP telephone phone call referral via Local Decision Unit (LDU)
    direct to UCR clinician for Mrs A following fall, back pain and unable to mobilise. History
    of recurrent falls, dementia and diabetic." Outcome: "Triaged in LDU as a 2 hour UCR";
    "14:45 Face to face assessment completed at home". Back pain and not mobilising are not, by
    themselves, a suspected fracture: only a clinician's suspicion sets that red flag.
    """
    decision = triage(TriageInput(**{**MRS_A, **changes}))
    assert outcome_of(decision) == outcome
    assert set(decision.rule_ids) == set(fired)


WC = {
    "age_years": 69,
    "residence": Residence.OWN_HOME,
    "need": ConditionNeed.REDUCED_FUNCTION,
    "need_text": "struggling with her mobility; lives alone",
    "source": ReferralSource.TELECARE,
    # The lifeline "emergency response" is the alarm's name, not a life-threatening emergency:
    # the telecare service asked for an urgent home response.
    "stated_urgency": StatedUrgency.WITHIN_2_HOURS,
}


@pytest.mark.parametrize(
    ("changes", "outcome", "fired"),
    [
        row("as referred", {}, "two_hour_crisis", ["R-URGENCY-WITHIN-2-HOURS"]),
        row(
            "the alarm call gives no urgency",
            {"stated_urgency": StatedUrgency.NOT_STATED},
            "two_hour_crisis",
            ["R-URGENCY-NOT-STATED"],
        ),
        row(
            "the same mobility need, stated as able to wait two days",
            {"stated_urgency": StatedUrgency.WITHIN_2_DAYS},
            "two_day_reablement",
            ["R-REABLEMENT-NEED-NOT-URGENT"],
        ),
        row(
            "she had been on the floor over an hour and the call says within 2 days",
            {"stated_urgency": StatedUrgency.WITHIN_2_DAYS, "red_flags": {RedFlag.LONG_LIE}},
            "two_hour_crisis",
            ["R-RF-LONG-LIE", "R-REABLEMENT-NEED-NOT-URGENT"],
        ),
        row(
            "the alarm operator had reported signs of sepsis",
            {"red_flags": {RedFlag.SEPSIS_SIGNS}},
            "redirect:emergency_999",
            ["R-RF-SEPSIS-SIGNS", "R-URGENCY-WITHIN-2-HOURS"],
        ),
    ],
)
def test_wc_lifeline_alarm_at_0656_gets_a_two_hour_response(changes, outcome, fired):
    """WC's lifeline alarm about her mobility gets a 2-hour response, not 999.

    Seed 004, Case Study 2: "WC is a 69-year-old female ... continued to live at home
    independently alone"; "2/2/21 at 06:56 WC pressed her assistive technology (lifeline) to
    activate an emergency response as she was struggling with her mobility." Outcome: "Triaged as
    a 2 hour UCR"; "The team arrived at WC's home address at 07:40". The red swollen leg
    (cellulitis) was found at the assessment, so it was not a red flag at triage.
    """
    decision = triage(TriageInput(**{**WC, **changes}))
    assert outcome_of(decision) == outcome
    assert set(decision.rule_ids) == set(fired)


WRIST = {
    "age_years": 78,  # assumption: the seed gives no age
    "residence": Residence.OWN_HOME,
    "need": ConditionNeed.FALL,
    "need_text": (
        "left shoulder and arm pain, bruising following fall 3 days ago, wrist pain; "
        "?fracture to be ruled out by video physio"
    ),
    "source": ReferralSource.GP,
    "stated_urgency": StatedUrgency.NOT_STATED,  # assumption: the GP's referral states none
}


@pytest.mark.parametrize(
    ("changes", "outcome", "fired"),
    [
        row(
            "as referred: a fracture to be ruled out is not a suspected fracture",
            {},
            "two_hour_crisis",
            ["R-URGENCY-NOT-STATED"],
        ),
        row(
            "a clinically suspected fracture (deformity, or cannot bear weight)",
            {"red_flags": {RedFlag.SUSPECTED_FRACTURE}},
            "redirect:emergency_999",
            ["R-RF-SUSPECTED-FRACTURE", "R-URGENCY-NOT-STATED"],
        ),
    ],
)
def test_the_wrist_case_at_1330_is_a_two_hour_response_not_a_fracture_redirect(
    changes, outcome, fired
):
    """A fracture still to be ruled out gets a 2-hour response; a suspected one goes to 999.

    Seed 004, Case Study 3: "Presenting complaint - left shoulder and arm pain, bruising following
    fall 3 days ago, wrist pain"; "13:30 Triage within Unscheduled Care Coordination Hub";
    "Video call by physiotherapist to assess wrist for ?fracture"; "ICRS attended property -
    arrival 14:45 (1hr 15 response)"; "Fracture ruled out"; "ED avoidance". The words in
    need_text never fire a rule: the red flag means a clinically suspected fracture.
    """
    decision = triage(TriageInput(**{**WRIST, **changes}))
    assert outcome_of(decision) == outcome
    assert set(decision.rule_ids) == set(fired)

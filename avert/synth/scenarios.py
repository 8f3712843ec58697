"""What a synthetic referral says: need text, red-flag scenarios, urgency and who referred.

Redirect scenarios pair each red flag with a need and the destination triage names ("no wrong
referral", DOMAIN.md 1.5): suspected stroke to the stroke pathway; fractures, head injury on
anticoagulants, chest pain, sepsis, breathlessness, bleeding and reduced consciousness to 999;
mental-health crises to the crisis line (NHS 111 option 2). Children are redirected to children's
services (UCR is for adults, DOMAIN.md 1.2). Stated urgencies are chosen so that the triage
ruleset, replayed on a synthetic referral, decides what the history records.
Telephone numbers are from Ofcom's ranges reserved for drama (07700 900xxx, 01632 960xxx), so no
real line is ever rung.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    Disposition,
    OnwardService,
    RedFlag,
    ReferralSource,
    StatedUrgency,
)


C = ConditionNeed
F = RedFlag
D = Destination
U = StatedUrgency


@dataclass(frozen=True, slots=True)
class RedirectScenario:
    """A referral that is unsafe for UCR, and where the person should go instead."""

    flag: RedFlag | None
    need: ConditionNeed
    text: str
    destination: Destination
    weight: float

    @property
    def urgencies(self) -> dict[StatedUrgency, float]:
        """What the referrer says: an emergency only where the destination is 999 or stroke.

        (Triage sends any stated emergency to 999, ahead of the crisis line or children's
        services, so those referrals are not stated as emergencies.)
        """
        if self.destination in (D.EMERGENCY_999, D.STROKE_PATHWAY):
            return {U.EMERGENCY: 60, U.WITHIN_2_HOURS: 30, U.SAME_DAY: 10}
        return {U.WITHIN_2_HOURS: 50, U.SAME_DAY: 40, U.NOT_STATED: 10}


_999, _STROKE, _MH = D.EMERGENCY_999, D.STROKE_PATHWAY, D.MENTAL_HEALTH_CRISIS_LINE

REDIRECT_SCENARIOS: tuple[RedirectScenario, ...] = tuple(
    RedirectScenario(flag, need, text, destination, weight)
    for flag, need, text, destination, weight in (
        (F.SUSPECTED_FRACTURE, C.FALL, "Fell, hip pain, cannot weight-bear", _999, 20),
        (F.HEAD_INJURY_ON_ANTICOAGULANTS, C.FALL, "Fall with a head injury, on apixaban", _999, 12),
        (F.REDUCED_CONSCIOUSNESS, C.FALL, "Collapsed, briefly unresponsive", _999, 9),
        (F.CHEST_PAIN, C.OTHER, "Central chest pain since this morning", _999, 11),
        (F.STROKE_SIGNS, C.CONFUSION_DELIRIUM, "Sudden slurred speech, weak arm", _STROKE, 8),
        (F.SEPSIS_SIGNS, C.FRAILTY_DECOMPENSATION, "Hot, shivering and very drowsy", _999, 11),
        (F.SEVERE_BREATHLESSNESS, C.OTHER, "Breathless at rest, cannot say a sentence", _999, 10),
        (F.MAJOR_BLEEDING, C.OTHER, "Leg wound bleeding heavily, will not stop", _999, 5),
        (F.MENTAL_HEALTH_CRISIS, C.OTHER, "Very low mood, talking of ending their life", _MH, 9),
    )
)  # fmt: skip
"""[ASSUMPTION] The mix of reasons for redirecting (weights). Each flag goes where the triage
ruleset (avert/domain/triage/ruleset.py, after DOMAIN.md 1.5 and 6.1) sends it, so a replayed
triage agrees; a test checks."""

CHILD_SCENARIO = RedirectScenario(
    None, C.OTHER, "Child unwell with a high temperature, parent worried", D.CHILDRENS_SERVICES, 1
)

LONG_LIE_SHARE_OF_CRISIS_FALLS = 0.1
"""[ASSUMPTION] 2-hour falls where the person had been on the floor over an hour (DOMAIN.md 1.8):
the long-lie flag keeps them at 2 hours, never lower."""

NEED_TEXTS: dict[ConditionNeed, tuple[str, ...]] = {
    C.CATHETER_CARE: (
        "Catheter blocked, bypassing",
        "Catheter fell out",
        "Urinary retention, in pain",
    ),
    C.FALL: (
        "Fell at home, no injury, cannot get up unaided",
        "Repeated falls this week",
        "Fall in the garden, unhurt but shaken",
    ),
    C.FRAILTY_DECOMPENSATION: (
        "Suspected UTI, off legs",
        "Not eating or drinking, weaker",
        "Much less mobile since a chest infection",
    ),
    C.PALLIATIVE_CRISIS: (
        "Pain not controlled, wishes to stay at home",
        "Syringe driver problem",
        "Agitated at the end of life, family struggling",
    ),
    C.REDUCED_FUNCTION: (
        "Struggling with stairs and transfers",
        "Deconditioned after a virus",
        "Cannot manage personal care any more",
    ),
    C.URGENT_EQUIPMENT: (
        "Needs a hospital bed and commode today",
        "Needs a frame and a raised toilet seat",
    ),
    C.CONFUSION_DELIRIUM: (
        "More confused than usual since yesterday",
        "Dementia worse, wandering at night",
    ),
    C.DIABETES_SUPPORT: (
        "Blood sugars high for two days",
        "Insulin not given, carer unable to",
    ),
    C.CARER_BREAKDOWN: (
        "Wife and main carer admitted to hospital",
        "Daughter cannot continue caring tonight",
    ),
    C.OTHER: (
        "COPD worse, more breathless on exertion than usual",
        "Cellulitis of the lower leg",
        "Poor oral intake, dehydrated",
        "Constipation and abdominal discomfort",
        "Medication mix-up, needs review",
        "Leg ulcer dressing needs review today",
    ),
}

URGENCY_WEIGHTS: dict[Disposition, dict[StatedUrgency, float]] = {
    Disposition.TWO_HOUR_CRISIS: {U.WITHIN_2_HOURS: 85, U.NOT_STATED: 15},
    Disposition.SAME_DAY: {U.SAME_DAY: 100},
    Disposition.TWO_DAY_REABLEMENT: {U.WITHIN_2_DAYS: 80, U.ROUTINE: 20},
}
"""[ASSUMPTION] What referrers say about urgency for accepted referrals, chosen so that the triage
ruleset decides the disposition the history records (redirects: `RedirectScenario.urgencies`)."""

ONWARD_BY_NEED: dict[ConditionNeed, OnwardService] = {
    C.CATHETER_CARE: OnwardService.COMMUNITY_NURSING,
    C.FALL: OnwardService.THERAPY,
    C.FRAILTY_DECOMPENSATION: OnwardService.GP,
    C.PALLIATIVE_CRISIS: OnwardService.PALLIATIVE_CARE,
    C.REDUCED_FUNCTION: OnwardService.REABLEMENT,
    C.URGENT_EQUIPMENT: OnwardService.THERAPY,
    C.CONFUSION_DELIRIUM: OnwardService.GP,
    C.DIABETES_SUPPORT: OnwardService.COMMUNITY_NURSING,
    C.CARER_BREAKDOWN: OnwardService.SOCIAL_CARE,
    C.OTHER: OnwardService.COMMUNITY_NURSING,
}

FIXED_ORGANISATIONS: dict[ReferralSource, tuple[str, ...]] = {
    ReferralSource.AMBULANCE_999: ("Avervale Ambulance Service",),
    ReferralSource.NHS111: ("NHS 111",),
    ReferralSource.TELECARE: ("Avervale Lifeline",),
    ReferralSource.ED: ("Avervale Royal Infirmary Emergency Department",),
    ReferralSource.OTHER: ("Avervale Carers' Centre", "Community pharmacy", "Housing support"),
}


def mobile_number(rng: random.Random) -> str:
    """A mobile number from the range Ofcom keeps for drama."""
    return f"07700 900{rng.randrange(1000):03d}"


def landline_number(rng: random.Random) -> str:
    """A landline number from the range Ofcom keeps for drama."""
    return f"01632 960{rng.randrange(1000):03d}"

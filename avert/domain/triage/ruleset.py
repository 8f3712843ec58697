"""The triage rule table (a declarative catalogue) and its version.

Each rule names its source in DOMAIN.md: 1.2 (service definitions: adults 18+, usual place of
residence, reablement "from any referral source except a hospital bed"), 1.4 (the nine
conditions/needs, the falls definition), 1.5 (inclusion and exclusion criteria, "no wrong
referral"), 1.6 (referral sources, local response tiers), 1.8 and 3.4 (long lie, falls red flags)
and 6.1 (emergencies such as stroke and chest pain are ambulance Category 2). Where the sources
leave a choice, the rule says "Avert policy" and `docs/triage.md` gives the reasoning.

Precedence, highest first: stroke pathway; other emergencies (999); mental-health crisis line;
children's services; hospital discharge team for an inpatient; long lie (2-hour, never lower);
hospital discharge team for a ward's non-urgent referral; then the stated urgency (2-hour, same
day, 2-day reablement, community nursing, GP). Review flags never change the disposition.

RULESET_VERSION must change with any change to a rule: `tests/spec/test_triage.py` pins the
fingerprint of this table to the version.
"""

from __future__ import annotations

from enum import IntEnum

from avert.domain.triage.rules import Effect, Rule, Ruleset, When
from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    Disposition,
    RedFlag,
    ReferralSource,
    Residence,
    StatedUrgency,
)


RULESET_VERSION = "2026.11.1"

ADULT_AGE_YEARS = 18
"""UCR is for adults aged 18 and over (DOMAIN.md 1.2, verified from BJCN and NELFT)."""


class Rank(IntEnum):
    """Precedence of decisive rules: when several fire, the highest rank decides."""

    STROKE_PATHWAY = 100
    EMERGENCY = 90
    MENTAL_HEALTH_CRISIS = 80
    CHILD = 70
    HOSPITAL_INPATIENT = 60
    LONG_LIE = 50
    WARD_REABLEMENT = 45
    TWO_HOURS = 40
    SAME_DAY = 30
    REABLEMENT = 20
    PLANNED_NURSING = 15
    GP = 10


NOT_URGENT = frozenset({StatedUrgency.WITHIN_2_DAYS, StatedUrgency.ROUTINE})
"""Stated urgencies that allow two days or more."""

REABLEMENT_NEEDS = frozenset(
    {ConditionNeed.REDUCED_FUNCTION, ConditionNeed.URGENT_EQUIPMENT, ConditionNeed.CARER_BREAKDOWN}
)
"""Needs that 2-day reablement meets when there is no immediate risk (DOMAIN.md 1.2, 1.4)."""

GP_NEEDS = frozenset(
    {
        ConditionNeed.FALL,
        ConditionNeed.FRAILTY_DECOMPENSATION,
        ConditionNeed.PALLIATIVE_CRISIS,
        ConditionNeed.CONFUSION_DELIRIUM,
        ConditionNeed.DIABETES_SUPPORT,
        ConditionNeed.OTHER,
    }
)
"""Needs that go to the GP when not urgent (everything but reablement needs and catheter care)."""

CRISIS_NEEDS = frozenset(
    {
        ConditionNeed.FRAILTY_DECOMPENSATION,
        ConditionNeed.PALLIATIVE_CRISIS,
        ConditionNeed.CONFUSION_DELIRIUM,
    }
)
"""Needs whose definition is a sudden decline or a crisis (DOMAIN.md 1.4, conditions 2, 4, 6)."""


def _emergency(rule_id: str, flag: RedFlag, description: str, source: str) -> Rule:
    return Rule(
        rule_id,
        description,
        When(red_flags_any={flag}),
        Effect.redirect(Destination.EMERGENCY_999),
        source,
        Rank.EMERGENCY,
    )


_EXCLUSIONS_1_5 = "DOMAIN.md 1.5 exclusions (Surrey, NELFT, RDaSH)"
_FALLS = "DOMAIN.md 1.4 falls definition #1, 1.5 NELFT exclusions, 3.4"

RULES: tuple[Rule, ...] = (
    Rule(
        "R-RF-STROKE-SIGNS",
        "Signs of stroke need the hyperacute stroke pathway: call 999 and say it may be a stroke.",
        When(red_flags_any={RedFlag.STROKE_SIGNS}),
        Effect.redirect(Destination.STROKE_PATHWAY),
        "DOMAIN.md 1.5 (needs a specialist pathway, e.g. stroke: Surrey); 6.1 (Category 2)",
        Rank.STROKE_PATHWAY,
    ),
    _emergency(
        "R-RF-REDUCED-CONSCIOUSNESS",
        RedFlag.REDUCED_CONSCIOUSNESS,
        "Reduced or lost consciousness is an emergency: call 999.",
        _FALLS,
    ),
    _emergency(
        "R-RF-CHEST-PAIN",
        RedFlag.CHEST_PAIN,
        "Chest pain is an emergency: call 999.",
        f"{_EXCLUSIONS_1_5}: needs an immediate emergency response; 6.1 (Category 2)",
    ),
    _emergency(
        "R-RF-SEPSIS-SIGNS",
        RedFlag.SEPSIS_SIGNS,
        "Signs of sepsis are a life-threatening emergency: call 999.",
        f"{_EXCLUSIONS_1_5}: life-threatening, e.g. sepsis",
    ),
    _emergency(
        "R-RF-SEVERE-BREATHLESSNESS",
        RedFlag.SEVERE_BREATHLESSNESS,
        "Severe breathlessness is an emergency: call 999.",
        f"{_EXCLUSIONS_1_5}: acutely unwell, needs emergency care",
    ),
    _emergency(
        "R-RF-MAJOR-BLEEDING",
        RedFlag.MAJOR_BLEEDING,
        "Major or uncontrolled bleeding is an emergency: call 999.",
        f"{_EXCLUSIONS_1_5}: acutely injured, needs emergency care",
    ),
    _emergency(
        "R-RF-HEAD-INJURY-ON-ANTICOAGULANTS",
        RedFlag.HEAD_INJURY_ON_ANTICOAGULANTS,
        "A head injury in someone taking anticoagulants needs emergency assessment: call 999.",
        _FALLS,
    ),
    _emergency(
        "R-RF-SUSPECTED-FRACTURE",
        RedFlag.SUSPECTED_FRACTURE,
        "A clinically suspected fracture (deformity, or cannot bear weight) needs emergency care: "
        "call 999.",
        _FALLS,
    ),
    Rule(
        "R-URGENCY-EMERGENCY",
        "The referrer describes a life-threatening emergency: call 999.",
        When(urgency_in={StatedUrgency.EMERGENCY}),
        Effect.redirect(Destination.EMERGENCY_999),
        f"{_EXCLUSIONS_1_5}: needs an immediate emergency response",
        Rank.EMERGENCY,
    ),
    Rule(
        "R-RF-MENTAL-HEALTH-CRISIS",
        "A mental-health crisis needs the specialist crisis team: NHS 111, option 2.",
        When(red_flags_any={RedFlag.MENTAL_HEALTH_CRISIS}),
        Effect.redirect(Destination.MENTAL_HEALTH_CRISIS_LINE),
        f"{_EXCLUSIONS_1_5}: mental-health crisis, route to 111 option 2",
        Rank.MENTAL_HEALTH_CRISIS,
    ),
    Rule(
        "R-AGE-UNDER-18",
        "Urgent community response is for adults: refer to children's community or paediatric "
        "services.",
        When(age_under=ADULT_AGE_YEARS),
        Effect.redirect(Destination.CHILDRENS_SERVICES),
        "DOMAIN.md 1.2 (adults aged 18 and over); 1.5 (NELFT exclusion)",
        Rank.CHILD,
    ),
    Rule(
        "R-RESIDENCE-HOSPITAL-INPATIENT",
        "The person is in a hospital bed, not at home: the hospital discharge team arranges their "
        "care.",
        When(residence_in={Residence.HOSPITAL_INPATIENT}),
        Effect.redirect(Destination.HOSPITAL_DISCHARGE_TEAM),
        "DOMAIN.md 1.2 (usual place of residence; reablement from any source except a hospital "
        "bed); 1.5 inclusion (RDaSH, Frimley)",
        Rank.HOSPITAL_INPATIENT,
    ),
    Rule(
        "R-RESIDENCE-NO-FIXED-ABODE",
        "The person has no fixed abode: a clinician agrees where and how the team can respond.",
        When(residence_in={Residence.NO_FIXED_ABODE}),
        Effect.review(),
        "DOMAIN.md 1.2, 1.5 (care in the usual place of residence); Avert policy",
    ),
    Rule(
        "R-RF-INTOXICATION",
        "Intoxication can hide an injury or illness and affects capacity: a clinician reviews "
        "the decision.",
        When(red_flags_any={RedFlag.INTOXICATION}),
        Effect.review(),
        "DOMAIN.md 1.5 (RDaSH excludes intoxication); Avert policy: review, not an automatic "
        "redirect",
    ),
    Rule(
        "R-NEED-OTHER",
        "The need is not one of the nine UCR conditions: a clinician confirms the decision.",
        When(need_in={ConditionNeed.OTHER}),
        Effect.review(),
        "DOMAIN.md 1.4 (the list is not exhaustive; triage decides on clinical need)",
    ),
    Rule(
        "R-RF-LONG-LIE",
        "A lie on the floor of over an hour is a poor-prognosis sign: respond within 2 hours, "
        "never later.",
        When(red_flags_any={RedFlag.LONG_LIE}),
        Effect.respond(Disposition.TWO_HOUR_CRISIS),
        "DOMAIN.md 1.8 (NHSE PR2063: a lie of over an hour), 3.4",
        Rank.LONG_LIE,
    ),
    Rule(
        "R-LONG-LIE-WITH-MENTAL-HEALTH-CRISIS",
        "Someone in a mental-health crisis who has been on the floor over an hour may also need "
        "a physical response: a clinician decides which comes first.",
        When(red_flags_all={RedFlag.LONG_LIE, RedFlag.MENTAL_HEALTH_CRISIS}),
        Effect.review(),
        "DOMAIN.md 1.5, 1.8; Avert policy",
    ),
    Rule(
        "R-SOURCE-ACUTE-WARD-NOT-URGENT",
        "A ward's non-urgent referral is for care after discharge: the hospital discharge team "
        "arranges it.",
        When(source_in={ReferralSource.ACUTE_WARD}, urgency_in=NOT_URGENT),
        Effect.redirect(Destination.HOSPITAL_DISCHARGE_TEAM),
        "DOMAIN.md 1.2 (reablement within two days from any referral source except a hospital bed)",
        Rank.WARD_REABLEMENT,
    ),
    Rule(
        "R-URGENCY-WITHIN-2-HOURS",
        "The need is urgent within 2 hours: 2-hour crisis response.",
        When(urgency_in={StatedUrgency.WITHIN_2_HOURS}),
        Effect.respond(Disposition.TWO_HOUR_CRISIS),
        "DOMAIN.md 1.2 (crisis response within two hours); 1.5 inclusion (RDaSH, Surrey)",
        Rank.TWO_HOURS,
    ),
    Rule(
        "R-URGENCY-NOT-STATED",
        "The referrer did not say how urgent: respond as a 2-hour crisis until a clinician says "
        "otherwise.",
        When(urgency_in={StatedUrgency.NOT_STATED}),
        Effect.respond(Disposition.TWO_HOUR_CRISIS),
        "DOMAIN.md 1.6 (UCR referrals take the highest triage priority: Cornwall SOP); "
        "Avert policy",
        Rank.TWO_HOURS,
    ),
    Rule(
        "R-URGENCY-SAME-DAY",
        "The need can wait a few hours but not until tomorrow: same-day local response.",
        When(urgency_in={StatedUrgency.SAME_DAY}),
        Effect.respond(Disposition.SAME_DAY),
        "DOMAIN.md 1.6 (local response tiers, e.g. same-day; a field separate from 2-hour)",
        Rank.SAME_DAY,
    ),
    Rule(
        "R-REABLEMENT-NEED-NOT-URGENT",
        "Reduced function, equipment or carer breakdown with no immediate risk: 2-day reablement.",
        When(need_in=REABLEMENT_NEEDS, urgency_in=NOT_URGENT),
        Effect.respond(Disposition.TWO_DAY_REABLEMENT),
        "DOMAIN.md 1.2 (reablement within two days); 1.4 conditions 3, 5, 9",
        Rank.REABLEMENT,
    ),
    Rule(
        "R-CATHETER-CARE-NOT-URGENT",
        "Catheter care that can wait is planned care: refer to community nursing.",
        When(need_in={ConditionNeed.CATHETER_CARE}, urgency_in=NOT_URGENT),
        Effect.redirect(Destination.COMMUNITY_NURSING),
        "DOMAIN.md 1.4 condition 7; 1.5 (no wrong referral); Avert policy",
        Rank.PLANNED_NURSING,
    ),
    Rule(
        "R-NOT-URGENT-TO-GP",
        "There is no urgent need: refer to the person's GP practice.",
        When(need_in=GP_NEEDS, urgency_in=NOT_URGENT),
        Effect.redirect(Destination.GP),
        "DOMAIN.md 1.5 (no wrong referral: signpost, do not reject); Avert policy",
        Rank.GP,
    ),
    Rule(
        "R-CRISIS-NEED-NOT-URGENT",
        "Frailty decompensation, a palliative crisis or confusion said to be not urgent: a "
        "clinician confirms the urgency.",
        When(need_in=CRISIS_NEEDS, urgency_in=NOT_URGENT),
        Effect.review(),
        "DOMAIN.md 1.4 conditions 2, 4, 6 (sudden decline, crisis); Avert policy",
    ),
)

DEFAULT_RULESET = Ruleset(version=RULESET_VERSION, rules=RULES)
"""The ruleset `triage` uses unless given another (a local variant needs its own version)."""

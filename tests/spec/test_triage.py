"""Spec: triage rules (DOMAIN.md 1.2, 1.4, 1.5, 1.6, 1.8, 3.4), written as tables of cases.

Each row changes a few facts of one baseline referral and states the outcome and the exact set of
rules that must fire. The baseline is an 80-year-old at home, referred by a GP after a fall, with
no red flags and no stated urgency. An outcome reads `redirect:<destination>` or a disposition.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avert.domain.errors import ValidationError
from avert.domain.triage import (
    DEFAULT_RULESET,
    RULES,
    RULESET_VERSION,
    Effect,
    Rule,
    Ruleset,
    TriageDecision,
    TriageInput,
    When,
    render_rule_table,
    standard_for,
    triage,
)
from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    Disposition,
    RedFlag,
    ReferralSource,
    Residence,
    StatedUrgency,
)


BASELINE: dict[str, Any] = {
    "age_years": 80,
    "residence": Residence.OWN_HOME,
    "need": ConditionNeed.FALL,
    "stated_urgency": StatedUrgency.NOT_STATED,
    "source": ReferralSource.GP,
}

PINNED_FINGERPRINTS = {
    # RULESET_VERSION: sha256 of the rule table. Add a line for each new version; never edit one.
    "2026.11.1": "b027621fe526fcf0a76e5e2f97e41bb9eab96530dfeb676c1ff448e50c037a13",
}


def referral(**changes: Any) -> TriageInput:
    """The baseline referral with some facts changed."""
    return TriageInput(**{**BASELINE, **changes})


def outcome_of(decision: TriageDecision) -> str:
    """`redirect:<destination>` for a redirect, otherwise the disposition."""
    if decision.disposition is Disposition.REDIRECT:
        return f"redirect:{decision.destination}"
    return decision.disposition.value


def row(title: str, changes: dict[str, Any], outcome: str, fired: list[str], review: bool = False):
    """One readable row of a spec table."""
    return pytest.param(changes, outcome, fired, review, id=title)


OTHER_NEED = {"need": ConditionNeed.OTHER, "need_text": "needs help with a new stoma bag"}

CASES = [
    # --- The stated urgency decides when nothing else does (DOMAIN.md 1.2, 1.6) ---------------
    row(
        "a fall with no urgency stated gets 2 hours",
        {},
        "two_hour_crisis",
        ["R-URGENCY-NOT-STATED"],
    ),
    row(
        "a fall needed within 2 hours gets 2 hours",
        {"stated_urgency": StatedUrgency.WITHIN_2_HOURS},
        "two_hour_crisis",
        ["R-URGENCY-WITHIN-2-HOURS"],
    ),
    row(
        "a need for today gets a same-day response",
        {"stated_urgency": StatedUrgency.SAME_DAY},
        "same_day",
        ["R-URGENCY-SAME-DAY"],
    ),
    row(
        "reduced function within 2 days gets 2-day reablement",
        {"need": ConditionNeed.REDUCED_FUNCTION, "stated_urgency": StatedUrgency.WITHIN_2_DAYS},
        "two_day_reablement",
        ["R-REABLEMENT-NEED-NOT-URGENT"],
    ),
    row(
        "routine urgent equipment gets 2-day reablement",
        {"need": ConditionNeed.URGENT_EQUIPMENT, "stated_urgency": StatedUrgency.ROUTINE},
        "two_day_reablement",
        ["R-REABLEMENT-NEED-NOT-URGENT"],
    ),
    row(
        "carer breakdown with no immediate risk gets 2-day reablement",
        {"need": ConditionNeed.CARER_BREAKDOWN, "stated_urgency": StatedUrgency.WITHIN_2_DAYS},
        "two_day_reablement",
        ["R-REABLEMENT-NEED-NOT-URGENT"],
    ),
    row(
        "carer breakdown needed within 2 hours gets 2 hours",
        {"need": ConditionNeed.CARER_BREAKDOWN, "stated_urgency": StatedUrgency.WITHIN_2_HOURS},
        "two_hour_crisis",
        ["R-URGENCY-WITHIN-2-HOURS"],
    ),
    row(
        "routine catheter care goes to community nursing",
        {"need": ConditionNeed.CATHETER_CARE, "stated_urgency": StatedUrgency.ROUTINE},
        "redirect:community_nursing",
        ["R-CATHETER-CARE-NOT-URGENT"],
    ),
    row(
        "a blocked catheter needed within 2 hours gets 2 hours",
        {"need": ConditionNeed.CATHETER_CARE, "stated_urgency": StatedUrgency.WITHIN_2_HOURS},
        "two_hour_crisis",
        ["R-URGENCY-WITHIN-2-HOURS"],
    ),
    row(
        "a routine fall goes to the GP",
        {"stated_urgency": StatedUrgency.ROUTINE},
        "redirect:gp",
        ["R-NOT-URGENT-TO-GP"],
    ),
    row(
        "diabetes support within 2 days goes to the GP",
        {"need": ConditionNeed.DIABETES_SUPPORT, "stated_urgency": StatedUrgency.WITHIN_2_DAYS},
        "redirect:gp",
        ["R-NOT-URGENT-TO-GP"],
    ),
    row(
        "a palliative crisis called routine goes to the GP for clinical review",
        {"need": ConditionNeed.PALLIATIVE_CRISIS, "stated_urgency": StatedUrgency.ROUTINE},
        "redirect:gp",
        ["R-NOT-URGENT-TO-GP", "R-CRISIS-NEED-NOT-URGENT"],
        review=True,
    ),
    row(
        "confusion called not urgent goes to the GP for clinical review",
        {"need": ConditionNeed.CONFUSION_DELIRIUM, "stated_urgency": StatedUrgency.WITHIN_2_DAYS},
        "redirect:gp",
        ["R-NOT-URGENT-TO-GP", "R-CRISIS-NEED-NOT-URGENT"],
        review=True,
    ),
    # --- OTHER follows the urgency and asks for clinical review (DOMAIN.md 1.4) ---------------
    row(
        "another need with no urgency stated gets 2 hours and review",
        OTHER_NEED,
        "two_hour_crisis",
        ["R-NEED-OTHER", "R-URGENCY-NOT-STATED"],
        review=True,
    ),
    row(
        "another need for today gets same day and review",
        {**OTHER_NEED, "stated_urgency": StatedUrgency.SAME_DAY},
        "same_day",
        ["R-NEED-OTHER", "R-URGENCY-SAME-DAY"],
        review=True,
    ),
    row(
        "another routine need goes to the GP with review",
        {**OTHER_NEED, "stated_urgency": StatedUrgency.ROUTINE},
        "redirect:gp",
        ["R-NEED-OTHER", "R-NOT-URGENT-TO-GP"],
        review=True,
    ),
    # --- Emergencies go to 999; stroke to the stroke pathway (DOMAIN.md 1.4, 1.5, 3.4, 6.1) ----
    row(
        "stroke signs go to the stroke pathway",
        {"red_flags": {RedFlag.STROKE_SIGNS}},
        "redirect:stroke_pathway",
        ["R-RF-STROKE-SIGNS", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "reduced consciousness goes to 999",
        {"red_flags": {RedFlag.REDUCED_CONSCIOUSNESS}},
        "redirect:emergency_999",
        ["R-RF-REDUCED-CONSCIOUSNESS", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "chest pain goes to 999",
        {"red_flags": {RedFlag.CHEST_PAIN}},
        "redirect:emergency_999",
        ["R-RF-CHEST-PAIN", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "sepsis signs go to 999",
        {"red_flags": {RedFlag.SEPSIS_SIGNS}},
        "redirect:emergency_999",
        ["R-RF-SEPSIS-SIGNS", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "severe breathlessness goes to 999",
        {"red_flags": {RedFlag.SEVERE_BREATHLESSNESS}},
        "redirect:emergency_999",
        ["R-RF-SEVERE-BREATHLESSNESS", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "major bleeding goes to 999",
        {"red_flags": {RedFlag.MAJOR_BLEEDING}},
        "redirect:emergency_999",
        ["R-RF-MAJOR-BLEEDING", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a head injury on anticoagulants goes to 999",
        {"red_flags": {RedFlag.HEAD_INJURY_ON_ANTICOAGULANTS}},
        "redirect:emergency_999",
        ["R-RF-HEAD-INJURY-ON-ANTICOAGULANTS", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a clinically suspected fracture goes to 999",
        {"red_flags": {RedFlag.SUSPECTED_FRACTURE}},
        "redirect:emergency_999",
        ["R-RF-SUSPECTED-FRACTURE", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a referrer's emergency goes to 999",
        {"stated_urgency": StatedUrgency.EMERGENCY},
        "redirect:emergency_999",
        ["R-URGENCY-EMERGENCY"],
    ),
    # --- Other exclusions are signposted, never rejected (DOMAIN.md 1.2, 1.5) ------------------
    row(
        "a mental-health crisis goes to the crisis line",
        {"red_flags": {RedFlag.MENTAL_HEALTH_CRISIS}},
        "redirect:mental_health_crisis_line",
        ["R-RF-MENTAL-HEALTH-CRISIS", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "intoxication follows the urgency with clinical review",
        {"red_flags": {RedFlag.INTOXICATION}},
        "two_hour_crisis",
        ["R-RF-INTOXICATION", "R-URGENCY-NOT-STATED"],
        review=True,
    ),
    row(
        "a 17-year-old goes to children's services",
        {"age_years": 17},
        "redirect:childrens_services",
        ["R-AGE-UNDER-18", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "an 18-year-old is an adult", {"age_years": 18}, "two_hour_crisis", ["R-URGENCY-NOT-STATED"]
    ),
    # --- Usual place of residence and hospital beds (DOMAIN.md 1.2, 1.5, 1.6) -----------------
    row(
        "a hospital inpatient goes to the discharge team",
        {"residence": Residence.HOSPITAL_INPATIENT, "source": ReferralSource.ACUTE_WARD},
        "redirect:hospital_discharge_team",
        ["R-RESIDENCE-HOSPITAL-INPATIENT", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "an acute ward's reablement referral goes to the discharge team",
        {
            "source": ReferralSource.ACUTE_WARD,
            "need": ConditionNeed.REDUCED_FUNCTION,
            "stated_urgency": StatedUrgency.WITHIN_2_DAYS,
        },
        "redirect:hospital_discharge_team",
        ["R-SOURCE-ACUTE-WARD-NOT-URGENT", "R-REABLEMENT-NEED-NOT-URGENT"],
    ),
    row(
        "an acute ward's 2-hour referral of someone at home gets 2 hours",
        {"source": ReferralSource.ACUTE_WARD, "stated_urgency": StatedUrgency.WITHIN_2_HOURS},
        "two_hour_crisis",
        ["R-URGENCY-WITHIN-2-HOURS"],
    ),
    row(
        "an ED referral of someone at home gets 2 hours",
        {"source": ReferralSource.ED, "stated_urgency": StatedUrgency.WITHIN_2_HOURS},
        "two_hour_crisis",
        ["R-URGENCY-WITHIN-2-HOURS"],
    ),
    row(
        "an ED referral for reablement gets 2-day reablement (ED is not a hospital bed)",
        {
            "source": ReferralSource.ED,
            "need": ConditionNeed.REDUCED_FUNCTION,
            "stated_urgency": StatedUrgency.WITHIN_2_DAYS,
        },
        "two_day_reablement",
        ["R-REABLEMENT-NEED-NOT-URGENT"],
    ),
    row(
        "a nursing-home resident is at their usual place of residence",
        {"residence": Residence.CARE_HOME_NURSING, "source": ReferralSource.CARE_HOME},
        "two_hour_crisis",
        ["R-URGENCY-NOT-STATED"],
    ),
    row(
        "someone with no fixed abode gets a response after clinical review",
        {"residence": Residence.NO_FIXED_ABODE},
        "two_hour_crisis",
        ["R-RESIDENCE-NO-FIXED-ABODE", "R-URGENCY-NOT-STATED"],
        review=True,
    ),
    # --- A long lie is never below 2 hours (DOMAIN.md 1.8, 3.4) --------------------------------
    row(
        "a long lie called routine still gets 2 hours",
        {"red_flags": {RedFlag.LONG_LIE}, "stated_urgency": StatedUrgency.ROUTINE},
        "two_hour_crisis",
        ["R-RF-LONG-LIE", "R-NOT-URGENT-TO-GP"],
    ),
    row(
        "a long lie for today still gets 2 hours",
        {"red_flags": {RedFlag.LONG_LIE}, "stated_urgency": StatedUrgency.SAME_DAY},
        "two_hour_crisis",
        ["R-RF-LONG-LIE", "R-URGENCY-SAME-DAY"],
    ),
]

PRECEDENCE = [
    row(
        "a 17-year-old with chest pain goes to 999, not children's services",
        {"age_years": 17, "red_flags": {RedFlag.CHEST_PAIN}},
        "redirect:emergency_999",
        ["R-RF-CHEST-PAIN", "R-AGE-UNDER-18", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a child whose referrer says emergency goes to 999",
        {"age_years": 9, "stated_urgency": StatedUrgency.EMERGENCY},
        "redirect:emergency_999",
        ["R-URGENCY-EMERGENCY", "R-AGE-UNDER-18"],
    ),
    row(
        "stroke signs with chest pain go to the stroke pathway (both via 999)",
        {"red_flags": {RedFlag.STROKE_SIGNS, RedFlag.CHEST_PAIN}},
        "redirect:stroke_pathway",
        ["R-RF-STROKE-SIGNS", "R-RF-CHEST-PAIN", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a mental-health crisis with chest pain goes to 999",
        {"red_flags": {RedFlag.MENTAL_HEALTH_CRISIS, RedFlag.CHEST_PAIN}},
        "redirect:emergency_999",
        ["R-RF-CHEST-PAIN", "R-RF-MENTAL-HEALTH-CRISIS", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a 16-year-old in a mental-health crisis goes to the crisis line (all ages)",
        {"age_years": 16, "red_flags": {RedFlag.MENTAL_HEALTH_CRISIS}},
        "redirect:mental_health_crisis_line",
        ["R-RF-MENTAL-HEALTH-CRISIS", "R-AGE-UNDER-18", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a hospital inpatient with chest pain goes to 999",
        {"residence": Residence.HOSPITAL_INPATIENT, "red_flags": {RedFlag.CHEST_PAIN}},
        "redirect:emergency_999",
        ["R-RF-CHEST-PAIN", "R-RESIDENCE-HOSPITAL-INPATIENT", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a child in a hospital bed goes to children's services",
        {"age_years": 12, "residence": Residence.HOSPITAL_INPATIENT},
        "redirect:childrens_services",
        ["R-AGE-UNDER-18", "R-RESIDENCE-HOSPITAL-INPATIENT", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a long lie with a suspected fracture goes to 999",
        {"red_flags": {RedFlag.LONG_LIE, RedFlag.SUSPECTED_FRACTURE}},
        "redirect:emergency_999",
        ["R-RF-SUSPECTED-FRACTURE", "R-RF-LONG-LIE", "R-URGENCY-NOT-STATED"],
    ),
    row(
        "a long lie in a mental-health crisis goes to the crisis line with clinical review",
        {"red_flags": {RedFlag.LONG_LIE, RedFlag.MENTAL_HEALTH_CRISIS}},
        "redirect:mental_health_crisis_line",
        [
            "R-RF-MENTAL-HEALTH-CRISIS",
            "R-RF-LONG-LIE",
            "R-LONG-LIE-WITH-MENTAL-HEALTH-CRISIS",
            "R-URGENCY-NOT-STATED",
        ],
        review=True,
    ),
    row(
        "a long lie reported by a ward as routine gets 2 hours, not the discharge team",
        {
            "source": ReferralSource.ACUTE_WARD,
            "red_flags": {RedFlag.LONG_LIE},
            "stated_urgency": StatedUrgency.ROUTINE,
        },
        "two_hour_crisis",
        ["R-RF-LONG-LIE", "R-SOURCE-ACUTE-WARD-NOT-URGENT", "R-NOT-URGENT-TO-GP"],
    ),
    row(
        "an intoxicated person with sepsis signs goes to 999, flagged for review",
        {"red_flags": {RedFlag.INTOXICATION, RedFlag.SEPSIS_SIGNS}},
        "redirect:emergency_999",
        ["R-RF-SEPSIS-SIGNS", "R-RF-INTOXICATION", "R-URGENCY-NOT-STATED"],
        review=True,
    ),
]


@pytest.mark.parametrize(("changes", "outcome", "fired", "review"), CASES)
def test_each_referral_gets_the_disposition_its_rules_give(changes, outcome, fired, review):
    """A referral gets the tabled outcome, review flag and exactly the tabled fired rules."""
    decision = triage(referral(**changes))
    assert outcome_of(decision) == outcome
    assert set(decision.rule_ids) == set(fired)
    assert decision.needs_clinical_review is review


@pytest.mark.parametrize(("changes", "outcome", "fired", "review"), PRECEDENCE)
def test_the_most_severe_rule_decides_and_every_fired_rule_is_recorded(
    changes, outcome, fired, review
):
    """When several rules fire, the most severe decides and all of them are recorded."""
    decision = triage(referral(**changes))
    assert outcome_of(decision) == outcome
    assert set(decision.rule_ids) == set(fired)
    assert decision.needs_clinical_review is review


def test_every_rule_in_the_table_is_covered_by_a_spec_case():
    """Every rule in the ruleset fires in at least one tabled case."""
    covered = {rule_id for param in CASES + PRECEDENCE for rule_id in param.values[2]}
    assert covered == {rule.rule_id for rule in RULES}


def test_the_deciding_rule_is_recorded_and_its_effect_is_the_outcome():
    """`decided_by` names a fired rule whose effect is the decision."""
    decision = triage(referral(age_years=17, red_flags={RedFlag.CHEST_PAIN}))
    assert decision.decided_by == "R-RF-CHEST-PAIN"
    effect = next(r.effect for r in decision.rules_fired if r.rule_id == decision.decided_by)
    assert effect == "redirect:emergency_999"


def test_fired_rules_are_recorded_in_the_order_of_the_table():
    """The rules fired are listed in evaluation (table) order, not by rank."""
    order = [rule.rule_id for rule in RULES]
    decision = triage(
        referral(
            age_years=17,
            red_flags={RedFlag.LONG_LIE, RedFlag.MENTAL_HEALTH_CRISIS, RedFlag.CHEST_PAIN},
        )
    )
    positions = [order.index(rule_id) for rule_id in decision.rule_ids]
    assert positions == sorted(positions)
    assert len(positions) >= 4


def test_a_decision_records_the_ruleset_version():
    """Each decision carries the version of the rules that made it."""
    assert triage(referral()).ruleset_version == RULESET_VERSION


# --- Properties over every possible referral ---------------------------------------------------

referrals = st.builds(
    TriageInput,
    age_years=st.integers(min_value=0, max_value=110),
    residence=st.sampled_from(Residence),
    need=st.sampled_from(ConditionNeed),
    need_text=st.just("described by the referrer"),
    red_flags=st.frozensets(st.sampled_from(RedFlag)),
    stated_urgency=st.sampled_from(StatedUrgency),
    source=st.sampled_from(ReferralSource),
)

EMERGENCY_FLAGS = frozenset(
    {
        RedFlag.REDUCED_CONSCIOUSNESS,
        RedFlag.CHEST_PAIN,
        RedFlag.SEPSIS_SIGNS,
        RedFlag.SEVERE_BREATHLESSNESS,
        RedFlag.MAJOR_BLEEDING,
        RedFlag.HEAD_INJURY_ON_ANTICOAGULANTS,
        RedFlag.SUSPECTED_FRACTURE,
        RedFlag.STROKE_SIGNS,
    }
)


@given(referrals)
def test_a_redirect_always_names_where_the_person_goes(case):
    """No wrong referral: every redirect has a destination, and only a redirect has one."""
    decision = triage(case)
    is_redirect = decision.disposition is Disposition.REDIRECT
    assert (decision.destination is not None) is is_redirect
    assert decision.standard is standard_for(decision.disposition)


@given(referrals)
def test_an_emergency_always_goes_to_999_whatever_else_is_true(case):
    """Any emergency red flag or a stated emergency redirects via 999, over every other rule."""
    decision = triage(case)
    emergency = case.red_flags & EMERGENCY_FLAGS or case.stated_urgency is StatedUrgency.EMERGENCY
    via_999 = {Destination.EMERGENCY_999, Destination.STROKE_PATHWAY}
    assert (decision.destination in via_999) == bool(emergency)


@given(referrals)
def test_a_long_lie_is_never_answered_more_slowly_than_two_hours(case):
    """With a long lie, a response by the service is always the 2-hour crisis response."""
    decision = triage(case)
    if RedFlag.LONG_LIE in case.red_flags and decision.disposition is not Disposition.REDIRECT:
        assert decision.disposition is Disposition.TWO_HOUR_CRISIS


@given(referrals)
def test_an_other_need_always_asks_for_clinical_review(case):
    """A need outside the nine conditions always sets needs_clinical_review."""
    if case.need is ConditionNeed.OTHER:
        assert triage(case).needs_clinical_review


def test_every_combination_of_need_urgency_residence_and_source_is_decided():
    """The default rules decide every adult referral without red flags (no gaps in the table)."""
    for need, urgency, residence, source in itertools.product(
        ConditionNeed, StatedUrgency, Residence, ReferralSource
    ):
        case = referral(
            need=need,
            need_text="described",
            stated_urgency=urgency,
            residence=residence,
            source=source,
        )
        assert triage(case).decided_by is not None


# --- The ruleset is versioned, and the docs show it ---------------------------------------------


def test_the_ruleset_version_is_pinned_to_the_rule_table():
    """Editing a rule without a new RULESET_VERSION (and a new pinned fingerprint) fails."""
    assert PINNED_FINGERPRINTS.get(RULESET_VERSION) == DEFAULT_RULESET.fingerprint(), (
        "The rule table changed: bump RULESET_VERSION and pin the new fingerprint here."
    )


def test_the_ruleset_version_reads_as_year_month_and_release():
    """RULESET_VERSION looks like 2026.11.1."""
    assert re.fullmatch(r"20\d\d\.(1[0-2]|[1-9])\.[1-9]\d*", RULESET_VERSION)


@pytest.mark.parametrize(
    "change",
    [
        {"description": "Reworded."},
        {"rank": 101},
        {"when": When(red_flags_any={RedFlag.STROKE_SIGNS, RedFlag.CHEST_PAIN})},
        {"effect": Effect.redirect(Destination.EMERGENCY_999)},
        {"source": "DOMAIN.md 9"},
    ],
    ids=["description", "rank", "condition", "effect", "source"],
)
def test_any_edit_to_a_rule_changes_the_fingerprint(change):
    """The fingerprint covers the wording, condition, effect, rank and source of every rule."""
    stroke = DEFAULT_RULESET.rule("R-RF-STROKE-SIGNS")
    edited = tuple(
        dataclasses.replace(rule, **change) if rule is stroke else rule for rule in RULES
    )
    assert Ruleset(RULESET_VERSION, edited).fingerprint() != DEFAULT_RULESET.fingerprint()


def test_rules_of_equal_rank_must_have_the_same_effect():
    """Two decisive rules may share a rank only if they do the same, so order never decides."""
    clash = Rule(
        "R-TEST-CLASH",
        "A test rule.",
        When(red_flags_any={RedFlag.CHEST_PAIN}),
        Effect.redirect(Destination.EMERGENCY_DEPARTMENT),
        "test",
        rank=90,
    )
    with pytest.raises(ValueError, match="equal rank"):
        Ruleset("test", (*RULES, clash))


def test_rule_ids_must_be_unique():
    """A ruleset refuses two rules with one id."""
    with pytest.raises(ValueError, match="unique"):
        Ruleset("test", (*RULES, RULES[0]))


def test_a_ruleset_that_cannot_decide_a_referral_says_so():
    """A local ruleset with a gap raises rather than inventing a disposition."""
    only_children = Ruleset("local.1", (DEFAULT_RULESET.rule("R-AGE-UNDER-18"),))
    assert triage(referral(age_years=10), only_children).ruleset_version == "local.1"
    with pytest.raises(ValueError, match="no rule that decides"):
        triage(referral(), only_children)


def test_the_docs_hold_the_current_rule_table_and_version():
    """docs/triage.md shows exactly the rules in the code, and the current version."""
    docs = (Path(__file__).parents[2] / "docs" / "triage.md").read_text(encoding="utf-8")
    assert render_rule_table() in docs
    assert f"`{RULESET_VERSION}`" in docs


# --- What triage accepts ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   "])
def test_an_other_need_without_a_description_is_refused(text):
    """A need outside the nine conditions must be described in need_text."""
    with pytest.raises(ValidationError) as refused:
        referral(need=ConditionNeed.OTHER, need_text=text)
    assert refused.value.field == "need_text"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age_years": -1}, "age_years"),
        ({"age_years": 131}, "age_years"),
        ({"age_years": True}, "age_years"),
        ({"age_years": "80"}, "age_years"),
        ({"residence": "castle"}, "residence"),
        ({"need": "boredom"}, "need"),
        ({"red_flags": {"hiccups"}}, "red_flags"),
        ({"red_flags": "chest_pain"}, "red_flags"),
        ({"stated_urgency": "yesterday"}, "stated_urgency"),
        ({"source": "pigeon"}, "source"),
        ({"need_text": 7}, "need_text"),
    ],
)
def test_a_referral_with_an_impossible_value_is_refused(changes, field):
    """Bad input raises ValidationError naming the field."""
    with pytest.raises(ValidationError) as refused:
        referral(**changes)
    assert refused.value.field == field


def test_wire_values_are_read_as_the_shared_enums():
    """Strings from the API or forms become enum members, and a list of flags a frozenset."""
    case = TriageInput(
        age_years=70,
        residence="own_home",
        need="fall",
        red_flags=["long_lie"],
        stated_urgency="same_day",
        source="telecare",
    )
    assert case.residence is Residence.OWN_HOME
    assert case.red_flags == frozenset({RedFlag.LONG_LIE})
    assert case.source is ReferralSource.TELECARE
    assert triage(case).disposition is Disposition.TWO_HOUR_CRISIS

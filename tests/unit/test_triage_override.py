"""Unit tests: a clinician's override of triage, and the stored form of a decision."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avert.domain.errors import ValidationError
from avert.domain.triage import (
    RULESET_VERSION,
    RuleFired,
    TriageDecision,
    TriageInput,
    override,
    triage,
)
from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    Disposition,
    RedFlag,
    ReferralSource,
    Residence,
    ResponseStandard,
    StatedUrgency,
)


def a_fall(**changes) -> TriageDecision:
    """The rules' decision for an 80-year-old at home after a fall (2-hour unless changed)."""
    facts = {"age_years": 80, "residence": Residence.OWN_HOME, "need": ConditionNeed.FALL}
    return triage(TriageInput(**{**facts, **changes}))


def test_an_override_replaces_the_disposition_and_keeps_the_rules_decision():
    """The override's disposition stands; the rule-based decision is kept as `original`."""
    decided = a_fall()
    changed = override(
        decided,
        disposition=Disposition.SAME_DAY,
        reason="Spoke to daughter: she is with her mother until this evening.",
        by="Sam Patel, UCR nurse",
    )
    assert changed.disposition is Disposition.SAME_DAY
    assert changed.standard is ResponseStandard.OTHER_LOCAL
    assert changed.overridden is True
    assert changed.override_reason.startswith("Spoke to daughter")
    assert changed.overridden_by == "Sam Patel, UCR nurse"
    assert changed.original == decided
    assert changed.rules_fired == decided.rules_fired
    assert changed.ruleset_version == decided.ruleset_version == RULESET_VERSION
    assert changed.decided_by is None


def test_an_override_to_a_redirect_names_the_destination():
    """A clinician can redirect, and the redirect records where the person goes."""
    changed = override(
        a_fall(),
        disposition=Disposition.REDIRECT,
        destination=Destination.EMERGENCY_DEPARTMENT,
        reason="Daughter reports a new deformity of the wrist.",
        by="A. Clinician",
    )
    assert changed.destination is Destination.EMERGENCY_DEPARTMENT
    assert changed.standard is None


def test_an_override_settles_a_clinical_review():
    """The clinician's decision clears the review flag the rules raised."""
    decided = a_fall(need=ConditionNeed.OTHER, need_text="cannot swallow her tablets")
    assert decided.needs_clinical_review
    changed = override(
        decided, disposition=Disposition.SAME_DAY, reason="Reviewed by phone.", by="A. Clinician"
    )
    assert changed.needs_clinical_review is False
    assert changed.original.needs_clinical_review is True


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_override_without_a_reason_is_refused(reason):
    """The reason is recorded, so it cannot be blank."""
    with pytest.raises(ValidationError) as refused:
        override(a_fall(), disposition=Disposition.SAME_DAY, reason=reason, by="A. Clinician")
    assert refused.value.field == "override_reason"


@pytest.mark.parametrize("by", ["", "  "])
def test_an_override_without_the_clinicians_name_is_refused(by):
    """Who overrode the rules is recorded, so it cannot be blank."""
    with pytest.raises(ValidationError) as refused:
        override(a_fall(), disposition=Disposition.SAME_DAY, reason="Reviewed.", by=by)
    assert refused.value.field == "overridden_by"


def test_an_override_to_a_redirect_without_a_destination_is_refused():
    """No wrong referral: an overriding redirect must say where the person goes."""
    with pytest.raises(ValidationError) as refused:
        override(a_fall(), disposition=Disposition.REDIRECT, reason="Not for us.", by="A. C")
    assert refused.value.field == "destination"


def test_an_override_with_a_destination_but_no_redirect_is_refused():
    """Only a redirect has a destination."""
    with pytest.raises(ValidationError) as refused:
        override(
            a_fall(),
            disposition=Disposition.SAME_DAY,
            destination=Destination.GP,
            reason="Reviewed.",
            by="A. Clinician",
        )
    assert refused.value.field == "destination"


def test_an_override_that_changes_nothing_is_refused():
    """An override must change the disposition or the destination."""
    with pytest.raises(ValidationError) as refused:
        override(
            a_fall(), disposition=Disposition.TWO_HOUR_CRISIS, reason="Agree.", by="A. Clinician"
        )
    assert refused.value.field == "disposition"


def test_a_redirect_can_be_overridden_to_another_destination():
    """Changing only where a redirect goes is an override."""
    decided = a_fall(red_flags={RedFlag.SUSPECTED_FRACTURE})
    changed = override(
        decided,
        disposition=Disposition.REDIRECT,
        destination=Destination.EMERGENCY_DEPARTMENT,
        reason="Wrist only, walking well: daughter will drive her to ED.",
        by="A. Clinician",
    )
    assert changed.destination is Destination.EMERGENCY_DEPARTMENT
    assert changed.original.destination is Destination.EMERGENCY_999


def test_overriding_an_override_keeps_the_whole_chain():
    """A second override keeps the first, and `rule_based` still reaches the rules' decision."""
    decided = a_fall()
    first = override(decided, disposition=Disposition.SAME_DAY, reason="One.", by="Nurse A")
    second = override(
        first, disposition=Disposition.TWO_DAY_REABLEMENT, reason="Two.", by="Physio B"
    )
    assert second.original == first
    assert second.rule_based == decided
    assert decided.rule_based is decided


# --- A decision validates itself ---------------------------------------------------------------

FIRED = (RuleFired("R-URGENCY-NOT-STATED", "No urgency stated.", "disposition:two_hour_crisis"),)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"disposition": Disposition.REDIRECT, "standard": None, "destination": None},
            "destination",
        ),
        ({"destination": Destination.GP}, "destination"),
        ({"standard": ResponseStandard.TWO_DAY}, "standard"),
        ({"ruleset_version": " "}, "ruleset_version"),
        ({"decided_by": "R-NOT-FIRED"}, "decided_by"),
        ({"override_reason": "Why."}, "overridden"),
        ({"overridden": True, "override_reason": "Why.", "overridden_by": "A"}, "original"),
        ({"overridden": True, "overridden_by": "A"}, "override_reason"),
        ({"disposition": "teleport"}, "disposition"),
        ({"needs_clinical_review": "no"}, "needs_clinical_review"),
    ],
)
def test_an_inconsistent_decision_cannot_be_built(fields, field):
    """TriageDecision refuses values that contradict each other, naming the field."""
    valid = {
        "disposition": Disposition.TWO_HOUR_CRISIS,
        "standard": ResponseStandard.TWO_HOUR,
        "destination": None,
        "rules_fired": FIRED,
        "ruleset_version": RULESET_VERSION,
    }
    with pytest.raises(ValidationError) as refused:
        TriageDecision(**{**valid, **fields})
    assert refused.value.field == field


# --- The stored form round-trips -------------------------------------------------------------

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


@given(referrals, st.booleans())
def test_a_decision_survives_a_round_trip_through_json(case, overridden):
    """from_dict(to_dict(d)) == d, through real JSON, for rule-based and overridden decisions."""
    decision = triage(case)
    if overridden:
        decision = override(
            decision,
            disposition=Disposition.REDIRECT,
            destination=Destination.OTHER
            if decision.destination is not Destination.OTHER
            else Destination.GP,
            reason="Named in the note.",
            by="A. Clinician",
        )
    stored = json.loads(json.dumps(decision.to_dict()))
    assert stored == decision.to_dict()
    assert TriageDecision.from_dict(stored) == decision


def test_to_dict_holds_plain_strings_not_enums():
    """Enum values are stored as their string values, ready for JSON columns."""
    data = a_fall(red_flags={RedFlag.CHEST_PAIN}).to_dict()
    assert type(data["disposition"]) is str and data["disposition"] == "redirect"
    assert type(data["destination"]) is str and data["destination"] == "emergency_999"
    assert data["standard"] is None
    assert data["rules_fired"][0] == {
        "rule_id": "R-RF-CHEST-PAIN",
        "description": "Chest pain is an emergency: call 999.",
        "effect": "redirect:emergency_999",
    }


def test_a_stored_decision_missing_a_field_is_reported_by_name():
    """from_dict names the missing field."""
    data = a_fall().to_dict()
    del data["ruleset_version"]
    with pytest.raises(ValidationError) as refused:
        TriageDecision.from_dict(data)
    assert refused.value.field == "ruleset_version"


def test_a_record_without_override_fields_reads_as_not_overridden():
    """The override fields and decided_by are optional when reading a stored decision."""
    data = a_fall().to_dict()
    for key in ("overridden", "override_reason", "overridden_by", "original", "decided_by"):
        del data[key]
    decision = TriageDecision.from_dict(data)
    assert decision.overridden is False and decision.original is None

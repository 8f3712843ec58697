"""Triage: run every rule of a ruleset over one referral and record the decision.

Every rule whose condition holds fires and is recorded, in table order. The decisive rule of
highest rank sets the disposition (see `rules.py`); any review flag that fired sets
`needs_clinical_review`. Clinical sources are cited rule by rule in `ruleset.py`.
"""

from __future__ import annotations

from avert.domain.triage.decision import TriageDecision, standard_for
from avert.domain.triage.inputs import TriageInput
from avert.domain.triage.rules import Ruleset
from avert.domain.triage.ruleset import DEFAULT_RULESET


def triage(case: TriageInput, ruleset: Ruleset = DEFAULT_RULESET) -> TriageDecision:
    """Decide the disposition of one referral and record every rule that fired.

    Raises ValueError if no rule of `ruleset` decides the case (the default ruleset decides
    every case; the spec tests check this).
    """
    fired = tuple(rule for rule in ruleset.rules if rule.fires(case))
    decisive = [rule for rule in fired if rule.effect.decisive]
    if not decisive:
        raise ValueError(f"ruleset {ruleset.version} has no rule that decides this referral")
    winner = max(decisive, key=lambda rule: rule.rank or 0)
    disposition = winner.effect.outcome
    assert disposition is not None  # a decisive effect always sets one
    return TriageDecision(
        disposition=disposition,
        standard=standard_for(disposition),
        destination=winner.effect.destination,
        rules_fired=tuple(rule.fired() for rule in fired),
        ruleset_version=ruleset.version,
        needs_clinical_review=any(rule.effect.clinical_review for rule in fired),
        decided_by=winner.rule_id,
    )

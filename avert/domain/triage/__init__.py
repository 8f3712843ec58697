"""Triage rules as versioned, tabular, tested code (pure).

`triage(TriageInput) -> TriageDecision` decides between a 2-hour crisis response, 2-day
reablement, a same-day local response and a redirect that always names a destination, and
records every rule that fired with the ruleset version. `override` records a clinician's change
with its reason. The rules are a table of data in `ruleset.py`, each citing DOMAIN.md (1.2, 1.4,
1.5, 1.6, 1.8, 3.4); `docs/triage.md` explains them for a clinical safety reviewer.
"""

from avert.domain.triage.decision import RuleFired, TriageDecision, standard_for
from avert.domain.triage.engine import triage
from avert.domain.triage.inputs import MAX_AGE_YEARS, TriageInput
from avert.domain.triage.override import override
from avert.domain.triage.rules import Effect, Rule, Ruleset, When
from avert.domain.triage.ruleset import (
    ADULT_AGE_YEARS,
    DEFAULT_RULESET,
    RULES,
    RULESET_VERSION,
    Rank,
)
from avert.domain.triage.table import render_rule_table


__all__ = [
    "ADULT_AGE_YEARS",
    "DEFAULT_RULESET",
    "MAX_AGE_YEARS",
    "RULES",
    "RULESET_VERSION",
    "Effect",
    "Rank",
    "Rule",
    "RuleFired",
    "Ruleset",
    "TriageDecision",
    "TriageInput",
    "When",
    "override",
    "render_rule_table",
    "standard_for",
    "triage",
]

"""The rule table rendered as Markdown, for the clinical safety reviewer (docs/triage.md).

`tests/spec/test_triage.py` checks that docs/triage.md holds exactly this table, so the document
cannot drift from the rules.
"""

from __future__ import annotations

from avert.domain.triage.rules import Ruleset
from avert.domain.triage.ruleset import DEFAULT_RULESET


def render_rule_table(ruleset: Ruleset = DEFAULT_RULESET) -> str:
    """A Markdown table of every rule in evaluation order: id, trigger, effect, rank, source."""
    lines = [
        "| Rule | Fires when | Effect | Rank | What it tells the coordinator | Source |",
        "|---|---|---|---|---|---|",
    ]
    for rule in ruleset.rules:
        rank = "flag" if rule.rank is None else str(int(rule.rank))
        cells = [
            f"`{rule.rule_id}`",
            rule.when.describe(),
            f"`{rule.effect}`",
            rank,
            rule.description,
            rule.source,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines) + "\n"

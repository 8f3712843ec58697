"""A clinician's override of a triage decision, with the reason recorded.

The override is a new decision that keeps the one it replaced (`original`), the rules that fired
and the ruleset version, so the record shows both what the rules said and what the clinician
decided. A redirect still names its destination ("no wrong referral", DOMAIN.md 1.5).
"""

from __future__ import annotations

from avert.domain.errors import ValidationError
from avert.domain.triage._coerce import member, non_blank
from avert.domain.triage.decision import TriageDecision, standard_for
from avert.domain.vocab import Destination, Disposition


def override(
    decision: TriageDecision,
    *,
    disposition: Disposition,
    reason: str,
    by: str,
    destination: Destination | None = None,
) -> TriageDecision:
    """Replace `decision` with a clinician's disposition, keeping the decision it replaces.

    Raises ValidationError for a blank reason ("override_reason") or name ("overridden_by"),
    a redirect without a destination or a destination without a redirect ("destination"), and
    an override that changes nothing ("disposition"). The clinician's decision settles any
    clinical review the rules asked for.
    """
    reason = non_blank("override_reason", reason, "give the reason for the override")
    by = non_blank("overridden_by", by, "say who made the override")
    disposition = member("disposition", Disposition, disposition)
    if destination is not None:
        destination = member("destination", Destination, destination)
    if disposition is Disposition.REDIRECT and destination is None:
        raise ValidationError("destination", "a redirect must name where the person goes")
    if disposition is not Disposition.REDIRECT and destination is not None:
        raise ValidationError("destination", "only a redirect has a destination")
    if (disposition, destination) == (decision.disposition, decision.destination):
        raise ValidationError("disposition", "the override does not change the decision")
    return TriageDecision(
        disposition=disposition,
        standard=standard_for(disposition),
        destination=destination,
        rules_fired=decision.rules_fired,
        ruleset_version=decision.ruleset_version,
        needs_clinical_review=False,
        overridden=True,
        override_reason=reason,
        overridden_by=by,
        original=decision,
    )

"""What triage decides, and the record of why: kept with the referral.

A decision carries the disposition, the response standard it implies (DOMAIN.md 1.6: the
disposition is a separate field from "is this a 2-hour referral"), the destination of a redirect
("no wrong referral", DOMAIN.md 1.5), every rule that fired and the ruleset version. A clinician's
override keeps the decision it replaced in `original`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from avert.domain.errors import ValidationError
from avert.domain.triage._coerce import member, non_blank
from avert.domain.vocab import Destination, Disposition, ResponseStandard


_STANDARD_FOR: dict[Disposition, ResponseStandard | None] = {
    Disposition.TWO_HOUR_CRISIS: ResponseStandard.TWO_HOUR,
    Disposition.TWO_DAY_REABLEMENT: ResponseStandard.TWO_DAY,
    Disposition.SAME_DAY: ResponseStandard.OTHER_LOCAL,
    Disposition.REDIRECT: None,
}


def standard_for(disposition: Disposition) -> ResponseStandard | None:
    """The response standard a disposition is measured against; None for a redirect."""
    return _STANDARD_FOR[Disposition(disposition)]


@dataclass(frozen=True)
class RuleFired:
    """One rule that fired, as recorded with the referral (the text is frozen at triage time)."""

    rule_id: str
    description: str
    effect: str

    def __post_init__(self) -> None:
        for name in ("rule_id", "description", "effect"):
            non_blank(name, getattr(self, name), "must not be blank")

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"rule_id": self.rule_id, "description": self.description, "effect": self.effect}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleFired:
        """Read back what `to_dict` wrote."""
        return cls(**{name: _required(data, name) for name in ("rule_id", "description", "effect")})


@dataclass(frozen=True)
class TriageDecision:
    """A triage decision: rule-based, or a clinician's override of one (then `original` is set).

    `decided_by` names the rule that set the disposition; it is None for an override.
    """

    disposition: Disposition
    standard: ResponseStandard | None
    destination: Destination | None
    rules_fired: tuple[RuleFired, ...]
    ruleset_version: str
    needs_clinical_review: bool = False
    overridden: bool = False
    override_reason: str | None = None
    overridden_by: str | None = None
    original: TriageDecision | None = None
    decided_by: str | None = None

    def __post_init__(self) -> None:
        self._set("disposition", member("disposition", Disposition, self.disposition))
        if self.standard is not None:
            self._set("standard", member("standard", ResponseStandard, self.standard))
        if self.destination is not None:
            self._set("destination", member("destination", Destination, self.destination))
        if self.standard != standard_for(self.disposition):
            raise ValidationError("standard", "does not match the disposition")
        if self.disposition is Disposition.REDIRECT and self.destination is None:
            raise ValidationError("destination", "a redirect must name where the person goes")
        if self.disposition is not Disposition.REDIRECT and self.destination is not None:
            raise ValidationError("destination", "only a redirect has a destination")
        self._set("rules_fired", tuple(self.rules_fired))
        if not all(isinstance(rule, RuleFired) for rule in self.rules_fired):
            raise ValidationError("rules_fired", "must hold fired rules")
        non_blank("ruleset_version", self.ruleset_version, "must not be blank")
        for name in ("needs_clinical_review", "overridden"):
            if not isinstance(getattr(self, name), bool):
                raise ValidationError(name, "must be true or false")
        if self.decided_by is not None and self.decided_by not in self.rule_ids:
            raise ValidationError("decided_by", "must be one of the rules that fired")
        self._check_override()

    def _check_override(self) -> None:
        if not self.overridden:
            if (self.override_reason, self.overridden_by, self.original) != (None, None, None):
                raise ValidationError("overridden", "override details need overridden to be true")
            return
        self._set(
            "override_reason",
            non_blank("override_reason", self.override_reason, "give the reason for the override"),
        )
        self._set(
            "overridden_by",
            non_blank("overridden_by", self.overridden_by, "say who made the override"),
        )
        if not isinstance(self.original, TriageDecision):
            raise ValidationError("original", "an override keeps the decision it replaced")
        if self.decided_by is not None:
            raise ValidationError("decided_by", "an override is decided by a person, not a rule")

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the rules that fired, in evaluation order."""
        return tuple(rule.rule_id for rule in self.rules_fired)

    @property
    def rule_based(self) -> TriageDecision:
        """The decision the rules made, under any chain of overrides."""
        return self if self.original is None else self.original.rule_based

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: enum values as strings, the original decision nested."""
        return {
            "disposition": self.disposition.value,
            "standard": None if self.standard is None else self.standard.value,
            "destination": None if self.destination is None else self.destination.value,
            "rules_fired": [rule.to_dict() for rule in self.rules_fired],
            "ruleset_version": self.ruleset_version,
            "needs_clinical_review": self.needs_clinical_review,
            "overridden": self.overridden,
            "override_reason": self.override_reason,
            "overridden_by": self.overridden_by,
            "original": None if self.original is None else self.original.to_dict(),
            "decided_by": self.decided_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TriageDecision:
        """Read back what `to_dict` wrote; the override fields and `decided_by` may be absent."""
        original = data.get("original")
        return cls(
            disposition=_required(data, "disposition"),
            standard=data.get("standard"),
            destination=data.get("destination"),
            rules_fired=tuple(RuleFired.from_dict(rule) for rule in _required(data, "rules_fired")),
            ruleset_version=_required(data, "ruleset_version"),
            needs_clinical_review=data.get("needs_clinical_review", False),
            overridden=data.get("overridden", False),
            override_reason=data.get("override_reason"),
            overridden_by=data.get("overridden_by"),
            original=None if original is None else cls.from_dict(original),
            decided_by=data.get("decided_by"),
        )


def _required(data: Mapping[str, Any], key: str) -> Any:
    if not isinstance(data, Mapping):
        raise ValidationError(key, "the record is not a mapping")
    if key not in data:
        raise ValidationError(key, "is missing")
    return data[key]

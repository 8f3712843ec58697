"""The shape of a triage rule: a condition (`When`), an effect, a precedence rank and a source.

Rules are data. A rule fires when its condition holds; every fired rule is recorded. Among the
fired rules whose effect is a disposition or a redirect (the *decisive* rules), the one with the
highest `rank` decides; rules of equal rank must have the same effect, so the order of the table
never changes an outcome. A `flag:clinical_review` effect never competes: it adds the review flag
to whatever was decided. The clinical content of the rules is in `ruleset.py`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from avert.domain.triage.decision import RuleFired
from avert.domain.triage.inputs import TriageInput
from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    Disposition,
    RedFlag,
    ReferralSource,
    Residence,
    StatedUrgency,
)


_SET_FIELDS: dict[str, type[Enum]] = {
    "red_flags_any": RedFlag,
    "red_flags_all": RedFlag,
    "residence_in": Residence,
    "source_in": ReferralSource,
    "need_in": ConditionNeed,
    "urgency_in": StatedUrgency,
}


@dataclass(frozen=True)
class When:
    """The facts a rule fires on. Every criterion given must hold; an empty one is not checked.

    `age_under` holds when the age is below it. The `*_in` and `red_flags_any` criteria hold when
    the referral's value is one of the set; `red_flags_all` holds when every flag in it is present.
    """

    age_under: int | None = None
    red_flags_any: frozenset[RedFlag] = frozenset()
    red_flags_all: frozenset[RedFlag] = frozenset()
    residence_in: frozenset[Residence] = frozenset()
    source_in: frozenset[ReferralSource] = frozenset()
    need_in: frozenset[ConditionNeed] = frozenset()
    urgency_in: frozenset[StatedUrgency] = frozenset()

    def __post_init__(self) -> None:
        for name, enum in _SET_FIELDS.items():
            values = frozenset(getattr(self, name))
            if not all(isinstance(value, enum) for value in values):
                raise TypeError(f"When.{name} takes {enum.__name__} members only")
            object.__setattr__(self, name, values)
        if self.age_under is not None and (
            isinstance(self.age_under, bool) or not isinstance(self.age_under, int)
        ):
            raise TypeError("When.age_under is a whole number of years")
        if self.age_under is None and not any(getattr(self, name) for name in _SET_FIELDS):
            raise ValueError("a rule condition needs at least one criterion")

    def matches(self, case: TriageInput) -> bool:
        """Whether the referral meets every criterion."""
        return (
            (self.age_under is None or case.age_years < self.age_under)
            and (not self.red_flags_any or bool(self.red_flags_any & case.red_flags))
            and self.red_flags_all <= case.red_flags
            and (not self.residence_in or case.residence in self.residence_in)
            and (not self.source_in or case.source in self.source_in)
            and (not self.need_in or case.need in self.need_in)
            and (not self.urgency_in or case.stated_urgency in self.urgency_in)
        )

    def describe(self) -> str:
        """The condition in words, for the rule table in the docs."""
        parts = [] if self.age_under is None else [f"age under {self.age_under}"]
        wording = {
            "red_flags_any": ("red flag", " or "),
            "red_flags_all": ("red flags", " and "),
            "residence_in": ("residence", " or "),
            "source_in": ("referred by", " or "),
            "need_in": ("need", " or "),
            "urgency_in": ("stated urgency", " or "),
        }
        for name, (words, joiner) in wording.items():
            values = getattr(self, name)
            if values:
                parts.append(f"{words}: {joiner.join(_labels(values))}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """A canonical, JSON-ready form (sets sorted) used for the ruleset fingerprint."""
        data: dict[str, Any] = {"age_under": self.age_under}
        data.update({name: sorted(v.value for v in getattr(self, name)) for name in _SET_FIELDS})
        return data


def _labels(values: Iterable[Enum]) -> list[str]:
    return sorted(f'"{getattr(value, "label", value.value)}"' for value in values)


@dataclass(frozen=True)
class Effect:
    """What a fired rule does: set a disposition, redirect to a named destination, or flag review.

    Exactly one of the three. A redirect always names its destination ("no wrong referral").
    """

    disposition: Disposition | None = None
    destination: Destination | None = None
    clinical_review: bool = False

    def __post_init__(self) -> None:
        chosen = [self.disposition is not None, self.destination is not None, self.clinical_review]
        if chosen.count(True) != 1:
            raise ValueError("an effect is one of: a disposition, a redirect or a review flag")
        if self.disposition is Disposition.REDIRECT:
            raise ValueError("use Effect.redirect(destination): a redirect names where to go")

    @classmethod
    def respond(cls, disposition: Disposition) -> Effect:
        """The service responds with this disposition."""
        return cls(disposition=disposition)

    @classmethod
    def redirect(cls, destination: Destination) -> Effect:
        """The person is redirected to this destination."""
        return cls(destination=destination)

    @classmethod
    def review(cls) -> Effect:
        """A clinician reviews the decision before it stands."""
        return cls(clinical_review=True)

    @property
    def decisive(self) -> bool:
        """Whether the effect sets the disposition (a flag does not)."""
        return not self.clinical_review

    @property
    def outcome(self) -> Disposition | None:
        """The disposition this effect sets, REDIRECT for a redirect, None for a flag."""
        return Disposition.REDIRECT if self.destination is not None else self.disposition

    def __str__(self) -> str:
        if self.destination is not None:
            return f"redirect:{self.destination.value}"
        if self.disposition is not None:
            return f"disposition:{self.disposition.value}"
        return "flag:clinical_review"


_RULE_ID = re.compile(r"R(-[A-Z0-9]+)+")


@dataclass(frozen=True)
class Rule:
    """A named triage rule. `rank` orders decisive rules (higher wins); a review flag has none."""

    rule_id: str
    description: str
    when: When
    effect: Effect
    source: str
    rank: int | None = None

    def __post_init__(self) -> None:
        if not _RULE_ID.fullmatch(self.rule_id):
            raise ValueError("a rule id looks like R-AGE-UNDER-18")
        if not self.description.strip() or not self.source.strip():
            raise ValueError(f"{self.rule_id} needs a description and a source")
        if self.effect.decisive != (self.rank is not None):
            raise ValueError(f"{self.rule_id}: a decisive rule has a rank and a review flag none")
        if self.rank is not None and self.rank <= 0:
            raise ValueError(f"{self.rule_id}: ranks are positive")

    def fires(self, case: TriageInput) -> bool:
        """Whether the rule fires for this referral."""
        return self.when.matches(case)

    def fired(self) -> RuleFired:
        """The record kept with the referral when the rule fires."""
        return RuleFired(
            rule_id=self.rule_id, description=self.description, effect=str(self.effect)
        )

    def to_dict(self) -> dict[str, Any]:
        """A canonical, JSON-ready form used for the ruleset fingerprint."""
        return {
            "rule_id": self.rule_id,
            "description": self.description,
            "when": self.when.to_dict(),
            "effect": str(self.effect),
            "rank": None if self.rank is None else int(self.rank),
            "source": self.source,
        }


@dataclass(frozen=True)
class Ruleset:
    """A versioned table of rules. Any change to a rule needs a new version (see the spec tests)."""

    version: str
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        if not self.version.strip():
            raise ValueError("a ruleset needs a version")
        ids = [rule.rule_id for rule in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        by_rank: dict[int, str] = {}
        for rule in self.rules:
            if rule.rank is not None and by_rank.setdefault(rule.rank, str(rule.effect)) != str(
                rule.effect
            ):
                raise ValueError(f"{rule.rule_id}: rules of equal rank must have the same effect")
        if not by_rank:
            raise ValueError("a ruleset needs at least one rule that decides")

    def fingerprint(self) -> str:
        """A SHA-256 of the canonical rule table (ids, wording, conditions, effects, ranks)."""
        canonical = json.dumps(
            [rule.to_dict() for rule in self.rules], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if there is none)."""
        for rule in self.rules:
            if rule.rule_id == rule_id:
                return rule
        raise KeyError(rule_id)

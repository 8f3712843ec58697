"""What triage looks at: the facts of one referral, validated.

The fields follow DOMAIN.md: age (1.2, adults 18+), usual place of residence (1.2, 1.5), the
presenting need as one of the nine UCR conditions/needs or OTHER with text (1.4), red flags (1.5,
3.4), the referrer's stated urgency and the referral source (1.6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from avert.domain.errors import ValidationError
from avert.domain.triage._coerce import member
from avert.domain.vocab import ConditionNeed, RedFlag, ReferralSource, Residence, StatedUrgency


MAX_AGE_YEARS = 130
"""A plausibility limit that catches typing errors in an age. It is not a clinical threshold."""


@dataclass(frozen=True)
class TriageInput:
    """One referral as triage sees it. Strings are accepted for the enums and converted."""

    age_years: int
    residence: Residence
    need: ConditionNeed
    need_text: str | None = None
    red_flags: frozenset[RedFlag] = frozenset()
    stated_urgency: StatedUrgency = StatedUrgency.NOT_STATED
    source: ReferralSource = ReferralSource.OTHER

    def __post_init__(self) -> None:
        age = self.age_years
        if isinstance(age, bool) or not isinstance(age, int):
            raise ValidationError("age_years", "must be a whole number of years")
        if not 0 <= age <= MAX_AGE_YEARS:
            raise ValidationError("age_years", f"must be between 0 and {MAX_AGE_YEARS} years")
        self._set("residence", member("residence", Residence, self.residence))
        self._set("need", member("need", ConditionNeed, self.need))
        self._set("stated_urgency", member("stated_urgency", StatedUrgency, self.stated_urgency))
        self._set("source", member("source", ReferralSource, self.source))
        self._set("red_flags", _red_flags(self.red_flags))
        if self.need_text is not None:
            if not isinstance(self.need_text, str):
                raise ValidationError("need_text", "must be text")
            self._set("need_text", self.need_text.strip() or None)
        if self.need is ConditionNeed.OTHER and self.need_text is None:
            raise ValidationError(
                "need_text", "describe the need when it is not one of the nine UCR conditions"
            )

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)


def _red_flags(flags: Iterable[object]) -> frozenset[RedFlag]:
    if isinstance(flags, str) or not isinstance(flags, Iterable):
        raise ValidationError("red_flags", "must be a collection of red flags")
    return frozenset(member("red_flags", RedFlag, flag) for flag in flags)

"""Who made a synthetic referral: a name, an organisation and a (fictional) telephone number.

The person refers themselves under their own name; a carer or relative often shares their family
name; a GP referral names the person's own practice, a care-home referral their home. Numbers are
from Ofcom's drama ranges (scenarios.py).
"""

from __future__ import annotations

import random

from avert.domain.vocab import ReferralSource, Sex
from avert.synth.model import CareHome, Neighbourhood, Person, Practice
from avert.synth.names import FAMILY_NAMES, given_names
from avert.synth.scenarios import FIXED_ORGANISATIONS, landline_number, mobile_number


S = ReferralSource


class Referrers:
    """Makes up the referrer of each referral from the area's places."""

    def __init__(
        self,
        neighbourhoods: tuple[Neighbourhood, ...],
        practices: tuple[Practice, ...],
        care_homes: tuple[CareHome, ...],
    ) -> None:
        self._hoods = {hood.id: hood for hood in neighbourhoods}
        self._practices = {practice.ods_code: practice for practice in practices}
        self._homes = {home.id: home for home in care_homes}

    def referrer(
        self, rng: random.Random, source: ReferralSource, person: Person
    ) -> tuple[str, str | None, str]:
        """(name, organisation, phone) of whoever referred `person` from `source`."""
        if source is S.SELF:
            return f"{person.given_name} {person.family_name}", None, mobile_number(rng)
        if source is S.CARER_RELATIVE:
            family = person.family_name if rng.random() < 0.6 else rng.choice(FAMILY_NAMES)
            return f"{_given(rng)} {family}", None, mobile_number(rng)
        name = f"{_given(rng)} {rng.choice(FAMILY_NAMES)}"
        hood = self._hoods[person.neighbourhood_id]
        if source is S.GP:
            return f"Dr {name}", self._practices[person.practice_ods].name, landline_number(rng)
        if source is S.CARE_HOME and person.care_home_id is not None:
            return name, self._homes[person.care_home_id].name, landline_number(rng)
        if source is S.SOCIAL_CARE:
            return name, f"{hood.locality} Adult Social Care", landline_number(rng)
        if source is S.COMMUNITY_NURSING:
            return name, f"{hood.name} Community Nursing", landline_number(rng)
        if source is S.ACUTE_WARD:
            return (
                name,
                f"Ward {rng.randint(1, 40)}, Avervale Royal Infirmary",
                landline_number(rng),
            )
        organisations = FIXED_ORGANISATIONS.get(source, FIXED_ORGANISATIONS[S.OTHER])
        return name, rng.choice(organisations), landline_number(rng)


def _given(rng: random.Random) -> str:
    return rng.choice(given_names(rng.choice((Sex.FEMALE, Sex.MALE)), rng.randint(1940, 2004)))

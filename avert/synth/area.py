"""`generate_area`: a whole synthetic area, the same every time for the same seed.

Each part of the area draws from its own random stream (`random.Random` seeded from the seed and
the part's name), so changing how staff are drawn does not move a single person. Nothing here
reads the clock: the caller passes `now`. See docs/synthetic-area.md for what is generated and the
figures it is calibrated to.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from itertools import count

from avert.domain.errors import ValidationError
from avert.synth import calibration as cal
from avert.synth.geo import Scatter
from avert.synth.history import build_history
from avert.synth.localtime import to_local
from avert.synth.model import Area, CareHome, Person, Practice
from avert.synth.nhs_numbers import TEST_RANGE_CAPACITY, nhs_numbers
from avert.synth.people import Births, populate
from avert.synth.places import lay_out, plan_practices
from avert.synth.referrers import Referrers
from avert.synth.workforce import build_staff, build_teams


AREA_NAME = "Avervale ICS (synthetic)"
MIN_POPULATION = 1_000
MAX_POPULATION = TEST_RANGE_CAPACITY
"""Every person needs a unique NHS number from the 999 test range, which holds 909,091."""
MAX_HISTORY_DAYS = 730
MAX_SHIFT_DAYS = 62


def stream(seed: int, part: str) -> random.Random:
    """The random stream for one part of the area (string seeds hash stably across runs)."""
    return random.Random(f"avert-synth:{seed}:{part}")


def generate_area(
    *,
    seed: int = 1,
    population: int = 50_000,
    now: datetime,
    history_days: int = 90,
    open_referrals: int | None = None,
    shift_days: int = 7,
) -> Area:
    """Build a synthetic area of `population` people, its teams and its referral history.

    `open_referrals` sets how many referrals are still open at `now`; by default, whatever the
    drawn histories leave open (a realistic live queue). `shift_days` is how many days of rota
    to generate from today (local), plus yesterday so that last night's shift is on it.
    """
    now = _check(population, now, history_days, open_referrals, shift_days)
    scatter_rng = stream(seed, "map")
    scatter = Scatter(
        scatter_rng, cal.GEOGRAPHY.centre_lat, cal.GEOGRAPHY.centre_lon, cal.GEOGRAPHY.radius_km
    )
    localities, patches = lay_out(scatter_rng, population, scatter)

    people_rng = stream(seed, "people")
    births = Births(people_rng, to_local(now).date())
    numbers = nhs_numbers(stream(seed, "nhs-numbers"))
    practice_codes, home_numbers = count(81001), count(1)
    people: list[Person] = []
    practices: list[Practice] = []
    care_homes: list[CareHome] = []
    for patch in patches:
        planned = plan_practices(scatter_rng, patch, practice_codes)
        residents, homes, registered = populate(
            people_rng, patch, planned, births, numbers, home_numbers
        )
        people.extend(residents)
        care_homes.extend(homes)
        practices.extend(registered)

    hoods = tuple(patch.neighbourhood for patch in patches)
    populations = [
        sum(p.size for p in patches if p.neighbourhood.locality == locality.name)
        for locality in localities
    ]
    teams = tuple(build_teams(localities, populations))
    team_of_locality = {team.locality: team for team in teams}
    staff = build_staff(stream(seed, "staff"), teams, populations, scatter, now, shift_days)

    all_people = tuple(people)
    referrals = build_history(
        stream(seed, "history"),
        all_people,
        teams,
        {hood.id: team_of_locality[hood.locality] for hood in hoods},
        Referrers(hoods, tuple(practices), tuple(care_homes)),
        now,
        history_days,
        open_referrals,
    )
    return Area(
        seed=seed,
        population=population,
        name=AREA_NAME,
        now=now,
        neighbourhoods=hoods,
        practices=tuple(practices),
        care_homes=tuple(care_homes),
        people=all_people,
        teams=teams,
        staff=tuple(staff),
        referrals=tuple(referrals),
    )


def _check(
    population: int,
    now: datetime,
    history_days: int,
    open_referrals: int | None,
    shift_days: int,
) -> datetime:
    """Validate the parameters; return `now` in UTC."""
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValidationError("now", "must be a timezone-aware date and time")
    _whole("population", population, MIN_POPULATION, MAX_POPULATION)  # see MAX_POPULATION
    _whole("history_days", history_days, 1, MAX_HISTORY_DAYS)
    _whole("shift_days", shift_days, 1, MAX_SHIFT_DAYS)
    if open_referrals is not None:
        _whole("open_referrals", open_referrals, 0, 10**9)
    return now.astimezone(UTC)


def _whole(field: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        why = _LIMITS.get(field, "")
        raise ValidationError(field, f"must be a whole number from {lo:,} to {hi:,}{why}")


_LIMITS = {
    "population": " (each person needs their own NHS number from the 999 test range)",
}

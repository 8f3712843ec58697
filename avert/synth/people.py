"""The people of a neighbourhood: ages, sexes, households, homes and GP registration.

Ages and sexes follow an approximate England pyramid (`calibration.AGE_BAND_SHARES`). People aged
65+ live in a care home with an age-rising probability (`CARE_HOME_RESIDENT_SHARE_BY_AGE`); the
rest are grouped into households (older singles and couples, families with children, working-age
singles, couples and sharers) that share an address and mostly a family name. Each household is
registered with the nearest practice of its neighbourhood that still has room on its planned list.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from itertools import accumulate

from avert.domain.vocab import Residence, Sex
from avert.synth import calibration as cal
from avert.synth.addresses import Address
from avert.synth.model import CareHome, Person, Practice
from avert.synth.names import FAMILY_NAMES, given_names
from avert.synth.places import Patch, build_care_homes


ADULT_AGE = 18
OLDER_AGE = 65


def _single_year_weights() -> tuple[list[int], list[float], dict[int, float]]:
    ages: list[int] = []
    weights: list[float] = []
    female: dict[int, float] = {}
    for first, last, percent, female_percent in cal.AGE_BAND_SHARES:
        span = range(first, last + 1)
        # The open top band thins out with age; the others are flat within the band.
        shape = [0.78 ** (age - first) if first >= 90 else 1.0 for age in span]
        for age, part in zip(span, shape, strict=True):
            ages.append(age)
            weights.append(percent * part / sum(shape))
            female[age] = female_percent / 100
    return ages, list(accumulate(weights)), female


AGES, AGE_CUM_WEIGHTS, FEMALE_SHARE = _single_year_weights()


def care_home_probability(age: int) -> float:
    """The chance that someone of this age lives in a care home."""
    share = 0.0
    for from_age, value in cal.CARE_HOME_RESIDENT_SHARE_BY_AGE:
        if age >= from_age:
            share = value
    return share


class Births:
    """Dates of birth giving an exact age on `today`, with the date objects shared."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self._random = rng.random
        self._bounds = {age: self._range(today, age) for age in AGES}
        self._dates: dict[int, date] = {}

    @staticmethod
    def _range(today: date, age: int) -> tuple[int, int]:
        def years_back(n: int) -> date:
            try:
                return today.replace(year=today.year - n)
            except ValueError:  # 29 February
                return today.replace(year=today.year - n, day=28)

        latest = years_back(age).toordinal()
        earliest = years_back(age + 1).toordinal() + 1
        return earliest, latest - earliest + 1

    def born(self, age: int) -> date:
        """A date of birth for someone aged `age` today."""
        first, span = self._bounds[age]
        ordinal = first + int(self._random() * span)
        born = self._dates.get(ordinal)
        if born is None:
            born = self._dates[ordinal] = date.fromordinal(ordinal)
        return born


def _households(rng: random.Random, ages: list[int], members: list[int]) -> list[list[int]]:
    """Group people (indices into `ages`) into households."""
    children = [i for i in members if ages[i] < ADULT_AGE]
    parents = [i for i in members if 22 <= ages[i] <= 55]
    others = [i for i in members if ADULT_AGE <= ages[i] < OLDER_AGE and not 22 <= ages[i] <= 55]
    older = [i for i in members if ages[i] >= OLDER_AGE]
    for pool in (children, parents, others, older):
        rng.shuffle(pool)
    households: list[list[int]] = []
    while children:
        family = [children.pop() for _ in range(min(len(children), rng.choice((1, 1, 2, 2, 3))))]
        adults = 1 if rng.random() < 0.25 else 2
        for _ in range(adults):
            pool = parents or others or older
            if pool:
                family.append(pool.pop())
        households.append(family)
    working = parents + others
    rng.shuffle(working)
    while working:
        size = rng.choices((1, 2, 3), weights=(35, 45, 20))[0]
        households.append([working.pop() for _ in range(min(size, len(working)))])
    while older:
        size = 2 if rng.random() < 0.45 and len(older) > 1 else 1
        households.append([older.pop() for _ in range(size)])
    rng.shuffle(households)
    return households


class Registrar:
    """Registers households with the nearest practice that has room on its planned list."""

    def __init__(self, practices: list[Practice]) -> None:
        self.practices = practices
        self.room = [practice.list_size for practice in practices]
        self.count = [0] * len(practices)

    def nearest(self, lat: float, lon: float, people: int, *, full_ok: bool = False) -> int:
        """The index of the practice to register `people` people with."""
        best, best_d = 0, float("inf")
        for i, practice in enumerate(self.practices):
            if not full_ok and self.room[i] < people:
                continue
            # A degree of longitude is ~0.6 of a degree of latitude at 52-53 N.
            d = (practice.lat - lat) ** 2 + ((practice.lon - lon) * 0.6) ** 2
            if d < best_d:
                best, best_d = i, d
        if best_d == float("inf"):
            return self.nearest(lat, lon, people, full_ok=True)
        self.room[best] -= people
        self.count[best] += people
        return best

    def registered(self) -> list[Practice]:
        """The practices with their list sizes as registered."""
        return [replace(p, list_size=n) for p, n in zip(self.practices, self.count, strict=True)]


def populate(
    rng: random.Random,
    patch: Patch,
    practices: list[Practice],
    births: Births,
    nhs_numbers: Iterator[str],
    care_home_numbers: Iterator[int],
) -> tuple[list[Person], list[CareHome], list[Practice]]:
    """Everyone living in one neighbourhood, its care homes, and its practices' final lists."""
    random_ = rng.random
    ages = rng.choices(AGES, cum_weights=AGE_CUM_WEIGHTS, k=patch.size)
    sexes = [Sex.FEMALE if random_() < FEMALE_SHARE[age] else Sex.MALE for age in ages]
    in_care = [
        i
        for i, age in enumerate(ages)
        if age >= OLDER_AGE and random_() < care_home_probability(age)
    ]
    homes = build_care_homes(rng, patch, len(in_care), care_home_numbers)
    resident = set(in_care)
    community = [i for i in range(patch.size) if i not in resident]

    hood = patch.neighbourhood
    registrar = Registrar(practices)
    people: list[Person] = []

    def add(
        i: int,
        family: str,
        address: Address,
        practice: str,
        residence: Residence,
        home_id: str | None,
    ) -> None:
        born = births.born(ages[i])
        people.append(
            Person(
                next(nhs_numbers),
                rng.choice(given_names(sexes[i], born.year)),
                family,
                sexes[i],
                born,
                address.line,
                address.postcode,
                address.lat,
                address.lon,
                practice,
                hood.id,
                residence,
                home_id,
                hood.deprivation_decile,
            )
        )

    for i, home in zip(in_care, _allocate_beds(rng, homes, len(in_care)), strict=True):
        practice = practices[registrar.nearest(home.lat, home.lon, 1, full_ok=True)].ods_code
        kind = Residence.CARE_HOME_NURSING if home.nursing else Residence.CARE_HOME_RESIDENTIAL
        address = Address(home.address_line, home.postcode, home.lat, home.lon)
        add(i, rng.choice(FAMILY_NAMES), address, practice, kind, home.id)

    for household in _households(rng, ages, community):
        address = patch.streets.next_address()
        practice = practices[registrar.nearest(address.lat, address.lon, len(household))].ods_code
        family = rng.choice(FAMILY_NAMES)
        residence = Residence.OWN_HOME
        if min(ages[i] for i in household) >= OLDER_AGE and max(ages[i] for i in household) >= 75:
            if random_() < cal.SHELTERED_HOUSING_SHARE_75_PLUS:
                residence = Residence.SHELTERED_HOUSING
        for i in household:
            name = family if random_() < 0.85 else rng.choice(FAMILY_NAMES)
            add(i, name, address, practice, residence, None)
    return people, homes, registrar.registered()


def _allocate_beds(rng: random.Random, homes: list[CareHome], residents: int) -> list[CareHome]:
    """The home of each of `residents` residents, filling homes in proportion to their beds."""
    if not residents:
        return []
    total = sum(home.beds for home in homes)
    places: list[CareHome] = []
    for home in homes:
        places.extend([home] * (home.beds * residents // total))
    while len(places) < residents:
        places.append(homes[len(places) % len(homes)])
    rng.shuffle(places)
    return places[:residents]

"""The map of a synthetic area: localities, neighbourhoods, GP practices and care homes.

Shape (seeds/004, the LLR model): three localities (places); neighbourhoods of 30,000-50,000
people, each a group of GP practices of 5,000-15,000 (`calibration.PRACTICE_SIZE`). An area too
small to hold three neighbourhoods of 30,000 still gets one neighbourhood per locality, smaller
than that. Deprivation deciles vary by neighbourhood, more deprived towards the centre.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from avert.synth import calibration as cal
from avert.synth.addresses import District, Streets
from avert.synth.geo import Scatter, distance_km
from avert.synth.model import CareHome, Neighbourhood, Practice
from avert.synth.names import CARE_HOME_STEMS, PLACE_HEADS, PLACE_TAILS, STREET_STEMS
from avert.synth.sizes import part_count, split


PEOPLE_PER_DISTRICT = 15_000
PRACTICE_KINDS = ("Surgery", "Medical Centre", "Health Centre", "Medical Practice")


@dataclass(frozen=True, slots=True)
class Locality:
    """A place: its name, centre and the bearing of its sector of the area."""

    name: str
    lat: float
    lon: float
    bearing: float


@dataclass(slots=True)
class Patch:
    """One neighbourhood while the area is being built: its record, size, spread and streets."""

    neighbourhood: Neighbourhood
    size: int
    spread_km: float
    streets: Streets


class PlaceNames:
    """Fictional place names, each used once."""

    def __init__(self, rng: random.Random) -> None:
        names = [head + tail for head in PLACE_HEADS for tail in PLACE_TAILS]
        rng.shuffle(names)
        self._names = iter(names)

    def next(self) -> str:
        """A place name not used before."""
        return next(self._names)


def lay_out(
    rng: random.Random, population: int, scatter: Scatter
) -> tuple[list[Locality], list[Patch]]:
    """Localities and neighbourhoods for a population, with streets ready to fill."""
    names = PlaceNames(rng)
    localities = [
        Locality(names.next(), *scatter.polar(bearing, cal.GEOGRAPHY.radius_km * 0.45), bearing)
        for bearing in (rng.uniform(0, 120) + 120 * k for k in range(cal.LOCALITIES))
    ]
    lo, hi = cal.NEIGHBOURHOOD_SIZE
    count = max(cal.LOCALITIES, part_count(population, lo, hi, (lo + hi) // 2))
    sizes = split(rng, population, count, lo, hi, jitter=0.15)
    area_km2 = math.pi * cal.GEOGRAPHY.radius_km**2
    spread = min(4.0, max(0.8, 0.45 * math.sqrt(area_km2 / count)))
    centres = _centres(rng, scatter, localities, count, spread)
    deciles = _deciles(rng, [c[2] for c in centres])
    patches = []
    districts = iter(range(1, 100))
    for index, ((lat, lon, _reach, locality), size, decile) in enumerate(
        zip(centres, sizes, deciles, strict=True)
    ):
        name = names.next()
        hood = Neighbourhood(f"NB{index + 1:02d}", name, locality.name, lat, lon, decile)
        outcodes = [
            District(rng, f"{cal.GEOGRAPHY.postcode_area}{next(districts)}")
            for _ in range(max(1, math.ceil(size / PEOPLE_PER_DISTRICT)))
        ]
        streets = Streets(rng, scatter, name, outcodes, (lat, lon), spread)
        patches.append(Patch(hood, size, spread, streets))
    return localities, patches


def _centres(
    rng: random.Random, scatter: Scatter, localities: list[Locality], count: int, spread: float
) -> list[tuple[float, float, float, Locality]]:
    """Neighbourhood centres, spaced apart, in their locality's third of the disc."""
    radius = cal.GEOGRAPHY.radius_km
    placed: list[tuple[float, float, float, Locality]] = []
    for i in range(count):
        locality = localities[i % len(localities)]
        best = None
        for _attempt in range(60):
            reach = math.sqrt(rng.uniform(1.0, (radius * 0.85) ** 2))
            lat, lon = scatter.polar(locality.bearing + rng.uniform(-55, 55), reach)
            gap = min((distance_km(lat, lon, p[0], p[1]) for p in placed), default=radius)
            if best is None or gap > best[0]:
                best = (gap, lat, lon, reach)
            if gap >= 2.2 * spread:
                break
        assert best is not None
        placed.append((best[1], best[2], best[3], locality))
    return placed


def _deciles(rng: random.Random, reaches: list[float]) -> list[int]:
    """Deciles 1 (most deprived) to 10: inner neighbourhoods tend to be more deprived."""
    order = sorted(range(len(reaches)), key=lambda i: reaches[i] + rng.gauss(0, 4.0))
    deciles = [0] * len(reaches)
    for rank, i in enumerate(order):
        base = 1 + (rank * 10) // len(reaches)
        deciles[i] = min(10, max(1, base + rng.choice((-1, 0, 0, 1))))
    return deciles


def plan_practices(rng: random.Random, patch: Patch, codes: Iterator[int]) -> list[Practice]:
    """The GP practices of a neighbourhood, sized within `PRACTICE_SIZE` where possible.

    `list_size` is the planned list; people are then registered up to it (see people.py).
    """
    lo, hi = cal.PRACTICE_SIZE
    count = part_count(patch.size, lo, hi, 9_000)
    # A margin inside the bounds leaves room for households registered together (people.py).
    sizes = split(rng, patch.size, count, lo + 10, hi - 10, jitter=0.3)
    practices = []
    for size in sizes:
        name = f"{rng.choice(STREET_STEMS)} {rng.choice(PRACTICE_KINDS)}"
        address = patch.streets.named_building(name)
        code = f"V{next(codes):05d}"
        practices.append(
            Practice(
                code, name, patch.neighbourhood.id, address.postcode, address.lat, address.lon, size
            )
        )
    return practices


def build_care_homes(
    rng: random.Random, patch: Patch, residents: int, numbering: Iterator[int]
) -> list[CareHome]:
    """Enough care homes in a neighbourhood to house `residents` at about 90 % occupancy."""
    homes: list[CareHome] = []
    beds_needed = math.ceil(residents / 0.9)
    while sum(home.beds for home in homes) < beds_needed:
        nursing = rng.random() < cal.NURSING_HOME_SHARE
        beds = rng.randint(30, 90) if nursing else rng.randint(16, 60)
        stem = rng.choice(CARE_HOME_STEMS)
        name = f"{stem} {'Nursing Home' if nursing else 'Care Home'}"
        address = patch.streets.named_building(name)
        homes.append(
            CareHome(
                f"CH{next(numbering):03d}",
                name,
                nursing,
                beds,
                patch.neighbourhood.id,
                address.line,
                address.postcode,
                address.lat,
                address.lon,
            )
        )
    return homes

"""Synthetic streets, house numbers and postcodes.

Postcodes have a valid UK shape (DOMAIN.md 4.2: outward code = area letters + district digits;
inward code = sector digit + two unit letters from ABD-HJLNP-UW-Z) in a postcode area that does
not exist (`Geography.postcode_area`, "AV"). About fifteen neighbouring addresses on a street share
a postcode unit, as in real postcodes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from avert.synth.geo import Scatter
from avert.synth.names import STREET_KINDS, STREET_STEMS


UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
ADDRESSES_PER_UNIT = 15
HOUSE_SCATTER_KM = 0.08


@dataclass(frozen=True, slots=True)
class Address:
    """One place to live: a line, a postcode and a position."""

    line: str
    postcode: str
    lat: float
    lon: float


class District:
    """A postcode district (an outward code such as AV7) handing out unused inward codes."""

    def __init__(self, rng: random.Random, outcode: str) -> None:
        self.outcode = outcode
        units = [f"{s}{a}{b}" for s in range(10) for a in UNIT_LETTERS for b in UNIT_LETTERS]
        rng.shuffle(units)
        self._units = iter(units)

    def new_postcode(self) -> str:
        """A postcode in this district not handed out before."""
        return f"{self.outcode} {next(self._units)}"


class Streets:
    """The streets of one neighbourhood, filled one after another as households arrive."""

    def __init__(
        self,
        rng: random.Random,
        scatter: Scatter,
        town: str,
        districts: list[District],
        centre: tuple[float, float],
        spread_km: float,
    ) -> None:
        self._rng = rng
        self._scatter = scatter
        self._town = town
        self._districts = districts
        self._centre = centre
        self._spread = spread_km
        self._used: set[str] = set()
        self._street = ""
        self._point = centre
        self._district = districts[0]
        self._postcode = ""
        self._number = 0
        self._length = 0

    def next_address(self) -> Address:
        """The next free house on the current street; a new street when it is full."""
        if self._number >= self._length:
            self._new_street()
        self._number += 1
        if (self._number - 1) % ADDRESSES_PER_UNIT == 0:
            self._postcode = self._district.new_postcode()
        lat, lon = self._scatter.around(*self._point, HOUSE_SCATTER_KM)
        line = f"{self._number} {self._street}, {self._town}"
        return Address(line, self._postcode, lat, lon)

    def named_building(self, name: str) -> Address:
        """An address of its own for a named building (a care home, a surgery)."""
        street = self._street_name()
        point = self._scatter.around(*self._centre, self._spread * 0.7)
        district = self._rng.choice(self._districts)
        return Address(f"{name}, {street}, {self._town}", district.new_postcode(), *point)

    def _new_street(self) -> None:
        self._street = self._street_name()
        self._point = self._scatter.around(*self._centre, self._spread)
        self._district = self._rng.choice(self._districts)
        self._number = 0
        self._length = self._rng.randint(12, 120)

    def _street_name(self) -> str:
        rng = self._rng
        for _ in range(30):
            name = f"{rng.choice(STREET_STEMS)} {rng.choice(STREET_KINDS)}"
            if name not in self._used:
                break
        self._used.add(name)
        return name

"""Where travel times come from: a `TravelSource` turns places into a `TravelMatrix`.

Three sources (issue 4, part 1):

- `StraightLine` (the default): great-circle distance times a road factor, driven at an urban
  or a rural speed. The factor and speeds are configuration with documented defaults, not facts:
  a road factor of about 1.3 is the usual figure for British roads, and 30 km/h urban and
  50 km/h rural are planning assumptions for a community team's car, to be calibrated locally.
- `MatrixTravel`: a matrix given as is (the benchmark files carry one).
- `TableService`: an OSRM-style `table` service. It takes a `fetch(url) -> dict` function, so
  the network call is injected (tests pass a fake, production passes an HTTP client).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from avert.dispatch.model import TravelMatrix
from avert.domain.errors import ValidationError


EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Location:
    """A place on the map, and whether it is in a built-up (urban) area."""

    lat: float
    lon: float
    urban: bool = True

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValidationError("location", "latitude or longitude out of range")


class TravelSource(Protocol):
    """Anything that can give travel minutes and distances between a list of places."""

    def matrix(self, places: Sequence[Location]) -> TravelMatrix: ...


def great_circle_km(a: Location, b: Location) -> float:
    """Haversine distance in kilometres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class StraightLine:
    """Straight-line distance x road factor, at the urban speed if both ends are urban."""

    road_factor: float = 1.3
    urban_kmh: float = 30.0
    rural_kmh: float = 50.0

    def __post_init__(self) -> None:
        if not self.road_factor >= 1:
            raise ValidationError("road_factor", "roads are never shorter than a straight line")
        if not (self.urban_kmh > 0 and self.rural_kmh > 0):
            raise ValidationError("speed", "speeds must be positive")

    def matrix(self, places: Sequence[Location]) -> TravelMatrix:
        minutes, distance = [], []
        for a in places:
            row_min, row_km = [], []
            for b in places:
                km = great_circle_km(a, b) * self.road_factor
                speed = self.urban_kmh if (a.urban and b.urban) else self.rural_kmh
                row_km.append(km)
                row_min.append(60.0 * km / speed)
            minutes.append(tuple(row_min))
            distance.append(tuple(row_km))
        return TravelMatrix(tuple(minutes), tuple(distance))


@dataclass(frozen=True)
class MatrixTravel:
    """A given matrix; places are looked up by their position in `order`."""

    travel: TravelMatrix

    def matrix(self, places: Sequence[Location]) -> TravelMatrix:
        if len(places) != self.travel.size:
            raise ValidationError("travel", "the matrix does not cover these places")
        return self.travel


Fetch = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class TableService:
    """An OSRM-style table service: `GET {base}/table/v1/{profile}/{lon,lat;...}`.

    The response's `durations` are seconds and `distances` metres (OSRM's units); a `null`
    entry (no route) is an error, as a planner cannot send anyone along a road that is not there.
    """

    base_url: str
    fetch: Fetch
    profile: str = "driving"

    def url(self, places: Sequence[Location]) -> str:
        coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in places)
        base = self.base_url.rstrip("/")
        return f"{base}/table/v1/{self.profile}/{coords}?annotations=duration,distance"

    def matrix(self, places: Sequence[Location]) -> TravelMatrix:
        reply = self.fetch(self.url(places))
        if reply.get("code") not in (None, "Ok"):
            raise ValidationError("travel", "the table service refused the request")
        durations = reply.get("durations")
        distances = reply.get("distances")
        if durations is None or distances is None:
            raise ValidationError("travel", "the table service gave no durations or distances")
        return TravelMatrix(
            _table(durations, len(places), scale=1 / 60), _table(distances, len(places), 1e-3)
        )


def _table(rows: Any, size: int, scale: float) -> tuple[tuple[float, ...], ...]:
    if len(rows) != size or any(len(row) != size for row in rows):
        raise ValidationError("travel", "the table service answered for other places")
    out = []
    for row in rows:
        if any(v is None for v in row):
            raise ValidationError("travel", "the table service found no road between two places")
        out.append(tuple(float(v) * scale for v in row))
    return tuple(out)

"""Small flat-earth helpers for placing points a few kilometres apart.

An equirectangular approximation is accurate to well under 1 % across an area 40 km wide, which
is all a synthetic map needs.
"""

from __future__ import annotations

import math
import random


KM_PER_DEGREE_LAT = 111.2


def km_per_degree_lon(lat: float) -> float:
    """Kilometres per degree of longitude at a latitude."""
    return 111.32 * math.cos(math.radians(lat))


def offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    """The point `north_km` north and `east_km` east of (lat, lon)."""
    return lat + north_km / KM_PER_DEGREE_LAT, lon + east_km / km_per_degree_lon(lat)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Approximate distance between two nearby points."""
    north = (lat2 - lat1) * KM_PER_DEGREE_LAT
    east = (lon2 - lon1) * km_per_degree_lon((lat1 + lat2) / 2)
    return math.hypot(north, east)


class Scatter:
    """Draws points around a centre, kept inside a disc (the area's boundary)."""

    def __init__(self, rng: random.Random, lat: float, lon: float, radius_km: float) -> None:
        self._rng = rng
        self._lat = lat
        self._lon = lon
        self._radius = radius_km
        self._lon_km = km_per_degree_lon(lat)

    def around(self, lat: float, lon: float, sigma_km: float) -> tuple[float, float]:
        """A point normally scattered around (lat, lon), pulled back inside the disc."""
        gauss = self._rng.gauss
        north = (lat - self._lat) * KM_PER_DEGREE_LAT + gauss(0.0, sigma_km)
        east = (lon - self._lon) * self._lon_km + gauss(0.0, sigma_km)
        reach = math.hypot(north, east)
        if reach > self._radius:
            shrink = self._radius * (0.9 + 0.1 * self._rng.random()) / reach
            north *= shrink
            east *= shrink
        return (
            round(self._lat + north / KM_PER_DEGREE_LAT, 5),
            round(self._lon + east / self._lon_km, 5),
        )

    def polar(self, bearing_deg: float, reach_km: float) -> tuple[float, float]:
        """The point at a bearing (degrees clockwise from north) and distance from the centre."""
        theta = math.radians(bearing_deg)
        lat, lon = offset(
            self._lat, self._lon, reach_km * math.cos(theta), reach_km * math.sin(theta)
        )
        return round(lat, 5), round(lon, 5)

"""Figures from simulation runs: per replication, then means with 95 % confidence intervals.

Per replication (`measure`): the share of 2-hour referrals seen within 2 hours (and of same-day
and 2-day referrals within their targets), the median and 90th centile of the wait for a 2-hour
first contact, staff utilisation (travel and visit minutes over minutes on shift), and travel
(kilometres and minutes per visit, kilometres per day). Across replications (`estimate`): the
mean with a 95 % confidence interval from Student's t with n - 1 degrees of freedom; `paired`
does the same for the differences of two configurations run on common random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from avert.sim.engine import Outcome
from avert.sim.model import SAME_DAY, TWO_DAY, TWO_HOUR


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    unit: str
    higher_is_better: bool


METRICS: tuple[Metric, ...] = (
    Metric("crisis_met", "2-hour referrals seen within 2 hours", "%", True),
    Metric("crisis_wait_median", "2-hour wait, median", "min", False),
    Metric("crisis_wait_p90", "2-hour wait, 90th centile", "min", False),
    Metric("same_day_met", "Same-day referrals seen within target", "%", True),
    Metric("two_day_met", "2-day referrals seen within 2 days", "%", True),
    Metric("utilisation", "Staff utilisation (travel and visits)", "%", False),
    Metric("km_per_visit", "Travel per visit", "km", False),
    Metric("travel_minutes_per_visit", "Travel time per visit", "min", False),
    Metric("km_per_day", "Travel per day, all staff", "km", False),
    Metric("referrals_per_day", "Referrals that got or needed a visit, per day", "", False),
)
PERCENT = frozenset(m.key for m in METRICS if m.unit == "%")

# Two-sided 95 % points of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959963984540054


def t_quantile(df: int) -> float:
    """The 97.5 % point of Student's t: a table to 30, then the Cornish-Fisher expansion."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def centile(values: Sequence[float], q: float) -> float | None:
    """The q-th centile (0..1) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _share(met: int, total: int) -> float | None:
    return 100.0 * met / total if total else None


def measure(outcome: Outcome, days: float) -> dict[str, float | None]:
    """The figures of one replication (shares in %, times in minutes)."""
    o = outcome
    waits = o.waits.get(TWO_HOUR, [])
    visits = o.visits
    first = sum(o.arrivals.get(k, 0) for k in (TWO_HOUR, SAME_DAY, TWO_DAY))
    return {
        "crisis_met": _share(o.met.get(TWO_HOUR, 0), o.arrivals.get(TWO_HOUR, 0)),
        "crisis_wait_median": centile(waits, 0.5),
        "crisis_wait_p90": centile(waits, 0.9),
        "same_day_met": _share(o.met.get(SAME_DAY, 0), o.arrivals.get(SAME_DAY, 0)),
        "two_day_met": _share(o.met.get(TWO_DAY, 0), o.arrivals.get(TWO_DAY, 0)),
        "utilisation": 100.0 * o.busy_minutes / o.shift_minutes if o.shift_minutes else None,
        "km_per_visit": o.travel_km / visits if visits else None,
        "travel_minutes_per_visit": o.travel_minutes / visits if visits else None,
        "km_per_day": o.travel_km / days if days else None,
        "referrals_per_day": first / days if days else None,
    }


def by_hour(outcome: Outcome) -> list[tuple[int, int]]:
    """(met, arrived) 2-hour referrals by local hour of arrival."""
    return [(met, total) for met, total in outcome.crisis_by_hour]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean over replications with its 95 % confidence interval (None if undefined)."""

    mean: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def half_width(self) -> float | None:
        if self.low is None or self.high is None or self.mean is None:
            return None
        return (self.high - self.low) / 2

    def to_json(self) -> dict:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}


def estimate(values: Sequence[float | None]) -> Estimate:
    """Mean and 95 % t-interval of the defined values."""
    xs = [v for v in values if v is not None and math.isfinite(v)]
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0)
    mean = sum(xs) / n
    if n == 1:
        return Estimate(mean, None, None, 1)
    var = sum((x - mean) ** 2 for x in xs) / (n - 1)
    half = t_quantile(n - 1) * math.sqrt(var / n)
    return Estimate(mean, mean - half, mean + half, n)


def paired(treated: Sequence[float | None], base: Sequence[float | None]) -> Estimate:
    """The mean difference treated - base over replications that share their random numbers."""
    return estimate(
        [
            a - b if a is not None and b is not None else None
            for a, b in zip(treated, base, strict=True)
        ]
    )


def summarise(rows: Sequence[dict[str, float | None]]) -> dict[str, Estimate]:
    """Each metric's estimate over replications. Every metric is a count, share or time, so
    intervals are cut at 0 (and shares at 100 %): the t-interval of a few skewed replications
    can otherwise reach impossible values."""
    out = {}
    for m in METRICS:
        e = estimate([row[m.key] for row in rows])
        if e.low is not None and e.high is not None:
            top = 100.0 if m.key in PERCENT else e.high
            e = Estimate(e.mean, max(0.0, e.low), min(top, e.high), e.n)
        out[m.key] = e
    return out


def met_by_hour(hours: Sequence[Sequence[tuple[int, int]]]) -> list[float | None]:
    """The share (%) of 2-hour referrals met by hour of arrival, pooled over replications."""
    out: list[float | None] = []
    for h in range(24):
        met = sum(rep[h][0] for rep in hours)
        total = sum(rep[h][1] for rep in hours)
        out.append(_share(met, total))
    return out

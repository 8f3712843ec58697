"""The simulated service of the synthetic area (docs/synthetic-area.md), as a `Service`.

It uses the synthetic area's own parts, not copies of them:

- **demand**: the calibrated volume (`TWO_HOUR_REFERRALS_PER_100K_PER_MONTH`, scaled by the
  disposition mix to every referral that gets a visit; redirects close at triage and need none),
  by hour of the week from the two arrival profiles (round-the-clock and office-hours sources,
  weighted by the source mix);
- **places**: the neighbourhoods of `avert.synth.places.lay_out`, weighted by size and the
  deprivation gradient;
- **teams and rota**: `avert.synth.workforce.build_teams` and `build_staff` for one week
  (a winter week, so local time is UTC), the same cover, roles, skills, shifts and bases;
- **kinds of referral**: 2-hour (`avert.domain.clocks.TWO_HOUR_TARGET`), same-day (6 hours,
  `Settings.same_day_target`) and 2-day reablement (`TWO_DAY_TARGET`), in the disposition mix,
  with follow-up visits as the synthetic timeline draws them (crisis contacts, reablement
  visits every 1.5-4 days for up to six weeks).

The geography is laid out for at most `GEOGRAPHY_POPULATION_CAP` people (the synthetic area's
own limit); a larger population scales demand and staff on the same map, which is how the
simulator reaches an ICS of about 100,000 referrals a year (about 4 million people at the
calibrated rate). [ASSUMPTION]s here are listed in docs/simulation.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

from avert.dispatch import live, policy
from avert.domain.clocks import TWO_DAY_TARGET, TWO_HOUR_TARGET
from avert.domain.errors import ValidationError
from avert.domain.vocab import ConditionNeed, DischargeOutcome, Disposition
from avert.sim.model import (
    MINUTES_PER_WEEK,
    SAME_DAY,
    TWO_DAY,
    TWO_HOUR,
    Kind,
    Service,
    Site,
    StaffSpec,
    TeamSpec,
)
from avert.synth import calibration as cal
from avert.synth.area import MAX_POPULATION, stream
from avert.synth.geo import KM_PER_DEGREE_LAT, Scatter, km_per_degree_lon
from avert.synth.places import lay_out
from avert.synth.workforce import build_staff, build_teams


GEOGRAPHY_POPULATION_CAP = MAX_POPULATION
MAX_SIM_POPULATION = 10_000_000
REFERENCE_WEEK = datetime(2026, 1, 5, tzinfo=UTC)
"""A Monday in winter: London time is UTC, so the rota's local times are minutes as they are."""

NEED_SKILL: dict[ConditionNeed, str] = {
    ConditionNeed(need): skill for need, skill in policy.SKILL_FOR_NEED.items()
}
"""The skill a first visit for each need calls for: live dispatch's own table
(`avert.dispatch.policy.SKILL_FOR_NEED`; "" means anyone on the team)."""

VISIT_MINUTES = {
    TWO_HOUR: live.DEFAULT.crisis_minutes,
    SAME_DAY: live.DEFAULT.other_minutes,
    TWO_DAY: live.DEFAULT.other_minutes,
}
"""Mean length of a first visit: live dispatch's planning figures (`avert.dispatch.live
.Assumptions`: 60 minutes for a 2-hour response, 45 for the others)."""
FOLLOW_UP_MINUTES = 45.0
"""[ASSUMPTION] Mean length of a follow-up visit, in minutes."""
SAME_DAY_TARGET_MINUTES = 6 * 60.0
"""The same-day local target, `Settings.same_day_target`'s default (AVERT_SAME_DAY_TARGET_HOURS)."""
STOP_AFTER_FIRST = (
    cal.OUTCOME_WEIGHTS[DischargeOutcome.ADMITTED_TO_HOSPITAL]
    + cal.OUTCOME_WEIGHTS[DischargeOutcome.DECLINED]
) / sum(cal.OUTCOME_WEIGHTS.values())
"""Admissions and declines end an episode after its first visit (avert/synth/timeline.py)."""
CASELOAD_SHARE = 0.65
"""[ASSUMPTION, calibrated] The share of staff time on shift from 08:00 to 18:00 booked with
planned visits of the team's wider community caseload (not UCR referrals). The synthetic area
staffs about 300 people a day per million (calibration.py), several times what its UCR referrals
alone need, so without a caseload the simulated staff would sit idle most of the day. No source
gives the share, so it is calibrated: at 65 % the baseline dispatcher (nearest free skilled
clinician, first come first served, as a coordinator on the phone works) meets 84.6 % of 2-hour
referrals over a simulated year of the 50,000-person area, the national mean for 2024-25 being
84.5 % (DOMAIN.md 2.3). `tests/spec/test_simulator_calibration.py` holds it there."""
CASELOAD_HOURS = (8, 18)
CASELOAD_VISIT_MINUTES = 45.0
REABLEMENT_STOP_CHANCE = 0.08
REABLEMENT_MOST_FOLLOW_UPS = 14
"""Reablement visits every 1.5-4 days for up to 42 days, each ending the episode with chance
0.08 (avert/synth/timeline.py): at most about 14 follow-ups."""


def synthetic_service(*, population: int = 50_000, seed: int = 1) -> Service:
    """The synthetic area's UCR service (seeded like `generate_area`) for the simulator."""
    if isinstance(population, bool) or not isinstance(population, int):
        raise ValidationError("population", "must be a whole number")
    if not 1_000 <= population <= MAX_SIM_POPULATION:
        raise ValidationError("population", f"must be from 1,000 to {MAX_SIM_POPULATION:,}")
    geo_population = min(population, GEOGRAPHY_POPULATION_CAP)
    geo = cal.GEOGRAPHY
    rng = stream(seed, "map")
    scatter = Scatter(rng, geo.centre_lat, geo.centre_lon, geo.radius_km)
    localities, patches = lay_out(rng, geo_population, scatter)
    scale = population / geo_population
    populations = [
        round(scale * sum(p.size for p in patches if p.neighbourhood.locality == loc.name))
        for loc in localities
    ]
    teams = build_teams(localities, populations)
    team_index = {team.locality: i for i, team in enumerate(teams)}
    lon_km = km_per_degree_lon(geo.centre_lat)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - geo.centre_lon) * lon_km, (lat - geo.centre_lat) * KM_PER_DEGREE_LAT

    sites = tuple(
        Site(
            *xy(p.neighbourhood.centre_lat, p.neighbourhood.centre_lon),
            p.spread_km,
            p.size
            * (1 + cal.DEPRIVATION_REFERRAL_GRADIENT * (10 - p.neighbourhood.deprivation_decile)),
            team_index[p.neighbourhood.locality],
        )
        for p in patches
    )
    members = build_staff(stream(seed, "staff"), teams, populations, scatter, REFERENCE_WEEK, 7)
    staff = []
    for m in members:
        shifts = []
        for s in m.shifts:
            start = (s.start - REFERENCE_WEEK).total_seconds() / 60
            end = (s.end - REFERENCE_WEEK).total_seconds() / 60
            if 0 <= start < MINUTES_PER_WEEK:
                shifts.append((start, end))
        staff.append(
            StaffSpec(
                m.id,
                team_index[next(t.locality for t in teams if t.id == m.team_id)],
                m.role.value,
                frozenset(m.skills),
                *xy(m.home_lat, m.home_lon),
                tuple(sorted(shifts)),
            )
        )
    return Service(
        caseload_rate=caseload_rate(staff, len(teams), CASELOAD_SHARE),
        caseload_visit_minutes=CASELOAD_VISIT_MINUTES,
        name=f"synthetic area, {population:,} people (seed {seed})",
        hourly_rate=hourly_rate(population),
        kinds=kinds(),
        sites=sites,
        teams=tuple(TeamSpec(t.id, t.name, t.hours == "24/7") for t in teams),
        staff=tuple(staff),
        radius_km=geo.radius_km,
        population=population,
    )


def caseload_rate(
    staff: list[StaffSpec] | tuple[StaffSpec, ...], teams: int, share: float
) -> tuple[tuple[float, ...], ...]:
    """Planned visits per hour for each team and hour of the week, booking `share` of the time
    on shift in the caseload hours."""
    minutes = [[0.0] * 168 for _ in range(teams)]
    for member in staff:
        for start, end in member.shifts or ():
            hour = int(start // 60)
            while hour * 60 < end:
                lo, hi = max(start, hour * 60.0), min(end, (hour + 1) * 60.0)
                minutes[member.team][hour % 168] += max(0.0, hi - lo)
                hour += 1
    first, last = CASELOAD_HOURS
    return tuple(
        tuple(
            share * m / CASELOAD_VISIT_MINUTES if first <= h % 24 < last else 0.0
            for h, m in enumerate(row)
        )
        for row in minutes
    )


def referrals_per_year(population: int) -> float:
    """Every referral, redirects included, by the calibrated rate."""
    two_hour = cal.TWO_HOUR_REFERRALS_PER_100K_PER_MONTH * population / 100_000 * 12
    weights = cal.DISPOSITION_WEIGHTS
    return two_hour * sum(weights.values()) / weights[Disposition.TWO_HOUR_CRISIS]


def hourly_rate(population: int) -> tuple[float, ...]:
    """Referrals that get a visit, per hour of the week from Monday 00:00 (local time)."""
    weights = cal.DISPOSITION_WEIGHTS
    visiting = sum(w for d, w in weights.items() if d is not Disposition.REDIRECT)
    per_week = (
        cal.TWO_HOUR_REFERRALS_PER_100K_PER_MONTH
        * population
        / 100_000
        * visiting
        / weights[Disposition.TWO_HOUR_CRISIS]
        * 7
        / cal.DAYS_PER_MONTH
    )
    sources = cal.SOURCE_WEIGHTS
    office = sum(w for s, w in sources.items() if s in cal.OFFICE_HOURS_SOURCES) / sum(
        sources.values()
    )

    def profile(hours: tuple[float, ...], days: tuple[float, ...]) -> list[float]:
        raw = [hours[h] * days[d] for d in range(7) for h in range(24)]
        total = sum(raw)
        return [w / total for w in raw]

    round_clock = profile(cal.ROUND_THE_CLOCK_HOUR_WEIGHTS, cal.ROUND_THE_CLOCK_WEEKDAY_WEIGHTS)
    office_hours = profile(cal.OFFICE_HOUR_WEIGHTS, cal.OFFICE_WEEKDAY_WEIGHTS)
    return tuple(
        per_week * ((1 - office) * r + office * o)
        for r, o in zip(round_clock, office_hours, strict=True)
    )


def _skills(needs: dict[ConditionNeed, float]) -> tuple[tuple[str, float], ...]:
    merged: dict[str, float] = {}
    for need, weight in needs.items():
        merged[NEED_SKILL[need]] = merged.get(NEED_SKILL[need], 0.0) + weight
    return tuple(merged.items())


def _crisis_follow_ups() -> tuple[tuple[int, float], ...]:
    total = sum(cal.CONTACTS_PER_CRISIS_WEIGHTS.values())
    out = {
        n - 1: (1 - STOP_AFTER_FIRST) * w / total
        for n, w in cal.CONTACTS_PER_CRISIS_WEIGHTS.items()
    }
    out[0] = out.get(0, 0.0) + STOP_AFTER_FIRST
    return tuple(sorted(out.items()))


def _reablement_follow_ups() -> tuple[tuple[int, float], ...]:
    p, most = REABLEMENT_STOP_CHANCE, REABLEMENT_MOST_FOLLOW_UPS
    out = {k: (1 - STOP_AFTER_FIRST) * p * (1 - p) ** (k - 1) for k in range(1, most)}
    out[most] = (1 - STOP_AFTER_FIRST) * (1 - p) ** (most - 1)
    out[0] = STOP_AFTER_FIRST
    return tuple(sorted(out.items()))


def kinds() -> tuple[Kind, ...]:
    """2-hour, same-day and 2-day referrals in the calibrated mix."""
    w = cal.DISPOSITION_WEIGHTS
    crisis_follow = _crisis_follow_ups()
    return (
        Kind(
            TWO_HOUR,
            w[Disposition.TWO_HOUR_CRISIS],
            TWO_HOUR_TARGET.total_seconds() / 60,
            VISIT_MINUTES[TWO_HOUR],
            _skills(cal.CRISIS_NEED_WEIGHTS),
            crisis_follow,
            (0.15, 0.8),
            FOLLOW_UP_MINUTES,
        ),
        Kind(
            SAME_DAY,
            w[Disposition.SAME_DAY],
            SAME_DAY_TARGET_MINUTES,
            VISIT_MINUTES[SAME_DAY],
            _skills(cal.CRISIS_NEED_WEIGHTS),
            crisis_follow,
            (0.15, 0.8),
            FOLLOW_UP_MINUTES,
        ),
        Kind(
            TWO_DAY,
            w[Disposition.TWO_DAY_REABLEMENT],
            TWO_DAY_TARGET.total_seconds() / 60,
            VISIT_MINUTES[TWO_DAY],
            _skills(cal.REABLEMENT_NEED_WEIGHTS),
            _reablement_follow_ups(),
            (1.5, 4.0),
            FOLLOW_UP_MINUTES,
        ),
    )

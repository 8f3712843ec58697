"""UCR teams, their staff, skills and rota.

One team per locality (seeds/004: one community service working across three places). The team
of the most populous locality runs 24/7 and the others 08:00-20:00, the national minimum
(DOMAIN.md 1.3). Daily cover scales with population (`STAFF_ON_SHIFT_PER_100K_PER_DAY`, about 300
people on shift across a day for a million) and never falls below `MIN_STAFF_ON_SHIFT_PER_TEAM`.

Shifts are written in London wall-clock time and handed out in UTC, so an 08:00 start stays 08:00
local on both sides of a clock change (and a night shift over one lasts 11 or 13 hours). Each
person works a fixed weekly pattern (five 8-hour shifts, or alternately four and three 12-hour
days or nights), staggered so that every day of the week has the same cover.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from avert.domain.vocab import Sex, StaffRole
from avert.synth import calibration as cal
from avert.synth.draws import shares
from avert.synth.geo import Scatter
from avert.synth.localtime import local_to_utc, to_local
from avert.synth.model import Shift, StaffMember, Team
from avert.synth.names import FAMILY_NAMES, given_names
from avert.synth.places import Locality


SKILLS: tuple[str, ...] = (
    "catheter",
    "wound_care",
    "iv_therapy",
    "prescriber",
    "equipment_assessment",
    "falls",
    "manual_handling",
    "palliative",
    "diabetes",
    "personal_care",
    "social_assessment",
)
"""The skill codes staff carry; a dispatcher matches them against what a visit needs."""

_ROLE_SKILLS: dict[StaffRole, tuple[tuple[str, ...], dict[str, float]]] = {
    # role: (skills everyone in the role has, {skill: share of the role who also have it})
    StaffRole.NURSE: (
        ("catheter", "wound_care", "palliative", "diabetes"),
        {"iv_therapy": 0.5, "prescriber": 0.3, "falls": 0.3},
    ),
    StaffRole.PARAMEDIC: (
        ("falls", "wound_care", "manual_handling"),
        {"catheter": 0.6, "prescriber": 0.3, "iv_therapy": 0.3},
    ),
    StaffRole.PHYSIOTHERAPIST: (
        ("falls", "manual_handling", "equipment_assessment"),
        {"prescriber": 0.05},
    ),
    StaffRole.OCCUPATIONAL_THERAPIST: (("equipment_assessment", "falls", "manual_handling"), {}),
    StaffRole.SOCIAL_WORKER: (("social_assessment",), {"palliative": 0.1}),
    StaffRole.SUPPORT_WORKER: (
        ("personal_care", "manual_handling"),
        {"falls": 0.5, "wound_care": 0.1},
    ),
}

STAFF_SEXES = (Sex.FEMALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE)
"""[ASSUMPTION] About three in four community health staff are women; drawn for given names."""

NIGHT_ROLE_WEIGHTS = {
    StaffRole.NURSE: 40.0,
    StaffRole.PARAMEDIC: 20.0,
    StaffRole.SUPPORT_WORKER: 40.0,
}


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """A kind of shift: local start, length, and the days a week one person works it."""

    kind: str
    start: time
    hours: int
    days_per_week: tuple[int, ...]  # alternated between people


EARLY = ShiftPattern("early", time(8), 8, (5,))
LATE_DAY_TEAM = ShiftPattern("late", time(12), 8, (5,))
LATE_24_7 = ShiftPattern("late", time(14), 8, (5,))
LONG_DAY = ShiftPattern("long_day", time(8), 12, (4, 3))
NIGHT = ShiftPattern("night", time(20), 12, (4, 3))

DAY_TEAM_MIX = ((LONG_DAY, 0.5), (EARLY, 0.25), (LATE_DAY_TEAM, 0.25))
ROUND_THE_CLOCK_MIX = ((LONG_DAY, 0.4), (EARLY, 0.2), (LATE_24_7, 0.2), (NIGHT, 0.2))


def build_teams(localities: Sequence[Locality], populations: Sequence[int]) -> list[Team]:
    """One team per locality; the most populous locality's team runs 24/7."""
    busiest = max(range(len(localities)), key=lambda i: populations[i])
    return [
        Team(
            f"TEAM-{i + 1}",
            f"{locality.name} Urgent Community Response",
            locality.name,
            locality.lat,
            locality.lon,
            "24/7" if i == busiest else "08:00-20:00",
        )
        for i, locality in enumerate(localities)
    ]


def build_staff(
    rng: random.Random,
    teams: Sequence[Team],
    populations: Sequence[int],
    scatter: Scatter,
    now: datetime,
    shift_days: int,
) -> list[StaffMember]:
    """The staff of every team with their rota from yesterday for `shift_days` days on."""
    today = to_local(now).date()
    days = [today + timedelta(days=k) for k in range(-1, shift_days)]
    staff: list[StaffMember] = []
    for team, population in zip(teams, populations, strict=True):
        cover = max(
            cal.MIN_STAFF_ON_SHIFT_PER_TEAM,
            round(cal.STAFF_ON_SHIFT_PER_100K_PER_DAY * population / 100_000),
        )
        mix = ROUND_THE_CLOCK_MIX if team.hours == "24/7" else DAY_TEAM_MIX
        rota: list[tuple[ShiftPattern, int, int]] = []  # (pattern, first weekday, days a week)
        for (pattern, _), slots in zip(mix, shares(cover, [s for _, s in mix]), strict=True):
            per_week = sum(pattern.days_per_week) / len(pattern.days_per_week)
            cursor = 0
            for j in range(math.ceil(max(1, slots) * 7 / per_week)):
                days_a_week = pattern.days_per_week[j % len(pattern.days_per_week)]
                rota.append((pattern, cursor % 7, days_a_week))
                cursor += days_a_week
        day_roles = _roles(rng, sum(1 for p, _, _ in rota if p is not NIGHT), cal.ROLE_WEIGHTS)
        night_roles = _roles(rng, sum(1 for p, _, _ in rota if p is NIGHT), NIGHT_ROLE_WEIGHTS)
        rotate = rng.randrange(7)
        for pattern, first, days_a_week in rota:
            role = night_roles.pop() if pattern is NIGHT else day_roles.pop()
            shifts = _shifts(pattern, (first + rotate) % 7, days_a_week, days)
            staff.append(_member(rng, len(staff) + 1, role, team, scatter, shifts))
    return staff


def _member(
    rng: random.Random,
    number: int,
    role: StaffRole,
    team: Team,
    scatter: Scatter,
    shifts: tuple[Shift, ...],
) -> StaffMember:
    born = rng.randint(1962, 2002)
    given = rng.choice(given_names(rng.choice(STAFF_SEXES), born))
    always, sometimes = _ROLE_SKILLS[role]
    skills = set(always) | {skill for skill, share in sometimes.items() if rng.random() < share}
    home = scatter.around(team.base_lat, team.base_lon, 6.0)
    return StaffMember(
        f"STF-{number:04d}",
        f"{given} {rng.choice(FAMILY_NAMES)}",
        role,
        tuple(sorted(skills)),
        team.id,
        home[0],
        home[1],
        shifts,
    )


def _shifts(
    pattern: ShiftPattern, first: int, days_a_week: int, days: list[date]
) -> tuple[Shift, ...]:
    """One person's shifts: `days_a_week` consecutive days of every week from weekday `first`.

    People of one pattern take their runs of days one after another round the week, like cards
    dealt in turn, so every day of the week has the same cover (to within one person).
    """
    shifts = []
    for day in days:
        if (day.weekday() - first) % 7 < days_a_week:
            start = local_to_utc(day, pattern.start)
            end_local = datetime.combine(day, pattern.start) + timedelta(hours=pattern.hours)
            end = local_to_utc(end_local.date(), end_local.time())
            shifts.append(Shift(start, end, pattern.kind))
    return tuple(shifts)


def _roles(rng: random.Random, count: int, weights: dict[StaffRole, float]) -> list[StaffRole]:
    """`count` roles in proportion to `weights`, each role at least once when there is room."""
    roles = list(weights)
    numbers = shares(count, list(weights.values()))
    if count >= len(roles):
        for i, n in enumerate(numbers):
            if n == 0:
                numbers[i] = 1
                numbers[numbers.index(max(numbers))] -= 1
    mixed = [role for role, n in zip(roles, numbers, strict=True) for _ in range(n)]
    rng.shuffle(mixed)
    return mixed

"""UCR teams, staff and rotas: roles, skills, hours, and shifts right across clock changes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from avert.domain.vocab import StaffRole
from avert.synth import SKILLS, generate_area
from avert.synth.geo import Scatter
from avert.synth.localtime import LONDON
from avert.synth.places import Locality
from avert.synth.workforce import build_staff, build_teams


SPRING_FORWARD = date(2025, 3, 30)  # clocks go from 01:00 GMT to 02:00 BST
FALL_BACK = date(2025, 10, 26)  # clocks go from 02:00 BST to 01:00 GMT


def _rota(population: int, now: datetime, shift_days: int = 7):
    localities = [Locality(f"Place {i}", 52.6, -1.1 + i / 10, 120.0 * i) for i in range(3)]
    populations = [population // 2, population // 4, population - population // 2 - population // 4]
    teams = build_teams(localities, populations)
    scatter = Scatter(random.Random(1), 52.6, -1.1, 20.0)
    staff = build_staff(random.Random(2), teams, populations, scatter, now, shift_days)
    return teams, staff


def _on_shift_during(staff, day: date) -> int:
    """How many distinct staff work a shift that starts on this local day."""
    return sum(any(s.start.astimezone(LONDON).date() == day for s in m.shifts) for m in staff)


def test_the_most_populous_locality_has_the_24_7_team_and_the_others_work_8_to_8():
    """One team runs round the clock; the others keep the national minimum hours."""
    teams, _ = _rota(100_000, datetime(2025, 5, 1, 12, tzinfo=UTC))
    assert [team.hours for team in teams] == ["24/7", "08:00-20:00", "08:00-20:00"]


@pytest.mark.parametrize(
    ("population", "low", "high"),
    [
        # (population, distinct staff on shift on one day: low, high)
        (1_000_000, 270, 330),
        (300_000, 80, 105),
        (20_000, 18, 24),  # three teams at the minimum cover of six each
    ],
)
def test_staff_on_shift_across_a_day_scale_with_population(population, low, high):
    """About 300 people work on a given day for a million residents, with a floor per team."""
    now = datetime(2025, 5, 7, 12, tzinfo=UTC)
    _, staff = _rota(population, now)
    for offset in range(7):
        assert low <= _on_shift_during(staff, now.date() + timedelta(days=offset)) <= high


def test_every_team_has_all_six_roles_and_known_skills():
    """Each team has all six professions, and every skill is one of the coded skills."""
    teams, staff = _rota(50_000, datetime(2025, 5, 1, 12, tzinfo=UTC))
    for team in teams:
        roles = {member.role for member in staff if member.team_id == team.id}
        assert roles == set(StaffRole)
    assert all(member.skills and set(member.skills) <= set(SKILLS) for member in staff)
    nurses = [member for member in staff if member.role is StaffRole.NURSE]
    assert all("catheter" in nurse.skills for nurse in nurses)


def test_shifts_are_aware_utc_and_end_after_they_start():
    """Every shift is in UTC with the end after the start."""
    _, staff = _rota(50_000, datetime(2025, 5, 1, 12, tzinfo=UTC))
    shifts = [shift for member in staff for shift in member.shifts]
    assert shifts
    assert all(s.start.utcoffset() == timedelta(0) == s.end.utcoffset() for s in shifts)
    assert all(s.end > s.start for s in shifts)


def test_a_local_8am_start_stays_8am_local_across_the_spring_clock_change():
    """08:00 starts are 08:00 UTC before the change and 07:00 UTC after it, both 08:00 local."""
    _, staff = _rota(200_000, datetime(2025, 3, 28, 12, tzinfo=UTC))
    starts = [s.start for m in staff for s in m.shifts if s.kind in ("early", "long_day")]
    assert {s.astimezone(LONDON).time() for s in starts} == {time(8)}
    before = {s.time() for s in starts if s.date() < SPRING_FORWARD}
    after = {s.time() for s in starts if s.date() >= SPRING_FORWARD}
    assert before == {time(8)} and after == {time(7)}


def test_a_night_shift_over_the_autumn_clock_change_lasts_thirteen_hours():
    """20:00 to 08:00 local spans 13 real hours on the night the clocks go back."""
    _, staff = _rota(200_000, datetime(2025, 10, 25, 12, tzinfo=UTC))
    nights = [s for m in staff for s in m.shifts if s.kind == "night"]
    lengths = {s.start.astimezone(LONDON).date(): s.end - s.start for s in nights}
    assert lengths[FALL_BACK - timedelta(days=1)] == timedelta(hours=13)
    assert lengths[FALL_BACK] == timedelta(hours=12)


def test_day_teams_work_only_between_8am_and_8pm_local():
    """No shift of a day team starts before 08:00 or ends after 20:00 local time."""
    teams, staff = _rota(100_000, datetime(2025, 7, 1, 12, tzinfo=UTC))
    day_teams = {team.id for team in teams if team.hours == "08:00-20:00"}
    shifts = [s for m in staff if m.team_id in day_teams for s in m.shifts]
    assert all(s.start.astimezone(LONDON).time() >= time(8) for s in shifts)
    assert all(s.end.astimezone(LONDON).time() <= time(20) for s in shifts)
    assert all(s.start.astimezone(LONDON).date() == s.end.astimezone(LONDON).date() for s in shifts)


def test_the_24_7_team_has_someone_on_shift_at_every_hour():
    """Each hour of each rota day is covered by at least one shift of the 24/7 team."""
    now = datetime(2025, 7, 1, 12, tzinfo=UTC)
    teams, staff = _rota(100_000, now)
    team = next(t for t in teams if t.hours == "24/7")
    shifts = [s for m in staff if m.team_id == team.id for s in m.shifts]
    for hour in range(24 * 6):
        instant = now.replace(hour=0) + timedelta(hours=hour, minutes=30)
        assert any(s.start <= instant < s.end for s in shifts), instant


def test_the_rota_runs_from_yesterday_for_the_days_asked():
    """Shifts start no earlier than yesterday (local) and within `shift_days` days of today."""
    now = datetime(2025, 7, 1, 12, tzinfo=UTC)
    area = generate_area(seed=2, population=5_000, now=now, history_days=3, shift_days=3)
    days = {s.start.astimezone(LONDON).date() for m in area.staff for s in m.shifts}
    assert min(days) == date(2025, 6, 30)
    assert max(days) == date(2025, 7, 3)

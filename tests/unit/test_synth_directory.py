"""The synthetic directory: every kind of service the issue names, in every locality, the same
for the same area, with England and Wales bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from avert.domain.directory import ServiceType, search
from avert.synth import generate_area
from avert.synth.directory import bank_holidays, easter_sunday, generate_directory


NOW = datetime(2026, 5, 25, 9, 0, tzinfo=UTC)  # the Spring bank holiday, 10:00 in London


@pytest.fixture(scope="module")
def area():
    return generate_area(seed=11, population=20_000, now=NOW, history_days=1)


@pytest.mark.parametrize(
    "year, expected",
    [
        (
            2026,
            ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
        ),
        (
            2027,
            ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
        ),
        (
            2022,
            ["01-03", "04-15", "04-18", "05-02", "05-30", "08-29", "12-26", "12-27"],
        ),
    ],
)
def test_bank_holidays_follow_the_england_and_wales_rules_with_substitute_days(year, expected):
    """Easter, the May and August Mondays, and weekend Christmas and New Year moved to Monday.
    (2022's one-off Jubilee and State Funeral holidays are not generated.)"""
    found = sorted(d.strftime("%m-%d") for d in bank_holidays(range(year, year + 1)))
    assert found == expected


def test_easter_is_computed_for_known_years():
    """Easter Sunday: 2024-03-31, 2025-04-20, 2026-04-05."""
    assert [easter_sunday(y) for y in (2024, 2025, 2026)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
    ]


def test_every_kind_of_service_the_issue_names_is_in_every_locality(area):
    """UCR, reablement, community nursing, UTC, voluntary sector and housing per locality; ED and
    the carers' emergency service for the area; every GP practice listed."""
    services = generate_directory(area)
    localities = {team.locality for team in area.teams}
    for kind in (
        ServiceType.UCR,
        ServiceType.REABLEMENT,
        ServiceType.COMMUNITY_NURSING,
        ServiceType.URGENT_TREATMENT_CENTRE,
        ServiceType.VOLUNTARY_SECTOR,
        ServiceType.HOUSING,
    ):
        named = {s.name for s in services if s.type is kind}
        assert all(any(place in name for name in named) for place in localities), kind
    kinds = {s.type for s in services}
    assert {ServiceType.EMERGENCY_DEPARTMENT, ServiceType.CARERS_EMERGENCY} <= kinds
    practices = {s.ods_code for s in services if s.type is ServiceType.GP_PRACTICE}
    assert practices == {p.ods_code for p in area.practices}
    assert len({s.id for s in services}) == len(services)
    assert generate_directory(area) == services


def test_on_a_bank_holiday_the_practices_are_closed_and_the_24_7_services_open(area):
    """At 10:00 on the Spring bank holiday no GP practice is open; the ED is."""
    services = generate_directory(area)
    open_kinds = {m.service.type for m in search(services, now=NOW)}
    assert ServiceType.GP_PRACTICE not in open_kinds
    assert ServiceType.EMERGENCY_DEPARTMENT in open_kinds
    tuesday = datetime(2026, 5, 26, 9, 0, tzinfo=UTC)
    assert ServiceType.GP_PRACTICE in {m.service.type for m in search(services, now=tuesday)}

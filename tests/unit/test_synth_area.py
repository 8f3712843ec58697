"""The synthetic area as a whole: reproducible, shaped like an ICS, and validated on input."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from avert.domain.errors import ValidationError
from avert.domain.vocab import Residence
from avert.synth import MAX_POPULATION, generate_area
from avert.synth.geo import distance_km


NOW = datetime(2025, 6, 11, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def area():
    return generate_area(seed=7, population=60_000, now=NOW)


@pytest.fixture(scope="module")
def large_area():
    return generate_area(seed=3, population=200_000, now=NOW, history_days=7)


def test_same_seed_gives_an_identical_area():
    """Two runs with the same seed and parameters produce equal areas, field for field."""
    first = generate_area(seed=11, population=3_000, now=NOW)
    second = generate_area(seed=11, population=3_000, now=NOW)
    assert first == second


def test_same_seed_gives_the_same_area_in_another_process_with_other_string_hashing():
    """Reproducible across runs: nothing depends on Python's per-process hash seed."""
    script = (
        "import hashlib, datetime as d; from avert.synth import generate_area; "
        "a = generate_area(seed=11, population=2_000, "
        "now=d.datetime(2025, 6, 11, 10, 30, tzinfo=d.UTC)); "
        "print(hashlib.sha256(repr(a).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1


def test_different_seeds_give_different_areas():
    """Another seed moves people, names and referrals."""
    first = generate_area(seed=11, population=3_000, now=NOW)
    second = generate_area(seed=12, population=3_000, now=NOW)
    assert [p.nhs_number for p in first.people] != [p.nhs_number for p in second.people]
    assert [p.address_line for p in first.people] != [p.address_line for p in second.people]
    assert [r.received_at for r in first.referrals] != [r.received_at for r in second.referrals]


def test_area_holds_exactly_the_population_asked_for(area):
    """One person record per member of the population."""
    assert area.population == 60_000
    assert len(area.people) == 60_000


def test_now_is_kept_in_utc_whatever_zone_it_was_given_in():
    """A `now` in another zone is converted to the same instant in UTC."""
    local = NOW.astimezone(timezone(timedelta(hours=1)))
    result = generate_area(seed=1, population=1_000, now=local, history_days=2)
    assert result.now == NOW and result.now.utcoffset() == timedelta(0)


def test_neighbourhoods_are_grouped_into_three_localities(area):
    """Every neighbourhood belongs to one of three localities, each with one team."""
    localities = {hood.locality for hood in area.neighbourhoods}
    assert len(localities) == 3
    assert {team.locality for team in area.teams} == localities


def test_neighbourhoods_hold_30_to_50_thousand_people_in_a_large_area(large_area):
    """Neighbourhood sizes follow the LLR model (seeds/004) once the area is big enough."""
    sizes = Counter(person.neighbourhood_id for person in large_area.people)
    assert len(sizes) >= 4
    assert all(30_000 <= size <= 50_000 for size in sizes.values()), sizes


def test_practices_have_5_to_15_thousand_registered_people(large_area):
    """Each practice's registered list, counted from the people, is within the bounds."""
    lists = Counter(person.practice_ods for person in large_area.people)
    assert set(lists) == {practice.ods_code for practice in large_area.practices}
    assert all(5_000 <= size <= 15_000 for size in lists.values()), sorted(lists.values())
    assert all(lists[p.ods_code] == p.list_size for p in large_area.practices)


def test_practices_have_ods_shaped_unique_codes(large_area):
    """A practice code is a letter and five digits, and no two practices share one."""
    codes = [practice.ods_code for practice in large_area.practices]
    assert len(set(codes)) == len(codes)
    assert all(code[0].isalpha() and code[1:].isdigit() and len(code) == 6 for code in codes)


def test_people_are_registered_with_a_practice_of_their_own_neighbourhood(area):
    """A person's practice is in the neighbourhood they live in."""
    hood_of = {practice.ods_code: practice.neighbourhood_id for practice in area.practices}
    assert all(hood_of[p.practice_ods] == p.neighbourhood_id for p in area.people)


def test_deprivation_deciles_vary_across_the_area(large_area):
    """Neighbourhoods do not all share one decile, and every decile is between 1 and 10."""
    deciles = [hood.deprivation_decile for hood in large_area.neighbourhoods]
    assert len(set(deciles)) >= 3
    assert all(1 <= d <= 10 for d in deciles)
    decile_of = {hood.id: hood.deprivation_decile for hood in large_area.neighbourhoods}
    assert all(p.deprivation_decile == decile_of[p.neighbourhood_id] for p in large_area.people)


def test_everything_lies_within_an_area_about_40_km_across(area):
    """People, practices, care homes and team bases are within 21 km of the centre."""
    points = [(p.lat, p.lon) for p in area.people]
    points += [(p.lat, p.lon) for p in area.practices]
    points += [(h.lat, h.lon) for h in area.care_homes]
    points += [(t.base_lat, t.base_lon) for t in area.teams]
    assert max(distance_km(52.6, -1.1, lat, lon) for lat, lon in points) <= 21.0


def test_care_home_residents_point_to_real_care_homes(area):
    """A resident's home exists, its kind matches their residence, and they live at it."""
    homes = {home.id: home for home in area.care_homes}
    residents = [p for p in area.people if p.care_home_id is not None]
    assert residents
    for person in residents:
        home = homes[person.care_home_id]
        nursing = person.residence is Residence.CARE_HOME_NURSING
        assert home.nursing == nursing
        assert (person.postcode, person.lat, person.lon) == (home.postcode, home.lat, home.lon)


def test_care_homes_are_not_over_full(area):
    """No home has more residents than beds."""
    residents = Counter(p.care_home_id for p in area.people if p.care_home_id is not None)
    beds = {home.id: home.beds for home in area.care_homes}
    assert all(count <= beds[home] for home, count in residents.items())


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"now": datetime(2025, 6, 11, 10, 30)}, "now"),
        ({"population": 999}, "population"),
        ({"population": MAX_POPULATION + 1}, "population"),
        ({"history_days": 0}, "history_days"),
        ({"shift_days": 0}, "shift_days"),
        ({"open_referrals": -1}, "open_referrals"),
        ({"population": 5_000.0}, "population"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(arguments, field):
    """Each unusable parameter raises ValidationError naming that parameter."""
    parameters = {"seed": 1, "population": 5_000, "now": NOW} | arguments
    with pytest.raises(ValidationError) as caught:
        generate_area(**parameters)
    assert caught.value.field == field

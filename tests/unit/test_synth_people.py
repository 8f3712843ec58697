"""Synthetic people: NHS numbers, ages and sexes, names, addresses and homes."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime
from itertools import islice

import pytest

from avert.domain.identifiers import age_in_years, parse_nhs_number, parse_postcode
from avert.domain.vocab import Residence, Sex
from avert.synth import generate_area
from avert.synth.nhs_numbers import TEST_RANGE_CAPACITY, count_test_range, nhs_numbers


NOW = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
STRICT_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9R][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")


@pytest.fixture(scope="module")
def people():
    return generate_area(seed=5, population=80_000, now=NOW, history_days=7).people


def test_every_nhs_number_is_valid_unique_and_from_the_999_test_range(people):
    """Each number passes the Modulus 11 check, starts 999, and belongs to one person."""
    numbers = [person.nhs_number for person in people]
    assert all(parse_nhs_number(number) == number for number in numbers)
    assert all(number.startswith("999") for number in numbers)
    assert len(set(numbers)) == len(numbers)


def test_the_999_range_holds_the_stated_number_of_valid_nhs_numbers():
    """The cap on population is the count of valid 999 numbers (one stem in 11 has none)."""
    assert count_test_range() == TEST_RANGE_CAPACITY


def test_nhs_numbers_are_handed_out_without_repeats_across_the_whole_range():
    """Walking the whole range yields every valid 999 number exactly once."""
    numbers = list(nhs_numbers(random.Random(3)))
    assert len(numbers) == len(set(numbers)) == TEST_RANGE_CAPACITY
    assert all(parse_nhs_number(n) == n for n in islice(numbers, 0, None, 997))


@pytest.mark.parametrize(
    ("ages", "low", "high"),
    [
        # (age range, share of the population: low, high) - an England-like pyramid
        (range(0, 18), 0.19, 0.24),
        (range(18, 65), 0.56, 0.63),
        (range(65, 200), 0.16, 0.21),
        (range(75, 200), 0.07, 0.10),
        (range(85, 200), 0.02, 0.035),
    ],
)
def test_ages_follow_an_england_like_pyramid(people, ages, low, high):
    """The share of each age group is close to England's (approximate ONS shape)."""
    today = NOW.date()
    share = sum(age_in_years(p.date_of_birth, today) in ages for p in people) / len(people)
    assert low <= share <= high


def test_women_outnumber_men_among_the_oldest(people):
    """Past 85, about six in ten people are women; overall the split is near even."""
    today = NOW.date()
    oldest = [p for p in people if age_in_years(p.date_of_birth, today) >= 85]
    assert 0.55 <= sum(p.sex is Sex.FEMALE for p in oldest) / len(oldest) <= 0.7
    assert 0.48 <= sum(p.sex is Sex.FEMALE for p in people) / len(people) <= 0.53


def test_postcodes_have_a_valid_uk_shape_in_a_postcode_area_that_does_not_exist(people):
    """Postcodes parse, meet the strict inward-letter rule, and all use the fictional AV area."""
    postcodes = {person.postcode for person in people}
    assert all(STRICT_POSTCODE.match(code) for code in postcodes)
    assert all(parse_postcode(code) == code for code in postcodes)
    assert {code[:2] for code in postcodes} == {"AV"}


def test_households_share_an_address_and_addresses_are_not_shared_across_neighbourhoods(people):
    """Some addresses house several people, all from one neighbourhood."""
    by_address: dict[str, set[str]] = {}
    for person in people:
        by_address.setdefault(person.address_line, set()).add(person.neighbourhood_id)
    sizes = Counter(p.address_line for p in people if p.residence is Residence.OWN_HOME)
    assert 1.8 <= len(people) / len(by_address) <= 3.0
    assert max(sizes.values()) >= 3
    assert all(len(hoods) == 1 for hoods in by_address.values())


def test_children_do_not_live_alone(people):
    """Everyone under 16 shares their address with someone aged 18 or over."""
    today = NOW.date()
    adults_at = {p.address_line for p in people if age_in_years(p.date_of_birth, today) >= 18}
    children = [p for p in people if age_in_years(p.date_of_birth, today) < 16]
    assert sum(p.address_line not in adults_at for p in children) / len(children) < 0.001


def test_about_half_a_percent_of_people_live_in_care_homes_nearly_all_aged_65_plus(people):
    """Care-home residents are ~0.5 % of everyone (~3 % of over-65s) and none are young."""
    today = NOW.date()
    residents = [p for p in people if p.care_home_id is not None]
    assert 0.003 <= len(residents) / len(people) <= 0.008
    assert all(age_in_years(p.date_of_birth, today) >= 65 for p in residents)


def test_names_come_from_the_built_in_lists(people):
    """Every person has a given and a family name, and names repeat as common names do."""
    assert all(p.given_name and p.family_name for p in people)
    assert len({p.family_name for p in people}) < 400

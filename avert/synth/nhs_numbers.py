"""Synthetic NHS numbers: unique, valid Modulus 11, all from the 999 test range.

The range 999 000 0000 - 999 999 9999 is reserved for test data and never issued to a real person
(DOMAIN.md 4.1 gives the check-digit algorithm). One nine-digit stem in eleven has no valid check
digit, so the range holds exactly `TEST_RANGE_CAPACITY` numbers: that caps the size of an area.
Numbers are handed out in a seeded order that looks random (an affine walk over the six free
digits), so no list of the range is ever built.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from math import gcd

from avert.domain.identifiers import nhs_number_check_digit


TEST_RANGE_PREFIX = "999"
TEST_RANGE_CAPACITY = 909_091
"""How many valid NHS numbers start with 999 (computed by `count_test_range`; a test checks)."""

_FREE = 10**6


def count_test_range() -> int:
    """Count the valid NHS numbers in the 999 range by brute force (slow: for tests)."""
    return sum(
        nhs_number_check_digit(f"{TEST_RANGE_PREFIX}{stem:06d}") is not None
        for stem in range(_FREE)
    )


def nhs_numbers(rng: random.Random) -> Iterator[str]:
    """Every valid 999-range NHS number once, in an order fixed by the generator's state."""
    start = rng.randrange(_FREE)
    step = rng.randrange(_FREE // 3, 2 * _FREE // 3)
    while gcd(step, _FREE) != 1:
        step += 1
    for i in range(_FREE):
        stem = f"{TEST_RANGE_PREFIX}{(start + i * step) % _FREE:06d}"
        check = nhs_number_check_digit(stem)
        if check is not None:
            yield f"{stem}{check}"

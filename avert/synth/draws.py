"""Weighted draws: one at a time, or a whole batch dealt to exact proportions.

`dealt` gives the proportions exactly (to rounding) and shuffles the order, so that calibrated
mixes (sources, needs, the share seen within two hours) hold in every area and not just on
average, while which referral gets which value stays random.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import TypeVar


K = TypeVar("K")


def pick(rng: random.Random, weights: Mapping[K, float]) -> K:
    """One key of `weights`, drawn in proportion to its value."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def shares(total: int, weights: list[float]) -> list[int]:
    """Whole numbers in proportion to `weights` that sum to `total` (largest remainders)."""
    exact = [total * w / sum(weights) for w in weights]
    whole = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - whole[i], reverse=True)
    for i in order[: total - sum(whole)]:
        whole[i] += 1
    return whole


def dealt(rng: random.Random, weights: Mapping[K, float], count: int) -> list[K]:
    """`count` keys in the exact proportions of `weights`, in a random order."""
    keys = list(weights)
    batch = [
        key
        for key, n in zip(keys, shares(count, list(weights.values())), strict=True)
        for _ in range(n)
    ]
    rng.shuffle(batch)
    return batch

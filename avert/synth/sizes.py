"""Splitting a population into parts whose sizes stay within bounds.

Used for neighbourhoods (30,000-50,000 people, seeds/004) and GP practices (5,000-15,000).
"""

from __future__ import annotations

import math
import random


def part_count(total: int, lo: int, hi: int, target: int) -> int:
    """How many parts of about `target` people make `total`, each within [lo, hi] if possible.

    Where no count keeps every part within the bounds (a total below `lo`, say), the count
    nearest the target is used and the parts fall outside them.
    """
    if total <= 0:
        return 1
    best = max(1, round(total / target))
    feasible = [n for n in range(max(1, total // hi), total // lo + 2) if lo <= total / n <= hi]
    if not feasible:
        return best
    return min(feasible, key=lambda n: abs(n - best))


def split(rng: random.Random, total: int, parts: int, lo: int, hi: int, jitter: float) -> list[int]:
    """`parts` whole sizes summing to `total`, each varied by up to `jitter` of the mean.

    Sizes are varied in pairs (one up, one down by the same amount), so the total is kept and no
    size leaves [lo, hi] when the mean is inside it.
    """
    mean = total / parts
    room = max(0.0, min(mean - lo, hi - mean, jitter * mean) - 1.0)
    sizes = [mean] * parts
    for i in range(0, parts - 1, 2):
        delta = rng.uniform(-room, room)
        sizes[i] += delta
        sizes[i + 1] -= delta
    whole = [math.floor(size) for size in sizes]
    by_remainder = sorted(range(parts), key=lambda i: sizes[i] - whole[i], reverse=True)
    for i in by_remainder[: total - sum(whole)]:
        whole[i] += 1
    rng.shuffle(whole)
    return whole

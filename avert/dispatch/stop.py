"""Stopping criteria, in the shape of PyVRP's (`criterion(best_cost) -> bool`).

PyVRP calls `stop(best_cost)` once per iteration, so these objects can be handed to
`pyvrp.solve` as they are. The planner also asks `progress()` (0 at the start, 1 at the end)
to cool its acceptance threshold; with `MaxIterations` the run, and so the plan, is a pure
function of the seed; `MaxRuntime` depends on the machine's speed.
"""

from __future__ import annotations

import math
import time
from typing import Protocol


class StoppingCriterion(Protocol):
    def __call__(self, best_cost: float) -> bool: ...


class MaxIterations:
    """Stop after this many iterations."""

    def __init__(self, max_iterations: int) -> None:
        if max_iterations < 0:
            raise ValueError("max_iterations must not be negative")
        self._max = max_iterations
        self._done = 0

    def __call__(self, best_cost: float) -> bool:
        self._done += 1
        return self._done > self._max

    def progress(self) -> float:
        return min(1.0, self._done / self._max) if self._max else 1.0


class MaxRuntime:
    """Stop once this many seconds have passed since the first call."""

    def __init__(self, max_runtime: float) -> None:
        if max_runtime < 0:
            raise ValueError("max_runtime must not be negative")
        self._max = max_runtime
        self._start: float | None = None

    def __call__(self, best_cost: float) -> bool:
        if self._start is None:
            self._start = time.perf_counter()
        return time.perf_counter() - self._start > self._max

    def progress(self) -> float:
        if self._start is None:
            return 0.0
        return min(1.0, (time.perf_counter() - self._start) / self._max) if self._max else 1.0


class NoImprovement:
    """Stop after this many iterations in a row without a better best cost."""

    def __init__(self, max_iterations: int) -> None:
        self._max = max_iterations
        self._best = math.inf
        self._since = 0

    def __call__(self, best_cost: float) -> bool:
        if best_cost < self._best:
            self._best = best_cost
            self._since = 0
        else:
            self._since += 1
        return self._since >= self._max

    def progress(self) -> float:
        return min(1.0, self._since / self._max) if self._max else 1.0


class MultipleCriteria:
    """Stop as soon as any of the criteria says so; progress is the furthest along."""

    def __init__(self, criteria: list[StoppingCriterion]) -> None:
        if not criteria:
            raise ValueError("at least one criterion")
        self._criteria = criteria

    def __call__(self, best_cost: float) -> bool:
        return any([c(best_cost) for c in self._criteria])

    def progress(self) -> float:
        return max((progress_of(c) for c in self._criteria), default=0.0)


def progress_of(criterion: StoppingCriterion) -> float:
    """How far along a criterion is, if it can say (0 if it cannot)."""
    progress = getattr(criterion, "progress", None)
    return float(progress()) if progress is not None else 0.0

"""The simulator against queueing theory: an M/M/c service must match Erlang C.

Each row is an M/M/c queue built in the simulator: Poisson arrivals at a constant rate, visit
lengths exponential with the given mean, `servers` staff always on shift, no travel, one queue
served first come, first served (the `nearest_free` policy). Over independent replications
(after a warm-up), the 95 % confidence interval of the mean wait and of the share who wait at all
must contain Erlang C's values (avert/sim/erlang.py). As a check that the test can tell, the
Erlang C value for one server fewer or more must fall outside the interval.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from avert.sim.engine import simulate
from avert.sim.erlang import ErlangC
from avert.sim.model import (
    NEAREST_FREE,
    TWO_HOUR,
    Kind,
    Service,
    Site,
    StaffSpec,
    TeamSpec,
    TravelSpec,
)
from avert.sim.stats import estimate


class Row(NamedTuple):
    servers: int
    arrivals_per_hour: float
    mean_visit_minutes: float


ROWS = [
    #   servers  arrivals/hour  mean visit (min)   utilisation
    Row(1, 0.6, 60.0),  # 0.60
    Row(3, 2.4, 60.0),  # 0.80
    Row(5, 3.0, 60.0),  # 0.60
    Row(10, 8.5, 60.0),  # 0.85
]
DAYS, WARMUP_DAYS, REPLICATIONS = 40, 5, 30


def mmc(row: Row) -> Service:
    """An M/M/c queue as a simulated service."""
    return Service(
        name=f"M/M/{row.servers}",
        hourly_rate=(row.arrivals_per_hour,) * 168,
        kinds=(Kind(TWO_HOUR, 1.0, 10_000.0, row.mean_visit_minutes, (("", 1.0),)),),
        sites=(Site(0.0, 0.0, 0.0, 1.0, 0),),
        teams=(TeamSpec("T1", "Queue", always_open=True),),
        staff=tuple(
            StaffSpec(f"S{i}", 0, "server", frozenset(), 0.0, 0.0, None) for i in range(row.servers)
        ),
        travel=TravelSpec(instant=True),
        duration_cv=1.0,
    )


def replicate(row: Row):
    means, shares = [], []
    for r in range(REPLICATIONS):
        outcome = simulate(
            mmc(row), NEAREST_FREE, seed=7, replication=r, days=DAYS, warmup_days=WARMUP_DAYS
        )
        waits = outcome.waits[TWO_HOUR]
        assert outcome.waiting_at_end == 0
        means.append(sum(waits) / len(waits))
        shares.append(sum(1 for w in waits if w > 1e-9) / len(waits))
    return estimate(means), estimate(shares)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"M/M/{r.servers}-{r.arrivals_per_hour}")
def test_an_mmc_service_matches_erlang_c_within_the_95_percent_interval(row: Row):
    """Mean wait and the share who wait match Erlang C; a server more or fewer does not."""
    theory = ErlangC(row.arrivals_per_hour / 60, 1 / row.mean_visit_minutes, row.servers)
    mean_wait, share_waiting = replicate(row)
    assert mean_wait.low <= theory.mean_wait <= mean_wait.high, (mean_wait, theory.mean_wait)
    assert share_waiting.low <= theory.p_wait <= share_waiting.high, (share_waiting, theory.p_wait)
    for other in (row.servers - 1, row.servers + 1):
        rho = row.arrivals_per_hour / 60 * row.mean_visit_minutes / other if other else 1
        if other < 1 or rho >= 1:
            continue
        wrong = ErlangC(row.arrivals_per_hour / 60, 1 / row.mean_visit_minutes, other)
        assert not mean_wait.low <= wrong.mean_wait <= mean_wait.high


class Textbook(NamedTuple):
    arrival_rate: float
    service_rate: float
    servers: int
    p_wait: float
    mean_wait: float


TEXTBOOK = [
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda)
    Textbook(0.5, 1.0, 1, 0.5, 1.0),
    Textbook(0.9, 1.0, 1, 0.9, 9.0),
    # M/M/2, lambda 1, mu 1: C = 1/3, Wq = C / (2 - 1)
    Textbook(1.0, 1.0, 2, 1 / 3, 1 / 3),
    # M/M/5, a = 4: C = 0.5541 (Erlang C tables), Wq = C / (5 - 4)
    Textbook(4.0, 1.0, 5, 0.554113, 0.554113),
]


@pytest.mark.parametrize("case", TEXTBOOK, ids=lambda c: f"M/M/{c.servers}-a{c.arrival_rate}")
def test_the_erlang_c_formula_gives_the_textbook_values(case: Textbook):
    """Closed forms for M/M/1 and M/M/2, and the tabled value for M/M/5 at load 4."""
    queue = ErlangC(case.arrival_rate, case.service_rate, case.servers)
    assert queue.p_wait == pytest.approx(case.p_wait, abs=1e-6)
    assert queue.mean_wait == pytest.approx(case.mean_wait, abs=1e-6)
    assert queue.p_wait_longer(0) == pytest.approx(case.p_wait)

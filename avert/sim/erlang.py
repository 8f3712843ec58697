"""Erlang C: the M/M/c queue in closed form, to validate the simulator against.

Poisson arrivals at rate `arrival_rate`, exponential service at rate `service_rate` per server,
`servers` identical servers and one first-come-first-served queue. With the offered load
a = arrival_rate / service_rate and utilisation rho = a / servers < 1 (Erlang 1917; any queueing
text, e.g. Gross & Harris, *Fundamentals of Queueing Theory*):

- P(wait > 0) = C(c, a), computed through the Erlang B recursion, which stays stable for large c;
- mean wait in the queue Wq = C(c, a) / (c * service_rate - arrival_rate);
- P(wait > t) = C(c, a) * exp(-(c * service_rate - arrival_rate) * t).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from avert.domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class ErlangC:
    """The steady state of an M/M/c queue (rates per the same time unit)."""

    arrival_rate: float
    service_rate: float
    servers: int

    def __post_init__(self) -> None:
        if not (self.arrival_rate > 0 and self.service_rate > 0):
            raise ValidationError("rate", "arrival and service rates must be positive")
        if isinstance(self.servers, bool) or not isinstance(self.servers, int) or self.servers < 1:
            raise ValidationError("servers", "must be a whole number of at least one")
        if self.utilisation >= 1:
            raise ValidationError("utilisation", "must be below 1 for a steady state")

    @property
    def offered_load(self) -> float:
        return self.arrival_rate / self.service_rate

    @property
    def utilisation(self) -> float:
        return self.offered_load / self.servers

    @property
    def p_wait(self) -> float:
        """The probability that an arrival waits at all (Erlang's C formula)."""
        a, c = self.offered_load, self.servers
        blocked = 1.0  # Erlang B with 0 servers
        for k in range(1, c + 1):
            blocked = a * blocked / (k + a * blocked)
        return c * blocked / (c - a * (1 - blocked))

    @property
    def mean_wait(self) -> float:
        """The mean time in the queue before service starts."""
        return self.p_wait / (self.servers * self.service_rate - self.arrival_rate)

    def p_wait_longer(self, t: float) -> float:
        """P(wait > t) for t >= 0."""
        if t < 0:
            raise ValidationError("t", "must not be negative")
        return self.p_wait * math.exp(-(self.servers * self.service_rate - self.arrival_rate) * t)

"""When a member of staff would be double-booked by one more visit.

A visit holds its staff while it is active (allocated, en route or arrived). A visit with no
planned time means "go now": it holds its staff from the moment it is allocated until it is
finished, and nobody knows when that will be. A visit planned for a set time is assumed to hold
its staff for one slot (`VISIT_SLOT`) from that time, because the record has no duration.

So a member of staff is double-booked when they would hold two active visits and either has no
planned time, or their planned times are less than one slot apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


VISIT_SLOT = timedelta(hours=1)
ACTIVE_VISIT_STATUSES = ("allocated", "en_route", "arrived")


def clashes(held: datetime | None, wanted: datetime | None, slot: timedelta = VISIT_SLOT) -> bool:
    """Whether two active visits for one person (planned times, None for "now") double-book them."""
    if held is None or wanted is None:
        return True
    return abs(held - wanted) < slot


def double_booked(
    held: Iterable[datetime | None], wanted: datetime | None, slot: timedelta = VISIT_SLOT
) -> bool:
    """Whether one more visit at `wanted` clashes with any active visit the person holds."""
    return any(clashes(planned, wanted, slot) for planned in held)

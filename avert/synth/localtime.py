"""Europe/London wall-clock times, converted to and from aware UTC.

Rotas and arrival profiles are written in local time (08:00 is 08:00 in winter and in summer);
everything the generator hands out is in UTC. The zone rules come from the standard library's
zoneinfo (with the tzdata package where the system has no zone database).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


LONDON = ZoneInfo("Europe/London")


def local_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a London wall-clock time on a day."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def to_local(instant: datetime) -> datetime:
    """An aware instant as London wall-clock time."""
    return instant.astimezone(LONDON)

"""Team service hours: when a UCR team is open, in local wall-clock time.

Clinical sources:
- Minimum operating hours are "8am to 8pm, seven days a week (at a minimum)"; some services run
  24/7 (DOMAIN.md 1.3 [V]). Hence `ServiceHours.default()` (08:00-20:00 every day) and
  `ServiceHours.always_open()`.
- How a clock treats time when the team is closed is [UNVERIFIED] (DOMAIN.md 1.7, 9.1). This module
  only answers "open or not, and how much open time"; the policy is chosen in `avert.domain.clocks`.
- Bank holidays and other dated exceptions are local configuration: no list of dates is built in.

Time model. Sessions are wall-clock times on a local date (Europe/London by default). An instant
is open when its local wall-clock reading falls inside a session of its own local date. Sessions
are never shifted by daylight saving: on the day the clocks change the local day is 23 or 25 real
hours long, a session that spans the change (for example 00:00-24:00) is an hour shorter or longer,
a session in the skipped hour has no real time at all, and a session in the repeated hour is open
for both passes. Every instant going in must be timezone-aware; every instant coming out is UTC.
The local-day model assumes that clocks do not go back across midnight, which holds for
Europe/London (changes are at 01:00 UTC).

Configuration shape (`from_config` / `to_config`; JSON or TOML):

    timezone = "Europe/London"            # optional; IANA name
    bank_holidays = ["2026-12-25", ...]   # optional; ISO dates
    bank_holiday_sessions = ["10:00-16:00"]  # optional; absent = as the weekday, [] = closed
    [weekly]                              # optional; absent = 08:00-20:00 every day
    monday = ["08:00-20:00"]              # all seven days, [] = closed, "24:00" = midnight
    ...
    [exceptions]                          # optional; a specified date wins over everything
    "2026-12-24" = ["08:00-14:00"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from avert.domain.errors import ValidationError


LONDON = "Europe/London"
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_PROBE_STEP = timedelta(hours=6)  # no zone changes its UTC offset twice within six hours
_CONFIG_KEYS = frozenset(
    {"timezone", "weekly", "bank_holidays", "bank_holiday_sessions", "exceptions"}
)
_CLOCK_TEXT = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?$")

Interval = tuple[datetime, datetime]


def ensure_utc(value: datetime, field: str) -> datetime:
    """Return an aware datetime as UTC; refuse naive datetimes, whose instant is unknown."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            field, "must be a timezone-aware datetime; attach a time zone (for example UTC)"
        )
    return value.astimezone(UTC)


def zone(timezone: str) -> ZoneInfo:
    """The IANA time zone named `timezone`, or a ValidationError."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError("timezone", "is not a known IANA time zone name") from None


@dataclass(frozen=True)
class Session:
    """One opening window in local wall-clock time; `end` of time(0) means 24:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValidationError(f"session.{name}", "must be a wall-clock time with no zone")
            if value.microsecond:
                raise ValidationError(f"session.{name}", "must be in whole seconds")
        if self.start_offset >= self.end_offset:
            raise ValidationError("session", "must end after it starts (00:00 as end = midnight)")

    @property
    def start_offset(self) -> timedelta:
        """Time from local midnight to the opening."""
        return _since_midnight(self.start)

    @property
    def end_offset(self) -> timedelta:
        """Time from local midnight to the closing (24 h for an end of midnight)."""
        return _DAY if self.end == _MIDNIGHT else _since_midnight(self.end)

    def contains(self, wall: time) -> bool:
        """Whether the wall-clock time `wall` is inside this session (start in, end out)."""
        return self.start_offset <= _since_midnight(wall) < self.end_offset

    @classmethod
    def parse(cls, text: str, field: str = "session") -> Session:
        """Read "HH:MM-HH:MM" (seconds optional; "24:00" allowed as the end)."""
        parts = text.split("-") if isinstance(text, str) else []
        if len(parts) != 2:
            raise ValidationError(field, 'must look like "08:00-20:00"')
        start = _parse_clock(parts[0].strip(), field, allow_24=False)
        end = _parse_clock(parts[1].strip(), field, allow_24=True)
        return cls(start, end)

    def __str__(self) -> str:
        end = "24:00" if self.end == _MIDNIGHT else _format_clock(self.end)
        return f"{_format_clock(self.start)}-{end}"


@dataclass(frozen=True)
class ServiceHours:
    """When a team is open: a weekly pattern, bank holidays and dated exceptions.

    Precedence for a local date: an exception for that date, then bank-holiday sessions (when
    the date is a bank holiday and `bank_holiday_sessions` is not None), then the weekday.
    """

    weekly: tuple[tuple[Session, ...], ...]
    bank_holiday_sessions: tuple[Session, ...] | None = None
    bank_holidays: frozenset[date] = frozenset()
    exceptions: tuple[tuple[date, tuple[Session, ...]], ...] = ()
    timezone: str = LONDON

    def __post_init__(self) -> None:
        zone(self.timezone)
        weekly = tuple(self.weekly)
        if len(weekly) != 7:
            raise ValidationError("weekly", "must give sessions for all seven days, Monday first")
        weekly = tuple(_normalise(day, f"weekly.{DAY_NAMES[i]}") for i, day in enumerate(weekly))
        if not any(weekly):
            raise ValidationError("weekly", "the service must open on at least one weekday")
        holiday_sessions = self.bank_holiday_sessions
        if holiday_sessions is not None:
            holiday_sessions = _normalise(holiday_sessions, "bank_holiday_sessions")
        holidays = frozenset(_check_date(d, "bank_holidays") for d in self.bank_holidays)
        exceptions = tuple(
            sorted(
                (_check_date(d, "exceptions"), _normalise(s, "exceptions"))
                for d, s in self.exceptions
            )
        )
        if len({d for d, _ in exceptions}) != len(exceptions):
            raise ValidationError("exceptions", "each date may appear only once")
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "bank_holiday_sessions", holiday_sessions)
        object.__setattr__(self, "bank_holidays", holidays)
        object.__setattr__(self, "exceptions", exceptions)

    @classmethod
    def default(cls, bank_holidays: frozenset[date] = frozenset()) -> ServiceHours:
        """The NHSE minimum: 08:00-20:00 seven days a week (DOMAIN.md 1.3), bank holidays too."""
        return cls(weekly=((Session(time(8), time(20)),),) * 7, bank_holidays=bank_holidays)

    @classmethod
    def always_open(cls) -> ServiceHours:
        """A 24/7 service."""
        return cls(weekly=((Session(_MIDNIGHT, _MIDNIGHT),),) * 7)

    @classmethod
    def from_config(cls, data: Mapping) -> ServiceHours:
        """Build from the plain-dict shape in the module docstring."""
        if not isinstance(data, Mapping):
            raise ValidationError("service_hours", "must be a mapping of settings")
        for key in data:
            if key not in _CONFIG_KEYS:
                raise ValidationError(str(key), "is not a service-hours setting")
        if data.get("weekly") is None:
            weekly = cls.default().weekly
        else:
            weekly = _weekly_from_config(data["weekly"])
        holiday_sessions = data.get("bank_holiday_sessions")
        if holiday_sessions is not None:
            holiday_sessions = _sessions_from_config(holiday_sessions, "bank_holiday_sessions")
        exceptions = data.get("exceptions") or {}
        if not isinstance(exceptions, Mapping):
            raise ValidationError("exceptions", "must map ISO dates to lists of sessions")
        return cls(
            weekly=weekly,
            bank_holiday_sessions=holiday_sessions,
            bank_holidays=frozenset(
                _date_from_config(d, "bank_holidays") for d in _list(data, "bank_holidays")
            ),
            exceptions=tuple(
                (_date_from_config(d, "exceptions"), _sessions_from_config(s, f"exceptions.{d}"))
                for d, s in exceptions.items()
            ),
            timezone=data.get("timezone", LONDON),
        )

    def to_config(self) -> dict:
        """The plain-dict shape `from_config` reads (no None values, so it also fits TOML)."""
        config: dict = {
            "timezone": self.timezone,
            "weekly": {
                name: [str(s) for s in sessions]
                for name, sessions in zip(DAY_NAMES, self.weekly, strict=True)
            },
            "bank_holidays": sorted(d.isoformat() for d in self.bank_holidays),
            "exceptions": {d.isoformat(): [str(s) for s in ss] for d, ss in self.exceptions},
        }
        if self.bank_holiday_sessions is not None:
            config["bank_holiday_sessions"] = [str(s) for s in self.bank_holiday_sessions]
        return config

    def sessions_on(self, day: date) -> tuple[Session, ...]:
        """The sessions that apply on local date `day`, after exceptions and bank holidays."""
        for exception_day, sessions in self.exceptions:
            if exception_day == day:
                return sessions
        if self.bank_holiday_sessions is not None and day in self.bank_holidays:
            return self.bank_holiday_sessions
        return self.weekly[day.weekday()]

    def is_open(self, at: datetime) -> bool:
        """Whether the team is open at instant `at` (timezone-aware)."""
        local = ensure_utc(at, "at").astimezone(zone(self.timezone))
        wall = local.time()
        return any(s.contains(wall) for s in self.sessions_on(local.date()))

    def next_opening(self, at: datetime) -> datetime:
        """The first open instant at or after `at`, in UTC (`at` itself when open)."""
        at = ensure_utc(at, "at")
        first_start, _ = next(self._open_intervals(at))
        return max(first_start, at)

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much open time lies between two instants."""
        start, end = ensure_utc(start, "start"), ensure_utc(end, "end")
        if end < start:
            raise ValidationError("end", "must not be before start")
        total = timedelta(0)
        for opens, closes in self._open_intervals(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime:
        """The UTC instant at which `duration` of open time has passed since `start`."""
        start = ensure_utc(start, "start")
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise ValidationError("duration", "must be a duration of zero or more")
        if duration == timedelta(0):
            return start
        remaining = duration
        for opens, closes in self._open_intervals(start):
            opens = max(opens, start)
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable: the service opens every week")  # pragma: no cover

    def _open_intervals(self, after: datetime) -> Iterator[Interval]:
        """Open intervals (UTC, start in, end out) that end after `after`, in time order.

        Intervals of different local dates are disjoint (an instant has one local date), so
        they are streamed day by day without merging: a 24/7 service never ends its interval.
        """
        day = after.astimezone(zone(self.timezone)).date() - _DAY
        while True:
            for opens, closes in _day_intervals(self, day):
                if closes > after:
                    yield opens, closes
            day += _DAY


def local_day_start(day: date, timezone: str = LONDON) -> datetime:
    """The first instant (UTC) whose local date is `day` or later: local midnight, made exact."""
    pieces = _wall_preimage(timezone, day, timedelta(0), _DAY)
    return pieces[0][0] if pieces else local_day_start(day + _DAY, timezone)


@lru_cache(maxsize=8192)
def _day_intervals(hours: ServiceHours, day: date) -> tuple[Interval, ...]:
    """The open intervals (UTC) of local date `day`, sorted and merged."""
    pieces: list[Interval] = []
    for session in hours.sessions_on(day):
        pieces.extend(_wall_preimage(hours.timezone, day, session.start_offset, session.end_offset))
    merged: list[Interval] = []
    for opens, closes in sorted(pieces):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return tuple(merged)


def _wall_preimage(timezone: str, day: date, lo: timedelta, hi: timedelta) -> list[Interval]:
    """Every UTC instant whose local wall-clock reading is in [day + lo, day + hi), as intervals.

    Within a stretch of constant UTC offset `o`, wall time w is the instant w - o; so the answer
    is the union, over those stretches, of [day+lo-o, day+hi-o) cut to the stretch. This handles
    the skipped spring hour (no instants) and the repeated autumn hour (two passes) exactly.
    """
    midnight = datetime.combine(day, _MIDNIGHT, tzinfo=UTC)
    out: list[Interval] = []
    for piece_start, piece_end, offset in _offset_stretches(timezone, day):
        opens = max(midnight + lo - offset, piece_start)
        closes = min(midnight + hi - offset, piece_end)
        if opens < closes:
            out.append((opens, closes))
    return out


@lru_cache(maxsize=4096)
def _offset_stretches(timezone: str, day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """Split the UTC window [day - 1 day, day + 2 days) into stretches of constant UTC offset."""
    tz = zone(timezone)
    window_start = datetime.combine(day - _DAY, _MIDNIGHT, tzinfo=UTC)
    window_end = window_start + 3 * _DAY
    stretches = []
    stretch_start, stretch_offset = window_start, _offset(tz, window_start)
    probe = window_start
    while probe < window_end:
        following = min(probe + _PROBE_STEP, window_end)
        if _offset(tz, following) != stretch_offset:
            change = _first_change(tz, probe, following, stretch_offset)
            stretches.append((stretch_start, change, stretch_offset))
            stretch_start, stretch_offset = change, _offset(tz, change)
        probe = following
    stretches.append((stretch_start, window_end, stretch_offset))
    return tuple(stretches)


def _first_change(tz: ZoneInfo, lo: datetime, hi: datetime, lo_offset: timedelta) -> datetime:
    """The first whole second in (lo, hi] whose UTC offset differs from `lo_offset` (bisection)."""
    while hi - lo > timedelta(seconds=1):
        middle = lo + timedelta(seconds=int((hi - lo).total_seconds()) // 2)
        if _offset(tz, middle) == lo_offset:
            lo = middle
        else:
            hi = middle
    return hi


def _offset(tz: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None
    return offset


def _since_midnight(value: time) -> timedelta:
    return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)


def _normalise(sessions: Iterable[Session], field: str) -> tuple[Session, ...]:
    """Sessions sorted by opening time; refuse anything that is not a Session, and overlaps."""
    if isinstance(sessions, Session | str) or not isinstance(sessions, Iterable):
        raise ValidationError(field, "must be a list of sessions")
    items = tuple(sessions)
    if not all(isinstance(item, Session) for item in items):
        raise ValidationError(field, "must be a list of sessions")
    ordered = tuple(sorted(items, key=lambda session: session.start_offset))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.end_offset > later.start_offset:
            raise ValidationError(field, "sessions on the same day must not overlap")
    return ordered


def _check_date(value: object, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(field, "must hold calendar dates")
    return value


def _list(data: Mapping, key: str) -> list:
    value = data.get(key) or []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValidationError(key, "must be a list")
    return list(value)


def _weekly_from_config(weekly: object) -> tuple[tuple[Session, ...], ...]:
    if not isinstance(weekly, Mapping):
        raise ValidationError("weekly", "must map day names to lists of sessions")
    for key in weekly:
        if key not in DAY_NAMES:
            raise ValidationError("weekly", "day names are monday to sunday, in lower case")
    missing = [name for name in DAY_NAMES if name not in weekly]
    if missing:
        raise ValidationError(f"weekly.{missing[0]}", "is missing; use [] for a closed day")
    return tuple(_sessions_from_config(weekly[name], f"weekly.{name}") for name in DAY_NAMES)


def _sessions_from_config(items: object, field: str) -> tuple[Session, ...]:
    if isinstance(items, str) or not isinstance(items, list | tuple):
        raise ValidationError(field, 'must be a list such as ["08:00-20:00"]')
    return tuple(Session.parse(item, field) for item in items)


def _date_from_config(value: object, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # TOML reads bare dates as dates
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(field, "dates must be ISO dates such as 2026-12-25") from None


def _parse_clock(text: str, field: str, *, allow_24: bool) -> time:
    match = _CLOCK_TEXT.match(text)
    if match is None:
        raise ValidationError(field, "times must look like 08:00 or 08:00:00")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if allow_24 and (hour, minute, second) == (24, 0, 0):
        return _MIDNIGHT
    if hour > 23 or minute > 59 or second > 59:
        raise ValidationError(field, "is not a time of day")
    return time(hour, minute, second)


def _format_clock(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")

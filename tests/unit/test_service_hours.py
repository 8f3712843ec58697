"""Unit tests for team service hours (avert.domain.service_hours)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.domain.errors import ValidationError
from avert.domain.service_hours import ServiceHours, Session


LONDON = ZoneInfo("Europe/London")
DEFAULT = ServiceHours.default()
WEEKDAYS_ONLY = ServiceHours(weekly=((Session(time(9), time(17)),),) * 5 + ((), ()))
LUNCH_CLOSED = ServiceHours(
    weekly=((Session(time(13, 30), time(18)), Session(time(8), time(12, 30))),) * 7
)


def london(*args: int) -> datetime:
    """An unambiguous Europe/London wall-clock time (tests here avoid the change hours)."""
    return datetime(*args, tzinfo=LONDON)


# Sessions.


def test_session_ending_at_midnight_runs_to_24_00() -> None:
    """A session ending at time(0) ends at midnight at the end of the day."""
    session = Session(time(20), time(0))
    assert session.end_offset == timedelta(hours=24)
    assert session.contains(time(23, 59, 59))
    assert not session.contains(time(0))
    assert str(session) == "20:00-24:00"


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(20), time(8)), (time(8), time(8)), (time(8, tzinfo=UTC), time(9))],
    ids=["ends before it starts", "has no length", "has a time zone"],
)
def test_session_is_refused_when_it(start: time, end: time) -> None:
    """A session must be zone-free wall-clock time and end after it starts."""
    with pytest.raises(ValidationError):
        Session(start, end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00-20:00", Session(time(8), time(20))),
        ("00:00-24:00", Session(time(0), time(0))),
        ("07:30:15-09:00", Session(time(7, 30, 15), time(9))),
    ],
)
def test_session_reads_and_writes_its_text_form(text: str, expected: Session) -> None:
    """Sessions read from "HH:MM-HH:MM" text and write back the same text."""
    assert Session.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize("text", ["8-20", "24:00-08:00", "08:00-25:00", "08:00", "08:60-09:00"])
def test_session_text_that_is_not_a_session_is_refused(text: str) -> None:
    """Malformed session text raises a ValidationError."""
    with pytest.raises(ValidationError):
        Session.parse(text)


# Building service hours.


def test_default_hours_are_08_to_20_every_day() -> None:
    """The default is the NHSE minimum: 08:00-20:00 seven days a week."""
    assert DEFAULT.weekly == ((Session(time(8), time(20)),),) * 7
    assert DEFAULT.timezone == "Europe/London"


def test_always_open_hours_are_open_at_every_hour_of_a_week() -> None:
    """A 24/7 service is open at every hour."""
    hours = ServiceHours.always_open()
    start = datetime(2026, 1, 5, tzinfo=UTC)
    assert all(hours.is_open(start + timedelta(hours=h)) for h in range(24 * 7))


@pytest.mark.parametrize(
    "build",
    [
        lambda: ServiceHours(weekly=((),) * 6),
        lambda: ServiceHours(weekly=((),) * 7),
        lambda: ServiceHours(
            weekly=((Session(time(8), time(12)), Session(time(11), time(13))),) * 7
        ),
        lambda: ServiceHours(weekly=DEFAULT.weekly, timezone="Europe/Atlantis"),
        lambda: ServiceHours(weekly=DEFAULT.weekly, bank_holidays=frozenset({"2026-12-25"})),
        lambda: ServiceHours(
            weekly=DEFAULT.weekly, exceptions=((date(2026, 1, 1), ()), (date(2026, 1, 1), ()))
        ),
        lambda: ServiceHours(weekly=(("08:00-20:00",),) * 7),
    ],
    ids=[
        "six days",
        "never open",
        "overlapping sessions",
        "unknown time zone",
        "a bank holiday that is not a date",
        "the same exception date twice",
        "sessions given as text",
    ],
)
def test_service_hours_are_refused_for(build: Callable[[], ServiceHours]) -> None:
    """Service hours that cannot be interpreted raise a ValidationError."""
    with pytest.raises(ValidationError):
        build()


def test_sessions_are_kept_in_opening_order() -> None:
    """Sessions given out of order are stored in opening order."""
    assert LUNCH_CLOSED.weekly[0] == (
        Session(time(8), time(12, 30)),
        Session(time(13, 30), time(18)),
    )


# Which sessions apply on a date.


def test_an_exception_beats_a_bank_holiday_which_beats_the_weekday() -> None:
    """Precedence for a date: dated exception, then bank-holiday sessions, then the weekday."""
    christmas, boxing_day = date(2026, 12, 25), date(2026, 12, 28)
    hours = ServiceHours(
        weekly=DEFAULT.weekly,
        bank_holiday_sessions=(Session(time(10), time(16)),),
        bank_holidays=frozenset({christmas, boxing_day}),
        exceptions=((christmas, ()),),
    )
    assert hours.sessions_on(christmas) == ()
    assert hours.sessions_on(boxing_day) == (Session(time(10), time(16)),)
    assert hours.sessions_on(date(2026, 12, 29)) == (Session(time(8), time(20)),)


def test_bank_holidays_follow_the_weekday_when_no_bank_holiday_sessions_are_set() -> None:
    """With bank_holiday_sessions None, a bank holiday keeps its weekday's sessions."""
    hours = ServiceHours.default(bank_holidays=frozenset({date(2026, 5, 4)}))
    assert hours.is_open(london(2026, 5, 4, 9))


# Open or not.


@pytest.mark.parametrize(
    ("hours", "instant", "expected"),
    [
        (DEFAULT, london(2026, 1, 7, 7, 59, 59), False),
        (DEFAULT, london(2026, 1, 7, 8), True),
        (DEFAULT, london(2026, 1, 7, 19, 59, 59), True),
        (DEFAULT, london(2026, 1, 7, 20), False),
        (DEFAULT, london(2026, 7, 7, 8), True),
        (DEFAULT, datetime(2026, 7, 7, 7, 30, tzinfo=UTC), True),
        (LUNCH_CLOSED, london(2026, 1, 7, 13), False),
        (WEEKDAYS_ONLY, london(2026, 1, 10, 12), False),
        (WEEKDAYS_ONLY, london(2026, 1, 12, 12), True),
    ],
    ids=[
        "one second before 08:00 is closed",
        "08:00 is open",
        "one second before 20:00 is open",
        "20:00 is closed",
        "08:00 in summer time is open",
        "07:30 UTC in summer is 08:30 London, open",
        "a lunch closure is closed",
        "Saturday is closed on a weekday service",
        "Monday is open on a weekday service",
    ],
)
def test_is_open_reads_the_london_wall_clock(
    hours: ServiceHours, instant: datetime, expected: bool
) -> None:
    """is_open compares the instant's Europe/London wall-clock time with the sessions."""
    assert hours.is_open(instant) is expected


@pytest.mark.parametrize(
    ("hours", "instant", "expected"),
    [
        (DEFAULT, london(2026, 1, 7, 10), london(2026, 1, 7, 10)),
        (DEFAULT, london(2026, 1, 7, 20), london(2026, 1, 8, 8)),
        (DEFAULT, london(2026, 1, 7, 3), london(2026, 1, 7, 8)),
        (LUNCH_CLOSED, london(2026, 1, 7, 12, 45), london(2026, 1, 7, 13, 30)),
        (WEEKDAYS_ONLY, london(2026, 1, 9, 17), london(2026, 1, 12, 9)),
    ],
    ids=["open now", "after closing", "before opening", "over lunch", "over the weekend"],
)
def test_next_opening_is_the_first_open_instant(
    hours: ServiceHours, instant: datetime, expected: datetime
) -> None:
    """next_opening returns the instant itself when open, else the next opening, in UTC."""
    opening = hours.next_opening(instant)
    assert opening == expected
    assert opening.tzinfo is UTC


# Counting open time.


@pytest.mark.parametrize(
    ("hours", "start", "end", "expected"),
    [
        (DEFAULT, london(2026, 1, 7, 10), london(2026, 1, 7, 11), timedelta(hours=1)),
        (DEFAULT, london(2026, 1, 7, 19), london(2026, 1, 8, 9), timedelta(hours=2)),
        (DEFAULT, london(2026, 1, 5, 0), london(2026, 1, 12, 0), timedelta(hours=84)),
        (LUNCH_CLOSED, london(2026, 1, 7, 12), london(2026, 1, 7, 14), timedelta(hours=1)),
        (WEEKDAYS_ONLY, london(2026, 1, 9, 16), london(2026, 1, 12, 10), timedelta(hours=2)),
        (DEFAULT, london(2026, 1, 7, 21), london(2026, 1, 7, 22), timedelta(0)),
    ],
    ids=[
        "inside a session",
        "across a night",
        "a whole week",
        "across lunch",
        "a weekend",
        "all closed",
    ],
)
def test_open_time_between_counts_only_open_time(
    hours: ServiceHours, start: datetime, end: datetime, expected: timedelta
) -> None:
    """open_time_between adds up open time between two instants; add_open_time inverts it."""
    assert hours.open_time_between(start, end) == expected
    if expected:
        assert hours.open_time_between(start, hours.add_open_time(start, expected)) == expected


def test_add_open_time_lands_at_closing_when_the_time_runs_out_exactly() -> None:
    """Two hours of open time from 18:00 run out at 20:00, not at the next opening."""
    assert DEFAULT.add_open_time(london(2026, 1, 7, 18), timedelta(hours=2)) == london(
        2026, 1, 7, 20
    )


def test_add_open_time_of_nothing_is_the_start() -> None:
    """Adding no open time returns the start itself, even when closed."""
    assert DEFAULT.add_open_time(london(2026, 1, 7, 22), timedelta(0)) == london(2026, 1, 7, 22)


def test_open_time_cannot_run_backwards_or_be_negative() -> None:
    """An end before the start, or a negative duration, is refused."""
    with pytest.raises(ValidationError):
        DEFAULT.open_time_between(london(2026, 1, 7, 11), london(2026, 1, 7, 10))
    with pytest.raises(ValidationError):
        DEFAULT.add_open_time(london(2026, 1, 7, 11), timedelta(minutes=-1))


@pytest.mark.parametrize("method", ["is_open", "next_opening"])
def test_naive_datetimes_are_refused(method: str) -> None:
    """A datetime without a time zone names no instant, so it raises ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        getattr(DEFAULT, method)(datetime(2026, 1, 7, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        DEFAULT.open_time_between(london(2026, 1, 7, 10), datetime(2026, 1, 7, 11))


# Configuration.

TOML_EXAMPLE = """
timezone = "Europe/London"
bank_holidays = [2026-12-25, "2026-12-28"]
bank_holiday_sessions = ["10:00-16:00"]

[weekly]
monday = ["08:00-12:30", "13:30-20:00"]
tuesday = ["08:00-20:00"]
wednesday = ["08:00-20:00"]
thursday = ["08:00-20:00"]
friday = ["08:00-20:00"]
saturday = ["09:00-17:00"]
sunday = []

[exceptions]
"2026-12-24" = ["08:00-14:00"]
"2026-12-31" = []
"""


def test_service_hours_read_from_toml() -> None:
    """The documented TOML shape reads into service hours."""
    hours = ServiceHours.from_config(tomllib.loads(TOML_EXAMPLE))
    assert hours.weekly[0] == (Session(time(8), time(12, 30)), Session(time(13, 30), time(20)))
    assert hours.weekly[6] == ()
    assert hours.bank_holidays == frozenset({date(2026, 12, 25), date(2026, 12, 28)})
    assert hours.sessions_on(date(2026, 12, 28)) == (Session(time(10), time(16)),)
    assert hours.sessions_on(date(2026, 12, 24)) == (Session(time(8), time(14)),)
    assert hours.sessions_on(date(2026, 12, 31)) == ()


@pytest.mark.parametrize(
    "hours",
    [
        DEFAULT,
        ServiceHours.always_open(),
        WEEKDAYS_ONLY,
        ServiceHours.from_config(tomllib.loads(TOML_EXAMPLE)),
    ],
    ids=["default", "24/7", "weekdays only", "the TOML example"],
)
def test_service_hours_round_trip_through_json_configuration(hours: ServiceHours) -> None:
    """to_config gives plain JSON-ready data that from_config reads back unchanged."""
    assert ServiceHours.from_config(json.loads(json.dumps(hours.to_config()))) == hours


def test_configuration_without_weekly_hours_uses_the_default() -> None:
    """An empty configuration means the NHSE minimum, 08:00-20:00 every day."""
    assert ServiceHours.from_config({}) == DEFAULT


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"open": "always"}, "open"),
        ({"weekly": {"monday": ["08:00-20:00"]}}, "weekly.tuesday"),
        ({"weekly": {**DEFAULT.to_config()["weekly"], "funday": []}}, "weekly"),
        ({"weekly": {**DEFAULT.to_config()["weekly"], "monday": "08:00-20:00"}}, "weekly.monday"),
        ({"bank_holidays": ["25/12/2026"]}, "bank_holidays"),
        ({"exceptions": {"2026-12-24": ["8am-2pm"]}}, "exceptions.2026-12-24"),
        ({"timezone": "London"}, "timezone"),
    ],
    ids=[
        "an unknown setting",
        "a missing day",
        "an unknown day",
        "a day given as text, not a list",
        "a date that is not ISO",
        "a session that is not HH:MM-HH:MM",
        "a zone that is not an IANA name",
    ],
)
def test_bad_configuration_is_refused_naming_the_setting(config: dict, field: str) -> None:
    """Configuration errors name the setting so the person configuring can fix it."""
    with pytest.raises(ValidationError) as refused:
        ServiceHours.from_config(config)
    assert refused.value.field == field


# Properties: is_open agrees with the open intervals that the counting uses.

minutes_of_day = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def day_sessions(draw: st.DrawFn) -> tuple[Session, ...]:
    """Zero to two sessions in one day, on whole minutes, including ones in the change hours."""
    points = sorted(draw(st.sets(minutes_of_day, max_size=4)))
    pairs = list(zip(points[::2], points[1::2], strict=False))
    return tuple(
        Session(time(a // 60, a % 60), time(0) if b == 1440 else time(b // 60, b % 60))
        for a, b in pairs
    )


@st.composite
def service_hours(draw: st.DrawFn) -> ServiceHours:
    """Random weekly hours that open for at least an hour a week."""
    weekly = draw(st.lists(day_sessions(), min_size=7, max_size=7))
    total = sum((s.end_offset - s.start_offset for day in weekly for s in day), timedelta(0))
    if total < timedelta(hours=1):
        weekly[6] = (Session(time(0), time(0)),)
    return ServiceHours(weekly=tuple(weekly))


instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2036, 12, 31),
    timezones=st.sampled_from([UTC, LONDON]),
)
change_day_instants = st.builds(
    lambda day, seconds: datetime.combine(day, time(0), tzinfo=UTC) + timedelta(seconds=seconds),
    st.sampled_from([date(2026, 3, 29), date(2026, 10, 25), date(2031, 3, 30), date(2031, 10, 26)]),
    st.integers(min_value=-3 * 3600, max_value=6 * 3600),
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(hours=service_hours(), instant=st.one_of(instants, change_day_instants))
def test_is_open_agrees_with_the_counted_open_time(hours: ServiceHours, instant: datetime) -> None:
    """An instant is open exactly when the next microsecond counts as open time."""
    tick = timedelta(microseconds=1)
    assert hours.is_open(instant) == (hours.open_time_between(instant, instant + tick) == tick)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(hours=service_hours(), instant=st.one_of(instants, change_day_instants))
def test_next_opening_is_open_and_no_open_time_comes_before_it(
    hours: ServiceHours, instant: datetime
) -> None:
    """The next opening is open, and there is no open time between now and it."""
    opening = hours.next_opening(instant)
    assert opening >= instant
    assert hours.is_open(opening)
    assert hours.open_time_between(instant, opening) == timedelta(0)

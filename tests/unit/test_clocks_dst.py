"""Clocks across daylight saving: no deadline may be off by an hour.

The expected values here do not come from zoneinfo. They come from the UK rule written out
below (British Summer Time runs from 01:00 UTC on the last Sunday in March to 01:00 UTC on the
last Sunday in October) and instants are built in UTC, so the skipped spring hour and the
repeated autumn hour are covered exactly. Years 2026-2035, both changes each year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.domain.clocks import (
    ClockRules,
    ClockState,
    DeadlineRule,
    OutOfHoursPolicy,
    evaluate_clock,
    to_local,
)
from avert.domain.service_hours import ServiceHours, Session
from avert.domain.vocab import ResponseStandard


HOUR, MINUTE, ZERO = timedelta(hours=1), timedelta(minutes=1), timedelta(0)
YEARS = range(2026, 2036)
ALWAYS_OPEN = ServiceHours.always_open()
DEFAULT = ServiceHours.default()
TWO_HOUR = ClockRules.two_hour()
START_AT_NEXT_OPENING = ClockRules.two_hour(out_of_hours=OutOfHoursPolicy.START_AT_NEXT_OPENING)
SUBTRACT_CLOSED_TIME = ClockRules.two_hour(out_of_hours=OutOfHoursPolicy.SUBTRACT_CLOSED_TIME)


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a 31-day month."""
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def uk_offset(instant: datetime) -> timedelta:
    """The UK's offset from UTC at an instant, by the statutory rule (not by zoneinfo)."""
    summer_starts = datetime.combine(last_sunday(instant.year, 3), time(1), tzinfo=UTC)
    summer_ends = datetime.combine(last_sunday(instant.year, 10), time(1), tzinfo=UTC)
    return HOUR if summer_starts <= instant < summer_ends else ZERO


def utc_of_local(day: date, wall: time) -> datetime:
    """The UTC instant of an unambiguous UK wall-clock time (12:00 UTC decides the offset)."""
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    return datetime.combine(day, wall, tzinfo=UTC) - uk_offset(noon)


def shows(instant: datetime) -> datetime:
    """The naive UK wall-clock reading of an instant, by the statutory rule."""
    return (instant + uk_offset(instant)).replace(tzinfo=None)


CHANGE_DAYS = [
    pytest.param(last_sunday(year, month), id=f"{year}-{season}")
    for year in YEARS
    for month, season in ((3, "spring"), (10, "autumn"))
]


def referrals_between_midnight_and_three(day: date) -> list[datetime]:
    """Every 5 minutes of real time from 00:00 to 03:00 local, built in UTC."""
    offset_before = uk_offset(datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=3))
    offset_after = uk_offset(datetime.combine(day, time(12), tzinfo=UTC))
    midnight = datetime.combine(day, time(0), tzinfo=UTC) - offset_before
    three = datetime.combine(day, time(3), tzinfo=UTC) - offset_after
    count = (three - midnight) // (5 * MINUTE)
    return [midnight + k * 5 * MINUTE for k in range(count + 1)]


@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_the_sweep_covers_the_skipped_and_repeated_hours(day: date) -> None:
    """The sweep has 2 real hours in spring (01:xx skipped) and 4 in autumn (01:xx twice)."""
    referrals = referrals_between_midnight_and_three(day)
    walls = [shows(r).time() for r in referrals]
    one_oclock = [w for w in walls if w.hour == 1]
    if day.month == 3:
        assert (len(referrals), len(one_oclock)) == (25, 0)
    else:
        assert (len(referrals), len(one_oclock)) == (49, 24)


@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_two_hour_deadline_on_a_24_7_team_is_two_real_hours(day: date) -> None:
    """Under 24/7 hours and no policy, the deadline is exactly 2 h after the referral."""
    for referral in referrals_between_midnight_and_three(day):
        status = evaluate_clock(TWO_HOUR, ALWAYS_OPEN, start_event_at=referral, now=referral)
        assert status.deadline - referral == 2 * HOUR, referral
        assert status.remaining == 2 * HOUR, referral
        shown = to_local(status.deadline)
        assert shown.utcoffset() == uk_offset(status.deadline), referral
        assert shown.replace(tzinfo=None) == shows(status.deadline), referral
        assert to_local(referral).replace(tzinfo=None) == shows(referral), referral


@pytest.mark.parametrize("rules", [START_AT_NEXT_OPENING, SUBTRACT_CLOSED_TIME])
@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_night_referral_on_an_08_to_20_team_is_due_at_10_local(
    day: date, rules: ClockRules
) -> None:
    """On 08:00-20:00 hours, a referral 00:00-03:00 starts at 08:00 and is due 10:00 local."""
    ten = utc_of_local(day, time(10))
    for referral in referrals_between_midnight_and_three(day):
        status = evaluate_clock(rules, DEFAULT, start_event_at=referral, now=referral)
        assert status.started_at == utc_of_local(day, time(8)), referral
        assert status.deadline == ten, referral
        assert to_local(status.deadline).replace(tzinfo=None) == datetime.combine(day, time(10))
        assert to_local(status.deadline).utcoffset() == uk_offset(ten)


@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_the_local_day_of_a_clock_change_is_23_or_25_hours(day: date) -> None:
    """A 00:00-24:00 session on the change Sunday holds 23 h in spring and 25 h in autumn."""
    sundays_only = ServiceHours(weekly=((),) * 6 + ((Session(time(0), time(0)),),))
    saturday_noon = datetime.combine(day - timedelta(days=1), time(12), tzinfo=UTC)
    open_time = sundays_only.open_time_between(saturday_noon, saturday_noon + 2 * 24 * HOUR)
    assert open_time == (23 * HOUR if day.month == 3 else 25 * HOUR)


@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_08_to_20_is_12_real_hours_and_the_night_before_is_11_or_13(day: date) -> None:
    """The change happens at night: the session keeps 12 h and the closed night absorbs it."""
    eight, twenty = utc_of_local(day, time(8)), utc_of_local(day, time(20))
    assert DEFAULT.open_time_between(eight - 4 * HOUR, twenty + 4 * HOUR) == 12 * HOUR
    saturday_close = utc_of_local(day - timedelta(days=1), time(20))
    night = DEFAULT.next_opening(saturday_close) - saturday_close
    assert night == (11 * HOUR if day.month == 3 else 13 * HOUR)


@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_subtract_closed_time_across_the_change_night_counts_open_hours_only(day: date) -> None:
    """A 19:00 Saturday referral, subtract closed time: 1 h Saturday + 1 h from 08:00 Sunday."""
    referral = utc_of_local(day - timedelta(days=1), time(19))
    status = evaluate_clock(SUBTRACT_CLOSED_TIME, DEFAULT, start_event_at=referral, now=referral)
    assert status.deadline == utc_of_local(day, time(9))
    assert status.deadline - referral == (13 * HOUR if day.month == 3 else 15 * HOUR)


@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_two_day_elapsed_deadline_is_48_real_hours_so_the_local_hour_moves(day: date) -> None:
    """48 h from Friday 10:00 ends Sunday 11:00 local in spring and 09:00 local in autumn."""
    referral = utc_of_local(day - timedelta(days=2), time(10))
    status = evaluate_clock(ClockRules.two_day(), DEFAULT, start_event_at=referral, now=referral)
    assert status.deadline - referral == 48 * HOUR
    expected_wall = time(11) if day.month == 3 else time(9)
    assert to_local(status.deadline).replace(tzinfo=None) == datetime.combine(day, expected_wall)


@pytest.mark.parametrize("day", CHANGE_DAYS)
def test_two_day_end_of_day_deadline_is_local_midnight(day: date) -> None:
    """By end of day 2: Friday's referral is due at 00:00 local on Monday, 61 or 63 real hours."""
    rules = ClockRules.two_day(target=48 * HOUR, deadline_rule=DeadlineRule.END_OF_LOCAL_DAY)
    referral = utc_of_local(day - timedelta(days=2), time(10))
    status = evaluate_clock(rules, DEFAULT, start_event_at=referral, now=referral)
    monday = day + timedelta(days=1)
    assert to_local(status.deadline).replace(tzinfo=None) == datetime.combine(monday, time(0))
    assert status.deadline - referral == (61 * HOUR if day.month == 3 else 63 * HOUR)


def test_a_session_inside_the_skipped_hour_has_no_real_time() -> None:
    """01:00-02:00 does not exist on the spring change day; 01:30-02:30 keeps 02:00-02:30."""
    spring = last_sunday(2027, 3)
    window = (utc_of_local(spring, time(0)), utc_of_local(spring, time(6)))
    skipped = ServiceHours(weekly=((),) * 6 + ((Session(time(1), time(2)),),))
    half = ServiceHours(weekly=((),) * 6 + ((Session(time(1, 30), time(2, 30)),),))
    assert skipped.open_time_between(*window) == ZERO
    assert half.open_time_between(*window) == 30 * MINUTE
    assert half.is_open(datetime.combine(spring, time(1, 15), tzinfo=UTC))  # 02:15 BST


def test_a_session_inside_the_repeated_hour_is_open_on_both_passes() -> None:
    """01:00-01:30 on the autumn change day is open twice: 01:00-01:30 BST and GMT."""
    autumn = last_sunday(2027, 10)
    hours = ServiceHours(weekly=((),) * 6 + ((Session(time(1), time(1, 30)),),))
    first_pass = datetime.combine(autumn, time(0, 15), tzinfo=UTC)  # 01:15 BST
    between = datetime.combine(autumn, time(0, 45), tzinfo=UTC)  # 01:45 BST
    second_pass = datetime.combine(autumn, time(1, 15), tzinfo=UTC)  # 01:15 GMT
    assert (hours.is_open(first_pass), hours.is_open(between), hours.is_open(second_pass)) == (
        True,
        False,
        True,
    )
    day_start = datetime.combine(autumn, time(0), tzinfo=UTC) - HOUR
    assert hours.open_time_between(day_start, day_start + 24 * HOUR) == HOUR


@pytest.mark.parametrize("field", ["start_event_at", "stop_event_at", "now"])
def test_naive_datetimes_are_refused_by_the_clock(field: str) -> None:
    """A datetime without a time zone names no instant, so the clock raises ValueError."""
    aware = datetime(2026, 1, 7, 10, tzinfo=UTC)
    times = {"start_event_at": aware, "stop_event_at": aware + HOUR, "now": aware + HOUR}
    times[field] = times[field].replace(tzinfo=None)
    with pytest.raises(ValueError, match=field):
        evaluate_clock(TWO_HOUR, DEFAULT, **times)
    with pytest.raises(ValueError, match="timezone-aware"):
        to_local(datetime(2026, 1, 7, 10))


def test_events_in_any_zone_give_utc_instants_and_london_display() -> None:
    """Events given in New York time give UTC instants, shown in London time."""
    referral = datetime(2026, 7, 7, 9, 0, tzinfo=ZoneInfo("America/New_York"))  # 14:00 BST
    status = evaluate_clock(TWO_HOUR, DEFAULT, start_event_at=referral, now=referral)
    assert status.started_at == datetime(2026, 7, 7, 13, 0, tzinfo=UTC)
    assert status.started_at.tzinfo is UTC
    assert to_local(status.deadline).replace(tzinfo=None) == datetime(2026, 7, 7, 16, 0)


# Properties over random instants and targets.

ZONES = [UTC, ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), timezone(5.5 * HOUR)]
aware_instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2036, 12, 31),
    timezones=st.sampled_from(ZONES),
)
HOURS_CHOICES = {
    "24/7": ALWAYS_OPEN,
    "08:00-20:00": DEFAULT,
    "weekdays 09:00-17:00": ServiceHours(weekly=((Session(time(9), time(17)),),) * 5 + ((), ())),
    "split day": ServiceHours(
        weekly=((Session(time(7), time(12, 30)), Session(time(13), time(0))),) * 7
    ),
    "change hours only": ServiceHours(
        weekly=((Session(time(0, 30), time(2, 30)),),) * 6 + ((Session(time(1), time(1, 30)),),)
    ),
    "closed on bank holidays": ServiceHours(
        weekly=DEFAULT.weekly,
        bank_holiday_sessions=(),
        bank_holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2031, 3, 30)}),
    ),
}


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    start=aware_instants,
    target=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=30)),
    hours=st.sampled_from(list(HOURS_CHOICES.values())),
)
def test_deadline_is_start_plus_target_under_no_policy(
    start: datetime, target: timedelta, hours: ServiceHours
) -> None:
    """With no out-of-hours policy, deadline minus start is the target, to the microsecond."""
    rules = ClockRules.for_standard(ResponseStandard.OTHER_LOCAL, local_target=target)
    status = evaluate_clock(rules, hours, start_event_at=start, now=start)
    assert status.deadline - start == target
    assert status.state is ClockState.RUNNING


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    start=aware_instants,
    duration=st.timedeltas(min_value=ZERO, max_value=timedelta(days=3)),
    hours=st.sampled_from(list(HOURS_CHOICES.values())),
)
def test_open_time_between_undoes_add_open_time(
    start: datetime, duration: timedelta, hours: ServiceHours
) -> None:
    """The open time from a start to start-plus-d-of-open-time is exactly d."""
    assert hours.open_time_between(start, hours.add_open_time(start, duration)) == duration


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    start=aware_instants,
    target=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=3)),
    hours=st.sampled_from(list(HOURS_CHOICES.values())),
)
def test_subtract_closed_time_waits_exactly_the_target_at_the_deadline(
    start: datetime, target: timedelta, hours: ServiceHours
) -> None:
    """Under subtract closed time, a stop at the deadline has waited exactly the target."""
    rules = ClockRules.for_standard(
        ResponseStandard.OTHER_LOCAL,
        local_target=target,
        out_of_hours=OutOfHoursPolicy.SUBTRACT_CLOSED_TIME,
    )
    running = evaluate_clock(rules, hours, start_event_at=start, now=start)
    stopped = evaluate_clock(
        rules, hours, start_event_at=start, stop_event_at=running.deadline, now=running.deadline
    )
    assert hours.is_open(stopped.started_at)
    assert (stopped.state, stopped.waited, stopped.remaining) == (ClockState.MET, target, ZERO)

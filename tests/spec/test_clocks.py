"""Response clocks: the rules as tables a clinical safety reviewer can read.

Each row is one clock: the team's hours, the rules, when the clock's start event and stop event
happened (Europe/London wall clock), and when we look (`now`). The expected columns are what
the clock must say: its state, effective start, deadline, countable wait and time remaining
(negative = past the deadline), in minutes.

Sources: DOMAIN.md 1.7 (clock rules, [UNVERIFIED] start/stop/out-of-hours, so configurable),
1.3 (08:00-20:00 minimum hours), 2.1 (CSDS CYP104). The three seed case studies come from the
LLR "Creating an effective 2 hour UCR" slides (seeds/004); the case studies give no date for
Mrs A, so a weekday in March 2021 is used.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest

from avert.domain.clocks import (
    ClockEvent,
    ClockRules,
    ClockState,
    ClockStatus,
    Cyp104Record,
    Cyp104StatusCodes,
    DeadlineRule,
    OutOfHoursPolicy,
    cyp104_record,
    evaluate_clock,
    to_local,
)
from avert.domain.errors import ValidationError
from avert.domain.service_hours import ServiceHours, Session
from avert.domain.vocab import ResponseStandard


LONDON = ZoneInfo("Europe/London")
MINUTE = timedelta(minutes=1)
EARLY_MAY_2021 = date(2021, 5, 3)  # Early May bank holiday, England

HOURS = {
    "24/7": ServiceHours.always_open(),
    "08:00-20:00": ServiceHours.default(),
    "08:00-20:00, closed on bank holidays": ServiceHours(
        weekly=ServiceHours.default().weekly,
        bank_holiday_sessions=(),
        bank_holidays=frozenset({EARLY_MAY_2021}),
    ),
    "08:00-20:00, 10:00-16:00 on bank holidays": ServiceHours(
        weekly=ServiceHours.default().weekly,
        bank_holiday_sessions=(Session(time(10), time(16)),),
        bank_holidays=frozenset({EARLY_MAY_2021}),
    ),
    "08:00-20:00, closing 14:00 on Christmas Eve 2021": ServiceHours(
        weekly=ServiceHours.default().weekly,
        exceptions=((date(2021, 12, 24), (Session(time(8), time(14)),)),),
    ),
}

RULES = {
    "2-hour": ClockRules.two_hour(),
    "2-hour, start at next opening": ClockRules.two_hour(
        out_of_hours=OutOfHoursPolicy.START_AT_NEXT_OPENING
    ),
    "2-hour, subtract closed time": ClockRules.two_hour(
        out_of_hours=OutOfHoursPolicy.SUBTRACT_CLOSED_TIME
    ),
    "2-hour from triage": ClockRules.two_hour(start_event=ClockEvent.TRIAGE_COMPLETED),
    "2-day": ClockRules.two_day(),
    "2-day, by end of day 2": ClockRules.two_day(
        target=timedelta(days=2), deadline_rule=DeadlineRule.END_OF_LOCAL_DAY
    ),
    "local 4-hour": ClockRules.for_standard(
        ResponseStandard.OTHER_LOCAL, local_target=timedelta(hours=4)
    ),
}


def at(text: str) -> datetime:
    """A Europe/London wall-clock time "YYYY-MM-DD HH:MM[:SS]" that exists exactly once."""
    wall = datetime.fromisoformat(text)
    first, second = wall.replace(tzinfo=LONDON), wall.replace(tzinfo=LONDON, fold=1)
    assert first.utcoffset() == second.utcoffset(), f"{text} is ambiguous in Europe/London"
    assert first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) == wall, "no such time"
    return first


def shown(instant: datetime) -> str:
    """An instant as the service shows it: Europe/London wall clock."""
    return to_local(instant).strftime("%Y-%m-%d %H:%M")


class ClockCase(NamedTuple):
    title: str
    hours: str
    rules: str
    start: str
    stop: str | None
    now: str
    state: str
    started: str
    deadline: str
    waited: int
    remaining: int


# fmt: off
CLOCK_CASES = [
    # The seed case studies.
    ClockCase("Mrs A: GP referral 14:14, face to face 14:45, met in 31 minutes",
              "08:00-20:00", "2-hour", "2021-03-10 14:14", "2021-03-10 14:45", "2021-03-10 18:00",
              "met", "2021-03-10 14:14", "2021-03-10 16:14", waited=31, remaining=89),
    ClockCase("WC: lifeline alarm 06:56, team arrived 07:40, 24/7 team, met in 44 minutes",
              "24/7", "2-hour", "2021-02-02 06:56", "2021-02-02 07:40", "2021-02-02 12:00",
              "met", "2021-02-02 06:56", "2021-02-02 08:56", waited=44, remaining=76),
    ClockCase("WC with 08:00-20:00 hours and no out-of-hours policy: all time counts",
              "08:00-20:00", "2-hour", "2021-02-02 06:56", "2021-02-02 07:40", "2021-02-02 12:00",
              "met", "2021-02-02 06:56", "2021-02-02 08:56", waited=44, remaining=76),
    ClockCase("WC with 08:00-20:00 hours, start at next opening: visit before 08:00 waits 0",
              "08:00-20:00", "2-hour, start at next opening", "2021-02-02 06:56",
              "2021-02-02 07:40", "2021-02-02 12:00",
              "met", "2021-02-02 08:00", "2021-02-02 10:00", waited=0, remaining=140),
    ClockCase("WC with 08:00-20:00 hours, subtract closed time: visit before 08:00 waits 0",
              "08:00-20:00", "2-hour, subtract closed time", "2021-02-02 06:56",
              "2021-02-02 07:40", "2021-02-02 12:00",
              "met", "2021-02-02 08:00", "2021-02-02 10:00", waited=0, remaining=140),
    ClockCase("Wrist: clock from triage 13:30, carer arrived 14:45, met in 1 h 15",
              "08:00-20:00", "2-hour from triage", "2022-01-10 13:30", "2022-01-10 14:45",
              "2022-01-10 16:00",
              "met", "2022-01-10 13:30", "2022-01-10 15:30", waited=75, remaining=45),
    # The boundary and breaches.
    ClockCase("Face to face exactly at two hours is met",
              "08:00-20:00", "2-hour", "2021-03-10 10:00", "2021-03-10 12:00", "2021-03-10 13:00",
              "met", "2021-03-10 10:00", "2021-03-10 12:00", waited=120, remaining=0),
    ClockCase("Face to face one minute after two hours is breached",
              "08:00-20:00", "2-hour", "2021-03-10 10:00", "2021-03-10 12:01", "2021-03-10 13:00",
              "breached", "2021-03-10 10:00", "2021-03-10 12:00", waited=121, remaining=-1),
    ClockCase("Face to face four and a half hours after referral is breached",
              "08:00-20:00", "2-hour", "2021-03-10 09:00", "2021-03-10 13:30", "2021-03-10 14:00",
              "breached", "2021-03-10 09:00", "2021-03-10 11:00", waited=270, remaining=-150),
    # Running and overdue clocks.
    ClockCase("A clock without a stop is running before its deadline",
              "08:00-20:00", "2-hour", "2021-03-10 10:00", None, "2021-03-10 11:30",
              "running", "2021-03-10 10:00", "2021-03-10 12:00", waited=90, remaining=30),
    ClockCase("A clock is still running at the very moment of its deadline",
              "08:00-20:00", "2-hour", "2021-03-10 10:00", None, "2021-03-10 12:00",
              "running", "2021-03-10 10:00", "2021-03-10 12:00", waited=120, remaining=0),
    ClockCase("A clock without a stop after its deadline is overdue, with negative time left",
              "08:00-20:00", "2-hour", "2021-03-10 10:00", None, "2021-03-10 12:30",
              "overdue", "2021-03-10 10:00", "2021-03-10 12:00", waited=150, remaining=-30),
    ClockCase("A late-night referral waits for the morning under start at next opening",
              "08:00-20:00", "2-hour, start at next opening", "2021-03-10 22:00", None,
              "2021-03-10 23:00",
              "running", "2021-03-11 08:00", "2021-03-11 10:00", waited=0, remaining=660),
    # Evening referrals under each out-of-hours policy.
    ClockCase("Referral at 19:00, no policy: the deadline falls after closing",
              "08:00-20:00", "2-hour", "2021-03-10 19:00", "2021-03-10 20:45", "2021-03-10 21:00",
              "met", "2021-03-10 19:00", "2021-03-10 21:00", waited=105, remaining=15),
    ClockCase("Referral at 19:00, start at next opening: the team is open, so no change",
              "08:00-20:00", "2-hour, start at next opening", "2021-03-10 19:00",
              "2021-03-11 08:30", "2021-03-11 09:00",
              "breached", "2021-03-10 19:00", "2021-03-10 21:00", waited=810, remaining=-690),
    ClockCase("Referral at 19:00, subtract closed time: 1 h tonight, 1 h from 08:00 tomorrow",
              "08:00-20:00", "2-hour, subtract closed time", "2021-03-10 19:00",
              "2021-03-11 08:30", "2021-03-11 09:00",
              "met", "2021-03-10 19:00", "2021-03-11 09:00", waited=90, remaining=30),
    ClockCase("Subtract closed time: a stop after closing on an exhausted clock is a breach",
              "08:00-20:00", "2-hour, subtract closed time", "2021-03-10 18:00",
              "2021-03-10 21:00", "2021-03-10 22:00",
              "breached", "2021-03-10 18:00", "2021-03-10 20:00", waited=120, remaining=-60),
    ClockCase("A night visit by a team that is closed still stops the clock",
              "08:00-20:00", "2-hour", "2021-03-10 23:30", "2021-03-11 01:00", "2021-03-11 02:00",
              "met", "2021-03-10 23:30", "2021-03-11 01:30", waited=90, remaining=30),
    # Bank holidays (Monday 3 May 2021) and dated exceptions.
    ClockCase("The default hours are open on bank holidays",
              "08:00-20:00", "2-hour, start at next opening", "2021-05-03 09:00",
              "2021-05-03 10:00", "2021-05-03 12:00",
              "met", "2021-05-03 09:00", "2021-05-03 11:00", waited=60, remaining=60),
    ClockCase("Closed on bank holidays, start at next opening: the clock starts Tuesday 08:00",
              "08:00-20:00, closed on bank holidays", "2-hour, start at next opening",
              "2021-05-03 10:00", "2021-05-04 09:15", "2021-05-04 12:00",
              "met", "2021-05-04 08:00", "2021-05-04 10:00", waited=75, remaining=45),
    ClockCase("Closed on bank holidays, subtract closed time: Sunday 30 min + Tuesday 90 min",
              "08:00-20:00, closed on bank holidays", "2-hour, subtract closed time",
              "2021-05-02 19:30", "2021-05-04 09:00", "2021-05-04 12:00",
              "met", "2021-05-02 19:30", "2021-05-04 09:30", waited=90, remaining=30),
    ClockCase("Closed on bank holidays, no policy: the bank holiday counts and it breaches",
              "08:00-20:00, closed on bank holidays", "2-hour", "2021-05-03 10:00",
              "2021-05-04 09:15", "2021-05-04 12:00",
              "breached", "2021-05-03 10:00", "2021-05-03 12:00", waited=1395, remaining=-1275),
    ClockCase("Bank-holiday sessions 10:00-16:00: the clock starts at 10:00",
              "08:00-20:00, 10:00-16:00 on bank holidays", "2-hour, start at next opening",
              "2021-05-03 09:00", "2021-05-03 11:00", "2021-05-03 12:00",
              "met", "2021-05-03 10:00", "2021-05-03 12:00", waited=60, remaining=60),
    ClockCase("Bank-holiday sessions, subtract closed time: 1 h to 16:00, then Tuesday 08:00",
              "08:00-20:00, 10:00-16:00 on bank holidays", "2-hour, subtract closed time",
              "2021-05-03 15:00", None, "2021-05-04 08:30",
              "running", "2021-05-03 15:00", "2021-05-04 09:00", waited=90, remaining=30),
    ClockCase("A dated exception closes early on Christmas Eve; closed time is not counted",
              "08:00-20:00, closing 14:00 on Christmas Eve 2021", "2-hour, subtract closed time",
              "2021-12-24 13:00", "2021-12-25 08:45", "2021-12-25 10:00",
              "met", "2021-12-24 13:00", "2021-12-25 09:00", waited=105, remaining=15),
    # The 2-day standard and a local standard.
    ClockCase("2-day: first contact 47 hours after referral is met",
              "08:00-20:00", "2-day", "2021-03-08 10:00", "2021-03-10 09:00", "2021-03-10 12:00",
              "met", "2021-03-08 10:00", "2021-03-10 10:00", waited=2820, remaining=60),
    ClockCase("2-day: first contact 49 hours after referral is breached (48 h default)",
              "08:00-20:00", "2-day", "2021-03-08 10:00", "2021-03-10 11:00", "2021-03-10 12:00",
              "breached", "2021-03-08 10:00", "2021-03-10 10:00", waited=2940, remaining=-60),
    ClockCase("2-day by end of day 2: Monday's referral is due by the end of Wednesday",
              "08:00-20:00", "2-day, by end of day 2", "2021-03-08 10:00", "2021-03-10 11:00",
              "2021-03-10 12:00",
              "met", "2021-03-08 10:00", "2021-03-11 00:00", waited=2940, remaining=780),
    ClockCase("2-day across the spring clock change: 48 real hours end at 11:00 local",
              "08:00-20:00", "2-day", "2021-03-26 10:00", None, "2021-03-27 10:00",
              "running", "2021-03-26 10:00", "2021-03-28 11:00", waited=1440, remaining=1440),
    ClockCase("A local 4-hour standard uses its own target",
              "08:00-20:00", "local 4-hour", "2021-03-10 09:00", "2021-03-10 12:30",
              "2021-03-10 13:00",
              "met", "2021-03-10 09:00", "2021-03-10 13:00", waited=210, remaining=30),
]
# fmt: on


def evaluate(case: ClockCase) -> ClockStatus:
    return evaluate_clock(
        RULES[case.rules],
        HOURS[case.hours],
        start_event_at=at(case.start),
        stop_event_at=None if case.stop is None else at(case.stop),
        now=at(case.now),
    )


@pytest.mark.parametrize("case", CLOCK_CASES, ids=[c.title for c in CLOCK_CASES])
def test_clock_gives_the_expected_state_deadline_and_times(case: ClockCase) -> None:
    """Each row's clock has the state, start, deadline, wait and time left in the table."""
    status = evaluate(case)
    assert status.state == ClockState(case.state)
    assert shown(status.started_at) == case.started
    assert shown(status.deadline) == case.deadline
    assert status.waited == case.waited * MINUTE
    assert status.remaining == case.remaining * MINUTE
    assert status.met == {"met": True, "breached": False}.get(case.state)


@pytest.mark.parametrize("case", CLOCK_CASES, ids=[c.title for c in CLOCK_CASES])
def test_clock_instants_are_returned_in_utc(case: ClockCase) -> None:
    """Every instant a clock returns is in UTC, whatever zone the events came in."""
    status = evaluate(case)
    for instant in (status.started_at, status.deadline, status.stopped_at, status.start_event_at):
        assert instant is None or instant.utcoffset() == timedelta(0)
        assert instant is None or instant.tzinfo is UTC


class Cyp104Case(NamedTuple):
    title: str
    hours: str
    rules: str
    start: str
    stop: str | None
    row: tuple[str, str, str, str | None, str | None, str, str | None, str | None]


# Row columns: MEASUREMENT TYPE, START DATE, START TIME, END DATE, END TIME, STATUS,
# DERIVED WAITING TIME (MINUTES), RESPONSE STANDARD MET. Status codes are the [UNVERIFIED]
# defaults: 10 = clock running, 30 = clock stopped.
# fmt: off
CYP104_CASES = [
    Cyp104Case("Mrs A: a met 2-hour clock is type 05, 31 minutes, met Y",
               "08:00-20:00", "2-hour", "2021-03-10 14:14", "2021-03-10 14:45",
               ("05", "2021-03-10", "14:14:00", "2021-03-10", "14:45:00", "30", "31", "Y")),
    Cyp104Case("WC on a 24/7 team: 44 minutes, met Y",
               "24/7", "2-hour", "2021-02-02 06:56", "2021-02-02 07:40",
               ("05", "2021-02-02", "06:56:00", "2021-02-02", "07:40:00", "30", "44", "Y")),
    Cyp104Case("WC, start at next opening: the record keeps the 06:56 alarm; 0 minutes count",
               "08:00-20:00", "2-hour, start at next opening", "2021-02-02 06:56",
               "2021-02-02 07:40",
               ("05", "2021-02-02", "06:56:00", "2021-02-02", "07:40:00", "30", "0", "Y")),
    Cyp104Case("A breached 2-hour clock in summer time shows London times, met N",
               "08:00-20:00", "2-hour", "2021-06-15 09:00", "2021-06-15 11:30",
               ("05", "2021-06-15", "09:00:00", "2021-06-15", "11:30:00", "30", "150", "N")),
    Cyp104Case("A part minute rounds up: 2 h 0 min 30 s is 121 minutes, met N",
               "08:00-20:00", "2-hour", "2021-03-10 10:00:00", "2021-03-10 12:00:30",
               ("05", "2021-03-10", "10:00:00", "2021-03-10", "12:00:30", "30", "121", "N")),
    Cyp104Case("A running 2-hour clock has no end, no minutes and no met flag",
               "08:00-20:00", "2-hour", "2021-03-10 10:00", None,
               ("05", "2021-03-10", "10:00:00", None, None, "10", None, None)),
    Cyp104Case("A met 2-day clock is type 06",
               "08:00-20:00", "2-day", "2021-03-08 10:00", "2021-03-10 09:00",
               ("06", "2021-03-08", "10:00:00", "2021-03-10", "09:00:00", "30", "2820", "Y")),
    Cyp104Case("A breached 2-day clock is type 06, met N",
               "08:00-20:00", "2-day", "2021-03-08 10:00", "2021-03-10 11:00",
               ("06", "2021-03-08", "10:00:00", "2021-03-10", "11:00:00", "30", "2940", "N")),
]
# fmt: on

ROW_ITEMS = (
    "WAITING TIME MEASUREMENT TYPE (COMMUNITY CARE)",
    "REFERRAL TO TREATMENT PERIOD START DATE",
    "REFERRAL TO TREATMENT PERIOD START TIME",
    "REFERRAL TO TREATMENT PERIOD END DATE",
    "REFERRAL TO TREATMENT PERIOD END TIME",
    "REFERRAL TO TREATMENT PERIOD STATUS",
    "DERIVED WAITING TIME (MINUTES)",
    "RESPONSE STANDARD MET",
)


@pytest.mark.parametrize("case", CYP104_CASES, ids=[c.title for c in CYP104_CASES])
def test_cyp104_row_carries_the_clock_in_csds_shape(case: Cyp104Case) -> None:
    """Each clock becomes the CYP104 row in the table, with London wall-clock times."""
    status = evaluate_clock(
        RULES[case.rules],
        HOURS[case.hours],
        start_event_at=at(case.start),
        stop_event_at=None if case.stop is None else at(case.stop),
        now=at("2021-12-31 23:00"),
    )
    row = cyp104_record("SR-0001", status).to_row()
    assert row["SERVICE REQUEST IDENTIFIER"] == "SR-0001"
    assert tuple(row[item] for item in ROW_ITEMS) == case.row
    assert set(row) == {"SERVICE REQUEST IDENTIFIER", *ROW_ITEMS}


def test_cyp104_status_codes_are_configurable() -> None:
    """The [UNVERIFIED] period-status codes come from configuration, not from the code."""
    status = evaluate(CLOCK_CASES[0])
    codes = Cyp104StatusCodes(running="99", stopped="33")
    assert cyp104_record("SR-1", status, status_codes=codes).rtt_period_status == "33"


def test_a_local_standard_has_no_cyp104_record() -> None:
    """A local response standard has no CSDS measurement type, so no CYP104 record."""
    status = evaluate(CLOCK_CASES[-1])
    assert status.standard is ResponseStandard.OTHER_LOCAL
    with pytest.raises(ValueError, match="CYP104"):
        cyp104_record("SR-1", status)


def test_cyp104_record_refuses_an_inconsistent_end() -> None:
    """A CYP104 record with a met flag but no end is refused."""
    with pytest.raises(ValidationError):
        Cyp104Record("SR-1", "05", date(2021, 3, 10), time(10), None, None, "10", None, "Y")


# Configuration: the defaults a reviewer should know, and the rules that cannot be configured.


def test_two_hour_rules_default_to_referral_received_until_first_face_to_face() -> None:
    """The 2-hour clock runs 120 minutes from referral received to first face to face."""
    rules = ClockRules.two_hour()
    assert rules.standard is ResponseStandard.TWO_HOUR
    assert rules.target == timedelta(minutes=120)
    assert rules.start_event is ClockEvent.REFERRAL_RECEIVED
    assert rules.stop_event is ClockEvent.FIRST_FACE_TO_FACE
    assert rules.out_of_hours is OutOfHoursPolicy.NONE


def test_two_day_rules_default_to_48_elapsed_hours() -> None:
    """The 2-day clock defaults to 48 hours of elapsed time ([UNVERIFIED] arithmetic)."""
    rules = ClockRules.two_day()
    assert rules.standard is ResponseStandard.TWO_DAY
    assert rules.target == timedelta(hours=48)
    assert rules.deadline_rule is DeadlineRule.ELAPSED


def test_for_standard_picks_the_national_rules_and_needs_a_local_target() -> None:
    """National standards take their own targets; a local standard must be given one."""
    assert ClockRules.for_standard(ResponseStandard.TWO_HOUR) == ClockRules.two_hour()
    assert ClockRules.for_standard(ResponseStandard.TWO_DAY) == ClockRules.two_day()
    with pytest.raises(ValidationError, match="local_target"):
        ClockRules.for_standard(ResponseStandard.OTHER_LOCAL)
    with pytest.raises(ValidationError, match="local_target"):
        ClockRules.for_standard(ResponseStandard.TWO_HOUR, local_target=timedelta(hours=4))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_event": ClockEvent.FIRST_FACE_TO_FACE}, "stop_event"),
        ({"stop_event": ClockEvent.REFERRAL_RECEIVED}, "stop_event"),
        ({"target": timedelta(0)}, "target"),
        ({"out_of_hours": "sometimes"}, "out_of_hours"),
        (
            {
                "deadline_rule": DeadlineRule.END_OF_LOCAL_DAY,
                "target": timedelta(days=2),
                "out_of_hours": OutOfHoursPolicy.SUBTRACT_CLOSED_TIME,
            },
            "deadline_rule",
        ),
        ({"deadline_rule": DeadlineRule.END_OF_LOCAL_DAY, "target": timedelta(hours=36)}, "target"),
    ],
    ids=[
        "the clock cannot start at the event that stops it",
        "the stop event cannot come before the start event",
        "the target must be positive",
        "the out-of-hours policy must be a known policy",
        "an end-of-day deadline cannot also subtract closed time",
        "an end-of-day deadline needs whole days",
    ],
)
def test_clock_rules_refuse_configurations_that_make_no_sense(overrides: dict, field: str) -> None:
    """Clock rules that cannot be measured are refused when configured, naming the setting."""
    with pytest.raises(ValidationError) as refused:
        ClockRules.two_day(**overrides)
    assert refused.value.field == field


def test_clock_rules_round_trip_through_configuration() -> None:
    """Clock rules written to configuration read back the same."""
    for rules in RULES.values():
        assert ClockRules.from_config(rules.to_config()) == rules
    config = {"standard": "two_hour", "out_of_hours": "start_at_next_opening"}
    assert ClockRules.from_config(config) == RULES["2-hour, start at next opening"]
    with pytest.raises(ValidationError, match="whole-minute"):
        ClockRules.two_hour(target=timedelta(minutes=90, seconds=30)).to_config()


def test_a_stop_before_the_start_event_is_refused() -> None:
    """A face-to-face contact recorded before the referral arrived is a data error."""
    with pytest.raises(ValidationError, match="stop"):
        evaluate_clock(
            RULES["2-hour"],
            HOURS["24/7"],
            start_event_at=at("2021-03-10 10:00"),
            stop_event_at=at("2021-03-10 09:59"),
            now=at("2021-03-10 11:00"),
        )

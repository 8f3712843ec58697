"""Response clocks: when a 2-hour or 2-day response is due, and whether it was met.

Clinical sources (DOMAIN.md):
- 1.2 and 1.3 [V]: the 2-hour crisis response and the 2-day reablement response; operating
  hours of at least 08:00-20:00 seven days a week (see `avert.domain.service_hours`).
- 1.7 [K]: the standard is met when the stop comes no later than the target after the start
  (120 minutes for the 2-hour standard). The deadline is inclusive: a stop exactly on it is met.
- 1.7 and 9.1 [UNVERIFIED]: the start event, the stop event and out-of-hours handling. They are
  configuration in `ClockRules`, with the most likely reading as the default: start = referral
  received, stop = first face-to-face contact, out-of-hours policy = none (all time counts).
- 1.7 [UNVERIFIED]: the 2-day arithmetic. Default 48 hours elapsed; `DeadlineRule` offers "by
  the end of the local day two days after the start day" as the alternative.
- 1.7 and 2.1 [V-2]: the CSDS CYP104 Referral To Treatment record, measurement type 05 (2-hour)
  or 06 (2-day), with RESPONSE STANDARD MET Y/N. The period-status codes are [UNVERIFIED] and
  configurable (`Cyp104StatusCodes`).

All instants are timezone-aware, stored and returned in UTC, and shown in Europe/London.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from avert.domain.errors import ValidationError
from avert.domain.service_hours import LONDON, ServiceHours, ensure_utc, local_day_start, zone
from avert.domain.vocab import Labelled, ResponseStandard


TWO_HOUR_TARGET = timedelta(hours=2)
TWO_DAY_TARGET = timedelta(hours=48)  # [UNVERIFIED] 2-day arithmetic (DOMAIN.md 1.7)


class ClockEvent(Labelled):
    """A recorded moment that can start or stop a clock, in the order they happen."""

    REFERRAL_RECEIVED = "referral_received", "Referral received by the UCR service"
    TRIAGE_COMPLETED = "triage_completed", "Triage completed"
    ACCEPTED = "accepted", "Accepted by the team"
    FIRST_FACE_TO_FACE = "first_face_to_face", "First face-to-face contact"


class OutOfHoursPolicy(Labelled):
    """How a clock treats time when the team is closed ([UNVERIFIED], DOMAIN.md 1.7)."""

    NONE = "none", "All elapsed time counts"
    START_AT_NEXT_OPENING = "start_at_next_opening", "The clock starts at the next opening"
    SUBTRACT_CLOSED_TIME = "subtract_closed_time", "Only open time counts"


class DeadlineRule(Labelled):
    """How the target turns into a deadline ([UNVERIFIED] for the 2-day standard)."""

    ELAPSED = "elapsed", "Start plus the target"
    END_OF_LOCAL_DAY = "end_of_local_day", "By the end of the local day N days after the start"


class ClockState(Labelled):
    """Where a clock stands. Derived from timestamps each time, never stored as truth."""

    RUNNING = "running", "Running"
    OVERDUE = "overdue", "Running, past its deadline"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"


@dataclass(frozen=True)
class ClockRules:
    """The configuration of one clock: which standard, target, events and policies."""

    standard: ResponseStandard
    target: timedelta
    start_event: ClockEvent = ClockEvent.REFERRAL_RECEIVED
    stop_event: ClockEvent = ClockEvent.FIRST_FACE_TO_FACE
    out_of_hours: OutOfHoursPolicy = OutOfHoursPolicy.NONE
    deadline_rule: DeadlineRule = DeadlineRule.ELAPSED

    def __post_init__(self) -> None:
        for name, kind in (
            ("standard", ResponseStandard),
            ("start_event", ClockEvent),
            ("stop_event", ClockEvent),
            ("out_of_hours", OutOfHoursPolicy),
            ("deadline_rule", DeadlineRule),
        ):
            object.__setattr__(self, name, _coerce(kind, getattr(self, name), name))
        if not isinstance(self.target, timedelta) or self.target <= timedelta(0):
            raise ValidationError("target", "must be a positive duration")
        events = list(ClockEvent)
        if events.index(self.start_event) >= events.index(self.stop_event):
            raise ValidationError("stop_event", "must come after the start event")
        if self.deadline_rule is DeadlineRule.END_OF_LOCAL_DAY:
            if self.target % timedelta(days=1) or self.target < timedelta(days=1):
                raise ValidationError("target", "must be whole days for an end-of-day deadline")
            if self.out_of_hours is OutOfHoursPolicy.SUBTRACT_CLOSED_TIME:
                raise ValidationError(
                    "deadline_rule", "an end-of-day deadline cannot subtract closed time"
                )

    @classmethod
    def two_hour(cls, **overrides: Any) -> ClockRules:
        """The 2-hour crisis response standard (DOMAIN.md 1.2, 1.7)."""
        return cls(**_with_standard(ResponseStandard.TWO_HOUR, TWO_HOUR_TARGET, overrides))

    @classmethod
    def two_day(cls, **overrides: Any) -> ClockRules:
        """The 2-day reablement standard: 48 h elapsed by default ([UNVERIFIED] arithmetic)."""
        return cls(**_with_standard(ResponseStandard.TWO_DAY, TWO_DAY_TARGET, overrides))

    @classmethod
    def for_standard(
        cls,
        standard: ResponseStandard,
        *,
        local_target: timedelta | None = None,
        **overrides: Any,
    ) -> ClockRules:
        """Rules for any standard; a local standard (OTHER_LOCAL) needs its `local_target`."""
        standard = _coerce(ResponseStandard, standard, "standard")
        if standard is ResponseStandard.OTHER_LOCAL:
            if local_target is None:
                raise ValidationError("local_target", "a local response standard needs a target")
            return cls(standard=standard, target=local_target, **overrides)
        if local_target is not None:
            raise ValidationError("local_target", "only a local response standard takes one")
        if standard is ResponseStandard.TWO_HOUR:
            return cls.two_hour(**overrides)
        return cls.two_day(**overrides)

    @classmethod
    def from_config(cls, data: Mapping) -> ClockRules:
        """Build from {"standard", "target_minutes"?, "start_event"?, "stop_event"?,
        "out_of_hours"?, "deadline_rule"?}; values are the lower-case enum values."""
        if not isinstance(data, Mapping):
            raise ValidationError("clock", "must be a mapping of settings")
        settings = dict(data)
        known = {"standard", "target_minutes", *_OPTIONAL_SETTINGS}
        for key in settings:
            if key not in known:
                raise ValidationError(str(key), "is not a clock setting")
        if "standard" not in settings:
            raise ValidationError("standard", "is required")
        standard = _coerce(ResponseStandard, settings.pop("standard"), "standard")
        minutes = settings.pop("target_minutes", None)
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)):
            raise ValidationError("target_minutes", "must be a whole number of minutes")
        target = None if minutes is None else timedelta(minutes=minutes)
        if standard is ResponseStandard.OTHER_LOCAL:
            return cls.for_standard(standard, local_target=target, **settings)
        if target is not None:
            settings["target"] = target
        return cls.for_standard(standard, **settings)

    def to_config(self) -> dict:
        """The plain-dict shape `from_config` reads (targets in whole minutes)."""
        if self.target % timedelta(minutes=1):
            raise ValidationError("target", "only whole-minute targets can be configured")
        config: dict = {"standard": self.standard.value}
        config["target_minutes"] = int(self.target / timedelta(minutes=1))
        config.update({name: getattr(self, name).value for name in _OPTIONAL_SETTINGS})
        return config


_OPTIONAL_SETTINGS = ("start_event", "stop_event", "out_of_hours", "deadline_rule")


@dataclass(frozen=True)
class ClockStatus:
    """A clock evaluated at a moment: its effective start, deadline, state and times."""

    standard: ResponseStandard
    started_at: datetime  # the effective start (UTC) after the out-of-hours policy
    deadline: datetime  # UTC
    stopped_at: datetime | None  # UTC
    state: ClockState
    remaining: timedelta  # deadline - now while running; deadline - stop once stopped
    waited: timedelta  # countable waiting time, to the stop or to now
    start_event_at: datetime | None = None  # the start event as it happened; defaults to start

    def __post_init__(self) -> None:
        for name in ("started_at", "deadline", "stopped_at", "start_event_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_utc(value, name))
        if self.start_event_at is None:
            object.__setattr__(self, "start_event_at", self.started_at)
        if self.start_event_at > self.started_at:
            raise ValidationError("started_at", "cannot come before the start event")
        if self.deadline < self.started_at:
            raise ValidationError("deadline", "cannot come before the start")
        if (self.stopped_at is None) != (self.state in (ClockState.RUNNING, ClockState.OVERDUE)):
            raise ValidationError("state", "running states need no stop; met or breached need one")
        if self.waited < timedelta(0):
            raise ValidationError("waited", "cannot be negative")

    @property
    def met(self) -> bool | None:
        """True when met, False when breached, None while the clock is running."""
        return {ClockState.MET: True, ClockState.BREACHED: False}.get(self.state)


def evaluate_clock(
    rules: ClockRules,
    hours: ServiceHours,
    *,
    start_event_at: datetime,
    stop_event_at: datetime | None = None,
    now: datetime,
) -> ClockStatus:
    """Evaluate one clock from its start (and stop) event at `now`.

    - NONE: the clock starts at the start event and the deadline is start + target.
    - START_AT_NEXT_OPENING: a start event while closed starts the clock at the next opening.
    - SUBTRACT_CLOSED_TIME: only open time counts; the deadline is the moment the target of open
      time has passed. A stop later in the same closed spell is a breach: the deadline is final.
    A stop before the effective start counts as no wait and is met.
    """
    start = ensure_utc(start_event_at, "start_event_at")
    stop = None if stop_event_at is None else ensure_utc(stop_event_at, "stop_event_at")
    now = ensure_utc(now, "now")
    if stop is not None and stop < start:
        raise ValidationError("stop_event_at", "the clock cannot stop before the event starting it")
    if rules.out_of_hours is OutOfHoursPolicy.NONE:
        started = start
    else:
        started = hours.next_opening(start)
    deadline = _deadline(rules, hours, started)
    end = now if stop is None else stop
    if end <= started:
        waited = timedelta(0)
    elif rules.out_of_hours is OutOfHoursPolicy.SUBTRACT_CLOSED_TIME:
        waited = hours.open_time_between(started, end)
    else:
        waited = end - started
    if stop is None:
        state = ClockState.OVERDUE if now > deadline else ClockState.RUNNING
    else:
        state = ClockState.MET if stop <= deadline else ClockState.BREACHED
    return ClockStatus(
        standard=rules.standard,
        started_at=started,
        deadline=deadline,
        stopped_at=stop,
        state=state,
        remaining=deadline - end,
        waited=waited,
        start_event_at=start,
    )


def _deadline(rules: ClockRules, hours: ServiceHours, started: datetime) -> datetime:
    if rules.deadline_rule is DeadlineRule.END_OF_LOCAL_DAY:
        start_day = started.astimezone(zone(hours.timezone)).date()
        return local_day_start(start_day + rules.target + timedelta(days=1), hours.timezone)
    if rules.out_of_hours is OutOfHoursPolicy.SUBTRACT_CLOSED_TIME:
        return hours.add_open_time(started, rules.target)
    return started + rules.target


@dataclass(frozen=True)
class Cyp104StatusCodes:
    """REFERRAL TO TREATMENT PERIOD STATUS codes to send ([UNVERIFIED] for CSDS UCR clocks).

    Defaults borrow the national RTT period status list [K]: 10 "first activity in a referral to
    treatment period" for a clock still running, 30 "start of first definitive treatment" for
    a clock stopped by the first face-to-face contact. Confirm against the CSDS technical
    guidance before submitting.
    """

    running: str = "10"
    stopped: str = "30"

    def __post_init__(self) -> None:
        for name in ("running", "stopped"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"status_codes.{name}", "must be a non-empty code")


DEFAULT_STATUS_CODES = Cyp104StatusCodes()


@dataclass(frozen=True)
class Cyp104Record:
    """One CSDS CYP104 Referral To Treatment record, shaped per DOMAIN.md 1.7 and 2.1."""

    service_request_id: str
    waiting_time_measurement_type: str  # "05" two-hour, "06" two-day
    rtt_period_start_date: date  # Europe/London wall clock
    rtt_period_start_time: time
    rtt_period_end_date: date | None
    rtt_period_end_time: time | None
    rtt_period_status: str  # see Cyp104StatusCodes ([UNVERIFIED])
    derived_waiting_time_minutes: int | None
    response_standard_met: str | None  # "Y" / "N" / None while running

    def __post_init__(self) -> None:
        if not isinstance(self.service_request_id, str) or not self.service_request_id.strip():
            raise ValidationError("service_request_id", "is required")
        if self.waiting_time_measurement_type not in ("05", "06"):
            raise ValidationError("waiting_time_measurement_type", "must be 05 or 06")
        stopped = self.rtt_period_end_date is not None
        if (self.rtt_period_end_time is not None) != stopped:
            raise ValidationError("rtt_period_end_time", "an end needs both a date and a time")
        if (self.response_standard_met is not None) != stopped:
            raise ValidationError("response_standard_met", "is given exactly when the clock ended")
        if self.response_standard_met not in ("Y", "N", None):
            raise ValidationError("response_standard_met", "must be Y or N")
        minutes = self.derived_waiting_time_minutes
        if (minutes is not None) != stopped or (minutes is not None and minutes < 0):
            raise ValidationError("derived_waiting_time_minutes", "is a count once the clock ends")

    def to_row(self) -> dict[str, str | None]:
        """CSDS-style upper-case item names to strings (dates ISO, times HH:MM:SS)."""
        end_date, end_time = self.rtt_period_end_date, self.rtt_period_end_time
        minutes = self.derived_waiting_time_minutes
        return {
            "SERVICE REQUEST IDENTIFIER": self.service_request_id,
            "WAITING TIME MEASUREMENT TYPE (COMMUNITY CARE)": self.waiting_time_measurement_type,
            "REFERRAL TO TREATMENT PERIOD START DATE": self.rtt_period_start_date.isoformat(),
            "REFERRAL TO TREATMENT PERIOD START TIME": self.rtt_period_start_time.isoformat(),
            "REFERRAL TO TREATMENT PERIOD END DATE": end_date and end_date.isoformat(),
            "REFERRAL TO TREATMENT PERIOD END TIME": end_time and end_time.isoformat(),
            "REFERRAL TO TREATMENT PERIOD STATUS": self.rtt_period_status,
            "DERIVED WAITING TIME (MINUTES)": None if minutes is None else str(minutes),
            "RESPONSE STANDARD MET": self.response_standard_met,
        }


def cyp104_record(
    service_request_id: str,
    status: ClockStatus,
    *,
    status_codes: Cyp104StatusCodes = DEFAULT_STATUS_CODES,
    timezone: str = LONDON,
) -> Cyp104Record:
    """The CYP104 record for a clock: start is the start event as it happened, shown locally.

    The derived waiting time is the countable wait under the configured policy, rounded up to
    whole minutes (so a 2-hour clock is met exactly when the minutes are 120 or fewer, except
    for a stop after an exhausted SUBTRACT_CLOSED_TIME clock, where the deadline decides).
    """
    measurement_type = status.standard.csds_measurement_type
    if measurement_type is None:
        raise ValidationError("standard", "a local response standard has no CYP104 type")
    assert status.start_event_at is not None  # normalised by ClockStatus
    start = _wall(status.start_event_at, timezone)
    end = None if status.stopped_at is None else _wall(status.stopped_at, timezone)
    return Cyp104Record(
        service_request_id=service_request_id,
        waiting_time_measurement_type=measurement_type,
        rtt_period_start_date=start.date(),
        rtt_period_start_time=start.time(),
        rtt_period_end_date=None if end is None else end.date(),
        rtt_period_end_time=None if end is None else end.time(),
        rtt_period_status=status_codes.running if end is None else status_codes.stopped,
        derived_waiting_time_minutes=(
            None if end is None else math.ceil(status.waited / timedelta(minutes=1))
        ),
        response_standard_met=None if status.met is None else ("Y" if status.met else "N"),
    )


def to_local(at: datetime, timezone: str = LONDON) -> datetime:
    """The instant `at` shown in local time (Europe/London by default), for display."""
    return ensure_utc(at, "at").astimezone(zone(timezone))


def _wall(at: datetime, timezone: str) -> datetime:
    """Local wall-clock reading to the whole second (CSDS times are HH:MM:SS)."""
    return to_local(at, timezone).replace(microsecond=0, tzinfo=None)


def _coerce(kind: type, value: object, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(field, "is not one of the allowed values") from None


def _with_standard(
    standard: ResponseStandard, target: timedelta, overrides: dict[str, Any]
) -> dict[str, Any]:
    if "standard" in overrides:
        raise ValidationError("standard", "is fixed by the constructor; use for_standard")
    return {"standard": standard, "target": target, **overrides}

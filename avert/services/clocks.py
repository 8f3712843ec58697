"""Referral clocks: the domain's clock rules applied to a stored referral.

When a referral is triaged, its clock rules (standard, target, start and stop events, out-of-hours
policy) and its team's service hours are stored with it, so the clock reads the same later even if
configuration changes. The deadline is stored too, for the queue's index.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from avert.config import Settings
from avert.domain.clocks import (
    ClockEvent,
    ClockRules,
    ClockStatus,
    OutOfHoursPolicy,
    evaluate_clock,
)
from avert.domain.service_hours import ServiceHours
from avert.domain.vocab import ResponseStandard
from avert.store.schema import Referral, Team


def rules_snapshot(
    standard: ResponseStandard, team: Team | None, settings: Settings
) -> dict[str, Any]:
    local = standard is ResponseStandard.OTHER_LOCAL
    rules = ClockRules.for_standard(
        standard,
        local_target=settings.same_day_target if local else None,
        start_event=settings.clock_start_event,
        stop_event=settings.clock_stop_event,
        out_of_hours=settings.out_of_hours_policy,
    )
    hours = ServiceHours.from_config(team.service_hours) if team else ServiceHours.default()
    return {
        "standard": rules.standard.value,
        "target_minutes": rules.target // timedelta(minutes=1),
        "start_event": rules.start_event.value,
        "stop_event": rules.stop_event.value,
        "out_of_hours": rules.out_of_hours.value,
        "service_hours": hours.to_config(),
    }


def _load(snapshot: dict[str, Any]) -> tuple[ClockRules, ServiceHours]:
    return _load_cached(json.dumps(snapshot, sort_keys=True))


@lru_cache(maxsize=256)
def _load_cached(key: str) -> tuple[ClockRules, ServiceHours]:
    """Snapshots repeat (one per team and standard), so each is parsed once."""
    snapshot = json.loads(key)
    rules = ClockRules(
        standard=ResponseStandard(snapshot["standard"]),
        target=timedelta(minutes=snapshot["target_minutes"]),
        start_event=ClockEvent(snapshot["start_event"]),
        stop_event=ClockEvent(snapshot["stop_event"]),
        out_of_hours=OutOfHoursPolicy(snapshot["out_of_hours"]),
    )
    return rules, ServiceHours.from_config(snapshot["service_hours"])


def event_time(referral: Referral, event: ClockEvent) -> datetime | None:
    return {
        ClockEvent.REFERRAL_RECEIVED: referral.received_at,
        ClockEvent.TRIAGE_COMPLETED: referral.triaged_at,
        ClockEvent.ACCEPTED: referral.accepted_at,
        ClockEvent.FIRST_FACE_TO_FACE: referral.first_contact_at,
    }[event]


def start_clock_if_due(referral: Referral, team: Team | None, settings: Settings) -> None:
    """Give a triaged referral its clock rules; start the clock once its start event happened."""
    if referral.standard is None:
        referral.clock_rules = None
        referral.clock_started_at = referral.clock_deadline = referral.clock_stopped_at = None
        set_queue_key(referral)
        return
    if referral.clock_rules is None or referral.clock_rules["standard"] != referral.standard:
        referral.clock_rules = rules_snapshot(ResponseStandard(referral.standard), team, settings)
        referral.clock_started_at = referral.clock_deadline = referral.clock_stopped_at = None
    refresh_clock(referral)


def refresh_clock(referral: Referral) -> None:
    """Record the effective start and deadline, and the stop, as their events happen."""
    if referral.clock_rules is None:
        set_queue_key(referral)
        return
    rules, hours = _load(referral.clock_rules)
    started = event_time(referral, rules.start_event)
    if started is None:
        set_queue_key(referral)
        return
    if referral.clock_deadline is None:
        status = evaluate_clock(rules, hours, start_event_at=started, now=started)
        referral.clock_started_at = status.started_at
        referral.clock_deadline = status.deadline
    referral.clock_stopped_at = event_time(referral, rules.stop_event)
    set_queue_key(referral)


AFTER_RUNNING_CLOCKS = timedelta(days=36525)


def set_queue_key(referral: Referral) -> None:
    """The queue order: the deadline while the clock runs, else a century after receipt."""
    running = referral.clock_deadline is not None and referral.clock_stopped_at is None
    referral.queue_key = (
        referral.clock_deadline if running else referral.received_at + AFTER_RUNNING_CLOCKS
    )


def clock_status(referral: Referral, now: datetime) -> ClockStatus | None:
    """The referral's clock as it stands at `now`, or None if it has none or has not started."""
    if referral.clock_rules is None:
        return None
    rules, hours = _load(referral.clock_rules)
    started = event_time(referral, rules.start_event)
    if started is None:
        return None
    stopped = event_time(referral, rules.stop_event)
    return evaluate_clock(rules, hours, start_event_at=started, stop_event_at=stopped, now=now)

"""What happens after a synthetic referral arrives: triage, visits, discharge and outcome.

Times are drawn as offsets from receipt, as if the future were known; history.py then cuts them
at the area's `now`. Calibration (calibration.py): 84.5 % of 2-hour referrals seen face to face
within two hours (DOMAIN.md 2.3); about 2.3 contacts per crisis episode (DOMAIN.md 2.3); crisis
episodes up to 72 hours (DOMAIN.md 1.2), reablement up to six weeks (seeds/004). Visits other
than a 2-hour first response happen in the day (08:00-20:00 local), as do all visits of a team
that is not 24/7.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from avert.domain.vocab import ConditionNeed, DischargeOutcome, Disposition, OnwardService
from avert.synth import calibration as cal
from avert.synth.draws import pick
from avert.synth.localtime import local_to_utc, to_local
from avert.synth.scenarios import ONWARD_BY_NEED


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
DAY_STARTS, DAY_ENDS = 8, 20


@dataclass(frozen=True, slots=True)
class Episode:
    """The full story of one referral, before it is cut at `now`."""

    triaged_after: timedelta
    contacts: tuple[timedelta, ...]
    closed_after: timedelta
    outcome: DischargeOutcome | None
    onward: OnwardService | None
    cancelled: bool


def daytime(received: datetime, after: timedelta, rng: random.Random) -> timedelta:
    """`after`, moved on to the next day-time slot (08:00-20:00 local) if it falls at night."""
    local = to_local(received + after)
    if DAY_STARTS <= local.hour < DAY_ENDS:
        return after
    day = local.date() if local.hour < DAY_STARTS else local.date() + DAY
    opening = local_to_utc(day, time(DAY_STARTS)) + rng.uniform(10, 100) * MINUTE
    return opening - received


def redirect(rng: random.Random) -> Episode:
    """Triage spots the red flag and the referral closes with a named destination."""
    triaged = rng.triangular(3, 25, 8) * MINUTE
    return _whole(Episode(triaged, (), triaged + rng.uniform(1, 6) * MINUTE, None, None, False))


def episode(
    rng: random.Random,
    disposition: Disposition,
    need: ConditionNeed,
    received: datetime,
    round_the_clock: bool,
    in_two_hours: bool,
) -> Episode:
    """Triage, visits and discharge for an accepted referral.

    `in_two_hours` says whether a 2-hour referral is seen within two hours (if not cancelled).
    """
    crisis = disposition is Disposition.TWO_HOUR_CRISIS
    triaged = rng.triangular(3, 25, 8 if crisis else 15) * MINUTE
    if rng.random() < cal.CANCELLED_SHARE:
        closed = triaged + rng.uniform(15, 110 if crisis else 600) * MINUTE
        return _whole(Episode(triaged, (), closed, None, None, True))
    first = _first_contact(rng, disposition, received, triaged, round_the_clock, in_two_hours)
    outcome = _outcome(rng, need)
    if disposition is Disposition.TWO_DAY_REABLEMENT:
        window = cal.REABLEMENT_EPISODE_MAX_DAYS * DAY
        contacts = _visits(rng, received, first, window, (1.5, 4.0), 0.08)
    else:
        count = pick(rng, cal.CONTACTS_PER_CRISIS_WEIGHTS)
        window = cal.CRISIS_EPISODE_MAX_HOURS * HOUR
        contacts = _visits(rng, received, first, window, (0.15, 0.8), 0.0)[:count]
    if outcome in (DischargeOutcome.ADMITTED_TO_HOSPITAL, DischargeOutcome.DECLINED):
        contacts = contacts[:1]
    closed = contacts[-1] + rng.uniform(20, 90) * MINUTE
    return _whole(Episode(triaged, contacts, closed, outcome, _onward(rng, outcome, need), False))


def _whole(story: Episode) -> Episode:
    """The story with every time rounded to the second."""

    def second(t: timedelta) -> timedelta:
        return timedelta(seconds=round(t.total_seconds()))

    return replace(
        story,
        triaged_after=second(story.triaged_after),
        contacts=tuple(second(t) for t in story.contacts),
        closed_after=second(story.closed_after),
    )


def _first_contact(
    rng: random.Random,
    disposition: Disposition,
    received: datetime,
    triaged: timedelta,
    round_the_clock: bool,
    in_two_hours: bool,
) -> timedelta:
    if disposition is Disposition.TWO_HOUR_CRISIS:
        if in_two_hours:
            minutes = rng.triangular(15, 119, 70)
        else:
            minutes = min(121 + rng.expovariate(1 / 50), 480)
        first = max(minutes * MINUTE, triaged + 5 * MINUTE)
        return first if round_the_clock else daytime(received, first, rng)
    if disposition is Disposition.SAME_DAY:
        first = triaged + rng.uniform(1.5, 9) * HOUR
    else:
        hours = rng.uniform(3, 47) if rng.random() < 0.9 else rng.uniform(48, 72)
        first = triaged + hours * HOUR
    return daytime(received, first, rng)


def _visits(
    rng: random.Random,
    received: datetime,
    first: timedelta,
    window: timedelta,
    gap_days: tuple[float, float],
    stop_chance: float,
) -> tuple[timedelta, ...]:
    """Visits from the first, hours to days apart, within `window` of the first.

    After each visit from the second on, the episode ends with `stop_chance`.
    """
    visits = [first]
    while True:
        nxt = daytime(received, visits[-1] + rng.uniform(*gap_days) * DAY, rng)
        if nxt - first > window - 2 * HOUR or nxt <= visits[-1]:
            return tuple(visits)
        visits.append(nxt)
        if len(visits) >= 2 and rng.random() < stop_chance:
            return tuple(visits)


def _outcome(rng: random.Random, need: ConditionNeed) -> DischargeOutcome:
    if need is ConditionNeed.PALLIATIVE_CRISIS and rng.random() < 0.3:
        return DischargeOutcome.DIED
    return pick(rng, cal.OUTCOME_WEIGHTS)


def _onward(
    rng: random.Random, outcome: DischargeOutcome, need: ConditionNeed
) -> OnwardService | None:
    if outcome is DischargeOutcome.ONWARD_REFERRAL:
        return ONWARD_BY_NEED[need]
    if outcome is DischargeOutcome.REMAINED_AT_HOME and rng.random() < 0.35:
        return ONWARD_BY_NEED[need]
    return None

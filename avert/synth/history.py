"""The referral history of a synthetic area over the days before `now`.

Volume: `TWO_HOUR_REFERRALS_PER_100K_PER_MONTH` (125, DOMAIN.md 2.3) 2-hour referrals, plus
same-day, 2-day reablement and redirected referrals in the proportions of `DISPOSITION_WEIGHTS`.
Each referral draws its source from the national mix (DOMAIN.md 1.6), its arrival hour and weekday
from a source-dependent profile, its person from an age profile skewed to 75+ (more often from
deprived neighbourhoods), its need from DOMAIN.md 1.4's mix, and its story from timeline.py.
Histories are cut at `now`: what had not happened yet is dropped, and referrals not yet closed are
the live queue. What the referrer says is chosen so that the triage ruleset, replayed, decides
the disposition recorded here (tests/unit/test_synth_history.py checks).

Routing: a referral goes to the team of the person's locality; a 2-hour referral that arrives when
that team is closed, or within two hours of it closing, goes to the 24/7 team.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import accumulate

from avert.domain.errors import ValidationError
from avert.domain.vocab import (
    ConditionNeed,
    DischargeOutcome,
    Disposition,
    RedFlag,
    ReferralSource,
)
from avert.synth import calibration as cal
from avert.synth.draws import dealt, pick
from avert.synth.localtime import to_local
from avert.synth.model import CARE_HOME_RESIDENCES, HistoricReferral, Person, Team
from avert.synth.referrers import Referrers
from avert.synth.scenarios import (
    CHILD_SCENARIO,
    LONG_LIE_SHARE_OF_CRISIS_FALLS,
    NEED_TEXTS,
    REDIRECT_SCENARIOS,
    URGENCY_WEIGHTS,
    RedirectScenario,
)
from avert.synth.timeline import Episode, episode, redirect


D = Disposition
HOUR = timedelta(hours=1)
LAST_CRISIS_HOUR = 18
"""A day team takes 2-hour referrals that arrive before 18:00 local; later ones go to 24/7."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one referral is to be, dealt so that the calibrated mixes hold exactly."""

    disposition: Disposition
    source: ReferralSource
    need: ConditionNeed | None  # None for a redirect: its scenario decides
    in_two_hours: bool


@dataclass(frozen=True, slots=True)
class _Draft:
    """A referral with its whole story, before numbering and the cut at `now`."""

    referral: HistoricReferral
    episode: Episode


class Arrivals:
    """Draws arrival times before `now` from hour-of-day and weekday profiles (local time).

    The window is cut into clock hours; the last one, still under way at `now`, counts for the
    part of it that has passed.
    """

    def __init__(self, rng: random.Random, now: datetime, days: int) -> None:
        self._rng = rng
        first = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0) + HOUR
        self._start = first
        self._seconds: list[int] = []
        slots = []
        while first + len(slots) * HOUR < now:
            slot = first + len(slots) * HOUR
            slots.append(to_local(slot))
            self._seconds.append(int(min(HOUR, now - slot).total_seconds()))
        self._cum = {
            office: list(
                accumulate(
                    hour_w[t.hour] * day_w[t.weekday()] * seconds / 3600
                    for t, seconds in zip(slots, self._seconds, strict=True)
                )
            )
            for office, hour_w, day_w in (
                (False, cal.ROUND_THE_CLOCK_HOUR_WEIGHTS, cal.ROUND_THE_CLOCK_WEEKDAY_WEIGHTS),
                (True, cal.OFFICE_HOUR_WEIGHTS, cal.OFFICE_WEEKDAY_WEIGHTS),
            )
        }

    def draw(self, source: ReferralSource) -> datetime:
        """An arrival time for a referral from `source`, to the second."""
        cum = self._cum[source in cal.OFFICE_HOURS_SOURCES]
        hour = bisect(cum, self._rng.random() * cum[-1])
        seconds = self._rng.randrange(self._seconds[hour])
        return self._start + timedelta(hours=hour, seconds=seconds)


class Cohorts:
    """The people who can be referred, by age band, weighted towards deprived neighbourhoods.

    Adults are banded by their age at the start of the window and children by their age at its
    end, so that no one is referred as an adult before turning 18, or as a child after.
    """

    def __init__(self, people: tuple[Person, ...], first_day: date, last_day: date) -> None:
        def born_by(age: int, day: date) -> date:
            return day.replace(year=day.year - age, day=min(day.day, 28))

        self.bands: dict[tuple[int, int], tuple[list[Person], list[float]]] = {}
        for first, last in cal.REFERRAL_AGE_BAND_WEIGHTS:
            latest, earliest = born_by(first, first_day), born_by(last + 1, first_day)
            members = [
                p
                for p in people
                if earliest < p.date_of_birth <= latest and p.residence not in CARE_HOME_RESIDENCES
            ]
            self.bands[(first, last)] = (members, list(accumulate(map(_weight, members))))
        under_18, over_2 = born_by(18, last_day), born_by(2, first_day)
        self.children = [p for p in people if under_18 < p.date_of_birth <= over_2]
        self.in_care_homes = [p for p in people if p.residence in CARE_HOME_RESIDENCES]

    def adult(self, rng: random.Random) -> Person:
        """An adult, from an age band drawn by `REFERRAL_AGE_BAND_WEIGHTS`."""
        members, cum = self.bands[pick(rng, cal.REFERRAL_AGE_BAND_WEIGHTS)]
        if not members:
            members, cum = max(self.bands.values(), key=lambda band: len(band[0]))
        return members[bisect(cum, rng.random() * cum[-1])]


def _weight(person: Person) -> float:
    return 1.0 + cal.DEPRIVATION_REFERRAL_GRADIENT * (10 - person.deprivation_decile)


def referral_counts(population: int, history_days: int) -> dict[Disposition, int]:
    """How many referrals of each disposition the history holds."""
    months = history_days / cal.DAYS_PER_MONTH
    two_hour = round(cal.TWO_HOUR_REFERRALS_PER_100K_PER_MONTH * population / 100_000 * months)
    share = cal.DISPOSITION_WEIGHTS
    return {d: round(two_hour * w / share[D.TWO_HOUR_CRISIS]) for d, w in share.items()}


def build_history(
    rng: random.Random,
    people: tuple[Person, ...],
    teams: tuple[Team, ...],
    team_of_neighbourhood: dict[str, Team],
    referrers: Referrers,
    now: datetime,
    history_days: int,
    open_referrals: int | None,
) -> list[HistoricReferral]:
    """Every referral of the last `history_days` days, in order of arrival, cut at `now`."""
    arrivals = Arrivals(rng, now, history_days)
    cohorts = Cohorts(
        people, to_local(now - timedelta(days=history_days)).date(), to_local(now).date()
    )
    night_team = next(team for team in teams if team.hours == "24/7")
    plans = _plans(rng, referral_counts(len(people), history_days))
    drafts = [
        _draft(rng, plan, arrivals, cohorts, team_of_neighbourhood, night_team, referrers)
        for plan in plans
    ]
    drafts.sort(key=lambda draft: draft.referral.received_at)
    drafts = _drop_after_death(drafts)
    if open_referrals is not None:
        drafts = _set_open_count(drafts, now, open_referrals)
    return [
        _cut(replace(draft.referral, source_referral_id=f"SYN-{n:06d}"), draft.episode, now)
        for n, draft in enumerate(drafts, start=1)
    ]


def _plans(rng: random.Random, counts: dict[Disposition, int]) -> list[_Plan]:
    """Every referral's disposition, source, need and 2-hour result, in a random order."""
    met = {True: cal.TWO_HOUR_MET_SHARE, False: 1 - cal.TWO_HOUR_MET_SHARE}
    plans = []
    for disposition, n in counts.items():
        sources = dealt(rng, _source_weights(disposition), n)
        if disposition is D.REDIRECT:
            needs: list[ConditionNeed | None] = [None] * n
        elif disposition is D.TWO_DAY_REABLEMENT:
            needs = list(dealt(rng, cal.REABLEMENT_NEED_WEIGHTS, n))
        else:
            needs = list(dealt(rng, cal.CRISIS_NEED_WEIGHTS, n))
        in_two_hours = dealt(rng, met, n) if disposition is D.TWO_HOUR_CRISIS else [False] * n
        plans += [
            _Plan(disposition, *drawn) for drawn in zip(sources, needs, in_two_hours, strict=True)
        ]
    rng.shuffle(plans)
    return plans


def _draft(
    rng: random.Random,
    plan: _Plan,
    arrivals: Arrivals,
    cohorts: Cohorts,
    team_of_neighbourhood: dict[str, Team],
    night_team: Team,
    referrers: Referrers,
) -> _Draft:
    disposition, source = plan.disposition, plan.source
    scenario = None
    child = disposition is D.REDIRECT and rng.random() < cal.UNDER_18_SHARE_OF_REDIRECTS
    child = child and bool(cohorts.children)
    if disposition is D.REDIRECT:
        scenario = CHILD_SCENARIO if child else _redirect_scenario(rng)
    no_home = source is ReferralSource.CARE_HOME and not cohorts.in_care_homes
    if no_home or (child and source in _ADULT_ONLY_SOURCES):
        source = pick(rng, _source_weights(disposition, leave_out=_ADULT_ONLY_SOURCES))
    if child:
        person = rng.choice(cohorts.children)
    elif source is ReferralSource.CARE_HOME:
        person = rng.choice(cohorts.in_care_homes)
    else:
        person = cohorts.adult(rng)
    received = arrivals.draw(source)
    team = team_of_neighbourhood[person.neighbourhood_id]
    local_hour = to_local(received).hour
    if disposition is D.TWO_HOUR_CRISIS and not 8 <= local_hour < LAST_CRISIS_HOUR:
        team = night_team
    if scenario is not None:
        need, text = scenario.need, scenario.text
        flags = frozenset() if scenario.flag is None else frozenset({scenario.flag})
        urgency = pick(rng, scenario.urgencies)
        story = redirect(rng)
    else:
        assert plan.need is not None
        need = plan.need
        texts = NEED_TEXTS[need]
        text = rng.choice(texts) if need is ConditionNeed.OTHER or rng.random() < 0.6 else None
        flags = frozenset()
        long_lie = disposition is D.TWO_HOUR_CRISIS and need is ConditionNeed.FALL
        if long_lie and rng.random() < LONG_LIE_SHARE_OF_CRISIS_FALLS:
            flags = frozenset({RedFlag.LONG_LIE})
        urgency = pick(rng, URGENCY_WEIGHTS[disposition])
        story = episode(rng, disposition, need, received, team.hours == "24/7", plan.in_two_hours)
    name, organisation, phone = referrers.referrer(rng, source, person)
    referral = HistoricReferral(
        source_referral_id="",
        person_nhs_number=person.nhs_number,
        source=source,
        referrer_name=name,
        referrer_organisation=organisation,
        referrer_phone=phone,
        received_at=received,
        need=need,
        need_text=text,
        red_flags=flags,
        stated_urgency=urgency,
        team_id=team.id,
        first_contact_after=None,
        discharged_after=None,
        outcome=None,
        onward_service=None,
        disposition=disposition,
        destination=None if scenario is None else scenario.destination,
    )
    return _Draft(referral, story)


def _redirect_scenario(rng: random.Random) -> RedirectScenario:
    return rng.choices(REDIRECT_SCENARIOS, weights=[s.weight for s in REDIRECT_SCENARIOS])[0]


_ADULT_ONLY_SOURCES = frozenset({ReferralSource.CARE_HOME, ReferralSource.TELECARE})
"""Sources that do not refer children (nor, for care homes, in an area without any)."""


def _source_weights(
    disposition: Disposition, *, leave_out: frozenset[ReferralSource] = frozenset()
) -> dict[ReferralSource, float]:
    """The national source mix; never a hospital bed for 2-hour or 2-day referrals.

    Sources that cannot refer (a hospital ward, or those in `leave_out`) pass their weight to
    OTHER, so the shares of the named sources stay as published.
    """
    weights = dict(cal.SOURCE_WEIGHTS)
    cannot = set(leave_out)
    if disposition in cal.NO_HOSPITAL_BED_SOURCES:
        cannot.add(ReferralSource.ACUTE_WARD)
    for source in cal.SOURCE_WEIGHTS:
        if source in cannot:
            weights[ReferralSource.OTHER] += weights.pop(source)
    return weights


def _drop_after_death(drafts: list[_Draft]) -> list[_Draft]:
    """Remove referrals of a person received after an earlier episode ended in their death."""
    died: dict[str, datetime] = {}
    kept = []
    for draft in drafts:
        referral = draft.referral
        death = died.get(referral.person_nhs_number)
        if death is not None and referral.received_at >= death:
            continue
        kept.append(draft)
        if draft.episode.outcome is DischargeOutcome.DIED:
            died[referral.person_nhs_number] = referral.received_at + draft.episode.closed_after
    return kept


_ONE = timedelta(seconds=1)


def _set_open_count(drafts: list[_Draft], now: datetime, wanted: int) -> list[_Draft]:
    """Close the oldest open referrals, or keep the newest closed episodes open, to leave `wanted`.

    Only accepted, uncancelled referrals are kept open past their end; a closed one is sped up.
    """
    is_open = [d.referral.received_at + d.episode.closed_after >= now for d in drafts]
    can_reopen = [
        not is_open[i] and d.referral.disposition is not D.REDIRECT and not d.episode.cancelled
        for i, d in enumerate(drafts)
    ]
    if wanted > sum(is_open) + sum(can_reopen):
        raise ValidationError("open_referrals", "is more than the history can hold open")
    surplus = sum(is_open) - wanted
    result = list(drafts)
    order = range(len(drafts)) if surplus > 0 else range(len(drafts) - 1, -1, -1)
    for i in order:
        if surplus == 0:
            break
        if surplus > 0 and is_open[i]:
            result[i] = _squeeze(drafts[i], now)
            surplus -= 1
        elif surplus < 0 and can_reopen[i]:
            story = drafts[i].episode
            reopened = replace(story, closed_after=now - drafts[i].referral.received_at + _ONE)
            result[i] = _Draft(drafts[i].referral, reopened)
            surplus += 1
    return result


def _squeeze(draft: _Draft, now: datetime) -> _Draft:
    """The same story, sped up so that it closes a minute before `now`."""
    story = draft.episode
    elapsed = now - draft.referral.received_at
    factor = max(elapsed - timedelta(minutes=1), elapsed * 0.9) / story.closed_after
    squeezed = replace(
        story,
        triaged_after=story.triaged_after * factor,
        contacts=tuple(c * factor for c in story.contacts),
        closed_after=story.closed_after * factor,
    )
    return _Draft(draft.referral, squeezed)


def _cut(referral: HistoricReferral, story: Episode, now: datetime) -> HistoricReferral:
    """The referral as it stands at `now`: later events dropped, an unfinished one left open."""
    elapsed = now - referral.received_at
    contacts = tuple(c for c in story.contacts if c < elapsed)
    closed = story.closed_after < elapsed
    return replace(
        referral,
        triaged_after=story.triaged_after if story.triaged_after < elapsed else None,
        contacts_after=contacts,
        first_contact_after=contacts[0] if contacts else None,
        discharged_after=story.closed_after if closed else None,
        outcome=story.outcome if closed else None,
        onward_service=story.onward if closed else None,
        cancelled=story.cancelled and closed,
    )

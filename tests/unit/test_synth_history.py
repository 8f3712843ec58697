"""The referral history: volume, mix, timing and outcomes calibrated to DOMAIN.md.

Calibration checks use one area of 50,000 people over a year (about 750 2-hour referrals), big
enough for the tolerances below to be meaningful and small enough to build in about a second.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from avert.domain.errors import ValidationError
from avert.domain.identifiers import age_in_years
from avert.domain.triage import TriageInput, triage
from avert.domain.vocab import (
    ConditionNeed,
    Disposition,
    RedFlag,
    ReferralSource,
    Residence,
)
from avert.synth import generate_area
from avert.synth.localtime import LONDON


NOW = datetime(2025, 9, 17, 11, 15, tzinfo=UTC)
POPULATION = 50_000
DAYS = 365
S = ReferralSource
TWO_HOURS = timedelta(hours=2)


@pytest.fixture(scope="module")
def area():
    return generate_area(seed=21, population=POPULATION, now=NOW, history_days=DAYS)


@pytest.fixture(scope="module")
def two_hour(area):
    return [r for r in area.referrals if r.disposition is Disposition.TWO_HOUR_CRISIS]


def _share(items, predicate) -> float:
    items = list(items)
    return sum(1 for item in items if predicate(item)) / len(items)


def test_two_hour_referrals_arrive_at_about_125_per_100k_people_a_month(two_hour):
    """DOMAIN.md 2.3: ~844k a year for ~57m people, about 125 per 100,000 a month (within 2 %)."""
    months = DAYS / (365.25 / 12)
    rate = len(two_hour) / (POPULATION / 100_000) / months
    assert 125 * 0.98 <= rate <= 125 * 1.02


@pytest.mark.parametrize(
    ("label", "sources", "expected", "tolerance"),
    [
        # DOMAIN.md 1.6, national source mix, October 2023
        ("the person, carer or relative", {S.SELF, S.CARER_RELATIVE}, 0.375, 0.01),
        ("GP practice", {S.GP}, 0.156, 0.01),
        ("ambulance service", {S.AMBULANCE_999}, 0.084, 0.01),
    ],
)
def test_referral_sources_follow_the_national_mix(two_hour, label, sources, expected, tolerance):
    """The share of 2-hour referrals from each source is near the national figure."""
    share = _share(two_hour, lambda r: r.source in sources)
    assert abs(share - expected) <= tolerance, (label, share)


def test_other_sources_all_appear(area):
    """Telecare, NHS 111, care homes and the rest all refer, as well as the three big sources."""
    sources = {r.source for r in area.referrals}
    assert {S.TELECARE, S.NHS111, S.CARE_HOME, S.SOCIAL_CARE, S.ED} <= sources


def test_no_2_hour_or_2_day_referral_comes_from_a_hospital_bed(area):
    """DOMAIN.md 1.2: the 2-day standard excludes referrals from a hospital bed; so does 2-hour."""
    standard = {Disposition.TWO_HOUR_CRISIS, Disposition.TWO_DAY_REABLEMENT}
    assert not [r for r in area.referrals if r.disposition in standard and r.source is S.ACUTE_WARD]


@pytest.mark.parametrize(
    ("need", "expected", "tolerance"),
    [
        # DOMAIN.md 1.4 (SWL ICB, one month): catheter problems 15 %, end-of-life support 9 %
        (ConditionNeed.CATHETER_CARE, 0.15, 0.01),
        (ConditionNeed.PALLIATIVE_CRISIS, 0.09, 0.01),
    ],
)
def test_presenting_needs_follow_the_reported_mix(two_hour, need, expected, tolerance):
    """The share of 2-hour referrals for each need is near the reported one."""
    assert abs(_share(two_hour, lambda r: r.need is need) - expected) <= tolerance


def test_falls_frailty_and_confusion_are_common_needs(two_hour):
    """After catheters come falls, frailty (UTIs) and confusion; each is at least 5 %."""
    needs = Counter(r.need for r in two_hour)
    for need in (
        ConditionNeed.FALL,
        ConditionNeed.FRAILTY_DECOMPENSATION,
        ConditionNeed.CONFUSION_DELIRIUM,
    ):
        assert needs[need] / len(two_hour) >= 0.05


def test_arrivals_peak_in_the_day_and_fall_at_night(area):
    """A daytime hour (09-17 local) sees over three times the arrivals of a night hour (00-06)."""
    hours = Counter(r.received_at.astimezone(LONDON).hour for r in area.referrals)
    day = sum(hours[h] for h in range(9, 17)) / 8
    night = sum(hours[h] for h in range(0, 6)) / 6
    assert day > 3 * night > 0


def test_fewer_referrals_arrive_on_a_weekend_day_than_a_weekday(area):
    """Saturdays and Sundays are quieter than Monday to Friday, per day."""
    days = Counter(r.received_at.astimezone(LONDON).weekday() for r in area.referrals)
    weekday = sum(days[d] for d in range(5)) / 5
    weekend = (days[5] + days[6]) / 2
    assert weekend < 0.9 * weekday


def test_referred_adults_are_mostly_75_or_older(area, two_hour):
    """People referred for a 2-hour response are adults, most of them aged 75+."""
    born = {p.nhs_number: p.date_of_birth for p in area.people}
    ages = [age_in_years(born[r.person_nhs_number], r.received_at.date()) for r in two_hour]
    assert min(ages) >= 18
    assert 0.6 <= _share(ages, lambda age: age >= 75) <= 0.85


def test_about_85_percent_of_2_hour_referrals_are_seen_within_2_hours(two_hour):
    """DOMAIN.md 2.3: 84.5 % of 2-hour referrals met the standard in 2024-25 (within a point)."""
    seen = [r for r in two_hour if r.first_contact_after is not None]
    assert abs(_share(seen, lambda r: r.first_contact_after <= TWO_HOURS) - 0.845) <= 0.01


def test_crisis_episodes_average_about_2_3_contacts(two_hour):
    """DOMAIN.md 2.3: 2.27 contacts per 2-hour referral nationally (2.0 to 2.6 here)."""
    closed = [r for r in two_hour if r.discharged_after is not None and not r.cancelled]
    assert 2.0 <= sum(len(r.contacts_after) for r in closed) / len(closed) <= 2.6


@pytest.mark.parametrize(
    ("disposition", "longest"),
    [
        # DOMAIN.md 1.2 crisis up to 72 hours; seeds/004 reablement up to six weeks
        (Disposition.TWO_HOUR_CRISIS, timedelta(hours=72)),
        (Disposition.SAME_DAY, timedelta(hours=72)),
        (Disposition.TWO_DAY_REABLEMENT, timedelta(weeks=6)),
    ],
)
def test_episodes_end_within_their_maximum_length(area, disposition, longest):
    """From first visit to discharge takes no longer than the episode type allows."""
    episodes = [
        r.discharged_after - r.first_contact_after
        for r in area.referrals
        if r.disposition is disposition and r.discharged_after and r.first_contact_after
    ]
    assert episodes and max(episodes) <= longest


def test_reablement_episodes_run_for_weeks_and_crisis_episodes_for_days(area):
    """A typical reablement episode is over a week; a typical crisis one under three days."""

    def median_length(disposition):
        lengths = sorted(
            r.discharged_after
            for r in area.referrals
            if r.disposition is disposition and r.contacts_after and r.discharged_after
        )
        return lengths[len(lengths) // 2]

    assert median_length(Disposition.TWO_DAY_REABLEMENT) > timedelta(days=7)
    assert median_length(Disposition.TWO_HOUR_CRISIS) < timedelta(days=3)


def test_about_one_referral_in_ten_is_redirected_with_a_red_flag_or_for_a_child(area):
    """Redirects are ~10 %; each has a red flag or is for a child, a destination and no visit."""
    born = {p.nhs_number: p.date_of_birth for p in area.people}
    redirects = [r for r in area.referrals if r.disposition is Disposition.REDIRECT]
    assert 0.07 <= len(redirects) / len(area.referrals) <= 0.13
    for r in redirects:
        child = age_in_years(born[r.person_nhs_number], r.received_at.date()) < 18
        assert r.red_flags or child
        assert r.destination is not None
        assert r.first_contact_after is None and r.outcome is None
    accepted = [r for r in area.referrals if r.disposition is not Disposition.REDIRECT]
    assert not [r for r in accepted if r.destination]


def test_the_only_red_flag_on_an_accepted_referral_is_a_long_lie_on_a_2_hour_fall(area):
    """DOMAIN.md 1.8: a long lie keeps a fall at 2 hours; no other flag is on a kept referral."""
    flagged = [
        r for r in area.referrals if r.red_flags and r.disposition is not Disposition.REDIRECT
    ]
    assert flagged
    for r in flagged:
        assert r.red_flags == {RedFlag.LONG_LIE}
        assert (r.disposition, r.need) == (Disposition.TWO_HOUR_CRISIS, ConditionNeed.FALL)


def test_replaying_triage_on_each_referral_gives_the_recorded_disposition(area):
    """The triage ruleset, run on what the referrer said, decides what the history records."""
    born = {p.nhs_number: p for p in area.people}
    for r in area.referrals:
        person = born[r.person_nhs_number]
        decision = triage(
            TriageInput(
                age_years=age_in_years(
                    person.date_of_birth, r.received_at.astimezone(LONDON).date()
                ),
                residence=person.residence,
                need=r.need,
                need_text=r.need_text,
                red_flags=r.red_flags,
                stated_urgency=r.stated_urgency,
                source=r.source,
            )
        )
        assert (decision.disposition, decision.destination) == (r.disposition, r.destination)


def test_outcomes_are_mostly_remaining_at_home_with_some_of_every_other_kind(area):
    """Most discharges keep the person at home; admissions, onward referrals and deaths occur."""
    outcomes = Counter(r.outcome for r in area.referrals if r.outcome is not None)
    top, _ = outcomes.most_common(1)[0]
    assert top.value == "remained_at_home"
    assert outcomes[top] / sum(outcomes.values()) >= 0.6
    assert len(outcomes) == 6


def test_referrals_point_to_real_people_teams_and_care_homes(area):
    """Every referral names a person and team of the area; care-home referrals a resident."""
    people = {p.nhs_number: p for p in area.people}
    teams = {t.id for t in area.teams}
    for r in area.referrals:
        assert r.team_id in teams
        person = people[r.person_nhs_number]
        if r.source is S.CARE_HOME:
            assert person.residence in (
                Residence.CARE_HOME_NURSING,
                Residence.CARE_HOME_RESIDENTIAL,
            )


def test_referral_ids_are_unique_and_in_order_of_arrival(area):
    """IDs run SYN-000001 upwards as referrals arrived."""
    ids = [r.source_referral_id for r in area.referrals]
    assert ids == [f"SYN-{n:06d}" for n in range(1, len(ids) + 1)]
    times = [r.received_at for r in area.referrals]
    assert times == sorted(times)


def test_every_event_lies_in_the_history_window_before_now(area):
    """Arrivals fall in the window; no contact or discharge is after `now`."""
    start = NOW - timedelta(days=DAYS)
    for r in area.referrals:
        assert start <= r.received_at < NOW and r.received_at.utcoffset() == timedelta(0)
        for offset in (*r.contacts_after, r.discharged_after, r.triaged_after):
            assert offset is None or r.received_at + offset <= NOW


def test_no_one_is_referred_again_after_dying(area):
    """Once an episode ends in death, that person has no later referral."""
    died = {}
    for r in area.referrals:
        if r.person_nhs_number in died:
            assert r.received_at < died[r.person_nhs_number]
        if r.outcome is not None and r.outcome.value == "died":
            died[r.person_nhs_number] = r.received_at + r.discharged_after


def test_the_live_queue_has_no_discharges_and_some_not_yet_seen():
    """Open referrals at `now` have no discharge or outcome; some await their first visit."""
    area = generate_area(seed=4, population=300_000, now=NOW, history_days=60)
    queue = [r for r in area.referrals if r.discharged_after is None]
    assert 30 <= len(queue) <= 300
    assert all(r.outcome is None and r.onward_service is None for r in queue)
    assert any(r.first_contact_after is None for r in queue)
    assert any(r.first_contact_after is not None for r in queue)


@pytest.mark.parametrize("wanted", [0, 12, 30])
def test_the_number_of_open_referrals_can_be_set(wanted):
    """`open_referrals` leaves exactly that many referrals open at `now`."""
    area = generate_area(seed=8, population=20_000, now=NOW, history_days=30, open_referrals=wanted)
    assert sum(r.discharged_after is None for r in area.referrals) == wanted


def test_asking_for_more_open_referrals_than_the_history_holds_is_refused():
    """An open queue longer than the accepted referrals of the window cannot be made."""
    with pytest.raises(ValidationError) as caught:
        generate_area(seed=8, population=20_000, now=NOW, history_days=30, open_referrals=500)
    assert caught.value.field == "open_referrals"

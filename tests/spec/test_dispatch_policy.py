"""Who should go: the dispatch policy's ordering, as a table of cases a dispatcher can read.

Every case is a small world on a grid in kilometres, travelled at 30 km/h with no road factor
(2 minutes a kilometre). A new visit at the origin lasts 60 minutes; it is 10:00 (minute 600);
its deadline is 12:00 (minute 720) unless the case says otherwise.
"""

from __future__ import annotations

import math

import pytest

from avert.dispatch.policy import (
    SKILL_FOR_NEED,
    Candidate,
    clock,
    grid_travel,
    nearest_free,
    rank,
)


TRAVEL = grid_travel(kmh=30.0, road_factor=1.0)
NOW, DEADLINE, LENGTH = 600.0, 720.0, 60.0
END = 17 * 60.0


def person(staff_id, km_away, *, free_at=NOW, skills=("falls",), end=END, committed=()):
    return Candidate(staff_id, frozenset(skills), free_at, km_away, 0.0, end, tuple(committed))


ORDERING = [
    (
        "the nearer of two free people goes first",
        [person("far", 10), person("near", 2)],
        DEADLINE,
        ["near", "far"],
    ),
    (
        "somebody free and on time beats somebody nearer who finishes too late for the deadline",
        [person("busy", 1, free_at=710), person("free", 20)],
        DEADLINE,
        ["free", "busy"],
    ),
    (
        "a person without the skill is not offered",
        [person("nurse", 1, skills=("catheter",)), person("physio", 5)],
        DEADLINE,
        ["physio"],
    ),
    (
        "a person whose shift ends before the visit would is not offered",
        [person("leaving", 1, end=NOW + 30), person("staying", 5)],
        DEADLINE,
        ["staying"],
    ),
    (
        "someone whose next visit would be pushed past its deadline comes after someone free",
        [person("booked", 1, committed=[(640, 650)]), person("free", 15)],
        DEADLINE,
        ["free", "booked"],
    ),
    (
        "pushing a visit that still keeps its deadline costs less than arriving later",
        [person("booked", 1, committed=[(640, 900)]), person("free", 15)],
        DEADLINE,
        ["free", "booked"],
    ),
    (
        "when everyone misses the deadline, the least late goes first",
        [person("later", 30, free_at=700), person("late", 30, free_at=680)],
        DEADLINE,
        ["late", "later"],
    ),
    (
        "with no deadline, the earliest arrival goes first",
        [person("b", 4), person("a", 8, free_at=590)],
        math.inf,
        ["b", "a"],
    ),
    (
        "equal options come in the order of their identifiers",
        [person("S2", 3), person("S1", 3)],
        DEADLINE,
        ["S1", "S2"],
    ),
]


@pytest.mark.parametrize(
    ("case", "people", "deadline", "expected"), ORDERING, ids=[c[0] for c in ORDERING]
)
def test_the_policy_ranks_who_should_go(case, people, deadline, expected):
    """Fewest missed deadlines, least lateness added, least disruption, earliest arrival."""
    options = rank("falls", 0.0, 0.0, LENGTH, deadline, NOW, people, TRAVEL)
    assert [o.staff_id for o in options] == expected


REASONS = [
    (
        "free now, on time, nothing moves",
        person("p", 5),
        [
            "arrives 10:10 (10 min travel)",
            "free now",
            "has skill falls",
            "within the deadline by 110 min",
            "no other visit moves",
            "finishes 11:10, shift ends 17:00",
        ],
    ),
    (
        "busy until 11:00 and two visits pushed back, one past its deadline",
        person("p", 5, free_at=660, committed=[(700, 705), (800, 900)]),
        [
            "arrives 11:10 (10 min travel)",
            "free from 11:00, after the current visit",
            "has skill falls",
            "within the deadline by 50 min",
            "pushes 2 visits 40 min later (35 min more lateness, 1 past deadline)",
            "finishes 12:10, shift ends 17:00",
        ],
    ),
]


@pytest.mark.parametrize(("case", "who", "expected"), REASONS, ids=[c[0] for c in REASONS])
def test_each_option_says_why_in_plain_words(case, who, expected):
    """The reasons name arrival and travel, skill, the deadline and what is pushed back."""
    (option,) = rank("falls", 0.0, 0.0, LENGTH, DEADLINE, NOW, [who], TRAVEL)
    assert list(option.reasons) == expected


def test_the_knock_on_is_counted_in_lateness_and_breaches():
    """Back at 11:20 (10 min there, 60 on site, 10 back): the 11:00 visit due 11:05 is 15 late."""
    who = person("p", 5, free_at=NOW, committed=[(660, 665)])
    (option,) = rank("falls", 0.0, 0.0, LENGTH, DEADLINE, NOW, [who], TRAVEL)
    assert option.arrival == 610 and option.finish == 670
    assert option.pushed == 1 and option.delay == 20
    assert option.knock_on_lateness == 15 and option.breaches == 1 and option.lateness == 0


def test_the_baseline_sends_the_nearest_free_person_whatever_the_knock_on():
    """Nearest free skilled person: the busy one and the unskilled one are passed over."""
    people = [
        person("near-busy", 1, free_at=NOW + 5),
        person("near-unskilled", 1, skills=("catheter",)),
        person("booked", 3, committed=[(620, 630)]),
        person("free", 6),
    ]
    option = nearest_free("falls", 0.0, 0.0, NOW, people, TRAVEL, duration=LENGTH)
    assert option is not None and option.staff_id == "booked"
    assert option.breaches == 1  # the baseline does not look, but it reports it


def test_the_baseline_finds_nobody_when_nobody_is_free():
    """Everyone busy: None, so the caller queues the visit."""
    people = [person("a", 1, free_at=NOW + 1), person("b", 2, end=NOW)]
    assert nearest_free("falls", 0.0, 0.0, NOW, people, TRAVEL) is None


def test_a_visit_anyone_may_do_offers_everyone():
    """An empty need means any skill."""
    people = [person("a", 1, skills=()), person("b", 2, skills=("catheter",))]
    assert [o.staff_id for o in rank("", 0, 0, LENGTH, DEADLINE, NOW, people, TRAVEL)] == [
        "a",
        "b",
    ]


def test_the_simulator_can_ask_for_the_best_few_without_reasons():
    """`limit` and `explain=False` give the same order, shorter and without words."""
    people = [person(f"s{i}", i) for i in range(1, 9)]
    full = rank("falls", 0, 0, LENGTH, DEADLINE, NOW, people, TRAVEL)
    fast = rank("falls", 0, 0, LENGTH, DEADLINE, NOW, people, TRAVEL, limit=3, explain=False)
    assert [o.staff_id for o in fast] == [o.staff_id for o in full[:3]]
    assert all(o.reasons == () for o in fast)


@pytest.mark.parametrize(
    ("minute", "shown"), [(0, "00:00"), (610.4, "10:10"), (1439.6, "00:00"), (1500, "01:00")]
)
def test_a_minute_of_the_day_reads_as_a_clock_time(minute, shown):
    """Minutes round to the nearest and wrap after midnight."""
    assert clock(minute) == shown


def test_every_need_names_the_skill_its_first_visit_calls_for():
    """Each need of the referral form maps to a skill staff carry, or to anyone ("")."""
    from avert.domain.vocab import ConditionNeed
    from avert.synth.workforce import SKILLS

    assert set(SKILL_FOR_NEED) == {n.value for n in ConditionNeed}
    assert set(SKILL_FOR_NEED.values()) - {""} <= set(SKILLS)

"""When one more visit would double-book a member of staff, as a table a reviewer can read.

Each row: the planned time of an active visit the person already holds, the planned time of the
visit a coordinator now wants to give them ("now" = no planned time: go now, busy until finished),
and whether that double-books them. A planned visit is assumed to take one slot (one hour).
"""

from datetime import UTC, datetime, timedelta

import pytest

from avert.domain.booking import VISIT_SLOT, clashes, double_booked


DOUBLE_BOOKING = """
held   | wanted | double-booked
now    | now    | yes
now    | 15:00  | yes
14:00  | now    | yes
14:00  | 14:00  | yes
14:00  | 14:30  | yes
14:00  | 13:01  | yes
14:00  | 14:59  | yes
14:00  | 15:00  | no
14:00  | 13:00  | no
14:00  | 18:00  | no
"""


def _at(text: str) -> datetime | None:
    if text == "now":
        return None
    hour, minute = map(int, text.split(":"))
    return datetime(2026, 3, 10, hour, minute, tzinfo=UTC)


def _rows(table: str):
    lines = [line for line in table.strip().splitlines()[1:]]
    return [tuple(cell.strip() for cell in line.split("|")) for line in lines]


@pytest.mark.parametrize(("held", "wanted", "expected"), _rows(DOUBLE_BOOKING))
def test_a_second_active_visit_double_books_a_person_as_the_table_says(held, wanted, expected):
    """Visits with no planned time hold their staff until finished; planned ones for an hour."""
    assert clashes(_at(held), _at(wanted)) is (expected == "yes")
    assert clashes(_at(wanted), _at(held)) is (expected == "yes")


def test_the_slot_a_planned_visit_holds_its_staff_for_is_one_hour():
    """The record has no visit duration, so one hour is assumed (a planning assumption)."""
    assert VISIT_SLOT == timedelta(hours=1)


def test_a_person_with_no_active_visits_is_never_double_booked():
    """Nothing held, nothing to clash with, whether the new visit is planned or not."""
    assert not double_booked([], None)
    assert not double_booked([], _at("14:00"))


def test_one_clash_among_several_held_visits_is_enough():
    """Planned visits at 09:00 and 11:00 leave 10:00 free but not 10:30."""
    held = [_at("09:00"), _at("11:00")]
    assert not double_booked(held, _at("10:00"))
    assert double_booked(held, _at("10:30"))

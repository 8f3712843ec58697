"""Allocation never double-books a member of staff (the rule in avert/domain/booking.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from avert.domain.errors import ValidationError
from avert.services import visits
from avert.services.intake import submit_referral
from avert.store.schema import Referral, Visit
from avert.web.api.schemas import ReferralIn, to_referral_request
from tests.conftest import seed_cast
from tests.factories import referral_body


NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _referral(database, settings) -> int:
    request = to_referral_request(ReferralIn.model_validate(referral_body()), today=NOW.date())
    return submit_referral(database, settings, request, now=NOW, actor="test").referral_id


def _version(database, referral_id: int) -> int:
    with database.reading() as session:
        return session.get(Referral, referral_id).version


def _allocate(database, referral_id, staff, planned_at=None):
    return visits.allocate(
        database,
        referral_id,
        staff,
        by="sam",
        now=NOW,
        expected_version=_version(database, referral_id),
        planned_at=planned_at,
    )


def _visits(database) -> int:
    with database.reading() as session:
        return session.execute(select(func.count()).select_from(Visit)).scalar()


def test_a_person_already_sent_on_a_visit_is_refused_a_second_and_nothing_changes(
    database, settings
):
    """Olu is on a visit with no planned time: a second one is refused, the referral untouched."""
    seed_cast(database)
    first, second = _referral(database, settings), _referral(database, settings)
    _allocate(database, first, ["S-OT"])
    version = _version(database, second)
    with pytest.raises(ValidationError, match=r"double-booked\): Olu Adeyemi"):
        _allocate(database, second, ["S-OT"])
    assert _version(database, second) == version
    assert _visits(database) == 1


def test_a_pair_is_refused_when_either_person_is_busy_and_the_busy_one_is_named(database, settings):
    """Casey is free but Olu is not: the pair cannot go, and the message names Olu alone."""
    seed_cast(database)
    first, second = _referral(database, settings), _referral(database, settings)
    _allocate(database, first, ["S-OT"])
    with pytest.raises(ValidationError) as refused:
        _allocate(database, second, ["S-CRS", "S-OT"])
    assert refused.value.message == "already on a visit at that time (double-booked): Olu Adeyemi"


def test_planned_visits_an_hour_apart_are_allowed_and_half_an_hour_apart_refused(
    database, settings
):
    """Nia holds a visit planned at 15:00: 16:00 is free, 15:30 is not, and "go now" is not."""
    seed_cast(database)
    referrals = [_referral(database, settings) for _ in range(4)]
    at = NOW + timedelta(hours=1)
    _allocate(database, referrals[0], ["S-RN"], planned_at=at)
    _allocate(database, referrals[1], ["S-RN"], planned_at=at + timedelta(hours=1))
    with pytest.raises(ValidationError, match="double-booked"):
        _allocate(database, referrals[2], ["S-RN"], planned_at=at + timedelta(minutes=30))
    with pytest.raises(ValidationError, match="double-booked"):
        _allocate(database, referrals[3], ["S-RN"])
    assert _visits(database) == 2


def test_a_person_whose_visit_is_finished_can_be_sent_again(database, settings):
    """Once the first visit is done it holds nobody: Priya can take the next referral."""
    seed_cast(database)
    first, second = _referral(database, settings), _referral(database, settings)
    visit = _allocate(database, first, ["S-PT"]).visit_id
    visits.start_travel(database, visit, by="priya", now=NOW)
    visits.arrive(database, visit, by="priya", now=NOW)
    with pytest.raises(ValidationError, match="double-booked"):
        _allocate(database, second, ["S-PT"])
    visits.finish(database, visit, by="priya", now=NOW)
    _allocate(database, second, ["S-PT"])
    assert _visits(database) == 2

"""Exactly once under concurrency: duplicate deliveries and racing coordinators lose nothing."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from avert.domain.errors import TransitionError
from avert.domain.lifecycle import StatusReason
from avert.domain.vocab import ReferralState
from avert.services import lifecycle
from avert.services.intake import submit_referral
from avert.store.schema import IdempotencyKey, Referral
from avert.web.api.schemas import ReferralIn, to_referral_request
from tests.factories import referral_body


NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _request(body):
    return to_referral_request(ReferralIn.model_validate(body), today=NOW.date())


def test_each_referral_delivered_one_to_five_times_concurrently_is_stored_once(database, settings):
    """200 referrals, each sent 1-5 times by 8 concurrent clients, shuffled: one row each."""
    rng = random.Random(20261125)
    bodies = {f"key-{n}": referral_body() for n in range(200)}
    deliveries = [key for key in bodies for _ in range(rng.randint(1, 5))]
    rng.shuffle(deliveries)
    answers: dict[str, set[int]] = {key: set() for key in bodies}
    lock = threading.Lock()

    def deliver(key):
        result = submit_referral(
            database,
            settings,
            _request(bodies[key]),
            now=NOW,
            actor="test",
            idempotency=("ambulance", key),
        )
        with lock:
            answers[key].add(result.referral_id)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(deliver, deliveries))

    assert all(len(ids) == 1 for ids in answers.values())
    assert len({next(iter(ids)) for ids in answers.values()}) == len(bodies)
    with database.reading() as session:
        assert session.execute(select(func.count()).select_from(Referral)).scalar() == 200
        assert session.execute(select(func.count()).select_from(IdempotencyKey)).scalar() == 200


def test_sixteen_coordinators_racing_to_accept_one_referral_leave_one_winner(database, settings):
    """Compare-and-set: of 16 concurrent accepts at the same version, exactly one succeeds."""
    created = submit_referral(database, settings, _request(referral_body()), now=NOW, actor="t")
    outcomes = []
    lock = threading.Lock()

    def accept(n):
        try:
            lifecycle.transition(
                database,
                created.referral_id,
                lifecycle.TransitionRequest(
                    to=ReferralState.ACCEPTED,
                    reason=StatusReason.ACCEPTED_BY_CLINICIAN,
                    actor=f"coordinator {n}",
                    expected_version=1,
                ),
                now=NOW,
            )
            result = "won"
        except (lifecycle.StaleVersion, TransitionError):
            result = "told"
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(accept, range(16)))

    assert sorted(outcomes) == ["told"] * 15 + ["won"]
    with database.reading() as session:
        referral = session.get(Referral, created.referral_id)
        assert (referral.state, referral.version) == ("accepted", 2)

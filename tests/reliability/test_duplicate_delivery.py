"""Exactly once under concurrency: duplicate deliveries and racing coordinators lose nothing."""

import random
import threading
import time
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


def test_each_of_a_thousand_referrals_delivered_one_to_five_times_is_stored_once(
    database, settings, reliability_report, long_run
):
    """1,000 referrals (10,000 with --long) sent 1-5 times each by 8 clients: one row each."""
    rng = random.Random(20261125)
    referrals = 10_000 if long_run else 1_000
    bodies = {f"key-{n}": referral_body() for n in range(referrals)}
    deliveries = [key for key in bodies for _ in range(rng.randint(1, 5))]
    rng.shuffle(deliveries)
    requests = {key: _request(body) for key, body in bodies.items()}
    answers: dict[str, set[int]] = {key: set() for key in bodies}
    created: dict[str, int] = {key: 0 for key in bodies}
    lock = threading.Lock()

    def deliver(key):
        result = submit_referral(
            database, settings, requests[key], now=NOW, actor="test", idempotency=("ambulance", key)
        )
        with lock:
            answers[key].add(result.referral_id)
            created[key] += result.created

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(deliver, deliveries))
    seconds = time.monotonic() - started

    with database.reading() as session:
        rows = session.execute(select(func.count()).select_from(Referral)).scalar()
        keys = session.execute(select(func.count()).select_from(IdempotencyKey)).scalar()
        stored = dict(session.execute(select(IdempotencyKey.key, IdempotencyKey.referral_id)).all())
    answered_once = {key: next(iter(ids)) for key, ids in answers.items() if len(ids) == 1}
    lost = sum(1 for key in bodies if key not in stored)
    duplicates = (rows - referrals) + sum(1 for n in created.values() if n > 1)
    reliability_report.record(
        "duplicate delivery",
        cases=referrals,
        deliveries=len(deliveries),
        clients=8,
        lost=lost,
        duplicates=duplicates,
        seconds=round(seconds, 2),
    )
    assert len(answered_once) == referrals, "some key was answered with two referral ids"
    assert answered_once == stored
    assert sorted(created.values()) == [1] * referrals
    assert (rows, keys, lost, duplicates) == (referrals, referrals, 0, 0)


def test_sixteen_coordinators_racing_to_accept_one_referral_leave_one_winner(
    database, settings, reliability_report
):
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

    reliability_report.record(
        "racing accept",
        cases=len(outcomes),
        winners=outcomes.count("won"),
        told=outcomes.count("told"),
        duplicates=max(outcomes.count("won") - 1, 0),
    )
    assert sorted(outcomes) == ["told"] * 15 + ["won"]
    with database.reading() as session:
        referral = session.get(Referral, created.referral_id)
        assert (referral.state, referral.version) == ("accepted", 2)

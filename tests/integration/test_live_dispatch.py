"""Live dispatch from the database: the running day as read, and a person going off sick."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from avert.dispatch import live
from avert.dispatch.model import Plan, Route
from avert.dispatch.stop import MaxIterations
from avert.services import dispatch, visits
from avert.services.intake import submit_referral
from avert.store.db import Database
from avert.store.schema import MaintainedPlan, Person, Referral, StaffMember, Visit
from avert.web.api.schemas import ReferralIn, to_referral_request
from tests.conftest import seed_cast
from tests.factories import referral_body


NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _referral(database, settings, **overrides) -> int:
    body = ReferralIn.model_validate(referral_body(**overrides))
    request = to_referral_request(body, today=NOW.date())
    return submit_referral(database, settings, request, now=NOW, actor="test").referral_id


def _version(database, referral_id: int) -> int:
    with database.reading() as session:
        return session.get(Referral, referral_id).version


def _allocate(database, referral_id, staff, planned_at=None) -> int:
    return visits.allocate(
        database,
        referral_id,
        staff,
        by="sam",
        now=NOW,
        expected_version=_version(database, referral_id),
        planned_at=planned_at,
    ).visit_id


def _place(database, referral_id, lat, lon) -> None:
    with database.writing() as session:
        person = session.get(Person, session.get(Referral, referral_id).person_id)
        person.lat, person.lon = lat, lon


def test_the_day_is_read_with_staff_visits_under_way_and_waiting_referrals(database, settings):
    """On shift, allocated, under way and waiting, each with its deadline and place."""
    seed_cast(database)
    waiting = _referral(database, settings)
    allocated = _referral(database, settings)
    started = _referral(database, settings, need="diabetes_support")
    _place(database, waiting, 52.64, -1.12)
    _allocate(database, allocated, ["S-OT"])
    visit = _allocate(database, started, ["S-RN"])
    visits.start_travel(database, visit, by="nia", now=NOW)
    visits.arrive(database, visit, by="nia", now=NOW + timedelta(minutes=20))

    day = dispatch.read_day(database, now=NOW + timedelta(minutes=30))
    assert {s.id for s in day.staff} == {"S-OT", "S-CRS", "S-RN", "S-PT", "S-CH"}
    by_id = {r.id: r for r in day.referrals}
    assert set(by_id) == {waiting, allocated, started}
    assert by_id[started].status == "arrived" and by_id[started].deadline is None  # clock stopped
    assert by_id[started].arrived_at == NOW + timedelta(minutes=20)
    assert by_id[waiting].located and (by_id[waiting].lat, by_id[waiting].lon) == (52.64, -1.12)
    assert not by_id[allocated].located  # no address position: the team's base
    assert by_id[allocated].staff_ids == ("S-OT",) and by_id[allocated].status == "allocated"
    assert by_id[waiting].deadline == NOW + timedelta(hours=2)


def test_a_visit_under_way_is_read_and_pinned_in_the_running_day(database, settings):
    """The nurse on site keeps her visit, pinned at her arrival."""
    seed_cast(database)
    referral = _referral(database, settings, need="diabetes_support")
    visit = _allocate(database, referral, ["S-RN"])
    visits.start_travel(database, visit, by="nia", now=NOW)
    day = dispatch.read_day(database, now=NOW + timedelta(minutes=5))
    (read,) = day.referrals
    assert (read.status, read.staff_ids, read.en_route_at) == ("en_route", ("S-RN",), NOW)
    running = live.build(day)
    (pin,) = running.problem.pins
    assert (pin.visit_id, pin.staff_id) == (f"R{referral}", "S-RN")
    assert live.predict(running)[referral].status == "on_time"


def test_off_sick_withdraws_visits_not_started_and_the_replan_gives_them_to_others(
    database, settings
):
    """Olu off sick: the visit waiting for him is cancelled, the referral accepted again, and the
    re-plan suggests Priya (the other person with the falls skill)."""
    seed_cast(database)
    referral = _referral(database, settings)
    visit = _allocate(database, referral, ["S-OT"])
    before = dispatch.running_day(database, now=NOW)
    change = dispatch.mark_off_sick(database, "S-OT", by="Sam Coordinator", now=NOW)
    assert change.released == (referral,) and change.kept == ()
    with database.reading() as session:
        assert session.get(Visit, visit).status == "cancelled"
        assert session.get(Referral, referral).state == "accepted"
        assert session.get(StaffMember, "S-OT").status == "off"
    result = live.replan(before, dispatch.read_day(database, now=NOW), MaxIterations(20))
    (move,) = [m for m in result.moves if m.referral_id == referral]
    assert move.before == ("S-OT",) and move.after == ("S-PT",)
    options = dispatch.who_should_go(database, referral, now=NOW)
    assert [o.staff_id for o in options] == ["S-PT"]


def test_off_sick_leaves_a_visit_under_way_with_them(database, settings):
    """The nurse is on site when she goes off sick: that visit stays hers; nothing is withdrawn."""
    seed_cast(database)
    referral = _referral(database, settings, need="diabetes_support")
    visit = _allocate(database, referral, ["S-RN"])
    visits.start_travel(database, visit, by="nia", now=NOW)
    visits.arrive(database, visit, by="nia", now=NOW)
    change = dispatch.mark_off_sick(database, "S-RN", by="Sam Coordinator", now=NOW)
    assert change.released == () and change.kept == (referral,)
    with database.reading() as session:
        assert session.execute(select(Visit.status).where(Visit.id == visit)).scalar() == "arrived"


def test_the_maintained_plan_is_reused_until_something_changes(database, settings):
    """Same state within a minute: the same plan; a new referral, or a minute on: planned again."""
    seed_cast(database)
    first = _referral(database, settings)
    kept = dispatch.current_day(database, now=NOW)
    assert dispatch.current_day(database, now=NOW + timedelta(seconds=30)) is kept
    second = _referral(database, settings)
    again = dispatch.current_day(database, now=NOW + timedelta(seconds=30))
    assert again is not kept
    assert set(dispatch.predictions(database, now=NOW + timedelta(seconds=30))) == {first, second}
    later = dispatch.current_day(database, now=NOW + timedelta(minutes=2))
    assert later is not again and later.day.now == NOW + timedelta(minutes=2)


def _routes(plan: Plan) -> dict[str, list[str]]:
    return {r.staff_id: [a.visit_id for a in r.stops] for r in plan.routes if r.stops}


def test_every_server_process_shows_the_plan_another_made_for_the_same_day(database, settings):
    """Two server processes (two connections to one database): the plan one of them kept is the
    plan the other shows for the same state of the day, with the same predictions, not one of
    its own. The kept plan here is one no search would make: every fall visit with Priya."""
    seed_cast(database)
    for n in range(4):
        _place(database, _referral(database, settings), 52.62 + n / 100, -1.10 - n / 100)
    other = Database.from_url(database.engine.url.render_as_string(hide_password=False))
    try:
        made = dispatch.current_day(database, now=NOW)
        waiting = [live.visit_key(r.id) for r in made.day.referrals]
        lopsided = Plan(
            (Route("S-PT", tuple(s for r in made.plan.routes for s in r.stops)),),
        )
        kept = live.build(made.day, initial=lopsided)
        assert _routes(kept.plan) == {"S-PT": [s.visit_id for s in lopsided.routes[0].stops]}
        assert sorted(_routes(kept.plan)["S-PT"]) == sorted(waiting)
        dispatch.remember(database, now=NOW, running=kept)

        later = NOW + timedelta(seconds=20)
        shown = dispatch.current_day(other, now=later)
        assert _routes(shown.plan) == _routes(kept.plan)
        assert dispatch.predictions(other, now=later) == dispatch.predictions(database, now=later)
    finally:
        other.dispose()


def test_a_change_to_the_day_is_planned_once_and_then_shown_by_every_process(database, settings):
    """After a new referral, the first process to look plans the day again and keeps the plan;
    the other then shows that plan (a new version of the same shared plan)."""
    seed_cast(database)
    _referral(database, settings)
    other = Database.from_url(database.engine.url.render_as_string(hide_password=False))
    try:
        dispatch.current_day(database, now=NOW)
        dispatch.current_day(other, now=NOW)
        _referral(database, settings)
        first = dispatch.current_day(other, now=NOW + timedelta(seconds=5))
        second = dispatch.current_day(database, now=NOW + timedelta(seconds=6))
        assert len(first.day.referrals) == len(second.day.referrals) == 2
        assert _routes(second.plan) == _routes(first.plan)
        with database.reading() as session:
            assert session.get(MaintainedPlan, 1).version == 2
    finally:
        other.dispose()

"""The Directory of Services in the database: the synthetic directory, edits by compare-and-set,
capacity history and search, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from avert.config import Settings
from avert.domain import directory as dos
from avert.domain.access import Role
from avert.domain.errors import ValidationError
from avert.domain.service_hours import ServiceHours
from avert.domain.vocab import ConditionNeed
from avert.security import audit
from avert.security.principal import Principal
from avert.services import directory
from avert.services.area import load_area
from avert.store.schema import AuditEntry, Neighbourhood, Person, Referral
from avert.synth import generate_area


NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in London
LEAD = Principal("sergio", "Sergio Lead", Role.SERVICE_LEAD, "RT5")
ISSUE_TYPES = {
    "ucr",
    "reablement",
    "community_nursing",
    "carers_emergency",
    "voluntary_sector",
    "housing",
    "urgent_treatment_centre",
    "emergency_department",
}


@pytest.fixture
def area_db(database):
    """A small synthetic area loaded, with its directory."""
    area = generate_area(seed=3, population=5_000, now=NOW, history_days=30)
    load_area(database, Settings(), area)
    return database


def auditor(database):
    def write(session, row, action) -> None:
        audit.append(
            session,
            database.dialect,
            "test-key",
            LEAD,
            audit.Access(action, f"directory/{row.id}", (), "service lead"),
            now=NOW,
            request_id=None,
        )

    return write


def new_service(**changes) -> dos.DirectoryService:
    values = {
        "id": 0,
        "name": "Test Falls Service",
        "type": dos.ServiceType.VOLUNTARY_SECTOR,
        "hours": ServiceHours.default(),
        "route": dos.ReferralRoute(dos.RouteKind.PHONE, "0116 496 0999"),
        "lat": 52.6,
        "lon": -1.1,
        "needs": frozenset({ConditionNeed.FALL}),
        "min_age": 65,
    }
    return dos.DirectoryService(**(values | changes))


def test_loading_a_synthetic_area_loads_a_directory_with_every_kind_of_service(area_db):
    """Every service type the issue names is there, with sessions, and every GP practice."""
    services = directory.list_services(area_db)
    kinds = {s.type.value for s in services}
    assert ISSUE_TYPES <= kinds
    assert "gp_practice" in kinds
    practices = [s for s in services if s.type is dos.ServiceType.GP_PRACTICE]
    assert all(s.ods_code for s in practices)
    assert all(s.hours.bank_holidays for s in practices)  # closed on the area's bank holidays


def test_a_service_lead_edits_a_service_by_compare_and_set(database):
    """An edit from the version read wins; a second edit from the same version is refused."""
    created = directory.create_service(
        database, new_service(), by="Sergio Lead", now=NOW, audit=auditor(database)
    )
    assert created.version == 1 and created.id > 0
    renamed = dos.DirectoryService(**{**created.__dict__, "name": "Falls Friends"})
    updated = directory.update_service(
        database, created.id, renamed, expected_version=1, by="Sergio Lead", now=NOW
    )
    assert (updated.name, updated.version) == ("Falls Friends", 2)
    with pytest.raises(directory.StaleService) as stale:
        directory.update_service(
            database, created.id, created, expected_version=1, by="Someone else", now=NOW
        )
    assert stale.value.current_version == 2
    assert directory.get_service(database, created.id).name == "Falls Friends"
    with pytest.raises(directory.ServiceNotFound):
        directory.update_service(database, 9999, created, expected_version=1, by="x", now=NOW)


def test_each_change_writes_one_audit_entry_with_no_people(database):
    """Create, update and capacity each append one audit entry naming the service, no person."""
    write = auditor(database)
    created = directory.create_service(database, new_service(), by="Sergio", now=NOW, audit=write)
    directory.update_service(
        database, created.id, created, expected_version=1, by="Sergio", now=NOW, audit=write
    )
    directory.set_capacity(
        database, created.id, dos.Capacity.AMBER, by="Sergio", now=NOW, audit=write
    )
    with database.reading() as session:
        entries = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    assert [(e.action, e.resource, e.subjects) for e in entries] == [
        ("create", f"directory/{created.id}", []),
        ("update", f"directory/{created.id}", []),
        ("capacity", f"directory/{created.id}", []),
    ]
    assert audit.verify(database, "test-key").ok


def test_capacity_history_is_kept_and_the_newest_status_is_in_force(database):
    """Three statuses set: all kept, newest first; the search follows the newest."""
    created = directory.create_service(database, new_service(), by="Sergio", now=NOW)
    for minutes, status in ((0, "amber"), (30, "red"), (60, "green")):
        directory.set_capacity(
            database,
            created.id,
            dos.Capacity(status),
            by="Sergio",
            now=NOW + timedelta(minutes=minutes),
            note=f"at {minutes}",
        )
    history = directory.capacity_history(database, created.id)
    assert [(h.status.value, h.note) for h in history] == [
        ("green", "at 60"),
        ("red", "at 30"),
        ("amber", "at 0"),
    ]
    assert directory.get_service(database, created.id).capacity_at(NOW) is dos.Capacity.GREEN


def test_a_red_service_is_hidden_from_search_until_its_status_resets(database):
    """Set RED at 10:00: not found at 13:59, found again at 14:00 (the 240-minute reset)."""
    created = directory.create_service(database, new_service(), by="Sergio", now=NOW)
    assert [m.service.id for m in directory.search(database, now=NOW)] == [created.id]
    directory.set_capacity(database, created.id, dos.Capacity.RED, by="Sergio", now=NOW)
    assert directory.search(database, now=NOW + timedelta(minutes=239)) == []
    assert len(directory.search(database, now=NOW + timedelta(minutes=240))) == 1


def test_search_by_need_age_and_place_ranks_the_nearest_open_service_first(area_db):
    """In the synthetic area: a fall for a 80-year-old near a neighbourhood, open now."""
    with area_db.reading() as session:
        hood = session.execute(select(Neighbourhood).limit(1)).scalar_one()
    place = directory.locate(area_db, hood.name.lower())
    assert place.neighbourhood == hood.id
    found = directory.search(area_db, now=NOW, need=ConditionNeed.FALL, near=place, age=80)
    assert found and all(m.open_now for m in found)
    distances = [m.distance_km for m in found]
    assert distances == sorted(distances)
    assert all(m.service.type is not dos.ServiceType.CHILDRENS_COMMUNITY for m in found)


def test_a_postcode_or_its_district_is_located_from_known_places(area_db):
    """A practice's postcode is found; an unknown unit in a known district falls back to it."""
    practice = next(
        s for s in directory.list_services(area_db) if s.type is dos.ServiceType.GP_PRACTICE
    )
    exact = directory.locate(area_db, practice.postcode.replace(" ", "").lower())
    assert (exact.lat, exact.lon) == pytest.approx((practice.lat, practice.lon))
    district = directory.locate(area_db, practice.postcode.split()[0] + " 9ZZ")
    assert district.label.endswith("9ZZ")
    with pytest.raises(ValidationError):
        directory.locate(area_db, "Nowhere-on-sea")


def test_a_redirected_referral_is_given_a_real_open_service_at_read_time(area_db):
    """Each redirected referral in the area names an open service or says whom to call."""
    with area_db.reading() as session:
        redirected = (
            session.execute(select(Referral).where(Referral.disposition == "redirect").limit(20))
            .scalars()
            .all()
        )
        total = session.execute(select(func.count()).select_from(Referral)).scalar()
        people = {p.id: p for p in session.execute(select(Person)).scalars()}
    assert total > 0 and redirected
    for referral in redirected:
        view = directory.redirect_for(area_db, referral, people[referral.person_id], now=NOW)
        assert view["destination"] == referral.destination
        if view["found"]:
            assert view["service"]["open_now"] and view["service"]["capacity"] != "red"
        else:
            assert view["fallback"].startswith("No open service found")

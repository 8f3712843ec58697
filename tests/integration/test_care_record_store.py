"""The shared care record in the store: versions, compare-and-set, append-only, on both engines."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from avert.domain.care_record import Section, SectionInvalid
from avert.domain.errors import ValidationError
from avert.services import care_record
from avert.store.schema import CareRecordEntry, Person


NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


@pytest.fixture
def person_id(database) -> int:
    with database.writing() as session:
        person = Person(given_name="Edna", family_name="Store", sex="female", residence="own_home")
        session.add(person)
        session.flush()
        return person.id


def _conditions(*names: str) -> dict:
    return {"conditions": [{"name": n, "note": ""} for n in names]}


def _save(database, person_id, data, version, *, by="Nia Evans", reason="Seen today", at=NOW):
    return care_record.update_section(
        database,
        person_id,
        Section.CONDITIONS,
        data,
        expected_version=version,
        reason=reason,
        by=by,
        now=at,
        today=TODAY,
    )


def test_each_change_is_a_new_version_with_who_when_and_why(database, person_id):
    """Version 1, then 2; the current record is the newest; history keeps both, newest first."""
    assert care_record.read_record(database, person_id).version(Section.CONDITIONS) == 0
    _save(database, person_id, _conditions("COPD"), 0, reason="GP letter")
    later = NOW + timedelta(hours=1)
    _save(database, person_id, _conditions("COPD", "Type 2 diabetes"), 1, by="Olu", at=later)
    record = care_record.read_record(database, person_id)
    assert record.version(Section.CONDITIONS) == 2
    assert [c["name"] for c in record.data["conditions"]["conditions"]] == [
        "COPD",
        "Type 2 diabetes",
    ]
    assert record.sections[Section.ALLERGIES] is None
    history = care_record.history(database, person_id, Section.CONDITIONS)
    assert [(v.version, v.recorded_by, v.recorded_at, v.reason) for v in history] == [
        (2, "Olu", later, "Seen today"),
        (1, "Nia Evans", NOW, "GP letter"),
    ]


def test_a_change_from_an_old_version_is_refused_and_overwrites_nothing(database, person_id):
    """Compare-and-set: the second editor from version 0 is told the section is now at 1."""
    _save(database, person_id, _conditions("COPD"), 0)
    with pytest.raises(care_record.VersionConflict) as conflict:
        _save(database, person_id, _conditions("Asthma"), 0, by="Olu")
    assert conflict.value.current == 1
    assert care_record.read_record(database, person_id).data["conditions"] == _conditions("COPD")


def test_two_concurrent_saves_from_the_same_version_cannot_both_win(database, person_id):
    """Eight threads save from version 0 at once: exactly one version 1, the others conflict."""
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def save(n: int) -> None:
        barrier.wait()
        try:
            _save(database, person_id, _conditions(f"Condition {n}"), 0, by=f"editor {n}")
            outcomes.append("saved")
        except care_record.VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["saved"]
    with database.reading() as session:
        assert session.query(CareRecordEntry).count() == 1


def test_invalid_data_or_no_reason_stores_nothing(database, person_id):
    """Validation and the reason are checked before the transaction."""
    with pytest.raises(SectionInvalid):
        _save(database, person_id, {"conditions": [{"name": "", "note": ""}]}, 0)
    with pytest.raises(ValidationError, match="say why"):
        _save(database, person_id, _conditions("COPD"), 0, reason="")
    with database.reading() as session:
        assert session.query(CareRecordEntry).count() == 0


def test_the_access_section_becomes_the_access_note_the_board_shows(database, person_id):
    """Key safe, entry and hazards are written to the person's one-line access note."""
    care_record.update_section(
        database,
        person_id,
        Section.ACCESS,
        {"key_safe": True, "key_safe_details": "By the shed", "entry": "", "hazards": "Dog"},
        expected_version=0,
        reason="Visit",
        by="Nia Evans",
        now=NOW,
        today=TODAY,
    )
    with database.reading() as session:
        assert session.get(Person, person_id).access_note == "Key safe: By the shed. Hazards: Dog"


def test_the_stored_versions_cannot_be_changed_or_deleted(database, person_id):
    """The database itself refuses UPDATE and DELETE on the care record's history."""
    _save(database, person_id, _conditions("COPD"), 0)
    for statement in (
        "UPDATE care_record_entries SET reason = 'rewritten'",
        "DELETE FROM care_record_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with database.writing() as session:
                session.execute(text(statement))
    assert care_record.history(database, person_id, Section.CONDITIONS)[0].reason == "Seen today"


def test_an_unknown_person_has_no_record(database):
    """NotFound, not an empty record."""
    with pytest.raises(care_record.NotFound):
        care_record.read_record(database, 424242)
    with pytest.raises(care_record.NotFound):
        _save(database, 424242, _conditions("COPD"), 0)


def test_the_synthetic_area_gives_everyone_with_an_open_referral_a_care_record(database):
    """The demo shows the record: each person with an open referral has every section but
    possibly the advance care plan, at version 1, valid, with their access note set."""
    from avert.config import Settings
    from avert.domain.care_record import validate
    from avert.services.area import load_area
    from avert.store.schema import Referral
    from avert.synth import generate_area

    load_area(
        database, Settings(), generate_area(seed=3, population=20_000, now=NOW, history_days=30)
    )
    with database.reading() as session:
        open_people = {
            r.person_id for r in session.query(Referral).filter(Referral.is_open.is_(True))
        }
        entries = session.query(CareRecordEntry).all()
        notes = {
            p.id: p.access_note for p in session.query(Person).filter(Person.id.in_(open_people))
        }
    assert open_people and {e.person_id for e in entries} == open_people
    assert {e.version for e in entries} == {1}
    for entry in entries:
        assert validate(Section(entry.section), entry.data, today=TODAY) == entry.data
    sections = {}
    for entry in entries:
        sections.setdefault(entry.person_id, set()).add(entry.section)
    required = {s.value for s in Section} - {Section.ADVANCE_CARE_PLAN.value}
    assert all(required <= found for found in sections.values())
    assert all(notes[pid] for pid in open_people)

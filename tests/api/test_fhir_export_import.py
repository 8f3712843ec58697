"""A patient's record exported as FHIR and imported into an empty Avert is the same record.

"The same" (docs/fhir.md): the person's `people` row and each referral's row, column by column,
except what belongs to the receiving installation or to the area: row ids (person and referral
ids are new, links between referrals follow), `version`, `created_at`, `submitted_by`, and the
person's map and area columns (lat/lon, neighbourhood, practice, care home, deprivation decile),
which come from the receiving area's data. History events are not exported; the import writes
one "imported" event per referral. Visits, assessments, actions and decisions are exported as
Encounters, Observations and CarePlans but not imported.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from avert.config import Settings
from avert.domain.lifecycle import Discharge
from avert.domain.vocab import DischargeOutcome, Disposition, ReferralState
from avert.services import fhir_io, lifecycle, visits
from avert.services.intake import submit_referral
from avert.store import migrate
from avert.store.db import Database
from avert.store.schema import Person, Referral, ReferralEvent, Team
from avert.web.api.schemas import ReferralIn, to_referral_request
from tests.factories import referral_body, synthetic_nhs_number


PERSON_EXCLUDED = {
    "id",
    "lat",
    "lon",
    "neighbourhood_id",
    "practice_ods",
    "care_home_id",
    "deprivation_decile",
}
REFERRAL_EXCLUDED = {
    "id",
    "person_id",
    "possible_duplicate_of",
    "version",
    "created_at",
    "submitted_by",
}


@pytest.fixture
def empty_database(request, app, database, tmp_path):
    """A second, empty Avert on the same engine, with the same teams configured.

    `app` seeds the first database with the standing cast (teams, staff on shift).
    """
    if database.dialect == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'empty.db'}", (lambda: None)
    else:
        from avert.bench.pgserver import create_database

        url, drop = create_database(request.getfixturevalue("postgres_url"))
    target = Database.from_url(url)
    migrate.upgrade(target)
    with database.reading() as session:
        teams = [
            {c: getattr(t, c) for c in Team.__table__.columns.keys()}
            for t in session.query(Team).all()
        ]
    with target.writing() as session:
        session.add_all(Team(**t) for t in teams)
    try:
        yield target
    finally:
        target.dispose()
        drop()


def _submit(database, clock, **body):
    request = to_referral_request(
        ReferralIn.model_validate(referral_body(**body)), today=clock.at.date()
    )
    return submit_referral(database, Settings(), request, now=clock.at, actor="test").referral_id


def _a_record(database, clock) -> str:
    """A person with four referrals: discharged after a visit, overridden, redirected, duplicate."""
    nhs = synthetic_nhs_number()
    person = {
        "nhs_number": nhs,
        "access_note": "Key safe 1234 by the back door",
        "address_line": "1 Mill Lane",
    }
    start = clock.at
    first = _submit(
        database,
        clock,
        person=person,
        source="nhs111",
        source_system="iuc-cas",
        source_referral_id="C-1",
    )
    visit = visits.allocate(database, first, ["S-OT"], by="sam", now=start, expected_version=1)
    visits.start_travel(database, visit.visit_id, by="olu", now=start + timedelta(minutes=5))
    visits.arrive(database, visit.visit_id, by="olu", now=start + timedelta(minutes=45))
    visits.finish(
        database,
        visit.visit_id,
        by="olu",
        now=start + timedelta(minutes=90),
        discharge=Discharge(DischargeOutcome.REMAINED_AT_HOME),
    )
    clock.set(start + timedelta(days=2))
    second = _submit(
        database, clock, person=person, need="catheter_care", stated_urgency="same_day"
    )
    lifecycle.override_triage(
        database,
        Settings(),
        second,
        disposition=Disposition.TWO_HOUR_CRISIS,
        destination=None,
        reason="Blocked catheter, in pain",
        by="Nia Evans",
        now=clock.at,
    )
    clock.set(clock.at + timedelta(minutes=10))
    _submit(database, clock, person=person, red_flags=["chest_pain"], source="carer_relative")
    clock.set(clock.at + timedelta(minutes=10))
    _submit(database, clock, person=person, source="gp")
    return nhs


def _rows(database, nhs: str) -> tuple[dict, list[dict]]:
    with database.reading() as session:
        person = session.query(Person).filter_by(nhs_number=nhs).one()
        referrals = (
            session.query(Referral)
            .filter_by(person_id=person.id)
            .order_by(Referral.received_at)
            .all()
        )
        ids = {r.id: i for i, r in enumerate(referrals)}
        person_row = {
            c: getattr(person, c)
            for c in Person.__table__.columns.keys()
            if c not in PERSON_EXCLUDED
        }
        referral_rows = [
            {
                **{
                    c: getattr(r, c)
                    for c in Referral.__table__.columns.keys()
                    if c not in REFERRAL_EXCLUDED
                },
                # a link to another referral is compared by position, since ids are new
                "duplicate_of_position": ids.get(r.possible_duplicate_of),
            }
            for r in referrals
        ]
    return person_row, referral_rows


def test_an_exported_record_imported_into_an_empty_avert_is_the_same_record_once(
    database, empty_database, clock
):
    """Done when: export then import gives the same record; importing it again changes nothing."""
    nhs = _a_record(database, clock)
    exported = fhir_io.export_patient(database, nhs, now=clock.at)
    report = fhir_io.import_bundle(
        empty_database, Settings(), json.loads(json.dumps(exported)), now=clock.at
    )
    assert (report.people_created, report.referrals_created) == (1, 4)
    before, after = _rows(database, nhs), _rows(empty_database, nhs)
    assert after[0] == before[0]
    assert len(after[1]) == len(before[1]) == 4
    for old, new in zip(before[1], after[1], strict=True):
        assert new == old
    states = [r["state"] for r in after[1]]
    assert states == ["discharged", "triaged", "redirected", "triaged"]
    assert after[1][1]["triage"]["overridden"] is True
    assert after[1][3]["duplicate_of_position"] == 1
    assert after[1][3]["clock_deadline"] == before[1][3]["clock_deadline"] is not None
    with empty_database.reading() as session:
        assert {e.action for e in session.query(ReferralEvent).all()} == {"imported"}
    again = fhir_io.import_bundle(empty_database, Settings(), exported, now=clock.at)
    assert (again.people_created, again.referrals_created) == (0, 0)
    assert _rows(empty_database, nhs) == after


def test_a_bundle_with_one_bad_entry_imports_nothing_and_names_the_entry(
    database, empty_database, clock
):
    """Atomic: a bad NHS number in one Patient refuses the whole Bundle, saying which entry."""
    nhs = _a_record(database, clock)
    exported = fhir_io.export_patient(database, nhs, now=clock.at)
    other = json.loads(json.dumps(exported["entry"][0]))
    other["resource"]["id"] = "other"
    other["fullUrl"] = other["fullUrl"].rsplit("/", 1)[0] + "/other"
    other["resource"]["identifier"][0]["value"] = "9912003814"
    exported["entry"].append(other)
    with pytest.raises(fhir_io.Refused) as refused:
        fhir_io.import_bundle(empty_database, Settings(), exported, now=clock.at)
    where = f"Bundle.entry[{len(exported['entry']) - 1}].resource.identifier[0].value"
    assert [(p.expression, p.code) for p in refused.value.problems] == [(where, "value")]
    with empty_database.reading() as session:
        assert session.query(Person).count() == 0
        assert session.query(Referral).count() == 0


def test_a_referral_from_another_system_is_imported_through_triage(empty_database, clock):
    """A ServiceRequest without Avert's triage is a new referral: triaged now, clock started."""
    from tests.api.test_fhir_api import referral_from_111
    from tests.factories import example

    sr = referral_from_111()
    sr["contained"] = [sr["contained"][1]]
    sr["subject"] = {"reference": "Patient/UKCore-Patient-RichardSmith-Example"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": example("Patient-RichardSmith")}, {"resource": sr}],
    }
    report = fhir_io.import_bundle(empty_database, Settings(), bundle, now=clock.at)
    assert report.referrals_created == 1
    with empty_database.reading() as session:
        referral = session.query(Referral).one()
    assert (referral.state, referral.disposition) == (
        ReferralState.TRIAGED,
        Disposition.TWO_HOUR_CRISIS,
    )
    assert referral.clock_deadline == clock.at + timedelta(hours=2)


def test_the_command_line_exports_and_imports_with_clear_exit_codes(
    database, empty_database, clock, tmp_path, capsys
):
    """`avert export patient` writes a Bundle, `avert import fhir` reads it; bad input exits 12."""
    nhs = _a_record(database, clock)
    out = tmp_path / "patient.json"
    assert fhir_io.export_patient_cli(database, Settings(), nhs, out) == 0
    assert json.loads(out.read_text())["type"] == "collection"
    assert fhir_io.export_patient_cli(database, Settings(), "9912003814", None) == 12
    assert fhir_io.export_patient_cli(database, Settings(), synthetic_nhs_number(), None) == 12
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Patient", "birthDate": "1941-02-30"}}],
            }
        )
    )
    assert fhir_io.import_bundle_cli(empty_database, Settings(), broken) == 12
    assert "Bundle.entry[0].resource.birthDate" in capsys.readouterr().err
    (tmp_path / "text.json").write_text("not json")
    assert fhir_io.import_bundle_cli(empty_database, Settings(), tmp_path / "text.json") == 12
    assert fhir_io.import_bundle_cli(empty_database, Settings(), out) == 0
    with empty_database.reading() as session:
        assert session.query(Referral).count() == 4

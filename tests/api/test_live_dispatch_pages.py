"""Live dispatch on the board: who should go, predicted breaches, and a person off sick."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from avert.security import audit
from avert.store.schema import Visit
from tests.factories import referral_body


def _referral(client, **overrides) -> dict:
    response = client.post("/api/referrals", json=referral_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def _options(html: str) -> list[str]:
    return re.findall(r'data-option="([^"]+)"', html)


def _prediction(html: str, referral_id: int) -> str:
    row = html.split(f'data-referral="{referral_id}"')[1].split("</tr>")[0]
    found = re.search(r'data-prediction="([a-z_]+)"', row)
    return found.group(1) if found else ""


def test_the_allocation_form_ranks_only_people_with_the_skill_with_their_reasons(client):
    """A fall needs the falls skill: the OT and the physiotherapist, each with reasons."""
    created = _referral(client)
    html = client.get(f"/board/allocate/{created['id']}").text
    assert "Who should go" in html
    assert sorted(_options(html)) == ["S-OT", "S-PT"]
    assert "has skill falls" in html
    assert "arrives 14:00 (0 min travel)" in html  # 14:00 UTC is 14:00 GMT in March
    assert "within the deadline by 120 min" in html
    assert "no other visit moves" in html


def test_each_option_names_its_team_and_marks_another_teams_clinician(client):
    """Anyone may go to a frailty crisis: the County nurse is offered too, marked as such."""
    created = _referral(client, need="frailty_decompensation")
    html = client.get(f"/board/allocate/{created['id']}").text
    assert "S-CH" in _options(html)
    ranked = html.split('aria-labelledby="options-heading">')[1].split("</ol>")[0]
    option = {part.split('"')[0]: part for part in ranked.split('data-option="')[1:]}
    assert "County UCR team" in option["S-CH"] and "Another team" in option["S-CH"]
    assert "City UCR team" in option["S-RN"] and "Another team" not in option["S-RN"]


def test_someone_already_given_a_visit_ranks_below_someone_free_and_cannot_be_double_booked(
    client,
):
    """The OT holds a visit with no planned time: the physio first; the OT shown, not sendable."""
    earlier = _referral(client)
    response = client.post(
        f"/board/allocate/{earlier['id']}",
        data={"version": str(earlier["version"]), "first_staff": "S-OT"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    created = _referral(client)
    html = client.get(f"/board/allocate/{created['id']}").text
    assert _options(html) == ["S-PT", "S-OT"]
    ot = html.split('data-option="S-OT"')[1].split("</ol>")[0]
    assert "arrives 15:00" in ot and "no other visit moves" in ot
    assert "Cannot be sent now" in ot and "Send Olu Adeyemi" not in ot


def test_sending_an_option_allocates_it_planned_for_its_predicted_arrival(client, database):
    """The option's form posts the usual compare-and-set allocation, with its arrival time."""
    created = _referral(client)
    html = client.get(f"/board/allocate/{created['id']}").text
    first = _options(html)[0]
    planned = re.search(r'name="planned_at" value="([^"]+)"', html).group(1)
    assert planned == "2026-03-10T14:00:00+00:00"
    response = client.post(
        f"/board/allocate/{created['id']}",
        data={"version": str(created["version"]), "first_staff": first, "planned_at": planned},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get(f"/api/referrals/{created['id']}").json()["state"] == "allocated"
    with database.reading() as session:
        visit = session.execute(select(Visit).where(Visit.referral_id == created["id"])).scalar()
        assert visit.planned_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_a_planned_time_that_is_not_a_time_is_refused(client):
    """A tampered planned time: 422 and the form again, nothing allocated."""
    created = _referral(client)
    response = client.post(
        f"/board/allocate/{created['id']}",
        data={"version": "1", "first_staff": "S-PT", "planned_at": "soon"},
    )
    assert response.status_code == 422
    assert client.get(f"/api/referrals/{created['id']}").json()["state"] != "allocated"


def test_the_ranking_reads_are_audited_with_the_person(client, database):
    """Opening the allocation form writes an audit entry naming the person it ranks for."""
    created = _referral(client)
    client.get(f"/board/allocate/{created['id']}")
    looks = audit.who_looked_at(database, created["person"]["id"])
    assert any(e.resource == f"referral/{created['id']}/options" for e in looks)


def test_the_board_predicts_on_time_at_risk_breach_and_nobody_able_to_go(client, clock):
    """Each open referral shows what the current plan predicts against its deadline."""
    soon = _referral(client)
    nobody = _referral(client, need="palliative_crisis")
    assert _prediction(client.get("/board").text, soon["id"]) == "on_time"
    assert _prediction(client.get("/board").text, nobody["id"]) == "unplanned"
    clock.set(clock() + timedelta(minutes=110))
    rows = client.get("/board/rows").text
    assert _prediction(rows, soon["id"]) == "at_risk"
    assert "At risk: predicted" in rows
    clock.set(clock() + timedelta(minutes=20))
    rows = client.get("/board/rows").text
    assert _prediction(rows, soon["id"]) == "will_breach"
    assert "Will breach: nobody on shift can go" in rows


def test_marking_someone_off_sick_withdraws_their_visits_and_shows_what_moved(client):
    """The OT goes off sick: their waiting visit is withdrawn and suggested for the physio."""
    created = _referral(client)
    client.post(
        f"/board/allocate/{created['id']}",
        data={"version": str(created["version"]), "first_staff": "S-OT"},
        follow_redirects=False,
    )
    response = client.post("/board/staff/S-OT/off-sick")
    assert response.status_code == 200, response.text
    html = response.text
    assert "Olu Adeyemi is off sick" in html
    moved = html.split(f'data-moved="{created["id"]}"')[1].split("</tr>")[0]
    assert "Olu Adeyemi" in moved and "Priya Shah" in moved
    assert response.headers["HX-Trigger"] == "queue-refresh"
    referral = client.get(f"/api/referrals/{created['id']}").json()
    assert referral["state"] == "accepted"
    history = client.get(f"/api/referrals/{created['id']}/history").json()["events"]
    assert history[-1]["reason"] == "allocation_withdrawn"
    board = client.get("/board").text
    staff = board.split('data-staff="S-OT"')[1].split("</li>")[0]
    assert "Off" in staff and "off-sick" not in staff and "Back on shift" in staff
    assert _options(client.get(f"/board/allocate/{created['id']}").text) == ["S-PT"]


def test_only_those_who_may_allocate_can_mark_someone_off_sick(as_user):
    """A clinician cannot; a team lead can."""
    assert as_user("olu").post("/board/staff/S-PT/off-sick").status_code == 403
    assert as_user("tess").post("/board/staff/S-PT/off-sick").status_code == 200


def test_marking_an_unknown_person_off_sick_is_not_found(client):
    """No such member of staff: 404, nothing changed."""
    assert client.post("/board/staff/S-NOBODY/off-sick").status_code == 404


def test_someone_marked_off_can_be_put_back_on_shift(client):
    """Back on shift: available again and offered again; their withdrawn visit stays withdrawn."""
    created = _referral(client)
    assert client.post("/board/staff/S-OT/off-sick").status_code == 200
    assert _options(client.get(f"/board/allocate/{created['id']}").text) == ["S-PT"]
    response = client.post("/board/staff/S-OT/back", follow_redirects=False)
    assert response.status_code == 303
    assert "back+on+shift" in response.headers["location"]
    assert sorted(_options(client.get(f"/board/allocate/{created['id']}").text)) == [
        "S-OT",
        "S-PT",
    ]

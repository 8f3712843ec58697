"""The privacy officer's pages on both databases: date ranges, and their own looks audited."""

from __future__ import annotations

from datetime import timedelta

from avert.security import audit
from tests.factories import referral_body


def test_what_a_user_looked_at_can_be_narrowed_to_uk_dates(client, as_user, clock):
    """Sam's looks on 10 and 12 March; asking from 11 March shows only the later one."""
    created = client.post("/api/referrals", json=referral_body()).json()
    clock.set(clock() + timedelta(days=2))
    assert client.get(f"/api/referrals/{created['id']}").status_code == 200
    pia = as_user("pia")
    everything = pia.get("/privacy/user?username=sam")
    assert everything.status_code == 200
    assert "10 Mar 2026" in everything.text and "12 Mar 2026" in everything.text
    later = pia.get("/privacy/user?username=sam&from=2026-03-11&to=2026-03-12")
    assert "12 Mar 2026" in later.text and "10 Mar 2026" not in later.text
    earlier = pia.get("/privacy/user?username=sam&to=2026-03-10")
    assert "10 Mar 2026" in earlier.text and "12 Mar 2026" not in earlier.text
    wrong = pia.get("/privacy/user?username=sam&from=11/03/2026")
    assert wrong.status_code == 422 and "YYYY-MM-DD" in wrong.text


def test_each_search_the_privacy_officer_makes_is_audited_with_the_people_it_showed(
    client, as_user, database
):
    """Who looked at a person, and what a user looked at: both leave an entry naming the people."""
    created = client.post(
        "/api/referrals", json=referral_body(person={"nhs_number": "9990000018"})
    ).json()
    person = created["person"]["id"]
    pia = as_user("pia")
    assert pia.get("/privacy/person?nhs_number=999 000 0018").status_code == 200
    assert pia.get("/privacy/user?username=sam").status_code == 200
    assert pia.get("/privacy/person?nhs_number=9990000026").status_code == 404
    looks = audit.what_user_looked_at(database, "pia")
    assert [(e.action, e.resource, e.subjects) for e in reversed(looks)] == [
        ("audit", f"audit/person/{person}", [person]),
        ("audit", "audit/actor/sam", [person]),
    ]


def test_a_break_glass_review_without_a_note_shows_the_queue_again_and_records_nothing(
    client, as_user, database
):
    """An empty note: the queue again (422) with the error summary and the field's message."""
    county = referral_body(team_id="T-COUNTY", person={"nhs_number": "9990000018"})
    assert client.post("/api/referrals", json=county).status_code == 201
    granted = as_user("olu").post(
        "/api/break-glass",
        json={"nhs_number": "9990000018", "reason": "Paramedics on scene ask for the history"},
    )
    assert granted.status_code == 201, granted.text
    grant = granted.json()["id"]
    pia = as_user("pia")
    queue = pia.get("/privacy/break-glass")
    token = queue.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = pia.post(
        f"/privacy/break-glass/{grant}/review",
        data={"csrf_token": token, "note": "   "},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert "nhsuk-error-summary" in refused.text
    assert f'<a href="#note-{grant}">Enter a note of what the review found</a>' in refused.text
    assert f'id="note-{grant}-error"' in refused.text
    assert "Paramedics on scene ask for the history" in refused.text  # the grant, still waiting
    waiting = pia.get("/api/privacy/break-glass").json()["grants"]
    assert [g["id"] for g in waiting] == [grant]
    reviews = [e for e in audit.what_user_looked_at(database, "pia") if e.action == "review"]
    assert reviews == []
    recorded = pia.post(
        f"/privacy/break-glass/{grant}/review",
        data={"csrf_token": token, "note": "Appropriate: an emergency on scene"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert pia.get("/api/privacy/break-glass").json()["grants"] == []

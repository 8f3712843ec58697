"""The live queue and a referral's record, as a coordinator sees them in a real browser."""

import re
from datetime import datetime, timedelta

from tests.browser.conftest import sign_in
from tests.factories import referral_body


def test_a_submitted_referral_appears_on_the_queue_and_opens_its_record(live_server, page, api):
    """A coordinator sees the referral with its time left, and reads its triage reasoning."""
    sign_in(page, live_server, "sam")
    created = api.post(
        "/api/referrals",
        json=referral_body(person={"given_name": "Mabel", "family_name": "Queue"}),
    ).json()
    page.goto(f"{live_server}/queue")
    row = page.locator(f"tr[data-referral='{created['id']}']")
    assert "Mabel Queue" in row.inner_text()
    # The server's clock is frozen; the countdown then ticks in real time, so a second may pass.
    assert re.search(r"(2 h 00|1 h 59) min left", row.inner_text())
    tag = row.locator("[data-deadline]")
    assert datetime.fromisoformat(tag.get_attribute("data-deadline")) - datetime.fromisoformat(
        tag.get_attribute("data-now")
    ) == timedelta(hours=2)
    assert "2-hour crisis response" in row.inner_text()
    row.get_by_role("link", name="Mabel Queue", exact=True).click()
    page.wait_for_url(f"**/referrals/{created['id']}")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Mabel Queue")
    reasoning = page.locator("table").first.inner_text()
    assert created["triage"]["rules_fired"][0]["rule_id"] in reasoning
    assert "received" in page.locator("table").nth(1).inner_text()


def test_the_queue_updates_without_reloading_and_shows_a_breach(live_server, page, clock, api):
    """New referrals appear and clocks turn to overdue when the rows refresh in place."""
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/queue")
    assert "No open referrals" in page.locator("#queue-rows").inner_text()
    page.evaluate("window.__marker = 'same page'")
    api.post(
        "/api/referrals",
        json=referral_body(person={"given_name": "Late", "family_name": "Arrival"}),
    )
    clock.set(clock() + timedelta(hours=2, minutes=5))
    page.evaluate("document.body.dispatchEvent(new Event('queue-refresh'))")
    page.wait_for_selector("text=Overdue by 5 min")
    assert "Late Arrival" in page.locator("#queue-rows").inner_text()
    assert page.evaluate("window.__marker") == "same page"


def test_a_redirected_referral_shows_where_the_person_goes(live_server, page, api):
    """No wrong referral: the record names the destination in words."""
    sign_in(page, live_server, "sam")
    created = api.post("/api/referrals", json=referral_body(red_flags=["stroke_signs"])).json()
    page.goto(f"{live_server}/referrals/{created['id']}")
    assert "Hyperacute stroke pathway via 999" in page.locator("dl").inner_text()

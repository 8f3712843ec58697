"""The hub's screens under the situations that go wrong: bad input, redirects, races, breaches."""

from datetime import timedelta

import pytest

from tests.browser.conftest import assert_fits_a_phone, shot, sign_in
from tests.factories import referral_body


def _fill_minimal_referral(page, **overrides):
    fields = {
        "#referrer_name": "Carol Carer",
        "#referrer_phone": "07700 900123",
        "#given_name": "Bert",
        "#family_name": "Fieldtest",
        "#dob_day": "5",
        "#dob_month": "11",
        "#dob_year": "1944",
    } | overrides
    page.select_option("#source", "carer_relative")
    for selector, value in fields.items():
        page.fill(selector, value)
    page.select_option("#need", "confusion_delirium")


def test_invalid_input_is_shown_by_its_field_and_nothing_typed_is_lost(live_server, page):
    """A bad NHS number and an impossible date are named; fixing them lets the referral through."""
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/intake")
    _fill_minimal_referral(
        page, **{"#nhs_number": "999 000 0001", "#dob_day": "31", "#dob_month": "2"}
    )
    page.fill("#need_text", "Worse since yesterday, not eating")
    page.check("#flag-long_lie")
    page.click("button:has-text('Check triage')")

    summary = page.locator(".nhsuk-error-summary")
    assert "NHS number is not a valid NHS number" in summary.inner_text()
    assert "Date of birth must be a real date" in summary.inner_text()
    assert "NHS number is not a valid" in page.locator("#nhs_number-error").inner_text()
    assert page.input_value("#given_name") == "Bert"
    assert page.input_value("#need_text") == "Worse since yesterday, not eating"
    assert page.is_checked("#flag-long_lie")
    shot(page, "intake-errors")

    page.click(".nhsuk-error-summary a[href='#nhs_number']")
    assert page.evaluate("document.activeElement.id") == "nhs_number"
    page.fill("#nhs_number", "999 000 0018")
    page.fill("#dob_day", "28")
    page.click("button:has-text('Check triage')")
    assert page.locator(".nhsuk-error-summary").count() == 0
    assert "2-hour crisis response" in page.locator("#triage-outcome").inner_text()
    page.click("button:has-text('Confirm referral')")
    page.wait_for_url("**/referrals/*")
    assert "Bert Fieldtest" in page.locator("h1").inner_text()


def test_a_redirect_shows_where_the_person_goes_before_and_after_confirming(live_server, page):
    """Chest pain: the coordinator is told to send the person to 999, and the record says so."""
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/intake")
    _fill_minimal_referral(page)
    page.check("#flag-chest_pain")
    page.click("button:has-text('Check triage')")
    outcome = page.locator("#triage-outcome").inner_text()
    assert "Redirect elsewhere" in outcome
    assert "Send the person to: 999 emergency ambulance" in outcome
    page.click("button:has-text('Confirm referral')")
    page.wait_for_url("**/referrals/*")
    assert "go to 999 emergency ambulance" in page.locator("dl").inner_text()
    assert "Redirected" in page.locator("dl").inner_text()


def test_confirming_twice_stores_one_referral(live_server, page, api):
    """The same form confirmed again (back button, double click) does not make a second referral."""
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/intake")
    _fill_minimal_referral(page)
    page.click("button:has-text('Check triage')")
    page.click("button:has-text('Confirm referral')")
    page.wait_for_url("**/referrals/*")
    first = page.url
    page.go_back()
    page.click("button:has-text('Confirm referral')")
    page.wait_for_url("**/referrals/*")
    assert page.url == first
    page.goto(f"{live_server}/board")
    assert page.locator("#queue-summary strong").first.inner_text() == "1"


def test_two_coordinators_allocating_the_same_referral_at_once_one_wins(
    live_server, page, new_page, api
):
    """Both open the allocation form; the first to press Allocate wins, the other is told."""
    created = api.post("/api/referrals", json=referral_body()).json()
    other = new_page()
    sign_in(page, live_server, "sam")
    sign_in(other, live_server, "coord2")
    for p, staff in ((page, "S-OT"), (other, "S-RN")):
        p.goto(f"{live_server}/board/allocate/{created['id']}")
        p.select_option("#first_staff", staff)
    page.click("#allocation-form button:has-text('Allocate')")
    other.click("#allocation-form button:has-text('Allocate')")
    assert "allocated to Olu Adeyemi" in page.locator("[role=status]").inner_text()
    refused = other.locator(".nhsuk-error-summary").inner_text()
    assert "Someone else changed this referral" in refused
    record = api.get(f"/api/referrals/{created['id']}/history").json()["events"]
    allocations = [e for e in record if e["to_state"] == "allocated"]
    assert len(allocations) == 1 and allocations[0]["actor"] == "Sam Coordinator"


def test_the_countdown_turns_to_breached_while_the_page_is_open(live_server, page, clock, api):
    """A referral 2 seconds from its deadline shows as overdue without a reload."""
    sign_in(page, live_server, "sam")
    created = api.post("/api/referrals", json=referral_body()).json()
    clock.set(clock() + timedelta(hours=2) - timedelta(seconds=2))
    page.goto(f"{live_server}/board")
    tag = page.locator(f"tr[data-referral='{created['id']}'] [data-deadline]")
    assert tag.inner_text() == "0 min left"
    assert "nhsuk-tag--orange" in tag.get_attribute("class")
    page.wait_for_function(
        "el => el.textContent.startsWith('Overdue')", arg=tag.element_handle(), timeout=10_000
    )
    assert "nhsuk-tag--red" in tag.get_attribute("class")


CLINICIAN_PAGES = [
    "/my-day",
    "/visits/{visit}",
    "/huddle",
    "/referrals/{referral}",
    "/board",
    "/intake",
]


@pytest.mark.parametrize("path", CLINICIAN_PAGES)
def test_pages_fit_a_360_pixel_phone_and_label_every_control(
    live_server, new_page, clock, path, api
):
    """No sideways scrolling at 360 px; every input has a label; one h1; lang set."""
    created = api.post("/api/referrals", json=referral_body()).json()
    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "tess")
    phone.goto(f"{live_server}/board/allocate/{created['id']}")
    phone.select_option("#first_staff", "S-PT")
    phone.click("#allocation-form button:has-text('Allocate')")
    phone.goto(f"{live_server}/my-day")
    phone.click("button:has-text('Set off')")
    phone.click("button:has-text('Arrived')")
    visit = phone.url.split("/visits/")[1].split("?")[0].split("#")[0]
    phone.goto(live_server + path.format(visit=visit, referral=created["id"]))
    assert_fits_a_phone(phone)
    assert phone.evaluate("document.documentElement.lang") == "en-GB"


def test_a_high_news2_brings_up_the_escalation_path_and_it_is_recorded(live_server, page, api):
    """NEWS2 of 7 or more: the page offers 999 or ED, and the choice lands in the history."""
    created = api.post("/api/referrals", json=referral_body()).json()
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/board/allocate/{created['id']}")
    page.select_option("#first_staff", "S-RN")
    page.click("#allocation-form button:has-text('Allocate')")
    sign_in(page, live_server, "nia")
    page.goto(f"{live_server}/my-day")
    page.click("button:has-text('Set off')")
    page.click("button:has-text('Arrived')")
    for field, value in [
        ("#respiration_rate", "26"),
        ("#spo2", "90"),
        ("#systolic_bp", "95"),
        ("#pulse", "125"),
        ("#temperature", "39.4"),
    ]:
        page.fill(field, value)
    page.check("#on_oxygen-air")
    page.select_option("#consciousness", "new_confusion")
    page.wait_for_selector("#news2-panel:has-text('Emergency escalation threshold')")
    page.click("button:has-text('Save assessment')")
    assert "NEWS2 needs emergency escalation" in page.locator("#escalation").inner_text()
    shot(page, "news2-escalation")
    page.fill("#escalation-note", "Ambulance called, handed over NEWS2 and ReSPECT")
    page.click("button:has-text('Called 999')")
    events = api.get(f"/api/referrals/{created['id']}/history").json()["events"]
    escalations = [e for e in events if e["action"] == "escalation"]
    assert len(escalations) == 1
    assert escalations[0]["data"] == {"destination": "emergency_999"}
    assert escalations[0]["actor"] == "Nia Evans"


def test_a_known_person_is_found_and_their_story_is_not_asked_again(live_server, page, api):
    """Search by NHS number, choose the person: details filled in, earlier referrals shown."""
    body = referral_body(
        person={
            "nhs_number": "9990000018",
            "given_name": "Edna",
            "family_name": "Known",
            "access_note": "Key under the mat",
        }
    )
    api.post("/api/referrals", json=body)
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/intake")
    page.fill("#find_nhs_number", "999 000 0018")
    page.click("button:has-text('Find')")
    page.click("text=Refer Edna Known")
    assert page.input_value("#given_name") == "Edna"
    assert page.input_value("#dob_year") == "1941"
    known = page.locator("#known-person").inner_text()
    assert "Key under the mat" in known
    assert "Fall with no apparent serious injury" in known

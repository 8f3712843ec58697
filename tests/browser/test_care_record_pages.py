"""The shared care record in a browser: edit a section with a reason, see it in the history, from
the referral page; open the crisis plan and the transfer summary."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_fits_a_phone, shot, sign_in
from tests.factories import referral_body


def _referral(api) -> dict:
    body = referral_body(
        team_id="T-CITY", person={"given_name": "Iris", "family_name": "Recordtest"}
    )
    response = api.post("/api/referrals", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_clinician_edits_allergies_with_a_reason_and_sees_it_in_the_history(
    live_server, page, api
):
    """From the referral to the record: save an allergy, see who, when and why, then history."""
    referral = _referral(api)
    person_id = referral["person"]["id"]
    sign_in(page, live_server, "nia")
    page.goto(f"{live_server}/referrals/{referral['id']}")
    assert "Not recorded" in page.locator("#care-record-summary-list").inner_text()
    page.click("a:has-text('Full care record')")
    page.wait_for_url(f"**/people/{person_id}/record")
    page.click("#allergies a:has-text('Change')")

    page.fill("#allergies-0-substance", "Penicillin")
    page.fill("#allergies-0-reaction", "Swollen lips")
    page.select_option("#allergies-0-severity", "severe")
    page.click("button:has-text('Save allergies')")
    summary = page.locator(".nhsuk-error-summary")
    assert "Say why you are changing the record" in summary.inner_text()
    assert page.input_value("#allergies-0-substance") == "Penicillin"
    shot(page, "care-record-reason-required")

    page.fill("#reason", "Told by her daughter at the visit")
    page.click("button:has-text('Save allergies')")
    page.wait_for_url(f"**/people/{person_id}/record#allergies")
    section = page.locator("#allergies")
    assert "Penicillin" in section.inner_text()
    assert "Version 1: Nia Evans" in section.inner_text()
    assert "Told by her daughter at the visit" in section.inner_text()

    section.locator("a:has-text('History')").click()
    history = page.locator("main").inner_text()
    assert "Version 1 (current)" in history
    assert "Nia Evans" in history and "Told by her daughter at the visit" in history
    shot(page, "care-record-history")

    page.goto(f"{live_server}/referrals/{referral['id']}")
    assert "Penicillin (severe)" in page.locator("#care-record-summary-list").inner_text()


def test_the_crisis_plan_and_transfer_summary_open_from_the_record(live_server, page, api):
    """The one-page plan names the team's number and NHS 111; the red bag offers its PDF."""
    person_id = _referral(api)["person"]["id"]
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/people/{person_id}/record")
    page.click("main a:has-text('Crisis plan')")
    page.wait_for_url(f"**/people/{person_id}/crisis-plan")
    plan = page.locator("main").inner_text()
    assert "My crisis plan" in plan and "Iris Recordtest" in plan
    assert "City UCR team: 01632 960000" in plan
    assert "NHS 111" in plan
    page.emulate_media(media="print")
    assert not page.locator(".nhsuk-header").is_visible()
    shot(page, "crisis-plan-print")
    page.emulate_media(media="screen")

    page.goto(f"{live_server}/people/{person_id}/transfer-summary")
    page.select_option("#to", "hospital")
    page.fill("#reason", "Fall with a long lie")
    page.click("button:has-text('Update')")
    page.wait_for_url("**/transfer-summary?*reason=Fall*")
    text = page.locator("main").inner_text()
    assert "Fall with a long lie" in text and "Current episode" in text
    href = page.locator("a:has-text('Download the transfer summary (PDF)')").get_attribute("href")
    pdf = page.request.get(f"{live_server}{href}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    shot(page, "transfer-summary")


@pytest.mark.parametrize(
    "path",
    [
        "/people/{person}/record",
        "/people/{person}/record/contacts/edit",
        "/people/{person}/record/advance_care_plan/edit",
        "/people/{person}/crisis-plan",
        "/people/{person}/transfer-summary",
    ],
)
def test_the_record_pages_fit_a_phone_and_label_every_control(live_server, new_page, api, path):
    """No sideways scrolling at 360 px; every control has a label; one h1."""
    person_id = _referral(api)["person"]["id"]
    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "nia")
    phone.goto(live_server + path.format(person=person_id))
    assert_fits_a_phone(phone)

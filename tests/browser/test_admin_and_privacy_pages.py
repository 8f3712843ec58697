"""The administrator's and the privacy officer's screens, driven as they would use them."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_fits_a_phone, shot
from tests.conftest import PASSWORD
from tests.factories import referral_body


def sign_in_to(page, base: str, username: str, target: str) -> None:
    """Sign in as one of the cast and land on `target`."""
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**{target}")


def csrf_token(page) -> str:
    return page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")


def test_an_administrator_adds_a_user_and_disabling_another_signs_them_out_at_once(
    live_server, page, new_page
):
    """Adam adds a clinician who can then sign in; disabling Olu ends Olu's open session."""
    olu = new_page()
    sign_in_to(olu, live_server, "olu", "/my-day")
    assert olu.locator("h1").count() == 1

    sign_in_to(page, live_server, "adam", "/admin/users")
    menu = page.locator(".nhsuk-header__navigation-list").inner_text()
    assert "Users" in menu and "Board" not in menu and "Privacy" not in menu
    page.click("text=Add a user")
    page.fill("#username", "rosa")
    page.fill("#display_name", "Rosa Nurse")
    page.select_option("#role", "clinician")
    page.fill("#password", "short")
    page.fill("#password_again", "short")
    page.click("button:has-text('Add user')")
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "works in a team" in summary and "at least 12 characters" in summary
    assert page.input_value("#display_name") == "Rosa Nurse"
    page.select_option("#team_id", "T-CITY")
    page.fill("#password", "a long and unguessable phrase")
    page.fill("#password_again", "a long and unguessable phrase")
    page.click("button:has-text('Add user')")
    page.wait_for_url("**/admin/users?done=added*")
    row = page.locator("#user-rosa").inner_text()
    assert "Rosa Nurse" in row and "Clinician" in row and "City UCR team" in row
    assert "Never" in row

    page.click("#user-olu a")
    page.click("button:has-text('Disable account')")
    page.wait_for_url("**/admin/users?done=disabled*")
    assert "Disabled" in page.locator("#user-olu").inner_text()
    shot(page, "admin-users")

    olu.reload()
    assert "/login" in olu.url  # the open session ended with the account

    rosa = new_page()
    rosa.goto(f"{live_server}/login?next=/my-day")
    rosa.fill("#username", "rosa")
    rosa.fill("#password", "a long and unguessable phrase")
    rosa.click("button:has-text('Sign in')")
    rosa.wait_for_url("**/my-day")
    assert "My day" in rosa.locator(".nhsuk-header__navigation-list").inner_text()


def test_a_privacy_officer_finds_who_looked_at_a_person_and_reviews_a_break_glass_grant(
    live_server, page, new_page, api
):
    """Olu breaks the glass on a County patient; Pia sees the look, and records her review."""
    body = referral_body(team_id="T-COUNTY", person={"nhs_number": "9990000018"})
    created = api.post("/api/referrals", json=body)
    assert created.status_code == 201, created.text
    referral_id = created.json()["id"]

    olu = new_page()
    sign_in_to(olu, live_server, "olu", "/my-day")
    headers = {"X-CSRF-Token": csrf_token(olu)}
    assert olu.request.get(f"{live_server}/api/referrals/{referral_id}").status == 404
    granted = olu.request.post(
        f"{live_server}/api/break-glass",
        data={"nhs_number": "999 000 0018", "reason": "Paramedics on scene ask for the history"},
        headers=headers,
    )
    assert granted.status == 201, granted.text()
    assert olu.request.get(f"{live_server}/api/referrals/{referral_id}").status == 200

    sign_in_to(page, live_server, "pia", "/privacy")
    menu = page.locator(".nhsuk-header__navigation-list").inner_text()
    assert "Privacy" in menu and "Board" not in menu
    assert "1 break-glass grant waiting" in page.inner_text("main")
    page.fill("#nhs_number", "999 000 0018")
    page.click("button:has-text('Find who looked')")
    page.wait_for_url("**/privacy/person*")
    looks = page.locator("#looks").inner_text()
    assert "olu" in looks and "Break glass" in looks and "ambulance" in looks
    shot(page, "privacy-who-looked")

    page.goto(f"{live_server}/privacy/break-glass")
    grant = page.locator("section.avert-card").first
    assert "Olu Adeyemi (olu) opened" in grant.inner_text()
    assert "Paramedics on scene" in grant.inner_text()
    grant.locator("textarea").fill("Appropriate: an emergency on scene, one record read")
    grant.locator("button:has-text('Record review')").click()
    page.wait_for_url("**/privacy/break-glass*")
    assert "No grants waiting" in page.inner_text("main")
    assert "Appropriate: an emergency on scene" in page.locator("#reviewed").inner_text()
    shot(page, "privacy-break-glass-reviewed")

    page.goto(f"{live_server}/privacy/user?username=pia")
    own = page.locator("#looks").inner_text()
    assert "audit/person/" in own and "break-glass" in own  # her own looks are audited too


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("adam", "/admin/users"),
        ("adam", "/admin/users/new"),
        ("adam", "/admin/users/olu"),
        ("pia", "/privacy"),
        ("pia", "/privacy/person?nhs_number=9990000018"),
        ("pia", "/privacy/user?username=ambulance"),
        ("pia", "/privacy/break-glass"),
    ],
    ids=["users", "new-user", "user", "privacy", "who-looked", "what-looked", "break-glass"],
)
def test_the_admin_and_privacy_pages_fit_a_phone_and_label_every_control(
    live_server, new_page, api, username, path
):
    """No sideways scrolling at 360 px; every control has a label; one h1."""
    body = referral_body(person={"nhs_number": "9990000018"})
    assert api.post("/api/referrals", json=body).status_code == 201
    phone = new_page(width=360, height=740)
    sign_in_to(phone, live_server, username, path)
    assert_fits_a_phone(phone)

"""The administrator's API client pages, driven as an administrator would use them."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import assert_fits_a_phone, shot
from tests.browser.test_admin_and_privacy_pages import sign_in_to


SECRET = "a long client secret 42"


def test_an_administrator_adds_an_api_client_and_disabling_it_refuses_its_token(
    live_server, page, api
):
    """Adam adds NHS 111, which gets a token; disabling the ambulance ends its open token."""
    assert api.get("/api/referrals/987654").status_code == 404  # the ambulance is signed in
    sign_in_to(page, live_server, "adam", "/admin/users")
    page.click(".nhsuk-header__navigation-list >> text=API clients")
    page.wait_for_url("**/admin/clients")
    assert "Ambulance service" in page.locator("#client-ambulance").inner_text()
    page.click("text=Add an API client")
    page.fill("#client_id", "nhs111")
    page.fill("#name", "NHS 111 East")
    page.fill("#secret", "too short")
    page.fill("#secret_again", "too short")
    page.click("button:has-text('Add API client')")
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "Choose at least one scope" in summary and "at least 16 characters" in summary
    assert "Enter the organisation's ODS code" in summary
    assert page.input_value("#name") == "NHS 111 East"
    page.fill("#organisation", "ryc")
    page.check("#scopes")  # the first scope: referral:create
    page.check("#scope-referral-read")
    page.fill("#secret", SECRET)
    page.fill("#secret_again", SECRET)
    page.click("button:has-text('Add API client')")
    page.wait_for_url("**/admin/clients?done=added*")
    row = page.locator("#client-nhs111").inner_text()
    assert "NHS 111 East" in row and "RYC" in row and "Enabled" in row
    assert "referral:create, referral:read" in row
    form = {"grant_type": "client_credentials", "client_id": "nhs111", "client_secret": SECRET}
    assert httpx.post(f"{live_server}/oauth/token", data=form).status_code == 200

    page.click("#client-ambulance a")
    page.click("button:has-text('Disable API client')")
    page.wait_for_url("**/admin/clients?done=disabled*")
    assert "Disabled" in page.locator("#client-ambulance").inner_text()
    shot(page, "admin-clients")
    assert api.get("/api/referrals/987654").status_code == 401  # its open token ended at once
    form |= {"client_id": "ambulance", "client_secret": "ambulance-secret"}
    assert httpx.post(f"{live_server}/oauth/token", data=form).status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/admin/clients", "/admin/clients/new", "/admin/clients/ambulance"],
    ids=["clients", "new-client", "client"],
)
def test_the_api_client_pages_fit_a_phone_and_label_every_control(live_server, new_page, path):
    """No sideways scrolling at 360 px; every control has a label; one h1."""
    phone = new_page(width=360, height=740)
    sign_in_to(phone, live_server, "adam", path)
    assert_fits_a_phone(phone)

"""Live dispatch on the board, in a real browser: who should go, and a person off sick."""

from tests.browser.conftest import shot, sign_in
from tests.factories import referral_body


def test_a_coordinator_sees_who_should_go_with_reasons_and_sends_the_first(live_server, page, api):
    """A new 2-hour referral: the ranked options name arrival, skill and knock-on; send the best."""
    created = api.post("/api/referrals", json=referral_body()).json()
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/board")
    row = page.locator(f"tr[data-referral='{created['id']}']")
    assert row.locator("[data-prediction]").get_attribute("data-prediction") == "on_time"
    row.get_by_role("link", name="Allocate").click()
    page.wait_for_selector("#allocation-panel [data-option]")
    options = page.locator("#allocation-panel [data-option]")
    assert options.count() == 2  # the two people with the falls skill
    first = options.first
    text = first.inner_text()
    assert "arrives" in text and "has skill falls" in text and "no other visit moves" in text
    name = first.locator("strong").first.inner_text()
    shot(page, "live-dispatch-1-who-should-go")
    first.get_by_role("button", name=f"Send {name}").click()
    page.wait_for_url("**/board?message=*")
    assert f"allocated to {name}" in page.locator("[role=status]").inner_text()


def test_a_team_lead_marks_someone_off_sick_and_sees_what_moved(live_server, page, api):
    """The OT's waiting visit is withdrawn and suggested for the physiotherapist, on the board."""
    created = api.post("/api/referrals", json=referral_body()).json()
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server}/board/allocate/{created['id']}")
    page.select_option("#first_staff", "S-OT")
    page.click("#allocation-form button:has-text('Allocate')")
    page.wait_for_url("**/board?message=*")
    sign_in(page, live_server, "tess")
    page.goto(f"{live_server}/board")
    page.locator("[data-staff='S-OT']").get_by_role("button", name="Off sick").click()
    moved = page.locator(f"#allocation-panel [data-moved='{created['id']}']")
    moved.wait_for()
    assert "Priya Shah" in moved.inner_text()
    assert "Olu Adeyemi is off sick" in page.locator("#allocation-panel").inner_text()
    page.wait_for_function(
        "id => document.querySelector(`tr[data-referral='${id}']`).innerText.includes('Accepted')",
        arg=created["id"],
        timeout=10_000,
    )
    ot = page.locator("[data-staff='S-OT']")  # the staff list follows without a reload
    ot.get_by_role("button", name="Back on shift").wait_for(timeout=10_000)
    assert "Off" in ot.locator(".nhsuk-tag").inner_text()
    assert ot.get_by_role("button", name="Off sick").count() == 0
    shot(page, "live-dispatch-2-off-sick")

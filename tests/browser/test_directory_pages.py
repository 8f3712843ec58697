"""The Directory of Services pages, driven as a coordinator and a service lead would use them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from avert.domain import directory as dos
from avert.domain.service_hours import ServiceHours
from avert.services import directory
from tests.browser.conftest import assert_fits_a_phone, shot
from tests.conftest import PASSWORD
from tests.factories import referral_body


# The cast's teams sit at 52.63, -1.13 ("City"); the clock is Tue 10 Mar 2026 14:00 UTC.


def sign_in_to(page, base: str, username: str, target: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**{target}")


@pytest.fixture
def crisis_teams(live_server, database, clock) -> dict[str, int]:
    """Two 24/7 crisis teams, 1 km and 8 km north of City, and a weekday day centre."""

    def add(name, kind, km, hours) -> int:
        service = dos.DirectoryService(
            id=0,
            name=name,
            type=kind,
            hours=hours,
            route=dos.ReferralRoute(dos.RouteKind.PHONE, "0116 496 0300"),
            lat=52.63 + km / 111.2,
            lon=-1.13,
            phone="0116 496 0301",
        )
        return directory.create_service(database, service, by="setup", now=clock.at).id

    crisis = dos.ServiceType.MENTAL_HEALTH_CRISIS
    always = ServiceHours.always_open()
    return {
        "near": add("Near Crisis Team", crisis, 1, always),
        "far": add("Far Crisis Team", crisis, 8, always),
        "day centre": add(
            "Riverside Day Centre", dos.ServiceType.VOLUNTARY_SECTOR, 2, ServiceHours.default()
        ),
    }


def result_names(page) -> list[str]:
    return page.locator("#directory-results tbody tr td:first-child a").all_inner_texts()


def test_a_service_lead_sets_a_service_red_and_it_disappears_from_a_coordinators_search(
    live_server, page, new_page, crisis_teams
):
    """Sam finds the near crisis team; Sergio sets it red with a note; Sam's search no longer
    shows it, the far team is first, and the red status is in the service's history."""
    sign_in_to(page, live_server, "sam", "/directory")
    assert "Directory" in page.locator(".nhsuk-header__navigation-list").inner_text()
    page.fill("#near", "City")
    page.click("#search-directory")
    expect(page.locator("#results-summary")).to_contain_text("nearest City first")
    assert result_names(page)[:2] == ["Near Crisis Team", "Riverside Day Centre"]
    assert "1.0 km" in page.locator("tr[data-service]").first.inner_text()
    shot(page, "directory-search")

    lead = new_page()
    sign_in_to(lead, live_server, "sergio", f"/directory/{crisis_teams['near']}")
    assert "Board" not in lead.locator(".nhsuk-header__navigation-list").inner_text()
    lead.check("#status-red")
    lead.fill("#note", "All crisis workers on calls")
    lead.click("#set-capacity")
    lead.wait_for_url("**/directory/*?message=*")
    assert "Capacity set to red" in lead.inner_text("#message")
    assert "Red: no capacity" in lead.inner_text("#capacity-now")
    history = lead.inner_text("#capacity-history")
    assert "Sergio Lead" in history and "All crisis workers on calls" in history
    shot(lead, "directory-service-red")

    page.click("#search-directory")  # htmx replaces the results in place
    expect(page.locator("#directory-results")).not_to_contain_text("Near Crisis Team")
    names = result_names(page)
    assert names[0] == "Riverside Day Centre" and "Far Crisis Team" in names


def test_a_redirected_referrals_page_names_an_open_destination(
    live_server, page, api, crisis_teams
):
    """An ambulance refers a mental-health crisis: redirected, and its page names the nearest
    open crisis team with its phone line and how to refer."""
    created = api.post("/api/referrals", json=referral_body(red_flags=["mental_health_crisis"]))
    assert created.status_code == 201, created.text
    referral_id = created.json()["id"]
    sign_in_to(page, live_server, "sam", f"/referrals/{referral_id}")
    send_to = page.inner_text("#redirect-to")
    assert "Near Crisis Team" in send_to
    assert "open 24 hours" in send_to and "0116 496 0301" in send_to
    page.click("#redirect-to a")
    page.wait_for_url(f"**/directory/{crisis_teams['near']}")
    assert page.locator("h1").inner_text() == "Near Crisis Team"


def test_a_service_lead_changes_sessions_and_a_mistake_is_shown_beside_its_field(
    live_server, page, crisis_teams
):
    """An impossible Saturday session is refused naming the field; the corrected sessions and
    bank-holiday closure show on the service's page."""
    url = f"/directory/{crisis_teams['day centre']}/edit"
    sign_in_to(page, live_server, "sergio", url)
    page.fill("#day_saturday", "16:00-10:00")
    page.click("#save-service")
    summary = page.inner_text(".nhsuk-error-summary")
    assert "Must end after it starts" in summary
    page.fill("#day_saturday", "10:00-14:00")
    page.fill("#day_sunday", "")
    page.check("#holiday_mode-closed")
    page.fill("#min_age", "65")
    page.click("#save-service")
    page.wait_for_url("**/directory/*?message=*")
    sessions = page.inner_text("#sessions")
    assert "Saturday\t10:00-14:00" in sessions and "Sunday\tClosed" in sessions
    assert "Bank holidays\tClosed" in sessions
    assert "Aged 65 and over" in page.inner_text("main")


def test_a_coordinator_cannot_open_the_edit_page(live_server, page, crisis_teams):
    """The edit screen is for service leads: a coordinator gets the forbidden page."""
    sign_in_to(page, live_server, "sam", "/directory")
    response = page.goto(f"{live_server}/directory/{crisis_teams['near']}/edit")
    assert response.status == 403
    page.goto(f"{live_server}/directory/{crisis_teams['near']}")
    assert page.locator("#edit-service").count() == 0
    assert page.locator("#capacity-form").count() == 0


def test_a_service_lead_adds_a_service_that_a_coordinator_then_finds(
    live_server, page, new_page, crisis_teams
):
    """Sergio adds a falls service open every day near City; Sam finds it for a fall at 80,
    and not for a 40-year-old."""
    sign_in_to(page, live_server, "sergio", "/directory")
    page.click("#add-service")
    page.wait_for_url("**/directory/new")
    page.fill("#name", "City Falls Pick-up")
    page.select_option("#type", "voluntary_sector")
    for day in ("saturday", "sunday"):
        page.fill(f"#day_{day}", "09:00-17:00")
    page.check("#need-fall")
    page.fill("#min_age", "65")
    page.fill("#postcode", "le1 5ww")
    page.fill("#lat", "52.64")
    page.fill("#lon", "-1.13")
    page.fill("#route_value", "0116 496 0400")
    page.click("#save-service")
    page.wait_for_url("**/directory/*?message=*")
    assert page.locator("h1").inner_text() == "City Falls Pick-up"
    assert "LE1 5WW" in page.inner_text("main")

    coordinator = new_page()
    sign_in_to(coordinator, live_server, "sam", "/directory")
    coordinator.goto(f"{live_server}/directory?need=fall&near=City&age=80")
    assert "City Falls Pick-up" in result_names(coordinator)
    coordinator.goto(f"{live_server}/directory?need=fall&near=City&age=40")
    assert "City Falls Pick-up" not in result_names(coordinator)


@pytest.mark.parametrize(
    "username, path",
    [
        ("sam", "/directory?near=City"),
        ("sergio", "/directory/{near}"),
        ("sergio", "/directory/{near}/edit"),
        ("sergio", "/directory/new"),
    ],
    ids=["search", "service", "edit", "new"],
)
def test_the_directory_pages_fit_a_phone_and_label_every_control(
    live_server, new_page, crisis_teams, username, path
):
    """No sideways scrolling at 360 px; every control has a label; one h1."""
    phone = new_page(width=360, height=740)
    sign_in_to(phone, live_server, username, "/directory")
    if username == "sergio":  # a capacity history to show
        phone.goto(f"{live_server}/directory/{crisis_teams['near']}")
        phone.check("#status-amber")
        phone.fill("#note", "Two of five crisis workers off sick today")
        phone.click("#set-capacity")
        phone.wait_for_url("**/directory/*?message=*")
    phone.goto(live_server + path.format(near=crisis_teams["near"]))
    assert_fits_a_phone(phone)
    name = path.format(near="service").strip("/").replace("/", "-").split("?")[0]
    shot(phone, f"phone-{name}")

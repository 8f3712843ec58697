"""The simulator page: a service lead runs a what-if and reads the table and the charts."""

from __future__ import annotations

from tests.browser.conftest import shot
from tests.conftest import PASSWORD


def _sign_in(page, base: str, username: str, landing: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={landing}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**{landing}")


def test_a_service_lead_compares_a_what_if_with_the_service_as_rostered(live_server, page):
    """The form runs; results show intervals, differences and SVG charts, with no CSP breach."""
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    _sign_in(page, live_server, "sergio", "/simulate")
    assert page.locator("nav a[href='/simulate']").count() == 1
    page.fill("#days", "3")
    page.fill("#replications", "3")
    page.fill("#population", "20000")
    page.check("#scenario-paramedic-16-20")
    page.click("#run-simulation")
    page.wait_for_selector("#table-paramedic-16-20")
    baseline = page.locator("#table-baseline").inner_text()
    assert "2-hour referrals seen within 2 hours (%)" in baseline
    assert "Staff utilisation" in baseline and " to " in baseline
    what_if = page.locator("#table-paramedic-16-20").inner_text()
    assert "Difference from as rostered (95 % CI)" in what_if
    assert page.locator("#chart-met rect").count() == 2
    assert page.locator("#chart-hour-1 rect").count() == 24
    assert page.locator("#chart-met title").first.text_content().startswith("2-hour referrals")
    shot(page, "simulate-results")
    assert violations == []


def test_out_of_range_input_is_named_and_nothing_is_run(live_server, page):
    """Too many days is refused with the field named; the analyst's other entries stay."""
    _sign_in(page, live_server, "ana", "/simulate")
    page.fill("#days", "400")
    page.fill("#replications", "2")
    page.click("#run-simulation")
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Days to simulate must be a whole number from 1 to 14" in summary.inner_text()
    assert page.locator("#table-baseline").count() == 0
    assert page.input_value("#replications") == "2"


def test_a_coordinator_neither_sees_nor_opens_the_simulator(live_server, page):
    """Simulation is for service leads, team leads and analysts."""
    _sign_in(page, live_server, "sam", "/board")
    assert page.locator("nav a[href='/simulate']").count() == 0
    response = page.goto(f"{live_server}/simulate")
    assert response is not None and response.status == 403

"""A live Avert server on a free local port, and headless Chromium (Debian's) driven by Playwright.

Screenshots go to test-artefacts/browser/. Without /usr/bin/chromium the browser tests fail with a
message saying what to install, unless AVERT_SKIP_BROWSER=1 is set deliberately.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from avert.domain.service_hours import ServiceHours
from avert.store.schema import Shift, StaffMember, Team
from avert.web.app import create_app


ARTEFACTS = Path(__file__).parents[2] / "test-artefacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


STAFF = [
    ("S-OT", "Olu Adeyemi", "occupational_therapist", ["equipment_assessment", "falls"]),
    ("S-CRS", "Casey Brown", "support_worker", ["manual_handling"]),
    ("S-RN", "Nia Evans", "nurse", ["diabetes", "catheter", "wound_care"]),
    ("S-PT", "Priya Shah", "physiotherapist", ["falls"]),
]


@pytest.fixture
def live_server(database, settings, clock):
    """Serve Avert from a thread with one team and four staff on shift; yields its base URL."""
    with database.writing() as session:
        session.add(
            Team(
                id="T-CITY",
                name="City UCR team",
                locality="City",
                base_lat=52.63,
                base_lon=-1.13,
                service_hours=ServiceHours.default().to_config(),
            )
        )
        session.flush()
        for staff_id, name, role, skills in STAFF:
            session.add(
                StaffMember(
                    id=staff_id,
                    name=name,
                    role=role,
                    skills=skills,
                    team_id="T-CITY",
                    home_lat=52.63,
                    home_lon=-1.13,
                    status="available",
                )
            )
            session.flush()
            session.add(
                Shift(
                    staff_id=staff_id,
                    starts_at=datetime(2000, 1, 1, tzinfo=UTC),
                    ends_at=datetime(2100, 1, 1, tzinfo=UTC),
                )
            )
    app = create_app(database, settings, now=clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers):
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        if os.environ.get("AVERT_SKIP_BROWSER") == "1":
            pytest.skip("AVERT_SKIP_BROWSER=1: browser tests deliberately skipped")
        raise RuntimeError("Chromium is not installed: `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _local_only(context, elsewhere: list[str]) -> None:
    """Pages must work on a closed network: any request off this machine is refused and noted."""

    def route(route):
        host = route.request.url.split("/")[2].split(":")[0]
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", route)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []
    _local_only(context, elsewhere)
    page = context.new_page()
    yield page
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert elsewhere == [], "pages fetched from outside this machine"


@pytest.fixture
def new_page(browser, request):
    """Open further pages (a second coordinator, a phone); each is screenshotted at the end."""
    contexts = []
    elsewhere: list[str] = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        _local_only(context, elsewhere)
        contexts.append(context)
        return context.new_page()

    yield open_page
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for n, context in enumerate(contexts):
        for m, extra in enumerate(context.pages):
            extra.screenshot(path=ARTEFACTS / f"{request.node.name}-{n}-{m}.png", full_page=True)
        context.close()
    assert elsewhere == [], "pages fetched from outside this machine"


def act_as(page, base: str, *, name: str | None = None, staff_id: str | None = None) -> None:
    """Say who is using the page (sign-in arrives with issue 6)."""
    page.goto(f"{base}/whoami?next=/board")
    if staff_id:
        page.select_option("#staff_id", staff_id)
    if name:
        page.fill("#name", name)
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/board")


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)

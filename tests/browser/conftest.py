"""A live Avert server on a free local port, and headless Chromium (Debian's) driven by Playwright.

Screenshots go to test-artefacts/browser/. Without /usr/bin/chromium the browser tests fail with a
message saying what to install, unless AVERT_SKIP_BROWSER=1 is set deliberately.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from avert.domain.service_hours import ServiceHours
from avert.store.schema import Team
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


@pytest.fixture
def live_server(database, settings, clock):
    """Serve Avert from a thread; yields its base URL."""
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


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{request.node.name}.png", full_page=True)
    context.close()

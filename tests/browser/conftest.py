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

import httpx
import pytest
import uvicorn

from avert.web.app import create_app
from tests.conftest import PASSWORD, seed_cast


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
    """Serve Avert from a thread with the standing cast (tests/conftest.py); yields its URL."""
    seed_cast(database)
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
    """Pages must work on a closed network: any request off this machine is refused and noted.

    Any answer of 500 or more is noted too: a page that looks fine may hide a failed request.
    """
    context.on(
        "response",
        lambda response: (
            response.status >= 500 and elsewhere.append(f"{response.status} from {response.url}")
        ),
    )

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
    assert elsewhere == [], "pages fetched from outside this machine, or got a server error"


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
    assert elsewhere == [], "pages fetched from outside this machine, or got a server error"


def sign_in(page, base: str, username: str) -> None:
    """Sign in through the sign-in page as one of the standing cast (tests/conftest.py)."""
    page.context.clear_cookies()
    page.goto(f"{base}/login?next=/board")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/board")


def assert_fits_a_phone(page) -> None:
    """At the page's (phone) width: no sideways scrolling, every control labelled, one h1."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.name || el.id)"""
    )
    assert unlabelled == []
    assert page.locator("h1").count() == 1


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def api(live_server):
    """The ambulance service's system, referring in over the API with a bearer token."""
    with httpx.Client(base_url=live_server, timeout=30) as http:
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "ambulance",
                "client_secret": "ambulance-secret",
            },
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        yield http

"""API clients over a fresh database with the standing cast, signed in as each of them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from avert.web.app import create_app
from tests.conftest import PASSWORD, seed_cast


@pytest.fixture
def app(database, settings, clock):
    seed_cast(database)
    return create_app(database, settings, now=clock)


def sign_in(test_client: TestClient, username: str) -> TestClient:
    """Sign a browser-like client in; unsafe requests then carry its CSRF token."""
    response = test_client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    # The CSRF token is in every signed-in page's hx-headers (the sign-in page is open to all).
    page = test_client.get("/login")
    token = page.text.split('"X-CSRF-Token": "')[1].split('"')[0]
    test_client.headers["X-CSRF-Token"] = token
    return test_client


def bearer(test_client: TestClient, client_id: str, scope: str | None = None) -> TestClient:
    """An API client with a client-credentials bearer token."""
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": f"{client_id}-secret",
    }
    if scope:
        form["scope"] = scope
    token = test_client.post("/oauth/token", data=form).json()["access_token"]
    test_client.headers["Authorization"] = f"Bearer {token}"
    return test_client


@pytest.fixture
def as_user(app):
    """Open a client signed in as one of the cast: `as_user("olu")`."""
    opened = []

    def open_as(username: str) -> TestClient:
        test_client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        test_client.__enter__()
        opened.append(test_client)
        return sign_in(test_client, username)

    yield open_as
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture
def as_client(app):
    """Open an API client with a bearer token: `as_client("ambulance")`."""
    opened = []

    def open_as(client_id: str, scope: str | None = None) -> TestClient:
        test_client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        test_client.__enter__()
        opened.append(test_client)
        return bearer(test_client, client_id, scope)

    yield open_as
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture
def client(as_user):
    """The default: the single point of access's coordinator, who may see every referral."""
    return as_user("sam")


@pytest.fixture
def anonymous(app):
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c

"""One error shape for every API error, an HTML page for people, and no tracebacks anywhere."""

import pytest


ERRORS = [
    ("post", "/api/referrals", {"json": {"source": "gp"}}, 422),
    (
        "post",
        "/api/referrals",
        {"content": b"{", "headers": {"Content-Type": "application/json"}},
        400,
    ),
    ("get", "/api/referrals/424242", {}, 404),
    ("get", "/api/referrals/not-a-number", {}, 422),
    ("get", "/api/queue?limit=0", {}, 422),
    ("get", "/api/nowhere", {}, 404),
    ("delete", "/api/queue", {}, 405),
    (
        "post",
        "/api/referrals/424242/transitions",
        {"json": {"to": "accepted", "reason": "accepted_by_clinician", "actor": "x"}},
        404,
    ),
]


@pytest.mark.parametrize("method, path, kwargs, status", ERRORS)
def test_every_api_error_has_the_one_shape(client, method, path, kwargs, status):
    """status, code, message, problems (each with field and message) and request_id."""
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "problems", "request_id"}
    assert error["status"] == status and error["code"] and error["message"]
    assert all(set(p) == {"field", "message"} for p in error["problems"])
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.text


def test_an_unexpected_failure_is_a_500_in_the_shape_without_details(client, monkeypatch):
    """A bug becomes a plain 500 in the one shape; nothing about the data or code leaks."""
    from avert.services import queue

    def broken(*args, **kwargs):
        raise RuntimeError("patient 9990000018 exploded")

    monkeypatch.setattr(queue, "open_queue", broken)
    response = client.get("/api/queue")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "9990000018" not in response.text and "RuntimeError" not in response.text


def test_a_database_that_does_not_answer_is_a_503_to_retry_without_details(
    client, monkeypatch, caplog
):
    """The server restarting or gone: 503 with Retry-After; its parameters not sent, not logged."""
    from sqlalchemy.exc import OperationalError

    from avert.services import queue

    def down(*args, **kwargs):
        raise OperationalError("SELECT ... 9990000018", {}, ConnectionError("server closed"))

    monkeypatch.setattr(queue, "open_queue", down)
    response = client.get("/api/queue")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"
    assert "9990000018" not in response.text and "9990000018" not in caplog.text


def test_a_person_asking_for_a_missing_page_gets_an_html_page(client):
    """Browsers get a readable NHS.UK-styled page, not JSON."""
    response = client.get("/referrals/424242", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "There is no referral 424242." in response.text


def test_a_clean_request_id_is_echoed_and_a_hostile_one_replaced(client):
    """Request ids tie logs to responses; arbitrary header text is not reflected."""
    good = client.get("/api/health", headers={"X-Request-ID": "abc12345-run"})
    assert good.headers["X-Request-ID"] == "abc12345-run"
    bad = client.get("/api/health", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert "<" not in bad.headers["X-Request-ID"]

"""No patient data in logs or error pages: a sweep of every route's errors, for several roles.

`test_security.py` checks a handful of mistakes; this test asks every route in the app (found as
`test_access_matrix.py` finds them, so new routes are included) as a coordinator, a clinician of
another team, the privacy officer and an anonymous caller, with the people's NHS numbers and
names put where they do not belong: in the query string and in a JSON body (valid and broken),
asking for JSON and for HTML. Path parameters get a record id that does not exist: a 404 may
name the id it did not find, which is not patient data. Every error body (status 400 or more)
and everything logged is then scanned for the fixture people's NHS numbers (however
written) and names.

Forms that re-display what was typed (so nothing typed is lost) are not error pages in this
sense; they are sent no form fields here.
"""

from __future__ import annotations

import logging
import re

from tests.api.test_access_matrix import MISSING_ID, PARAMETER, checked_routes
from tests.factories import referral_body


PEOPLE = [
    {"nhs_number": "9990000018", "given_name": "Zebedee", "family_name": "Quillfeather"},
    {"nhs_number": "9990000026", "given_name": "Ermintrude", "family_name": "Marchbanks"},
]
NAMES = [p[k] for p in PEOPLE for k in ("given_name", "family_name")]
# Their NHS numbers however written: 9990000018, 999 000 0018, 999-000-0018.
NHS_NUMBERS = re.compile(
    "|".join(rf"{n[:3]}[\s-]?{n[3:6]}[\s-]?{n[6:]}" for n in (p["nhs_number"] for p in PEOPLE))
)


def _requests(path: str, method: str, person: dict) -> list[dict]:
    """The same route, with the person's details where they do not belong."""
    in_path = PARAMETER.sub(MISSING_ID, path)  # a record id, which a 404 may name
    query = {"nhs_number": person["nhs_number"], "name": person["given_name"], "person": "x"}
    body = {
        "nhs_number": person["nhs_number"] + "1",
        "person": {**person, "date_of_birth": "not a date", "nhs_number": 9990000018},
        "reason": person["family_name"],
        "note": 12,
    }
    asked = []
    for accept in ("application/json", "text/html"):
        headers = {"Accept": accept}
        if method == "GET":
            asked.append(dict(method=method, url=in_path, params=query, headers=headers))
        else:
            asked.append(dict(method=method, url=in_path, json=body, headers=headers))
            asked.append(
                dict(method=method, url=in_path, content=b'{"nhs_number": "99900', headers=headers)
            )
    return asked


def test_no_error_body_or_log_line_names_a_patient(app, client, as_user, anonymous, caplog):
    """Every route's errors, for four kinds of caller: no NHS number and no name anywhere."""
    caplog.set_level(logging.DEBUG)
    for person in PEOPLE:
        created = client.post("/api/referrals", json=referral_body(team_id="T-CITY", person=person))
        assert created.status_code == 201, created.text
    callers = [client, as_user("charlie"), as_user("pia"), anonymous]
    bodies, errors = [], 0
    for method, path, _ in checked_routes(app):  # the second person is never asked about
        for asked in _requests(path, method, PEOPLE[0]):
            for caller in callers:
                response = caller.request(follow_redirects=False, **asked)
                assert response.status_code < 500, (method, path, response.status_code)
                if response.status_code >= 400:
                    errors += 1
                    bodies.append(f"{method} {path}: {response.text}")
    assert errors > 300
    client_side = ("httpx", "httpcore")  # the test's own HTTP client logs the URLs it asks for
    logged = [
        f"{r.name}: {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith(client_side)
    ]
    for text in [*logged, *bodies]:
        assert not NHS_NUMBERS.search(text), text[:300]
        assert not [name for name in NAMES if name in text], text[:300]

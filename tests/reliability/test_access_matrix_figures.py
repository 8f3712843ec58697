"""The role x route matrix as one run whose figures go to reliability-report.json.

`tests/api/test_access_matrix.py` holds each role to the table in `tests/spec/test_access.py`
(one test per role, for a readable failure); this run asks the same questions of every role at
once and records how many requests were asked and how many were unexpected allows or refusals.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from avert.domain.access import SCOPES, Permission
from avert.security.sessions import create_client
from avert.web.app import create_app
from tests.api.conftest import bearer, sign_in
from tests.api.test_access_matrix import ROLE_USERS, check_every_route
from tests.conftest import seed_cast
from tests.spec.test_access import MATRIX


def test_no_role_is_allowed_a_route_the_matrix_does_not_give_it(
    database, settings, clock, reliability_report
):
    """Every route x every role (and a system with every scope): zero unexpected allows."""
    seed_cast(database)
    create_client(
        database,
        client_id="every-scope",
        name="A system with every scope",
        organisation="RYC",
        secret="every-scope-secret",
        scopes=sorted(SCOPES),
    )
    app = create_app(database, settings, now=clock)
    callers = {role: (username, None) for role, username in ROLE_USERS.items()}
    callers["integration_client"] = (None, "every-scope")
    asked, allows, refusals, routes = 0, [], [], 0
    for role, (username, client_id) in callers.items():
        with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
            caller = sign_in(c, username) if username else bearer(c, client_id)

            def holds(permission: Permission, role=role) -> bool:
                return permission is Permission.SIGNED_IN or role in MATRIX[permission.value]

            count, allowed_wrongly, wrong = check_every_route(app, caller, holds)
        asked += count
        routes = count
        allows += [(role, *a) for a in allowed_wrongly]
        refusals += [(role, *w) for w in wrong]
    reliability_report.record(
        "access matrix: every route x every role",
        roles=len(callers),
        routes=routes,
        cases=asked,
        unexpected_allows=len(allows),
        unexpected_refusals_or_5xx=len(refusals),
        failures=len(allows) + len(refusals),
    )
    assert allows == []
    assert refusals == []

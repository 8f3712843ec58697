"""The role x resource x action matrix, against the running service: zero unexpected allows.

Every route in the app (found the way `test_route_permissions.py` finds them, so new routes are
picked up without editing this file) is asked once by a signed-in member of the cast for each
role and by integration clients with bearer tokens. A role the table in `tests/spec/test_access.py`
does not give the route's permission must be refused: 403 with the code `forbidden`. A role the
table allows must not be refused: it gets the page, the data, a 404 for a record that does not
exist, or a 422 for the empty body it was sent (the permission is checked before the body is
read, so "refused" and "allowed but invalid" cannot be confused). No request may fail with 5xx.

The caseload rule is checked on top: a clinician of another team asking for a T-CITY referral
or its visit gets exactly what they would get for a record that does not exist.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from avert.domain.access import SCOPES, Permission
from avert.security.sessions import create_client
from avert.store.schema import Visit
from avert.web.pages.common import NAVIGATION
from tests.api.test_route_permissions import declared_routes
from tests.factories import referral_body
from tests.spec.test_access import MATRIX


ROLE_USERS = {
    "coordinator": "sam",
    "clinician": "olu",
    "team_lead": "tess",
    "social_worker": "sally",
    "analyst": "ana",
    "service_lead": "sergio",
    "administrator": "adam",
    "privacy_officer": "pia",
}
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
MISSING_ID = "987654"


def concrete(path: str, value: str = MISSING_ID) -> str:
    """The route's path with every parameter filled in (an id that does not exist by default)."""
    return PARAMETER.sub(value, path)


def checked_routes(app) -> list[tuple[str, str, Permission]]:
    """(method, path, permission) for every non-public route; signing out comes last."""
    found = []
    for path, methods, permissions in declared_routes(app):
        if permissions[0] in ("mount", "plain") or permissions[0] is Permission.PUBLIC:
            continue
        for method in sorted(methods - {"HEAD"}):
            found.append((method, path, permissions[0]))
    return sorted(found, key=lambda r: (r[2] is Permission.SIGNED_IN, r[1], r[0]))


def is_refused(response) -> bool:
    if response.status_code != 403:
        return False
    return response.json()["error"]["code"] == "forbidden"


def ask(test_client, method: str, path: str):
    """A harmless request: no body (an allowed role gets a validation error, not a change)."""
    return test_client.request(method, path, follow_redirects=False)


def check_every_route(app, test_client, holds) -> tuple[int, list, list]:
    """Ask every route once; return (asked, unexpected allows, unexpected refusals or 5xx)."""
    asked, allowed_wrongly, wrong = 0, [], []
    for method, path, permission in checked_routes(app):
        response = ask(test_client, method, concrete(path))
        asked += 1
        if response.status_code >= 500:
            wrong.append((method, path, response.status_code))
        elif holds(permission):
            if is_refused(response) or response.status_code == 401:
                wrong.append((method, path, response.status_code))
        elif not is_refused(response):
            allowed_wrongly.append((method, path, response.status_code))
    return asked, allowed_wrongly, wrong


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_each_signed_in_role_reaches_exactly_the_routes_the_table_gives_it(app, as_user, role):
    """Refused (403) wherever the table does not give the role the route's permission."""
    signed_in = as_user(ROLE_USERS[role])
    asked, allowed_wrongly, wrong = check_every_route(
        app, signed_in, lambda permission: role in MATRIX[permission.value]
    )
    assert asked > 40
    assert allowed_wrongly == [], f"unexpected allows for {role}"
    assert wrong == [], f"refused or failed although {role} may"


@pytest.fixture
def full_client(app, database):
    """An integration client granted every scope there is: the role's whole reach."""
    create_client(
        database,
        client_id="every-scope",
        name="A system with every scope",
        organisation="RYC",
        secret="every-scope-secret",
        scopes=sorted(SCOPES),
    )
    return "every-scope"


@pytest.mark.parametrize("client_id", ["every-scope", "readonly"])
def test_an_integration_client_reaches_only_what_the_table_and_its_scopes_give(
    app, as_client, full_client, client_id
):
    """A bearer token carries the integration client's row, narrowed to the token's scopes."""
    system = as_client(client_id)
    scopes = set(SCOPES) if client_id == "every-scope" else {"referral:read"}
    carried = {SCOPES[s].value for s in scopes}

    def holds(permission: Permission) -> bool:
        if permission is Permission.SIGNED_IN:
            return True
        return "integration_client" in MATRIX[permission.value] and permission.value in carried

    asked, allowed_wrongly, wrong = check_every_route(app, system, holds)
    assert asked > 40
    assert allowed_wrongly == []
    assert wrong == []


def _city_referral_with_a_visit(client, database) -> tuple[int, int]:
    created = client.post("/api/referrals", json=referral_body(team_id="T-CITY"))
    assert created.status_code == 201, created.text
    referral = created.json()
    allocated = client.post(
        f"/board/allocate/{referral['id']}",
        data={"version": str(referral["version"]), "first_staff": "S-OT"},
        follow_redirects=False,
    )
    assert allocated.status_code == 303, allocated.text
    with database.reading() as session:
        visit_id = session.execute(
            select(Visit.id).where(Visit.referral_id == referral["id"])
        ).scalar_one()
    return referral["id"], visit_id


def _shape(response) -> tuple[int, str | None]:
    code = None
    if response.headers.get("content-type", "").startswith("application/json"):
        code = response.json().get("error", {}).get("code")
    return response.status_code, code


def test_a_clinician_of_another_team_finds_no_trace_of_a_city_referral(
    app, client, as_user, database
):
    """Charlie (T-COUNTY) gets, on every referral and visit route, what a missing id gets."""
    referral_id, visit_id = _city_referral_with_a_visit(client, database)
    charlie, olu = as_user("charlie"), as_user("olu")
    compared = 0
    for method, path, permission in checked_routes(app):
        if "{referral_id}" not in path and "{visit_id}" not in path:
            continue
        if "clinician" not in MATRIX[permission.value]:
            continue
        real = path.replace("{referral_id}", str(referral_id))
        real = real.replace("{visit_id}", str(visit_id))
        seen = ask(charlie, method, concrete(real))
        missing = ask(charlie, method, concrete(path))
        assert _shape(seen) == _shape(missing), (method, path)
        if seen.status_code < 400:  # a route that reads no record (the NEWS2 preview)
            assert seen.text == missing.text, (method, path)
        if method == "GET":
            assert seen.status_code == 404, (method, path)
            assert ask(olu, method, concrete(real)).status_code == 200, (method, path)
        compared += 1
    assert compared >= 5


MENU_LINK = re.compile(r'class="nhsuk-header__navigation-link" href="([^"]+)"')


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_the_menu_offers_each_role_exactly_the_screens_it_may_open(as_user, role):
    """The menu follows the table, even on an error page; no link offered is refused."""
    signed_in = as_user(ROLE_USERS[role])
    page = signed_in.get("/board", headers={"Accept": "text/html"})
    menu = page.text.split('class="nhsuk-header__navigation-list"')[1].split("</ul>")[0]
    offered = MENU_LINK.findall(menu)
    assert offered == [href for _, href, needed in NAVIGATION if role in MATRIX[needed.value]]
    for href in offered:
        opened = signed_in.get(href, follow_redirects=False)
        if opened.status_code == 404:  # My day, for an account not linked to a member of staff
            assert href == "/my-day" and "not linked to a member of staff" in opened.text
        else:
            assert opened.status_code == 200, (href, opened.status_code)

"""Schemathesis against the OpenAPI document, once per role, with that role's valid credentials.

The app runs in process (ASGI). For every operation in `/openapi.json`, Hypothesis generates
requests that fit the document (positive) and requests that break it (negative), and sends them
signed in as one member of the cast per role (session cookie and CSRF header), or with an
integration client's bearer token. Every response must be free of server errors (no 5xx), use
a documented status code and content type, and match the documented schema for that status: the
one error shape included. Generation is derandomized, so a run is repeatable; `--long` tries
many more examples per operation. Cases tried and failures go to `reliability-report.json`.

The FHIR operations are held to "no 5xx" and a documented status code only: their OpenAPI
entries do not describe FHIR resource bodies (those are validated against the FHIR R4 UK Core
profiles in `tests/api/test_fhir_api.py`), so there is no schema to conform to.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from avert.domain.access import SCOPES
from avert.security.sessions import SESSION_COOKIE, create_client, issue_token, sign_in
from avert.web.app import create_app
from tests.conftest import PASSWORD, seed_cast
from tests.factories import referral_body


ROLES = {
    "coordinator": "sam",
    "clinician": "olu",
    "team_lead": "tess",
    "social_worker": "sally",
    "analyst": "ana",
    "service_lead": "sergio",
    "administrator": "adam",
    "privacy_officer": "pia",
    "integration_client": None,
}
EXAMPLES = {False: 3, True: 100}  # per operation and generation mode; --long for the second
FULL_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FHIR_CHECKS = [not_a_server_error, status_code_conformance]


@pytest.fixture
def fuzzed_app(database, settings, clock):
    """The app over the cast, an all-scopes client, and a few referrals to find."""
    seed_cast(database)
    create_client(
        database,
        client_id="fuzz-client",
        name="A system with every scope",
        organisation="RYC",
        secret="fuzz-client-secret",
        scopes=sorted(SCOPES),
    )
    app = create_app(database, settings, now=clock)
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as client:
        created = sign_in(database, settings, "sam", PASSWORD, now=clock())
        client.cookies.set(SESSION_COOKIE, created.token)
        for team in ("T-CITY", "T-COUNTY", "T-CITY"):
            response = client.post(
                "/api/referrals",
                json=referral_body(team_id=team),
                headers={"X-CSRF-Token": created.csrf_token},
            )
            assert response.status_code == 201, response.text
    return app


def credentials(database, settings, clock, role: str) -> dict[str, str]:
    username = ROLES[role]
    if username is None:
        token, _, _ = issue_token(database, "fuzz-client", "fuzz-client-secret", None, now=clock())
        return {"Authorization": f"Bearer {token}"}
    created = sign_in(database, settings, username, PASSWORD, now=clock())
    return {"Cookie": f"{SESSION_COOKIE}={created.token}", "X-CSRF-Token": created.csrf_token}


def fuzz_operation(operation, client, headers, examples, checks) -> tuple[int, list[str]]:
    """Run one operation in both generation modes; (cases tried, failure descriptions)."""
    tried, failures = 0, []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            nonlocal tried
            tried += 1
            response = case.call(session=client, headers=headers)
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except FailureGroup as group:
                failures.extend(_describe(operation, response, f) for f in group.exceptions)
            except Failure as failure:
                failures.append(_describe(operation, response, failure))

        try:
            run()
        except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters)
            assert mode is GenerationMode.NEGATIVE, operation.label
    return tried, failures


def _describe(operation, response, failure) -> str:
    """The operation, the status and the check; the error's code when it is in our shape."""
    code = ""
    try:
        code = f" ({response.json()['error']['code']})"
    except (ValueError, KeyError, TypeError):
        pass
    return f"{operation.label} -> {response.status_code}{code}: {failure.title}"


@pytest.mark.parametrize("role", list(ROLES))
def test_the_api_serves_every_role_without_5xx_and_within_its_documented_schema(
    fuzzed_app, database, settings, clock, role, long_run, reliability_report
):
    """Zero server errors and zero responses outside the documented schema, per role."""
    headers = credentials(database, settings, clock, role)
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    started = time.perf_counter()
    cases, failures, operations = 0, [], 0
    with asgi.get_client(fuzzed_app) as client:  # one in-process client for the whole run
        for result in schema.get_all_operations():
            operation = result.ok()
            checks = FHIR_CHECKS if operation.path.startswith("/fhir") else FULL_CHECKS
            tried, found = fuzz_operation(operation, client, headers, EXAMPLES[long_run], checks)
            cases += tried
            failures.extend(found)
            operations += 1
    distinct = sorted(set(failures))
    reliability_report.record(
        f"openapi fuzz as {role}",
        role=role,
        operations=operations,
        cases=cases,
        failures=len(failures),
        distinct_failures=len(distinct),
        seconds=round(time.perf_counter() - started, 1),
    )
    assert operations > 15
    assert distinct == [], "\n".join(distinct)


def test_a_number_past_the_databases_range_is_refused_not_a_crash(
    fuzzed_app, database, settings, clock
):
    """Found by the long run: offset=10**23 crashed the queue on SQLite (OverflowError)."""
    from fastapi.testclient import TestClient

    headers = credentials(database, settings, clock, "coordinator")
    with TestClient(fuzzed_app, base_url="https://testserver") as client:  # exceptions raise
        for path in ("/api/queue?offset=101089104744843873091584", f"/api/referrals/{10**23}"):
            response = client.get(path, headers=headers)
            assert response.status_code == 422, path
            assert response.json()["error"]["code"] == "out_of_range"


def test_a_fhir_read_of_a_patient_whose_id_is_not_ascii_digits_is_not_found(
    fuzzed_app, database, settings, clock
):
    """Found by the long runs: odd Patient ids failed the read's audit entry (500 or 503)."""
    from fastapi.testclient import TestClient

    headers = credentials(database, settings, clock, "coordinator")
    with TestClient(fuzzed_app, base_url="https://testserver") as client:  # exceptions raise
        # "²" is a digit to Python; 3000000000 is past a 32-bit integer; the last makes the
        # path longer than the audit's resource column
        for ident in ("%C2%B2", "1" * 25, "3000000000", "x" * 250):
            for path in (f"/fhir/Patient/{ident}", f"/fhir/Patient/{ident}/$transfer-summary"):
                assert client.get(path, headers=headers).status_code == 404, path

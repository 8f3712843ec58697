"""Who may do what: the role x permission matrix, written out for a privacy officer to read.

Each row is one permission (one kind of thing a person or system may do) and the roles that
hold it, spelled out by hand. The test compares this table with `avert/domain/access.py`
`ROLE_PERMISSIONS` both ways: a permission missing from the table, a role the code gives that
the table does not, or a role the table gives that the code does not, each fails. Changing the
policy therefore means changing this table too, where a reviewer sees it.

Roles: coordinator (single point of access), clinician, team lead, social worker, analyst
(pseudonymised data only), service lead, administrator, privacy officer, integration client
(a system referring in; it also needs the matching OAuth2 scope on its token).

Which people's records a role reaches (before break-glass) is the second table: a clinician sees
a person only with a legitimate relationship; for anyone else the record does not exist (404).
`tests/api/test_access_matrix.py` sends a request to every route as every role and holds the
running service to these tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from avert.domain.access import (
    ROLE_CASELOAD,
    ROLE_PERMISSIONS,
    SCOPES,
    Caseload,
    Permission,
    Role,
    allows,
)


CO, CL, TL, SW = "coordinator", "clinician", "team_lead", "social_worker"
AN, SL, AD, PO = "analyst", "service_lead", "administrator", "privacy_officer"
IC = "integration_client"
EVERYONE = {CO, CL, TL, SW, AN, SL, AD, PO, IC}

# permission            roles allowed
MATRIX: dict[str, set[str]] = {
    "public":             EVERYONE,  # no sign-in: health check, sign-in page, static files
    "signed_in":          EVERYONE,  # who am I, sign out; no patient data
    "referral:create":    {CO, TL, IC},
    "referral:read":      {CO, CL, TL, SW, IC},
    "referral:update":    {CO, CL, TL, SW},
    "triage:override":    {CO, CL, TL},
    "visit:allocate":     {CO, TL},
    "visit:record":       {CL, TL, SW},
    "huddle:record":      {CL, TL, SW},
    "break_glass:request": {CL, TL, SW},
    "audit:read":         {PO},
    "break_glass:review": {PO},
    "user:admin":         {AD},
    "record:update":      {CO, CL, TL, SW},
    "directory:read":     {CO, CL, TL, SW, AN, SL, IC},
    "directory:edit":     {SL},
    "service:simulate":   {TL, AN, SL},
}  # fmt: skip

# role                  whose records it reaches before break-glass
CASELOAD: dict[str, str] = {
    CO: "service",          # every team's referrals
    CL: "team",             # open referrals on the team's caseload, and visits allocated to them
    TL: "team",
    SW: "team",
    AN: "none",             # pseudonymised data only
    SL: "none",
    AD: "none",
    PO: "none",             # reads the audit log, never the records
    IC: "own_submissions",  # a system reads back only what it referred
}  # fmt: skip

# OAuth2 scope          the permission it carries for an integration client
SCOPE_TABLE = {
    "referral:create": "referral:create",
    "referral:read": "referral:read",
    "directory:read": "directory:read",
}


def test_every_permission_and_every_role_is_in_the_table():
    """A new permission or role fails here until someone writes down who holds it."""
    assert set(MATRIX) == {p.value for p in Permission}
    assert set().union(*MATRIX.values()) == {r.value for r in Role}
    assert set(CASELOAD) == {r.value for r in Role}


@pytest.mark.parametrize("permission", sorted(MATRIX))
def test_each_permission_is_held_by_exactly_the_roles_in_the_table(permission):
    """The code's matrix equals the written one, row by row (no unexpected allow or deny)."""
    holders = {role.value for role in Role if allows(role, Permission(permission))}
    assert holders == MATRIX[permission], (
        f"{permission}: code allows {sorted(holders - MATRIX[permission])} beyond the table, "
        f"and refuses {sorted(MATRIX[permission] - holders)} the table allows"
    )


def test_the_role_permissions_are_the_table_read_by_role():
    """ROLE_PERMISSIONS itself (not only `allows`) holds nothing the table does not give."""
    for role, permissions in ROLE_PERMISSIONS.items():
        from_table = {p for p, roles in MATRIX.items() if role.value in roles}
        assert {p.value for p in permissions} == from_table - {"public", "signed_in"}, role


@pytest.mark.parametrize("role", sorted(CASELOAD))
def test_each_role_reaches_the_caseload_in_the_table(role):
    """Which people's records a role reaches before break-glass."""
    assert ROLE_CASELOAD[Role(role)] == Caseload(CASELOAD[role])


def test_roles_without_a_caseload_hold_no_patient_record_permission():
    """No caseload means no record: the analyst, service lead, administrator, privacy officer."""
    patient = {"referral:read", "referral:update", "visit:record", "huddle:record", "record:update"}
    for role, caseload in CASELOAD.items():
        if caseload == "none":
            assert not {p for p in patient if role in MATRIX[p]}, role


def test_an_integration_client_holds_only_what_its_scopes_carry():
    """Scopes map one-to-one onto the client's permissions; none grants more than the role."""
    assert {scope: p.value for scope, p in SCOPES.items()} == SCOPE_TABLE
    for permission in SCOPE_TABLE.values():
        assert IC in MATRIX[permission]
    client_permissions = {p for p, roles in MATRIX.items() if IC in roles}
    assert client_permissions - {"public", "signed_in"} == set(SCOPE_TABLE.values())


def test_the_table_in_docs_security_is_this_table():
    """docs/security.md shows the same matrix a reader can check by eye."""
    text = (Path(__file__).parents[2] / "docs" / "security.md").read_text()
    columns = [CO, CL, TL, SW, AN, SL, AD, PO, IC]
    documented = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 11 and cells[0].startswith("`") and cells[0].strip("`") in MATRIX:
            marks = zip(columns, cells[2:], strict=True)
            documented[cells[0].strip("`")] = {role for role, mark in marks if mark == "✓"}
    assert documented == MATRIX

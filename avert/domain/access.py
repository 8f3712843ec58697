"""Who may do what: roles, permissions, and the legitimate-relationship rule (pure).

Every route declares one permission; a role holds a fixed set of them (the matrix below is the
whole policy, and `tests/spec/test_access.py` holds it to a table a privacy officer can read).
Permissions say what kind of thing a person may do; the legitimate relationship says to whom:
a clinician sees a person only through an open referral on their team's caseload, a visit
allocated to them, or time-limited, reasoned break-glass access (RELIABILITY.md 1.4).
"""

from __future__ import annotations

from enum import StrEnum

from avert.domain.vocab import Labelled


class Role(Labelled):
    COORDINATOR = "coordinator", "Coordinator (single point of access)"
    CLINICIAN = "clinician", "Clinician"
    TEAM_LEAD = "team_lead", "Team lead"
    SOCIAL_WORKER = "social_worker", "Social worker"
    ANALYST = "analyst", "Analyst (pseudonymised data only)"
    SERVICE_LEAD = "service_lead", "Service lead"
    ADMINISTRATOR = "administrator", "Administrator"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    INTEGRATION_CLIENT = "integration_client", "Integration client (system)"


class Permission(StrEnum):
    PUBLIC = "public"  # no sign-in: health check, sign-in page, static files
    SIGNED_IN = "signed_in"  # any signed-in person, no patient data (who am I, sign out)
    REFERRAL_CREATE = "referral:create"
    REFERRAL_READ = "referral:read"  # patient data, scoped by legitimate relationship
    REFERRAL_UPDATE = "referral:update"  # lifecycle moves
    TRIAGE_OVERRIDE = "triage:override"
    ALLOCATE = "visit:allocate"
    VISIT_RECORD = "visit:record"  # set off, arrive, assess, act, discharge
    HUDDLE_RECORD = "huddle:record"
    BREAK_GLASS = "break_glass:request"
    AUDIT_READ = "audit:read"
    BREAK_GLASS_REVIEW = "break_glass:review"
    USER_ADMIN = "user:admin"
    RECORD_UPDATE = "record:update"  # the shared care record, scoped like REFERRAL_READ
    DIRECTORY_READ = "directory:read"  # the Directory of Services (no patient data)
    DIRECTORY_EDIT = "directory:edit"  # services, sessions and capacity status
    SIMULATE = "service:simulate"  # what-if simulation of the service (no patient data)


P = Permission
_CLINICAL = frozenset(
    {
        P.REFERRAL_READ,
        P.REFERRAL_UPDATE,
        P.VISIT_RECORD,
        P.HUDDLE_RECORD,
        P.BREAK_GLASS,
        P.RECORD_UPDATE,
        P.DIRECTORY_READ,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COORDINATOR: frozenset(
        {
            P.REFERRAL_CREATE,
            P.REFERRAL_READ,
            P.REFERRAL_UPDATE,
            P.TRIAGE_OVERRIDE,
            P.ALLOCATE,
            P.RECORD_UPDATE,
            P.DIRECTORY_READ,
        }
    ),
    Role.CLINICIAN: _CLINICAL | {P.TRIAGE_OVERRIDE},
    Role.TEAM_LEAD: _CLINICAL | {P.TRIAGE_OVERRIDE, P.ALLOCATE, P.REFERRAL_CREATE, P.SIMULATE},
    Role.SOCIAL_WORKER: _CLINICAL,
    Role.ANALYST: frozenset({P.DIRECTORY_READ, P.SIMULATE}),
    Role.SERVICE_LEAD: frozenset({P.DIRECTORY_READ, P.DIRECTORY_EDIT, P.SIMULATE}),
    Role.ADMINISTRATOR: frozenset({P.USER_ADMIN}),
    Role.PRIVACY_OFFICER: frozenset({P.AUDIT_READ, P.BREAK_GLASS_REVIEW}),
    Role.INTEGRATION_CLIENT: frozenset({P.REFERRAL_CREATE, P.REFERRAL_READ, P.DIRECTORY_READ}),
}


class Caseload(StrEnum):
    """Which people's records a role reaches, before break-glass."""

    SERVICE = "service"  # the single point of access works across every team
    TEAM = "team"  # open referrals on the team's caseload, plus visits allocated to them
    OWN_SUBMISSIONS = "own_submissions"  # a system reads back only what it referred
    NONE = "none"


ROLE_CASELOAD: dict[Role, Caseload] = {
    Role.COORDINATOR: Caseload.SERVICE,
    Role.CLINICIAN: Caseload.TEAM,
    Role.TEAM_LEAD: Caseload.TEAM,
    Role.SOCIAL_WORKER: Caseload.TEAM,
    Role.ANALYST: Caseload.NONE,
    Role.SERVICE_LEAD: Caseload.NONE,
    Role.ADMINISTRATOR: Caseload.NONE,
    Role.PRIVACY_OFFICER: Caseload.NONE,
    Role.INTEGRATION_CLIENT: Caseload.OWN_SUBMISSIONS,
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether a role holds a permission (PUBLIC and SIGNED_IN are held by every role)."""
    if permission in (P.PUBLIC, P.SIGNED_IN):
        return True
    return permission in ROLE_PERMISSIONS[role]


# OAuth2 scopes an integration client may be granted, and the permission each carries.
SCOPES: dict[str, Permission] = {
    "referral:create": P.REFERRAL_CREATE,
    "referral:read": P.REFERRAL_READ,
    "directory:read": P.DIRECTORY_READ,
}

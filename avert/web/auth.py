"""Authentication and authorisation at the web boundary: every route declares its permission.

`require(permission)` is the only way a route reaches a principal. It authenticates (a bearer
token from an API client, or a browser session cookie), checks the role's permission, and for
browser sessions checks the CSRF token on every unsafe request. A test enumerates every route
and fails on any without a declared permission.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request

from avert.domain.access import Permission
from avert.security import audit
from avert.security.principal import Principal
from avert.security.sessions import SESSION_COOKIE, principal_for_session, principal_for_token
from avert.store.db import before_next_commit
from avert.web.context import context
from avert.web.errors import ApiError


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class SignInNeeded(Exception):
    """A browser without a session asked for a page: send it to sign in."""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api", "/fhir", "/oauth"))


def authenticate(request: Request) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal
    ctx = context(request)
    principal = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = principal_for_token(ctx.database, header[7:].strip(), now=ctx.now())
    elif token := request.cookies.get(SESSION_COOKIE):
        principal = principal_for_session(ctx.database, ctx.settings, token, now=ctx.now())
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.csrf_token is None or request.method not in UNSAFE:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if sent != principal.csrf_token:
        raise ApiError(
            403,
            "csrf_failed",
            "The form has expired or did not come from Avert. "
            "Go back, reload the page and try again.",
        )


def require(permission: Permission):
    """A FastAPI dependency declaring (and enforcing) a route's permission."""

    async def dependency(request: Request) -> Principal | None:
        if permission is Permission.PUBLIC:
            return authenticate(request)
        principal = authenticate(request)
        if principal is None:
            if _is_api(request) or request.method in UNSAFE:
                raise ApiError(
                    401,
                    "not_signed_in",
                    "Sign in, or send a bearer token.",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            raise SignInNeeded()
        await _check_csrf(request, principal)
        if not principal.can(permission):
            raise ApiError(403, "forbidden", "Your role does not allow this.")
        return principal

    dependency.permission = permission
    return dependency


def allowed(permission: Permission):
    """The type of a route parameter that receives the principal after `require(permission)`."""
    return Annotated[Principal, Depends(require(permission))]


def record_access(request: Request, principal: Principal, access: audit.Access) -> None:
    """Write the audit entry before the data leaves; 503 (and no data) if it cannot be written."""
    ctx = context(request)
    try:
        audit.record(
            ctx.database,
            ctx.settings.secret_key,
            principal,
            access,
            now=ctx.now(),
            request_id=getattr(request.state, "request_id", None),
        )
    except audit.AuditUnavailable:
        raise ApiError(
            503,
            "audit_unavailable",
            "The access could not be recorded, so nothing is shown. Try again.",
            headers={"Retry-After": "5"},
        ) from None


def audit_in_transaction(request: Request, principal: Principal, describe):
    """A callback for a service's write transaction that appends the audit entry inside it."""
    ctx = context(request)

    def write(session, *rows) -> None:
        try:
            audit.append(
                session,
                ctx.database.dialect,
                ctx.settings.secret_key,
                principal,
                describe(*rows),
                now=ctx.now(),
                request_id=getattr(request.state, "request_id", None),
            )
        except Exception as error:  # the whole change rolls back with it
            raise audit.AuditUnavailable(type(error).__name__) from None

    return write


@contextmanager
def audited(request: Request, principal: Principal, access: audit.Access) -> Iterator[None]:
    """Audit the change made in this block inside its own transaction: both commit or neither.

    A change that is refused before it writes (a stale version, a conflict) leaves no entry; an
    audit entry that cannot be written rolls the change back (503, AuditUnavailable).
    """
    with before_next_commit(audit_in_transaction(request, principal, lambda: access)):
        yield


def visible_referral(request: Request, principal: Principal, referral_id: int):
    """The referral if this principal may see it (services.referrals.Visible); 404 otherwise."""
    from avert.services import referrals
    from avert.services.lifecycle import NotFound

    ctx = context(request)
    try:
        return referrals.find_visible(ctx.database, principal, referral_id, now=ctx.now())
    except NotFound:
        raise ApiError(404, "not_found", f"There is no referral {referral_id}.") from None

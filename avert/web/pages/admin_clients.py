"""The administrator's pages for API clients: the systems that refer in with client credentials.

List, add, disable, enable and give a new secret. Every change goes through
`avert/services/accounts.py` (as `avert client` does) and is written to the audit log in the
change's own transaction. Disabling a client, or giving it a new secret, ends its bearer tokens
at once. Secrets are typed once and never shown; every route needs Permission.USER_ADMIN.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from avert.domain.access import SCOPES, Permission
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import accounts
from avert.web.auth import allowed, audit_in_transaction
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Administrator = allowed(Permission.USER_ADMIN)
NEW_FIELDS = ("client_id", "name", "organisation")
SCOPE_LABELS = {
    "referral:create": "Submit referrals",
    "referral:read": "Read back the referrals it submitted",
    "directory:read": "Search the Directory of Services",
}
MESSAGES = {
    "added": "API client {client} added: it can get a bearer token with its secret.",
    "disabled": "API client {client} disabled; every token it had is ended.",
    "enabled": "API client {client} enabled: it can get tokens again.",
    "secret": "API client {client} has a new secret; the tokens it had are ended.",
}


def _audit(request: Request, principal: Principal) -> accounts.AuditWriter:
    def write(session, access: Access) -> None:
        audit_in_transaction(request, principal, lambda: access)(session)

    return write


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "There is no such API client.")


def _scopes() -> list[dict]:
    return [{"value": s, "label": SCOPE_LABELS.get(s, s)} for s in SCOPES]


def _client(request: Request, client_id: str) -> accounts.Client:
    try:
        return accounts.get_client(context(request).database, client_id)
    except accounts.NoSuchClient:
        raise _not_found() from None


def _secret_errors(form) -> tuple[str, dict[str, str]]:
    """The typed secret, and the problems with it (including the two copies not matching)."""
    secret = str(form.get("secret") or "")
    errors: dict[str, str] = {}
    if reason := accounts.secret_problem(secret):
        errors["secret"] = reason
    elif secret != str(form.get("secret_again") or ""):
        errors["secret_again"] = "The two secrets are not the same"
    return secret, errors


def _client_page(request: Request, client: accounts.Client, errors: dict, status: int = 200):
    return page(
        request,
        "admin_client.html",
        {"client": client, "errors": errors, "labels": SCOPE_LABELS},
        status_code=status,
    )


@router.get("/admin/clients", response_class=HTMLResponse)
def clients(
    request: Request,
    principal: Administrator,
    done: str = Query("", max_length=16),
    client: str = Query("", max_length=64),
):
    found = accounts.list_clients(context(request).database)
    known = any(c.client_id == client for c in found)  # a link cannot invent one
    message = MESSAGES[done].format(client=client) if done in MESSAGES and known else None
    return page(request, "admin_clients.html", {"clients": found, "message": message})


@router.get("/admin/clients/new", response_class=HTMLResponse)
def new_client_form(request: Request, principal: Administrator):
    values = {"scopes": []}  # the system's organisation, not the administrator's
    return page(
        request, "admin_client_new.html", {"values": values, "errors": {}, "scopes": _scopes()}
    )


@router.post("/admin/clients", response_class=HTMLResponse)
async def add_client(request: Request, principal: Administrator):
    form = await request.form()
    values: dict = {k: str(form.get(k) or "").strip()[:200] for k in NEW_FIELDS}
    values["scopes"] = [str(s)[:40] for s in form.getlist("scopes")][: len(SCOPES) + 1]
    secret, errors = _secret_errors(form)
    if any(scope not in SCOPES for scope in values["scopes"]):
        errors["scopes"] = "Choose scopes from the list"
    new = accounts.NewClient(
        client_id=values["client_id"],
        name=values["name"],
        organisation=values["organisation"],
        scopes=tuple(values["scopes"]),
        secret=secret,
    )
    if errors:  # the page's own checks failed: name the service's problems too, change nothing
        errors = {**accounts.client_problems(new), **errors}
    else:
        try:
            accounts.add_client(context(request).database, new, audit=_audit(request, principal))
        except accounts.AccountProblems as problems:
            errors = problems.problems
        except accounts.ClientExists:
            errors["client_id"] = "There is already an API client with this id"
    if errors:
        order = (*NEW_FIELDS, "scopes", "secret", "secret_again")  # the form's order
        errors = {k: errors[k] for k in sorted(errors, key=order.index)}
        return page(
            request,
            "admin_client_new.html",
            {"values": values, "errors": errors, "scopes": _scopes()},
            status_code=422,
        )
    client_id = values["client_id"].lower()
    return RedirectResponse(f"/admin/clients?done=added&client={client_id}", status_code=303)


@router.get("/admin/clients/{client_id}", response_class=HTMLResponse)
def client_page(client_id: str, request: Request, principal: Administrator):
    return _client_page(request, _client(request, client_id), {})


@router.post("/admin/clients/{client_id}/secret", response_class=HTMLResponse)
async def new_secret(client_id: str, request: Request, principal: Administrator):
    client = _client(request, client_id)
    secret, errors = _secret_errors(await request.form())
    if not errors:
        ctx = context(request)
        try:
            accounts.change_client_secret(
                ctx.database, client_id, secret, now=ctx.now(), audit=_audit(request, principal)
            )
        except accounts.AccountProblems as problems:
            errors = problems.problems
    if errors:
        return _client_page(request, client, errors, 422)
    return RedirectResponse(f"/admin/clients?done=secret&client={client_id}", status_code=303)


@router.post("/admin/clients/{client_id}/disable", response_class=HTMLResponse)
def disable(client_id: str, request: Request, principal: Administrator):
    ctx = context(request)
    try:
        accounts.disable_client(
            ctx.database, client_id, now=ctx.now(), audit=_audit(request, principal)
        )
    except accounts.NoSuchClient:
        raise _not_found() from None
    return RedirectResponse(f"/admin/clients?done=disabled&client={client_id}", status_code=303)


@router.post("/admin/clients/{client_id}/enable", response_class=HTMLResponse)
def enable(client_id: str, request: Request, principal: Administrator):
    try:
        accounts.enable_client(
            context(request).database, client_id, audit=_audit(request, principal)
        )
    except accounts.NoSuchClient:
        raise _not_found() from None
    return RedirectResponse(f"/admin/clients?done=enabled&client={client_id}", status_code=303)

"""The administrator's pages: staff accounts (list, add, disable, enable, change role).

Every change goes through `avert/services/accounts.py` (as `avert user` does) and is written to
the audit log in the change's own transaction. Disabling an account ends all of its sessions at
once; no change may leave the service without an enabled administrator. Nothing here shows
patient data; every route needs Permission.USER_ADMIN. API clients are in `admin_clients.py`.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from avert.domain.access import Permission, Role
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import accounts
from avert.web.auth import allowed, audit_in_transaction
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Administrator = allowed(Permission.USER_ADMIN)
STAFF_ROLES = [r for r in Role if r is not Role.INTEGRATION_CLIENT]
NEW_FIELDS = ("username", "display_name", "role", "organisation", "team_id", "staff_id")
LAST_ADMINISTRATOR = (
    "{name} is the last enabled administrator: make another account an administrator first, "
    "so that someone can still manage accounts"
)
MESSAGES = {
    "added": "Account {user} added.",
    "disabled": "Account {user} disabled; every session it had is ended.",
    "enabled": "Account {user} enabled: it can sign in again.",
    "role": "Account {user} changed: it applies from the next page they open.",
}


def _audit(request: Request, principal: Principal) -> accounts.AuditWriter:
    def write(session, access: Access) -> None:
        audit_in_transaction(request, principal, lambda: access)(session)

    return write


def _role(value: str) -> Role | None:
    try:
        role = Role(value)
    except ValueError:
        return None
    return role if role in STAFF_ROLES else None


def _choices(request: Request) -> dict:
    teams, staff = accounts.teams_and_staff(context(request).database)
    return {
        "roles": STAFF_ROLES,
        "teams": [{"value": t.id, "label": t.name} for t in teams],
        "staff": [{"value": s.id, "label": f"{s.name} ({s.team_id})"} for s in staff],
    }


def _account(request: Request, username: str) -> accounts.Account:
    try:
        return accounts.get_user(context(request).database, username)
    except accounts.NoSuchUser:
        raise ApiError(404, "not_found", "There is no such account.") from None


@router.get("/admin/users", response_class=HTMLResponse)
def users(
    request: Request,
    principal: Administrator,
    done: str = Query("", max_length=16),
    user: str = Query("", max_length=64),
):
    found = accounts.list_users(context(request).database)
    known = any(account.username == user for account in found)  # a link cannot invent one
    message = MESSAGES[done].format(user=user) if done in MESSAGES and known else None
    return page(request, "admin_users.html", {"users": found, "message": message})


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user_form(request: Request, principal: Administrator):
    values = {"organisation": principal.organisation}
    return page(
        request, "admin_user_new.html", {"values": values, "errors": {}, **_choices(request)}
    )


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, principal: Administrator):
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:200] for k in NEW_FIELDS}
    password = str(form.get("password") or "")
    role = _role(values["role"])
    errors: dict[str, str] = {}
    if role is None:
        errors["role"] = "Choose a role"
    if password != str(form.get("password_again") or ""):
        errors["password_again"] = "The two passwords are not the same"
    ctx = context(request)
    new = None
    if role is not None:
        new = accounts.NewUser(
            username=values["username"],
            display_name=values["display_name"],
            role=role,
            organisation=values["organisation"],
            password=password,
            team_id=values["team_id"] or None,
            staff_id=values["staff_id"] or None,
        )
    if new is not None and not errors:
        try:
            accounts.add_user(ctx.database, new, now=ctx.now(), audit=_audit(request, principal))
        except accounts.AccountProblems as problems:
            errors = problems.problems
        except accounts.UserExists:
            errors["username"] = "There is already an account with this username"
    if errors:
        return page(
            request,
            "admin_user_new.html",
            {"values": values, "errors": errors, **_choices(request)},
            status_code=422,
        )
    username = values["username"].lower()
    return RedirectResponse(f"/admin/users?done=added&user={username}", status_code=303)


@router.get("/admin/users/{username}", response_class=HTMLResponse)
def user_page(username: str, request: Request, principal: Administrator):
    account = _account(request, username)
    values = {
        "role": account.role.value,
        "team_id": account.team_id or "",
        "staff_id": account.staff_id or "",
    }
    return page(
        request,
        "admin_user.html",
        {
            "account": account,
            "values": values,
            "errors": {},
            "own_account": username == principal.id,
            **_choices(request),
        },
    )


@router.post("/admin/users/{username}/role", response_class=HTMLResponse)
async def change_role(username: str, request: Request, principal: Administrator):
    account = _account(request, username)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:64] for k in ("role", "team_id", "staff_id")}
    role = _role(values["role"])
    errors: dict[str, str] = {}
    status = 422
    if role is None:
        errors["role"] = "Choose a role"
    elif username == principal.id and role is not Role.ADMINISTRATOR:
        errors["role"] = "Ask another administrator to change your own role"
    else:
        try:
            accounts.change_role(
                context(request).database,
                username,
                role,
                team_id=values["team_id"] or None,
                staff_id=values["staff_id"] or None,
                audit=_audit(request, principal),
            )
        except accounts.AccountProblems as problems:
            errors = problems.problems
        except accounts.LastAdministrator:
            errors["role"] = LAST_ADMINISTRATOR.format(name=account.display_name)
            status = 409
    if errors:
        return _user_page(request, principal, account, values, errors, status)
    return RedirectResponse(f"/admin/users?done=role&user={username}", status_code=303)


def _user_page(request, principal, account, values, errors, status):
    """The account's page again, with the error summary, after a refused change."""
    return page(
        request,
        "admin_user.html",
        {
            "account": account,
            "values": values,
            "errors": errors,
            "own_account": account.username == principal.id,
            **_choices(request),
        },
        status_code=status,
    )


@router.post("/admin/users/{username}/disable", response_class=HTMLResponse)
def disable(username: str, request: Request, principal: Administrator):
    account = _account(request, username)
    if username == principal.id:
        raise ApiError(
            409, "own_account", "You cannot disable your own account: ask another administrator."
        )
    ctx = context(request)
    try:
        accounts.disable_user(
            ctx.database, username, now=ctx.now(), audit=_audit(request, principal)
        )
    except accounts.LastAdministrator:
        values = {
            "role": account.role.value,
            "team_id": account.team_id or "",
            "staff_id": account.staff_id or "",
        }
        errors = {"disable": LAST_ADMINISTRATOR.format(name=account.display_name)}
        return _user_page(request, principal, account, values, errors, 409)
    return RedirectResponse(f"/admin/users?done=disabled&user={username}", status_code=303)


@router.post("/admin/users/{username}/enable", response_class=HTMLResponse)
def enable(username: str, request: Request, principal: Administrator):
    _account(request, username)
    accounts.enable_user(context(request).database, username, audit=_audit(request, principal))
    return RedirectResponse(f"/admin/users?done=enabled&user={username}", status_code=303)

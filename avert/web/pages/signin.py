"""Signing in and out of the pages."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from avert.domain.access import Permission
from avert.security.sessions import SESSION_COOKIE, SignInFailed, sign_in, sign_out
from avert.web.auth import allowed
from avert.web.context import context
from avert.web.pages.common import navigation, page


router = APIRouter(include_in_schema=False)
Anyone = allowed(Permission.PUBLIC)
SignedIn = allowed(Permission.SIGNED_IN)


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, else home (the role's first screen)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def home(principal: Anyone) -> RedirectResponse:
    """The first screen of the menu this person may use (the board for the single point of
    access, the directory for a service lead, users for an administrator...)."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    screens = navigation(principal)
    return RedirectResponse(screens[0][1] if screens else "/board", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: Anyone, next: str = Query("/", max_length=500)):
    return page(request, "login.html", {"next": _safe_next(next), "error": None, "username": ""})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, principal: Anyone):
    form = await request.form()
    username = str(form.get("username") or "").strip()[:64]
    target = _safe_next(str(form.get("next") or ""))
    ctx = context(request)
    try:
        created = sign_in(
            ctx.database, ctx.settings, username, str(form.get("password") or ""), now=ctx.now()
        )
    except SignInFailed:
        return page(
            request,
            "login.html",
            {
                "next": target,
                "username": username,
                "error": "The username or password is not right, or the account is disabled",
            },
            status_code=401,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        created.token,
        max_age=int(ctx.settings.session_lifetime.total_seconds()),
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, principal: SignedIn):
    ctx = context(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sign_out(ctx.database, token, now=ctx.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response

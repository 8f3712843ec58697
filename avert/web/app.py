"""The web application: the JSON API under /api and the server-rendered pages."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avert import __version__
from avert.config import Settings
from avert.store.db import Database
from avert.web import fhir_api, pages
from avert.web.api import directory as directory_api
from avert.web.api import meta, oauth, privacy, referrals
from avert.web.auth import SignInNeeded
from avert.web.context import Context, utc_now
from avert.web.errors import install_error_handlers


REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
        "frame-ancestors 'none'; object-src 'none'"
    ),
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


class RequestIdAndHeaders:
    """Every response: the request id (the caller's, if well formed, else a new one, also in
    `request.state.request_id` for errors and the audit), the security headers, and no-store
    except for static files. Plain ASGI rather than `@app.middleware("http")`, which runs each
    request in a task group with memory streams: that cost about 1 ms a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        cached = scope["path"].startswith(("/static/", "/assets/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not cached:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(database: Database, settings: Settings, *, now=utc_now) -> FastAPI:
    app = FastAPI(
        title="Avert",
        version=__version__,
        summary="Urgent Community Response: referral intake, triage, clocks and lifecycle",
        # The interactive docs pages load scripts from a CDN; the OpenAPI document is served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.avert = Context(database=database, settings=settings, now=now)
    install_error_handlers(app)

    @app.exception_handler(SignInNeeded)
    async def sign_in_first(request: Request, exc: SignInNeeded) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    app.add_middleware(RequestIdAndHeaders)
    app.include_router(meta.router)
    app.include_router(oauth.router)
    app.include_router(privacy.router)
    app.include_router(referrals.router)
    app.include_router(directory_api.router)
    app.include_router(fhir_api.router)
    pages.install(app)
    return app

"""The web application: the JSON API under /api and the server-rendered pages."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

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

    @app.middleware("http")
    async def request_id_and_headers(request: Request, call_next):
        given = request.headers.get("x-request-id", "")
        request.state.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(("/static/", "/assets/")):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.include_router(meta.router)
    app.include_router(oauth.router)
    app.include_router(privacy.router)
    app.include_router(referrals.router)
    app.include_router(directory_api.router)
    app.include_router(fhir_api.router)
    pages.install(app)
    return app

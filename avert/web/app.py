"""The web application: the JSON API under /api and the server-rendered pages."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI, Request

from avert import __version__
from avert.config import Settings
from avert.store.db import Database
from avert.web import pages
from avert.web.api import meta, referrals
from avert.web.context import Context, utc_now
from avert.web.errors import install_error_handlers


REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def create_app(database: Database, settings: Settings, *, now=utc_now) -> FastAPI:
    app = FastAPI(
        title="Avert",
        version=__version__,
        summary="Urgent Community Response: referral intake, triage, clocks and lifecycle",
    )
    app.state.avert = Context(database=database, settings=settings, now=now)
    install_error_handlers(app)

    @app.middleware("http")
    async def request_id(request: Request, call_next):
        given = request.headers.get("x-request-id", "")
        request.state.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    app.include_router(meta.router)
    app.include_router(referrals.router)
    _include_fhir(app)
    pages.install(app)
    return app


def _include_fhir(app: FastAPI) -> None:
    """The FHIR UK Core API under /fhir (avert/web/fhir_api.py), once that module exists."""
    try:
        from avert.web import fhir_api
    except ModuleNotFoundError as missing:
        if missing.name != "avert.web.fhir_api":
            raise
        return
    app.include_router(fhir_api.router)

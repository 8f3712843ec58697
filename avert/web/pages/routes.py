"""The pages: the live queue and one referral's record.

Third-party CSS and JS come from npm at build time (`node_modules/`) and are served under /static;
nothing third-party is committed. The queue refreshes its rows with htmx without reloading.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from avert.domain.clocks import to_local
from avert.domain.identifiers import format_nhs_number
from avert.domain.vocab import ConditionNeed, Destination, Disposition, ReferralState
from avert.services import lifecycle, queue, referrals
from avert.store.schema import Team
from avert.web.context import context
from avert.web.errors import ApiError


log = logging.getLogger("avert.web")
HERE = Path(__file__).parent
NODE_MODULES = HERE.parents[2] / "node_modules"
templates = Jinja2Templates(directory=HERE.parent / "templates")


def local_time(at: datetime | None, fmt: str = "%H:%M") -> str:
    return "" if at is None else to_local(at).strftime(fmt)


def time_left(seconds: int | None) -> str:
    if seconds is None:
        return "No clock"
    minutes = abs(seconds) // 60
    text = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    return f"{text} left" if seconds >= 0 else f"Overdue by {text}"


def urgency_tag(clock_state: str | None, seconds: int | None) -> str:
    """The NHS.UK tag colour for the time left; the words always say the same thing."""
    if clock_state in ("overdue", "breached"):
        return "nhsuk-tag--red"
    if clock_state == "met":
        return "nhsuk-tag--green"
    if seconds is None:
        return "nhsuk-tag--grey"
    if seconds < 30 * 60:
        return "nhsuk-tag--orange"
    if seconds < 60 * 60:
        return "nhsuk-tag--yellow"
    return "nhsuk-tag--blue"


def label(enum, value: str | None) -> str:
    if value is None:
        return ""
    try:
        return enum(value).label
    except ValueError:
        return value


templates.env.globals.update(
    local_time=local_time,
    nhs=lambda v: format_nhs_number(v) if v else "Not known",
    time_left=time_left,
    urgency_tag=urgency_tag,
    need_label=lambda v: label(ConditionNeed, v),
    disposition_label=lambda v: label(Disposition, v),
    destination_label=lambda v: label(Destination, v),
    state_label=lambda v: label(ReferralState, v),
)


def _queue_context(request: Request, team: str | None, disposition: str | None) -> dict:
    ctx = context(request)
    page = queue.open_queue(
        ctx.database, now=ctx.now(), team_id=team or None, disposition=disposition or None
    )
    rows = []
    for item in page.items:
        seconds = int(item.remaining.total_seconds()) if item.remaining is not None else None
        rows.append({"item": item, "seconds": seconds})
    return {"page": page, "rows": rows, "team": team or "", "disposition": disposition or ""}


def install(app: FastAPI) -> None:
    for name, folder in {
        "nhsuk": NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk",
        "htmx": NODE_MODULES / "htmx.org" / "dist",
    }.items():
        if folder.is_dir():
            app.mount(f"/static/{name}", StaticFiles(directory=folder), name=f"static-{name}")
        else:
            log.warning("front-end package missing (%s): run scripts/bootstrap", name)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(
        request: Request,
        team: str | None = Query(None, max_length=32),
        disposition: str | None = Query(None, max_length=32),
    ):
        ctx = context(request)
        with ctx.database.reading() as session:
            teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
        return templates.TemplateResponse(
            request,
            "queue.html",
            {
                **_queue_context(request, team, disposition),
                "teams": teams,
                "dispositions": list(Disposition),
            },
        )

    @app.get("/queue/rows", response_class=HTMLResponse, include_in_schema=False)
    def queue_rows(
        request: Request,
        team: str | None = Query(None, max_length=32),
        disposition: str | None = Query(None, max_length=32),
    ):
        return templates.TemplateResponse(
            request, "queue_rows.html", _queue_context(request, team, disposition)
        )

    @app.get("/referrals/{referral_id}", response_class=HTMLResponse, include_in_schema=False)
    def referral_page(referral_id: int, request: Request):
        ctx = context(request)
        try:
            view = referrals.referral_view(ctx.database, ctx.settings, referral_id, now=ctx.now())
            events = referrals.history(ctx.database, referral_id)
        except lifecycle.NotFound:
            raise ApiError(404, "not_found", f"There is no referral {referral_id}.") from None
        return templates.TemplateResponse(
            request,
            "referral.html",
            {"r": view, "events": events, "now": ctx.now(), "timedelta": timedelta},
        )

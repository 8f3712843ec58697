"""What every page shares: templates and their helpers, static files, and who is acting.

Third-party CSS and JS come from npm at build time (`node_modules/`) and are served under /static;
nothing third-party is committed. Every page route declares its permission (avert/web/auth.py);
the signed-in person's name is recorded against everything they do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from avert.domain.access import Permission
from avert.domain.clocks import to_local
from avert.domain.identifiers import format_nhs_number
from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    Disposition,
    OnwardService,
    ReferralSource,
    ReferralState,
    StaffRole,
)
from avert.security.principal import Principal


log = logging.getLogger("avert.web")
HERE = Path(__file__).parent
OWN_STATIC = HERE.parent / "static"
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
    source_label=lambda v: label(ReferralSource, v),
    onward_label=lambda v: label(OnwardService, v),
    role_label=lambda v: label(StaffRole, v),
)


# The menu: (label, link, the permission its page needs). A principal sees the items it may use;
# a new screen adds one line here.
NAVIGATION: list[tuple[str, str, Permission]] = [
    ("Board", "/board", Permission.REFERRAL_READ),
    ("New referral", "/intake", Permission.REFERRAL_CREATE),
    ("My day", "/my-day", Permission.VISIT_RECORD),
    ("Huddle", "/huddle", Permission.HUDDLE_RECORD),
    ("Directory", "/directory", Permission.DIRECTORY_READ),
    ("Users", "/admin/users", Permission.USER_ADMIN),
    ("API clients", "/admin/clients", Permission.USER_ADMIN),
    ("Privacy", "/privacy", Permission.AUDIT_READ),
    ("Simulate", "/simulate", Permission.SIMULATE),
]


def may(principal, permission: Permission | str) -> bool:
    """Whether this principal (None when signed out) may use what `permission` guards."""
    return isinstance(principal, Principal) and principal.can(Permission(permission))


def navigation(principal) -> list[tuple[str, str]]:
    """The menu items this principal may use, in menu order."""
    return [(label, href) for label, href, needed in NAVIGATION if may(principal, needed)]


templates.env.globals.update(may=may, navigation=navigation)


def actor(request: Request) -> str | None:
    """The signed-in person's name, recorded against everything they do."""
    principal = getattr(request.state, "principal", None)
    return principal.display_name if principal else None


def page(request: Request, template: str, context: dict, status_code: int = 200):
    principal = getattr(request.state, "principal", None)
    return templates.TemplateResponse(
        request,
        template,
        {
            "actor": actor(request),
            "principal": principal,
            "csrf": principal.csrf_token if principal else "",
            **context,
        },
        status_code=status_code,
    )


def mount_static(app: FastAPI) -> None:
    folders = {
        "nhsuk": NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk",
        "htmx": NODE_MODULES / "htmx.org" / "dist",
        "avert": OWN_STATIC,
    }
    icons = NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk" / "assets"
    if icons.is_dir():  # the compiled styles refer to the NHS.UK icons at /assets/
        app.mount("/assets", StaticFiles(directory=icons), name="nhsuk-assets")
    if not (OWN_STATIC / "build" / "nhsuk.css").is_file():
        log.warning("NHS.UK styles not compiled: run scripts/bootstrap")
    for name, folder in folders.items():
        if folder.is_dir():
            app.mount(f"/static/{name}", StaticFiles(directory=folder), name=f"static-{name}")
        else:
            log.warning("front-end package missing (%s): run scripts/bootstrap", name)

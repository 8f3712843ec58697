"""Server-rendered pages (Jinja2 + htmx) styled with the NHS.UK frontend.

One module per screen: intake (single point of access), board (live queue, staff, allocation),
visits (the clinician's day and the visit), huddle (the daily MDT), records (one referral).
"""

from fastapi import FastAPI

from avert.web.pages import board, huddle, intake, records, signin, visits
from avert.web.pages.common import mount_static


def install(app: FastAPI) -> None:
    mount_static(app)
    for module in (signin, board, intake, visits, huddle, records):
        app.include_router(module.router)

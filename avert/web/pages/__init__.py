"""Server-rendered pages (Jinja2 + htmx) styled with the NHS.UK frontend.

One module per screen: intake (single point of access), board (live queue, staff, allocation),
visits (the clinician's day and the visit), huddle (the daily MDT), records (one referral),
admin (staff accounts), privacy (the audit log and break-glass reviews), care_record (the
shared care record, crisis plan and transfer summary), directory (the Directory of Services),
admin_clients (API clients).
"""

from fastapi import FastAPI

from avert.web.pages import (
    admin,
    admin_clients,
    board,
    care_record,
    directory,
    huddle,
    intake,
    privacy,
    records,
    signin,
    simulate,
    visits,
)
from avert.web.pages.common import mount_static


def install(app: FastAPI) -> None:
    mount_static(app)
    for module in (signin, board, intake, visits, huddle, records, admin, privacy):
        app.include_router(module.router)
    app.include_router(care_record.router)
    app.include_router(directory.router)
    app.include_router(simulate.router)
    app.include_router(admin_clients.router)

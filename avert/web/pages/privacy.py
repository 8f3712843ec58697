"""The privacy officer's pages: who looked at this person, what did this user look at, and the
break-glass review queue.

The answers name patients, so reading them is itself audited (the privacy officer's own look is
an entry like any other, with the people it showed). The audit log is read through
`avert/security/audit.py`; grants are reviewed through `avert/security/break_glass.py`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_nhs_number
from avert.security import audit, break_glass
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.store.schema import AuditEntry, BreakGlass, Person, User
from avert.web.auth import allowed, audited, record_access
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Auditor = allowed(Permission.AUDIT_READ)
Reviewer = allowed(Permission.BREAK_GLASS_REVIEW)
LONDON = ZoneInfo("Europe/London")
LIMIT = 500
RECENTLY_REVIEWED = 20
BASIS = "privacy officer"


def _people(database, ids) -> dict[int, Person]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    with database.reading() as session:
        return {
            p.id: p for p in session.execute(select(Person).where(Person.id.in_(ids))).scalars()
        }


def _local_day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, "Enter a date as YYYY-MM-DD") from None


def looked_at_by(database, actor: str, since: date | None, until: date | None) -> list[AuditEntry]:
    """What one user (or system) looked at, newest first, between two UK dates (inclusive)."""
    query = select(AuditEntry).where(AuditEntry.actor == actor)
    if since is not None:
        query = query.where(AuditEntry.at >= datetime.combine(since, time(), LONDON))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time(), LONDON)
        query = query.where(AuditEntry.at < end)
    with database.reading() as session:
        return list(session.execute(query.order_by(AuditEntry.seq.desc()).limit(LIMIT)).scalars())


@router.get("/privacy", response_class=HTMLResponse)
def privacy_home(request: Request, principal: Auditor):
    waiting = len(break_glass.awaiting_review(context(request).database))
    return page(request, "privacy.html", {"waiting": waiting, "values": {}, "errors": {}})


@router.get("/privacy/person", response_class=HTMLResponse)
def who_looked(request: Request, principal: Auditor, nhs_number: str = Query("", max_length=20)):
    """Who looked at this person: every audit entry naming them, newest first."""
    ctx = context(request)
    try:
        number = parse_nhs_number(nhs_number)
    except ValidationError:
        return page(
            request,
            "privacy.html",
            {
                "waiting": None,
                "values": {},
                "errors": {"nhs_number": "Enter a valid 10-digit NHS number"},
            },
            status_code=422,
        )
    with ctx.database.reading() as session:
        person = session.execute(select(Person).where(Person.nhs_number == number)).scalar()
    if person is None:
        return page(
            request,
            "privacy.html",
            {
                "waiting": None,
                "values": {},  # an error page never repeats what was typed (patient data)
                "errors": {"nhs_number": "Nobody with that NHS number is known here"},
            },
            status_code=404,
        )
    entries = audit.who_looked_at(ctx.database, person.id, limit=LIMIT)
    record_access(
        request, principal, Access("audit", f"audit/person/{person.id}", (person.id,), BASIS)
    )
    return page(
        request, "privacy_person.html", {"person": person, "entries": entries, "limit": LIMIT}
    )


@router.get("/privacy/user", response_class=HTMLResponse)
def what_user_looked_at(
    request: Request,
    principal: Auditor,
    username: str = Query("", max_length=100),
    since: str = Query("", max_length=10, alias="from"),
    until: str = Query("", max_length=10, alias="to"),
):
    """What this user (or system) looked at, optionally between two dates, newest first."""
    ctx = context(request)
    username = username.strip().lower()
    values = {"username": username, "from": since, "to": until}
    errors = {}
    if not username:
        errors["username"] = "Enter a username or an API client's id"
    try:
        first, last = _local_day(since, "from"), _local_day(until, "to")
    except ValidationError as error:
        errors[error.field] = error.message
    if errors:
        return page(
            request,
            "privacy.html",
            {"waiting": None, "values": values, "errors": errors},
            status_code=422,
        )
    entries = looked_at_by(ctx.database, username, first, last)
    people = _people(ctx.database, (p for e in entries for p in e.subjects))
    with ctx.database.reading() as session:
        user = session.get(User, username)
    record_access(
        request, principal, Access("audit", f"audit/actor/{username}", tuple(people), BASIS)
    )
    return page(
        request,
        "privacy_user.html",
        {
            "username": username,
            "user": user,
            "entries": entries,
            "people": people,
            "values": values,
            "limit": LIMIT,
        },
    )


def _queue_page(
    request: Request, principal: Principal, values: dict, errors: dict, status_code: int = 200
):
    """The review queue: grants waiting (oldest first), then the latest reviewed; audited."""
    ctx = context(request)
    waiting = break_glass.awaiting_review(ctx.database)
    with ctx.database.reading() as session:
        reviewed = list(
            session.execute(
                select(BreakGlass)
                .where(BreakGlass.reviewed_at.is_not(None))
                .order_by(BreakGlass.reviewed_at.desc())
                .limit(RECENTLY_REVIEWED)
            ).scalars()
        )
        names = dict(session.execute(select(User.id, User.display_name)).all())
    people = _people(ctx.database, (g.person_id for g in waiting + reviewed))
    record_access(request, principal, Access("list", "break-glass-review", tuple(people), BASIS))
    return page(
        request,
        "privacy_break_glass.html",
        {
            "waiting": waiting,
            "reviewed": reviewed,
            "people": people,
            "names": names,
            "now": ctx.now(),
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/privacy/break-glass", response_class=HTMLResponse)
def review_queue(request: Request, principal: Reviewer):
    """Grants waiting for review (oldest first), then the latest reviewed."""
    return _queue_page(request, principal, {}, {})


@router.post("/privacy/break-glass/{grant_id}/review", response_class=HTMLResponse)
async def review_grant(grant_id: int, request: Request, principal: Reviewer):
    """Record what the review of one grant found (once)."""
    ctx = context(request)
    form = await request.form()
    with ctx.database.reading() as session:
        grant = session.get(BreakGlass, grant_id)
    if grant is None:
        raise ApiError(404, "not_found", "There is no such break-glass grant.")
    if grant.reviewed_at is not None:
        raise ApiError(409, "already_reviewed", "This grant has already been reviewed.")
    note = str(form.get("note") or "")[:2000]
    reviewed = Access("review", f"break-glass/{grant_id}", (grant.person_id,), BASIS)
    try:
        with audited(request, principal, reviewed):  # the review and its entry commit together
            done = break_glass.review(
                ctx.database,
                grant_id,
                by=principal.id,
                note=note,
                now=ctx.now(),
            )
    except ValidationError:
        # The queue again, saying what is missing; nothing was recorded (no review, no entry).
        field = f"note-{grant_id}"
        return _queue_page(
            request,
            principal,
            {field: note},
            {field: "Enter a note of what the review found"},
            status_code=422,
        )
    if not done:
        raise ApiError(409, "already_reviewed", "This grant has already been reviewed.")
    return RedirectResponse(f"/privacy/break-glass#grant-{grant_id}", status_code=303)

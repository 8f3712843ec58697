"""Single point of access intake: find the person, take the referral, check triage, confirm.

Nothing typed is lost: every error re-renders the form with what was entered, each problem named
beside its field and listed in the NHS.UK error summary. The triage outcome, with every rule
that fired, is shown before the coordinator confirms. Confirming twice (a double click, a
resubmitted page) stores one referral: the form carries its own idempotency key.
"""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from avert.domain.access import Permission
from avert.domain.clocks import to_local
from avert.domain.errors import ValidationError
from avert.domain.identifiers import (
    age_in_years,
    parse_date_of_birth,
    parse_nhs_number,
    parse_postcode,
)
from avert.domain.triage import TriageInput, triage
from avert.domain.vocab import (
    ConditionNeed,
    RedFlag,
    ReferralSource,
    Residence,
    Sex,
    StatedUrgency,
)
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services.intake import (
    IdempotencyConflict,
    PersonDetails,
    ReferralRequest,
    submit_referral,
)
from avert.store.schema import Person, Referral, Team
from avert.web.auth import allowed, audit_in_transaction, record_access
from avert.web.context import context
from avert.web.pages.care_record import record_summary
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Creator = allowed(Permission.REFERRAL_CREATE)

TEXT_FIELDS = (
    "source",
    "referrer_name",
    "referrer_organisation",
    "referrer_phone",
    "nhs_number",
    "given_name",
    "family_name",
    "dob_day",
    "dob_month",
    "dob_year",
    "age_years",
    "sex",
    "address_line",
    "postcode",
    "residence",
    "access_note",
    "need",
    "need_text",
    "stated_urgency",
    "team_id",
    "person_id",
    "form_token",
)
LABELS = {
    "source": "Who is referring",
    "referrer_name": "Referrer's name",
    "referrer_phone": "Referrer's phone number",
    "nhs_number": "NHS number",
    "given_name": "First name",
    "family_name": "Last name",
    "date_of_birth": "Date of birth",
    "postcode": "Postcode",
    "need": "Presenting need",
    "need_text": "Describe the need",
    "age_years": "Age",
}


def _choices() -> dict:
    return {
        "sources": list(ReferralSource),
        "needs": list(ConditionNeed),
        "flags": list(RedFlag),
        "urgencies": list(StatedUrgency),
        "residences": list(Residence),
        "sexes": list(Sex),
    }


def _enum(enum, value: str, field: str, errors: dict, required: bool = True):
    if not value:
        if required:
            errors[field] = f"Select {LABELS.get(field, field).lower()}"
        return None
    try:
        return enum(value)
    except ValueError:
        errors[field] = f"Select a valid {LABELS.get(field, field).lower()}"
        return None


def _required(values: dict, field: str, errors: dict) -> str:
    value = values.get(field, "").strip()
    if not value:
        errors[field] = f"Enter the {LABELS[field].lower()}"
    return value


def parse_form(values: dict, flags: list[str], today: date):
    """The referral request the form describes, or the problems with it, field by field."""
    errors: dict[str, str] = {}
    source = _enum(ReferralSource, values.get("source", ""), "source", errors)
    referrer = _required(values, "referrer_name", errors)
    phone = _required(values, "referrer_phone", errors)
    given = _required(values, "given_name", errors)
    family = _required(values, "family_name", errors)
    nhs_number = None
    if values.get("nhs_number", "").strip():
        try:
            nhs_number = parse_nhs_number(values["nhs_number"])
        except ValidationError as error:
            errors["nhs_number"] = f"NHS number {error.message}"
    postcode = None
    if values.get("postcode", "").strip():
        try:
            postcode = parse_postcode(values["postcode"])
        except ValidationError as error:
            errors["postcode"] = f"Postcode {error.message}"
    born = None
    parts = [values.get(k, "").strip() for k in ("dob_year", "dob_month", "dob_day")]
    if any(parts):
        try:
            year, month, day = (int(p) for p in parts)
            born = parse_date_of_birth(date(year, month, day), today=today)
        except ValidationError as error:
            errors["date_of_birth"] = f"Date of birth {error.message}"
        except ValueError:
            errors["date_of_birth"] = "Date of birth must be a real date"
    age = None
    if values.get("age_years", "").strip():
        try:
            age = int(values["age_years"])
            if not 0 <= age <= 125:
                raise ValueError
        except ValueError:
            errors["age_years"] = "Age must be a whole number of years from 0 to 125"
    if born is None and age is None and "date_of_birth" not in errors and "age_years" not in errors:
        errors["date_of_birth"] = "Enter a date of birth, or an age if it is not known"
    need = _enum(ConditionNeed, values.get("need", ""), "need", errors)
    need_text = values.get("need_text", "").strip() or None
    if need is ConditionNeed.OTHER and not need_text:
        errors["need_text"] = "Describe the need when it is not one of the listed ones"
    red_flags = []
    for flag in flags:
        try:
            red_flags.append(RedFlag(flag))
        except ValueError:
            errors["red_flags"] = "Select red flags from the list"
    urgency = _enum(
        StatedUrgency, values.get("stated_urgency", "not_stated"), "stated_urgency", errors
    )
    residence = _enum(Residence, values.get("residence", "own_home"), "residence", errors)
    sex = _enum(Sex, values.get("sex", "unknown") or "unknown", "sex", errors)
    person_id = None
    if values.get("person_id", "").isdigit():
        person_id = int(values["person_id"])
    if errors:
        return None, errors
    request = ReferralRequest(
        source=source,
        referrer_name=referrer,
        referrer_phone=phone,
        referrer_organisation=values.get("referrer_organisation", "").strip() or None,
        person=PersonDetails(
            given_name=given,
            family_name=family,
            nhs_number=nhs_number,
            date_of_birth=born,
            age_years=age,
            sex=sex,
            address_line=values.get("address_line", "").strip() or None,
            postcode=postcode,
            residence=residence,
            access_note=values.get("access_note", "").strip() or None,
            person_id=person_id,
        ),
        need=need,
        need_text=need_text,
        red_flags=frozenset(red_flags),
        stated_urgency=urgency,
        team_id=values.get("team_id", "").strip() or None,
        fingerprint_source={"form_token": values.get("form_token", "")},
    )
    return request, {}


def _known(session, person_id: int | None, nhs_number: str | None):
    """What the service already knows about the person, so nobody tells their story twice."""
    person = None
    if person_id is not None:
        person = session.get(Person, person_id)
    elif nhs_number:
        person = session.execute(
            select(Person).where(Person.nhs_number == nhs_number)
        ).scalar_one_or_none()
    if person is None:
        return None, []
    history = (
        session.execute(
            select(Referral)
            .where(Referral.person_id == person.id)
            .order_by(Referral.received_at.desc())
            .limit(10)
        )
        .scalars()
        .all()
    )
    return person, history


def _render(
    request: Request,
    principal: Principal,
    values: dict,
    flags: list[str],
    errors: dict,
    decision=None,
    status: int = 200,
):
    ctx = context(request)
    nhs = None
    try:
        nhs = parse_nhs_number(values.get("nhs_number", "")) if values.get("nhs_number") else None
    except ValidationError:
        pass
    with ctx.database.reading() as session:
        teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
        pid = int(values["person_id"]) if values.get("person_id", "").isdigit() else None
        known, history = _known(session, pid, nhs)
    if known is not None:
        record_access(
            request,
            principal,
            Access("read", f"person/{known.id}/summary", (known.id,), "referral being taken"),
        )
    return page(
        request,
        "intake.html",
        {
            **_choices(),
            "values": values,
            "checked": set(flags),
            "errors": errors,
            "labels": LABELS,
            "decision": decision,
            "teams": teams,
            "known": known,
            "history": history,
            "record_summary": record_summary(ctx.database, known.id) if known else None,
            "record_person_id": known.id if known else None,
        },
        status_code=status,
    )


@router.get("/intake", response_class=HTMLResponse)
def intake_form(request: Request, principal: Creator, person_id: int | None = Query(None)):
    values = {
        "form_token": uuid.uuid4().hex,
        "stated_urgency": "not_stated",
        "residence": "own_home",
    }
    if person_id is not None:
        ctx = context(request)
        with ctx.database.reading() as session:
            person = session.get(Person, person_id)
        if person is not None:
            values |= {
                "person_id": str(person.id),
                "nhs_number": person.nhs_number or "",
                "given_name": person.given_name,
                "family_name": person.family_name,
                "sex": person.sex,
                "address_line": person.address_line or "",
                "postcode": person.postcode or "",
                "residence": person.residence,
                "access_note": person.access_note or "",
            }
            if person.date_of_birth:
                born = person.date_of_birth
                values |= {
                    "dob_day": str(born.day),
                    "dob_month": str(born.month),
                    "dob_year": str(born.year),
                }
    return _render(request, principal, values, [], {})


@router.get("/intake/find", response_class=HTMLResponse)
def find_person(
    request: Request,
    principal: Creator,
    nhs_number: str = Query("", max_length=20),
    family_name: str = Query("", max_length=100),
    postcode: str = Query("", max_length=10),
    dob: str = Query("", max_length=10),
):
    """Find a person by NHS number, or by last name with date of birth or postcode."""
    ctx = context(request)
    problem, found = None, []
    query = (
        select(Person, func.count(Referral.id))
        .outerjoin(Referral, Referral.person_id == Person.id)
        .group_by(Person.id)
        .limit(20)
    )
    try:
        if nhs_number.strip():
            query = query.where(Person.nhs_number == parse_nhs_number(nhs_number))
        elif family_name.strip() and (dob.strip() or postcode.strip()):
            query = query.where(func.lower(Person.family_name) == family_name.strip().lower())
            if dob.strip():
                query = query.where(Person.date_of_birth == date.fromisoformat(dob.strip()))
            if postcode.strip():
                query = query.where(Person.postcode == parse_postcode(postcode))
        else:
            problem = "Search by NHS number, or by last name with a date of birth or postcode"
    except ValidationError as error:
        problem = f"{LABELS.get(error.field, error.field)} {error.message}"
    except ValueError:
        problem = "Date of birth must be a real date written as YYYY-MM-DD"
    if problem is None:
        with ctx.database.reading() as session:
            found = session.execute(query).all()
        record_access(
            request,
            principal,
            Access("search", "people", tuple(p.id for p, _ in found), "referral being taken"),
        )
    return page(
        request,
        "find_person.html",
        {
            "found": found,
            "problem": problem,
            "search": {
                "nhs_number": nhs_number,
                "family_name": family_name,
                "postcode": postcode,
                "dob": dob,
            },
        },
    )


@router.post("/intake", response_class=HTMLResponse)
async def take_referral(request: Request, principal: Creator):
    who = principal.display_name
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in TEXT_FIELDS}
    flags = [str(f) for f in form.getlist("red_flags")]
    ctx = context(request)
    now = ctx.now()
    referral, errors = parse_form(values, flags, to_local(now).date())
    if errors:
        return _render(request, principal, values, flags, errors, status=422)
    details = referral.person
    age = (
        age_in_years(details.date_of_birth, to_local(now).date())
        if details.date_of_birth
        else details.age_years
    )
    decision = triage(
        TriageInput(
            age_years=age,
            residence=details.residence,
            need=referral.need,
            need_text=referral.need_text,
            red_flags=referral.red_flags,
            stated_urgency=referral.stated_urgency,
            source=referral.source,
        )
    )
    if form.get("action") != "confirm":
        return _render(request, principal, values, flags, {}, decision=decision)
    try:
        result = submit_referral(
            ctx.database,
            ctx.settings,
            referral,
            now=now,
            actor=who,
            idempotency=("intake-page", values["form_token"] or uuid.uuid4().hex),
            submitted_by=principal.id,
            audit=audit_in_transaction(
                request,
                principal,
                lambda referral, person: Access(
                    "create", f"referral/{referral.id}", (person.id,), "referral being taken"
                ),
            ),
        )
    except ValidationError as error:
        return _render(
            request, values, flags, {error.field.split(".")[-1]: error.message}, status=422
        )
    except IdempotencyConflict as conflict:
        return RedirectResponse(f"/referrals/{conflict.referral_id}", status_code=303)
    return RedirectResponse(f"/referrals/{result.referral_id}", status_code=303)

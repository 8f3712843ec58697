"""The shared care record pages: the record, editing a section, its history, and two documents.

- `/people/{id}/record`: every section with its version and who changed it last, when and why;
  `/people/{id}/record/{section}/edit` edits one section (a reason is required; the form carries
  the version it was made from, so a change made meanwhile by someone else is shown, not
  overwritten); `/people/{id}/record/{section}/history` lists every version.
- `/people/{id}/crisis-plan` (and `.pdf`): the person's one-page crisis plan, printable.
- `/people/{id}/transfer-summary` (and `.pdf`): the red-bag transfer summary; the FHIR document
  Bundle is at `/fhir/Patient/{id}/$transfer-summary`.

Reads need REFERRAL_READ and a legitimate relationship with the person (the referral rules:
anyone else gets 404); changes need RECORD_UPDATE. Every read and change is audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from avert.domain import care_record as rules
from avert.domain.access import Permission
from avert.domain.care_record import Document, Section, SectionInvalid, Setting
from avert.domain.clocks import to_local
from avert.domain.errors import ValidationError
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import care_record
from avert.store.schema import Person
from avert.web.auth import allowed, audit_in_transaction, record_access
from avert.web.context import context
from avert.web.errors import ApiError
from avert.web.pages.common import page, templates


router = APIRouter(include_in_schema=False)
Reader = allowed(Permission.REFERRAL_READ)
Editor = allowed(Permission.RECORD_UPDATE)

CHOICES = {
    "role": list(rules.ContactRole),
    "route": list(rules.Route),
    "severity": list(rules.Severity),
    "kind": list(rules.RiskKind),
    "preferred_place_of_care": list(rules.PlaceOfCare),
    "resuscitation": list(rules.Resuscitation),
    "care_focus": list(rules.CareFocus),
    "status": list(rules.ConsentStatus),
    "decided_by": list(rules.ConsentBy),
    "settings": list(Setting),
}
BLANK_ROWS = 2


def _label(enum, value: str | None) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value or ""


templates.env.globals.update(
    record_label=lambda kind, value: _label(
        {
            "role": rules.ContactRole,
            "route": rules.Route,
            "severity": rules.Severity,
            "kind": rules.RiskKind,
            "place": rules.PlaceOfCare,
            "resuscitation": rules.Resuscitation,
            "focus": rules.CareFocus,
            "consent": rules.ConsentStatus,
            "decided_by": rules.ConsentBy,
        }[kind],
        value,
    ),
)


def _person(request: Request, principal: Principal, person_id: int) -> tuple[Person, str]:
    ctx = context(request)
    try:
        return care_record.visible_person(ctx.database, principal, person_id, now=ctx.now())
    except care_record.NotFound:
        raise ApiError(404, "not_found", f"There is no person {person_id}.") from None


def _section(name: str) -> Section:
    try:
        return Section(name)
    except ValueError:
        raise ApiError(404, "not_found", "There is no such section of the record.") from None


def record_summary(database, person_id: int) -> dict[str, Any]:
    """The compact summary (allergies, ReSPECT, access, main carer, risks, communication)."""
    return rules.summary(care_record.read_record(database, person_id).data)


def record_summaries(database, person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The compact summary of each person on a list (the huddle)."""
    found = care_record.read_records(database, person_ids)
    return {pid: rules.summary(record.data) for pid, record in found.items()}


@router.get("/people/{person_id}/record", response_class=HTMLResponse)
def record_page(person_id: int, request: Request, principal: Reader):
    ctx = context(request)
    person, basis = _person(request, principal, person_id)
    record = care_record.read_record(ctx.database, person_id)
    with ctx.database.reading() as session:
        facts = care_record.person_facts(session, person)
        referral = care_record.latest_referral(session, person_id)
    record_access(
        request, principal, Access("read", f"person/{person_id}/record", (person_id,), basis)
    )
    return page(
        request,
        "care_record.html",
        {
            "person": person,
            "facts": facts,
            "record": record,
            "sections": list(Section),
            "summary": rules.summary(record.data),
            "referral": referral,
            "lists": {s.value: key for s, (key, _) in rules.LISTS.items()},
        },
    )


ROWS = {
    "contacts": "Contact",
    "medications": "Medicine",
    "allergies": "Allergy",
    "conditions": "Condition",
    "flags": "Risk",
}
FIELDS = {
    "key_safe_details": "Key safe details",
    "main_carer": "main carer",
    "contingency_plan": "contingency plan",
    "no_known_allergies": "No known allergies",
    "date_recorded": "The date of the ReSPECT recommendation",
    "resuscitation": "The CPR recommendation",
    "preferred_place_of_care": "The preferred place of care",
    "care_focus": "The priorities",
    "decided_by": "Who decided",
    "status": "Consent",
    "kind": "kind of risk",
    "detail": "what to know",
    "frequency": "how often",
}
PREDICATES = ("is ", "must ", "cannot ", "has ")


def messages(problems: dict[str, str]) -> dict[str, str]:
    """The rules' messages as the error summary says them: "Contact 2: phone is required"."""
    said = {}
    for field, message in problems.items():
        parts = field.split("-", 2)
        if len(parts) == 3 and parts[0] in ROWS and parts[1].isdigit():
            name = f"{ROWS[parts[0]]} {int(parts[1]) + 1}: {FIELDS.get(parts[2], parts[2])}"
        elif len(parts) == 2 and parts[0] in ROWS:
            name = f"{ROWS[parts[0]]} {int(parts[1]) + 1}" if parts[1].isdigit() else field
        else:
            name = FIELDS.get(field, field.replace("_", " ").capitalize())
        text = f"{name} {message}" if message.startswith(PREDICATES) else message
        said[field] = text[:1].upper() + text[1:]
    return said


def _edit_context(person: Person, section: Section, values: dict, version: int, **extra) -> dict:
    data = dict(values)
    if section in rules.LISTS:
        key = rules.LISTS[section][0]
        rows = list(data.get(key) or [])
        blank = {f: (False if f in rules.FLAGS else "") for f in rules.LISTS[section][1]}
        data[key] = rows + [dict(blank) for _ in range(BLANK_ROWS)]
    return {
        "person": person,
        "section": section,
        "values": data,
        "version": version,
        "choices": CHOICES,
        "errors": {},
        "reason": "",
        "conflict": None,
        **extra,
    }


@router.get("/people/{person_id}/record/{name}/edit", response_class=HTMLResponse)
def edit_page(person_id: int, name: str, request: Request, principal: Editor):
    ctx = context(request)
    section = _section(name)
    person, basis = _person(request, principal, person_id)
    record = care_record.read_record(ctx.database, person_id)
    current = record.sections[section]
    values = current.data if current else rules.blank(section)
    if section is Section.COMMUNICATION and current is None:
        values = {**values, "language": "English"}
    record_access(
        request,
        principal,
        Access("read", f"person/{person_id}/record/{section.value}", (person_id,), basis),
    )
    return page(
        request,
        "care_record_edit.html",
        _edit_context(person, section, values, record.version(section)),
    )


@router.post("/people/{person_id}/record/{name}", response_class=HTMLResponse)
async def save_section(person_id: int, name: str, request: Request, principal: Editor):
    ctx = context(request)
    section = _section(name)
    person, basis = _person(request, principal, person_id)
    form = await request.form()
    flat = {k: str(v) for k, v in form.items()}
    data = rules.from_form(section, flat)
    reason = flat.get("reason", "")
    try:
        expected = int(flat.get("version", ""))
    except ValueError:
        raise ApiError(
            422, "invalid_input", "The form is missing its version: reload it."
        ) from None
    resource = f"person/{person_id}/record/{section.value}"
    audit = audit_in_transaction(
        request, principal, lambda _person, _saved: Access("update", resource, (person_id,), basis)
    )
    try:
        care_record.update_section(
            ctx.database,
            person_id,
            section,
            data,
            expected_version=expected,
            reason=reason,
            by=principal.display_name,
            now=ctx.now(),
            today=to_local(ctx.now()).date(),
            audit=audit,
        )
    except SectionInvalid as invalid:
        return page(
            request,
            "care_record_edit.html",
            _edit_context(
                person, section, data, expected, errors=messages(invalid.problems), reason=reason
            ),
            status_code=422,
        )
    except ValidationError as error:
        return page(
            request,
            "care_record_edit.html",
            _edit_context(
                person,
                section,
                data,
                expected,
                errors=messages({error.field: error.message}),
                reason=reason,
            ),
            status_code=422,
        )
    except care_record.VersionConflict as conflict:
        newest = care_record.history(ctx.database, person_id, section)[0]
        return page(
            request,
            "care_record_edit.html",
            _edit_context(person, section, data, conflict.current, reason=reason, conflict=newest),
            status_code=409,
        )
    except care_record.NotFound:
        raise ApiError(404, "not_found", f"There is no person {person_id}.") from None
    return RedirectResponse(f"/people/{person_id}/record#{section.value}", status_code=303)


@router.get("/people/{person_id}/record/{name}/history", response_class=HTMLResponse)
def history_page(person_id: int, name: str, request: Request, principal: Reader):
    ctx = context(request)
    section = _section(name)
    person, basis = _person(request, principal, person_id)
    versions = care_record.history(ctx.database, person_id, section)
    record_access(
        request,
        principal,
        Access("read", f"person/{person_id}/record/{section.value}/history", (person_id,), basis),
    )
    return page(
        request,
        "care_record_history.html",
        {
            "person": person,
            "section": section,
            "versions": versions,
            "lists": {s.value: key for s, (key, _) in rules.LISTS.items()},
        },
    )


# ------------------------------------------------------------------------------ documents


def _crisis_plan(request: Request, principal: Principal, person_id: int, what: str) -> Document:
    ctx = context(request)
    _, basis = _person(request, principal, person_id)
    document = care_record.crisis_plan(ctx.database, ctx.settings, person_id, now=ctx.now())
    record_access(
        request, principal, Access("read", f"person/{person_id}/{what}", (person_id,), basis)
    )
    return document


@router.get("/people/{person_id}/crisis-plan", response_class=HTMLResponse)
def crisis_plan_page(person_id: int, request: Request, principal: Reader):
    document = _crisis_plan(request, principal, person_id, "crisis-plan")
    return page(
        request,
        "crisis_plan.html",
        {
            "document": document,
            "person_id": person_id,
            "pdf": f"/people/{person_id}/crisis-plan.pdf",
        },
    )


@router.get("/people/{person_id}/crisis-plan.pdf")
def crisis_plan_pdf(person_id: int, request: Request, principal: Reader):
    document = _crisis_plan(request, principal, person_id, "crisis-plan.pdf")
    return _pdf_response(document, f"crisis-plan-{person_id}.pdf")


def _transfer(
    request: Request,
    principal: Principal,
    person_id: int,
    what: str,
    from_setting: str,
    to_setting: str,
    reason: str,
) -> care_record.Transfer:
    ctx = context(request)
    _, basis = _person(request, principal, person_id)
    try:
        origin, destination = Setting(from_setting), Setting(to_setting)
    except ValueError:
        raise ApiError(
            422, "invalid_input", "Choose where the person is going from and to."
        ) from None
    transfer = care_record.transfer_summary(
        ctx.database,
        ctx.settings,
        person_id,
        now=ctx.now(),
        from_setting=origin,
        to_setting=destination,
        reason=" ".join(reason.split()),
    )
    record_access(
        request, principal, Access("read", f"person/{person_id}/{what}", (person_id,), basis)
    )
    return transfer


@router.get("/people/{person_id}/transfer-summary", response_class=HTMLResponse)
def transfer_page(
    person_id: int,
    request: Request,
    principal: Reader,
    origin: str = Query("home", alias="from", max_length=16),
    destination: str = Query("hospital", alias="to", max_length=16),
    reason: str = Query("", max_length=200),
):
    transfer = _transfer(
        request, principal, person_id, "transfer-summary", origin, destination, reason
    )
    query = f"from={origin}&to={destination}"
    return page(
        request,
        "transfer_summary.html",
        {
            "document": transfer.document,
            "person_id": person_id,
            "origin": origin,
            "destination": destination,
            "reason": reason,
            "choices": CHOICES,
            "query": query,
        },
    )


@router.get("/people/{person_id}/transfer-summary.pdf")
def transfer_pdf(
    person_id: int,
    request: Request,
    principal: Reader,
    origin: str = Query("home", alias="from", max_length=16),
    destination: str = Query("hospital", alias="to", max_length=16),
    reason: str = Query("", max_length=200),
):
    transfer = _transfer(
        request, principal, person_id, "transfer-summary.pdf", origin, destination, reason
    )
    return _pdf_response(transfer.document, f"transfer-summary-{person_id}.pdf")


# ------------------------------------------------------------------------------------- PDF

# Core PDF fonts are Latin-1 only: say the common typographic characters plainly.
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def _latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def render_pdf(document: Document) -> bytes:
    """The document on A4 in a core font (nothing external is embedded)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(14, 12, 14)
    pdf.set_title(_latin1(f"{document.title}: {document.person_name}"))
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(width, 8, _latin1(document.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(width, 7, _latin1(document.person_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(width, 5, _latin1(document.subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if document.gaps:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        for gap in document.gaps:
            pdf.multi_cell(width, 5, _latin1(f"! {gap}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for block in document.blocks:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 6, _latin1(block.heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(0, 94, 184)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(1)
        if not block.items:
            pdf.set_font("Helvetica", "I", 10)
            pdf.multi_cell(width, 5, _latin1(block.empty), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for item in block.items:
            label = _latin1(item.label)
            pdf.set_font("Helvetica", "B", 10)
            lines = pdf.multi_cell(width * 0.38, 5, label, dry_run=True, output="LINES")
            top = pdf.get_y()
            pdf.multi_cell(width * 0.38, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_font("Helvetica", "B" if item.important else "", 10)
            pdf.multi_cell(width * 0.62, 5, _latin1(item.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_y(max(pdf.get_y(), top + 5 * len(lines)))
    if document.generated_at is not None:
        pdf.ln(4)
        pdf.set_font("Helvetica", "I", 8)
        stamp = to_local(document.generated_at).strftime("%d %b %Y %H:%M")
        pdf.multi_cell(
            width,
            4,
            _latin1(f"Printed from Avert {stamp} (UK time)."),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    return bytes(pdf.output())


def _pdf_response(document: Document, filename: str) -> Response:
    return Response(
        render_pdf(document),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )

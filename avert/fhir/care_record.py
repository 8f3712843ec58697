"""The shared care record as FHIR resources, and back (docs/care-record.md).

Out (`resources`), for each section that has been recorded:

- contacts: a RelatedPerson each (role in Avert's `contact-role` codes; the main carer and their
  contingency plan as Avert extensions);
- medications: a MedicationStatement each (name as text; dose, route and frequency in `dosage`);
- allergies: an AllergyIntolerance each (substance as text, reaction, severity);
- conditions: a Condition each (problem-list item, active);
- risks: a Flag each (category safety, Avert's `risk-kind` codes, the detail as text);
- advance_care_plan: a Flag, category advance-directive: the ReSPECT CPR recommendation, with the
  preferred place of care, care focus, what matters and where the form is as Avert extensions;
- communication: Patient.communication (language, preferred) and the interpreter-required
  extension;
- consent: a Consent (active and permit, rejected and deny, or proposed when not asked);
- access: a Flag, category safety, with the key safe, entry and hazards as Avert extensions.

Each list section also gets a `List` (code: the section) whose entries keep the order, and whose
`emptyReason` is `nilknown` when the list is recorded and empty: for allergies that is "no known
allergies". No SNOMED CT code is invented: substances, medicines and conditions travel as text.

In (`read_sections`): the same resources, for one Patient, back to section data; the caller
validates them with `avert.domain.care_record.validate`, so an import from any system obeys the
record's rules.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from avert.domain.care_record import (
    LISTS,
    CareFocus,
    ConsentBy,
    ConsentStatus,
    ContactRole,
    PlaceOfCare,
    Resuscitation,
    RiskKind,
    Route,
    Section,
)
from avert.fhir import systems
from avert.fhir.outcome import Problem


CONTACT_ROLE = systems.code_system("contact-role")
ROUTE = systems.code_system("medication-route")
RISK_KIND = systems.code_system("risk-kind")
RESUSCITATION = systems.code_system("respect-cpr")
PLACE_OF_CARE = systems.code_system("place-of-care")
CARE_FOCUS = systems.code_system("care-focus")
CONSENT_BY = systems.code_system("consent-decided-by")
SECTION = systems.code_system("care-record-section")

EXT_MAIN_CARER = systems.extension("MainCarer")
EXT_CONTINGENCY = systems.extension("CarerContingencyPlan")
EXT_DOSE = systems.extension("DoseText")
EXT_PLACE = systems.extension("PreferredPlaceOfCare")
EXT_FOCUS = systems.extension("CareFocus")
EXT_MATTERS = systems.extension("WhatMattersToMe")
EXT_FORM = systems.extension("RespectFormLocation")
EXT_NEEDS = systems.extension("CommunicationNeeds")
EXT_DECIDED_BY = systems.extension("ConsentDecidedBy")
EXT_NOTE = systems.extension("Note")
EXT_KEY_SAFE = systems.extension("KeySafe")
EXT_KEY_SAFE_DETAILS = systems.extension("KeySafeDetails")
EXT_ENTRY = systems.extension("Entry")
EXT_HAZARDS = systems.extension("Hazards")
INTERPRETER = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
LIST_EMPTY = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACCESS_CODE = "care-record-access"
RESPECT_TEXT = "ReSPECT recommendation"

_KINDS = {
    Section.CONTACTS: "RelatedPerson",
    Section.MEDICATIONS: "MedicationStatement",
    Section.ALLERGIES: "AllergyIntolerance",
    Section.CONDITIONS: "Condition",
    Section.RISKS: "Flag",
}
_IDS = {
    Section.CONTACTS: "contact",
    Section.MEDICATIONS: "medication",
    Section.ALLERGIES: "allergy",
    Section.CONDITIONS: "condition",
    Section.RISKS: "risk",
}


def _ext(url: str, kind: str, value: Any) -> dict[str, Any]:
    return {"url": url, f"value{kind}": value}


def _flag_category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": systems.FLAG_CATEGORY, "code": code, "display": display}]}]


def _meta(kind: str) -> dict[str, Any]:
    return {"profile": [systems.profile(kind)]}


def _contact(c: dict[str, Any], subject: dict[str, str], ident: str) -> dict[str, Any]:
    relationship = [{"coding": [systems.coding(CONTACT_ROLE, ContactRole(c["role"]))]}]
    if c["relationship"]:
        relationship.append({"text": c["relationship"]})
    extension = [_ext(EXT_MAIN_CARER, "Boolean", c["main_carer"])]
    if c["contingency_plan"]:
        extension.append(_ext(EXT_CONTINGENCY, "String", c["contingency_plan"]))
    return {
        "resourceType": "RelatedPerson",
        "id": ident,
        "meta": _meta("RelatedPerson"),
        "extension": extension,
        "active": True,
        "patient": subject,
        "relationship": relationship,
        "name": [{"text": c["name"]}],
        "telecom": [{"system": "phone", "value": c["phone"]}],
    }


def _medication(m: dict[str, Any], subject: dict[str, str], ident: str) -> dict[str, Any]:
    route = Route(m["route"])
    return {
        "resourceType": "MedicationStatement",
        "id": ident,
        "meta": _meta("MedicationStatement"),
        "status": "active",
        "medicationCodeableConcept": {"text": m["name"]},
        "subject": subject,
        "dosage": [
            {
                "extension": [_ext(EXT_DOSE, "String", m["dose"])],
                "text": f"{m['dose']}, {route.label.lower()}, {m['frequency']}",
                "timing": {"code": {"text": m["frequency"]}},
                "route": {"coding": [systems.coding(ROUTE, route)], "text": route.label},
            }
        ],
    }


def _allergy(a: dict[str, Any], subject: dict[str, str], ident: str) -> dict[str, Any]:
    if a["reaction"]:
        manifestation = {"text": a["reaction"]}
    else:
        manifestation = {"extension": [_ext(DATA_ABSENT, "Code", "unknown")]}
    return {
        "resourceType": "AllergyIntolerance",
        "id": ident,
        "meta": _meta("AllergyIntolerance"),
        "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
        "code": {"text": a["substance"]},
        "patient": subject,
        "reaction": [{"manifestation": [manifestation], "severity": a["severity"]}],
    }


def _condition(c: dict[str, Any], subject: dict[str, str], ident: str) -> dict[str, Any]:
    resource = {
        "resourceType": "Condition",
        "id": ident,
        "meta": _meta("Condition"),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {"text": c["name"]},
        "subject": subject,
    }
    if c["note"]:
        resource["note"] = [{"text": c["note"]}]
    return resource


def _risk(r: dict[str, Any], subject: dict[str, str], ident: str) -> dict[str, Any]:
    return {
        "resourceType": "Flag",
        "id": ident,
        "meta": _meta("Flag"),
        "status": "active",
        "category": _flag_category("safety", "Safety"),
        "code": {"coding": [systems.coding(RISK_KIND, RiskKind(r["kind"]))], "text": r["detail"]},
        "subject": subject,
    }


_ITEM = {
    Section.CONTACTS: _contact,
    Section.MEDICATIONS: _medication,
    Section.ALLERGIES: _allergy,
    Section.CONDITIONS: _condition,
    Section.RISKS: _risk,
}


def _respect(acp: dict[str, Any], subject: dict[str, str], person_id: int) -> dict[str, Any]:
    decision = Resuscitation(acp["resuscitation"])
    extension = [
        _ext(
            EXT_PLACE,
            "Coding",
            systems.coding(PLACE_OF_CARE, PlaceOfCare(acp["preferred_place_of_care"])),
        ),
        _ext(EXT_FOCUS, "Coding", systems.coding(CARE_FOCUS, CareFocus(acp["care_focus"]))),
    ]
    if acp["what_matters_to_me"]:
        extension.append(_ext(EXT_MATTERS, "String", acp["what_matters_to_me"]))
    if acp["form_location"]:
        extension.append(_ext(EXT_FORM, "String", acp["form_location"]))
    resource = {
        "resourceType": "Flag",
        "id": f"respect-{person_id}",
        "meta": _meta("Flag"),
        "extension": extension,
        "status": "active",
        "category": _flag_category("advance-directive", "Advance Directive"),
        "code": {"coding": [systems.coding(RESUSCITATION, decision)], "text": RESPECT_TEXT},
        "subject": subject,
    }
    if acp["date_recorded"]:
        resource["period"] = {"start": acp["date_recorded"]}
    return resource


def _access(access: dict[str, Any], subject: dict[str, str], person_id: int) -> dict[str, Any]:
    extension = [_ext(EXT_KEY_SAFE, "Boolean", access["key_safe"])]
    for url, key in (
        (EXT_KEY_SAFE_DETAILS, "key_safe_details"),
        (EXT_ENTRY, "entry"),
        (EXT_HAZARDS, "hazards"),
    ):
        if access[key]:
            extension.append(_ext(url, "String", access[key]))
    return {
        "resourceType": "Flag",
        "id": f"care-record-access-{person_id}",
        "meta": _meta("Flag"),
        "extension": extension,
        "status": "active",
        "category": _flag_category("safety", "Safety"),
        "code": {
            "coding": [
                {"system": systems.FLAG_CODE, "code": ACCESS_CODE, "display": "Access details"}
            ],
            "text": "Access details (key safe, getting in, hazards)",
        },
        "subject": subject,
    }


def _consent(consent: dict[str, Any], subject: dict[str, str], person_id: int) -> dict[str, Any]:
    status = ConsentStatus(consent["status"])
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": f"consent-{person_id}",
        "meta": _meta("Consent"),
        "extension": [],
        "status": {"given": "active", "refused": "rejected", "not_asked": "proposed"}[status],
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy"}]},
        "category": [
            {
                "coding": [systems.coding(SECTION, Section.CONSENT)],
                "text": "Consent to share the shared care record",
            }
        ],
        "patient": subject,
    }
    if consent["decided_by"]:
        decided = ConsentBy(consent["decided_by"])
        resource["extension"].append(
            _ext(EXT_DECIDED_BY, "Coding", systems.coding(CONSENT_BY, decided))
        )
        resource["performer"] = [{"display": decided.label}]
    if consent["note"]:
        resource["extension"].append(_ext(EXT_NOTE, "String", consent["note"]))
    if not resource["extension"]:
        del resource["extension"]
    if consent["date"]:
        resource["dateTime"] = consent["date"]
    if status is not ConsentStatus.NOT_ASKED:
        resource["provision"] = {"type": "permit" if status is ConsentStatus.GIVEN else "deny"}
    return resource


def _list(
    section: Section, data: dict[str, Any], subject: dict[str, str], person_id: int, refs: list[str]
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "List",
        "id": f"care-record-{section.value.replace('_', '-')}-{person_id}",
        "status": "current",
        "mode": "snapshot",
        "title": section.label,
        "code": {"coding": [systems.coding(SECTION, section)]},
        "subject": subject,
    }
    if refs:
        resource["entry"] = [{"item": {"reference": r}} for r in refs]
    else:
        nil = section is not Section.ALLERGIES or data.get("no_known_allergies")
        code = "nilknown" if nil else "notasked"
        resource["emptyReason"] = {"coding": [{"system": LIST_EMPTY, "code": code}]}
    return resource


def resources(person_id: int, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded sections of a record as FHIR resources (communication goes on the Patient)."""
    subject = {"reference": f"Patient/{person_id}"}
    found: list[dict[str, Any]] = []
    for section, (key, _) in LISTS.items():
        data = record.get(section.value)
        if data is None:
            continue
        items = [
            _ITEM[section](item, subject, f"{_IDS[section]}-{person_id}-{i}")
            for i, item in enumerate(data[key])
        ]
        found.append(
            _list(
                section, data, subject, person_id, [f"{r['resourceType']}/{r['id']}" for r in items]
            )
        )
        found += items
    if (acp := record.get(Section.ADVANCE_CARE_PLAN.value)) is not None:
        found.append(_respect(acp, subject, person_id))
    if (access := record.get(Section.ACCESS.value)) is not None:
        found.append(_access(access, subject, person_id))
    if (consent := record.get(Section.CONSENT.value)) is not None:
        found.append(_consent(consent, subject, person_id))
    return found


def with_communication(patient: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The Patient with the communication section (language, interpreter, needs), if recorded."""
    comms = record.get(Section.COMMUNICATION.value)
    if comms is None:
        return patient
    patient = dict(patient)
    extension = list(patient.get("extension", []))
    extension.append(_ext(INTERPRETER, "Boolean", comms["interpreter_needed"]))
    if comms["needs"]:
        extension.append(_ext(EXT_NEEDS, "String", comms["needs"]))
    patient["extension"] = extension
    patient["communication"] = [{"language": {"text": comms["language"]}, "preferred": True}]
    return patient


def narrative(lines: list[tuple[str, str]]) -> dict[str, str]:
    """A generated XHTML narrative of label: text lines."""
    body = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in lines)
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{body}</ul></div>'
        if body
        else '<div xmlns="http://www.w3.org/1999/xhtml"><p>Nothing recorded</p></div>',
    }


# ------------------------------------------------------------------------------------- in


def _code_of(concept: dict[str, Any] | None, system: str) -> str | None:
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == system:
            return coding.get("code")
    return None


def _ext_value(resource: dict[str, Any], url: str, default: Any = None) -> Any:
    for ext in resource.get("extension", []) or []:
        if ext.get("url") == url:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return default


def _coded_ext(resource: dict[str, Any], url: str) -> str | None:
    value = _ext_value(resource, url)
    return value.get("code") if isinstance(value, dict) else None


def _item_of(section: Section, r: dict[str, Any]) -> dict[str, Any]:
    if section is Section.CONTACTS:
        relationship = r.get("relationship") or []
        role = next(
            (_code_of(c, CONTACT_ROLE) for c in relationship if _code_of(c, CONTACT_ROLE)), None
        )
        text = next((c.get("text", "") for c in relationship if not c.get("coding")), "")
        phones = [t.get("value", "") for t in r.get("telecom", []) if t.get("system") == "phone"]
        names = r.get("name") or [{}]
        name = (
            names[0].get("text")
            or " ".join([*names[0].get("given", []), names[0].get("family", "")]).strip()
        )
        return {
            "name": name,
            "role": role or ContactRole.FAMILY.value,
            "relationship": text,
            "phone": phones[0] if phones else "",
            "main_carer": bool(_ext_value(r, EXT_MAIN_CARER, False)),
            "contingency_plan": _ext_value(r, EXT_CONTINGENCY, ""),
        }
    if section is Section.MEDICATIONS:
        dosage = (r.get("dosage") or [{}])[0]
        return {
            "name": (r.get("medicationCodeableConcept") or {}).get("text", ""),
            "dose": _ext_value(dosage, EXT_DOSE) or dosage.get("text", ""),
            "route": _code_of(dosage.get("route"), ROUTE) or Route.OTHER.value,
            "frequency": ((dosage.get("timing") or {}).get("code") or {}).get("text", ""),
        }
    if section is Section.ALLERGIES:
        reaction = (r.get("reaction") or [{}])[0]
        manifestation = (reaction.get("manifestation") or [{}])[0]
        return {
            "substance": (r.get("code") or {}).get("text", ""),
            "reaction": manifestation.get("text", ""),
            "severity": reaction.get("severity", ""),
        }
    if section is Section.CONDITIONS:
        notes = r.get("note") or [{}]
        return {"name": (r.get("code") or {}).get("text", ""), "note": notes[0].get("text", "")}
    return {
        "kind": _code_of(r.get("code"), RISK_KIND) or "",
        "detail": (r.get("code") or {}).get("text", ""),
    }


def kind_of(resource: dict[str, Any]) -> Section | None:
    """Which section a resource belongs to (None: not part of the care record)."""
    kind = resource.get("resourceType")
    code = resource.get("code")
    if kind == "List":
        found = _code_of(code, SECTION)
        return Section(found) if found in set(Section) else None
    if kind == "Flag":
        if _code_of(code, RISK_KIND):
            return Section.RISKS
        if _code_of(code, RESUSCITATION):
            return Section.ADVANCE_CARE_PLAN
        if _code_of(code, systems.FLAG_CODE) == ACCESS_CODE:
            return Section.ACCESS
        return None
    if kind == "Consent":
        return Section.CONSENT
    for section, name in _KINDS.items():
        if name == kind:
            return section
    return None


def read_sections(
    patient: dict[str, Any], found: list[tuple[str, dict[str, Any]]]
) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Section data from one Patient and the care-record resources (location, resource) about them.

    A list section comes from its List when there is one (its order and emptyReason), otherwise
    from the resources of that kind in Bundle order.
    """
    problems: list[Problem] = []
    sections: dict[str, dict[str, Any]] = {}
    by_ref = {f"{r['resourceType']}/{r.get('id')}": r for _, r in found}
    lists = {kind_of(r): (where, r) for where, r in found if r["resourceType"] == "List"}
    for section, (key, _) in LISTS.items():
        members = [r for _, r in found if r["resourceType"] != "List" and kind_of(r) is section]
        if section in lists:
            where, listed = lists[section]
            members = []
            for i, entry in enumerate(listed.get("entry", [])):
                item = by_ref.get(entry.get("item", {}).get("reference", "").split("/_history")[0])
                if item is None:
                    tail = "/".join(entry.get("item", {}).get("reference", "").split("/")[-2:])
                    item = by_ref.get(tail)
                if item is None:
                    problems.append(
                        Problem(
                            f"{where}.entry[{i}].item",
                            "must refer to a resource in this Bundle",
                            "not-found",
                        )
                    )
                    continue
                members.append(item)
            empty = _code_of(listed.get("emptyReason"), LIST_EMPTY)
        elif not members:
            continue
        else:
            empty = None
        data: dict[str, Any] = {key: [_item_of(section, r) for r in members]}
        if section is Section.ALLERGIES:
            data["no_known_allergies"] = not members and empty == "nilknown"
        sections[section.value] = data
    for _, r in found:
        section = kind_of(r)
        if section is Section.ADVANCE_CARE_PLAN:
            sections[section.value] = {
                "preferred_place_of_care": _coded_ext(r, EXT_PLACE)
                or PlaceOfCare.NOT_DISCUSSED.value,
                "resuscitation": _code_of(r.get("code"), RESUSCITATION),
                "care_focus": _coded_ext(r, EXT_FOCUS) or CareFocus.NOT_DISCUSSED.value,
                "what_matters_to_me": _ext_value(r, EXT_MATTERS, ""),
                "date_recorded": (r.get("period") or {}).get("start"),
                "form_location": _ext_value(r, EXT_FORM, ""),
            }
        elif section is Section.ACCESS:
            sections[section.value] = {
                "key_safe": bool(_ext_value(r, EXT_KEY_SAFE, False)),
                "key_safe_details": _ext_value(r, EXT_KEY_SAFE_DETAILS, ""),
                "entry": _ext_value(r, EXT_ENTRY, ""),
                "hazards": _ext_value(r, EXT_HAZARDS, ""),
            }
        elif section is Section.CONSENT:
            status = {"active": "given", "rejected": "refused", "proposed": "not_asked"}.get(
                r.get("status"), ""
            )
            sections[section.value] = {
                "status": status,
                "decided_by": _coded_ext(r, EXT_DECIDED_BY),
                "date": (r.get("dateTime") or "")[:10] or None,
                "note": _ext_value(r, EXT_NOTE, ""),
            }
    communication = patient.get("communication") or []
    if communication:
        sections[Section.COMMUNICATION.value] = {
            "language": (communication[0].get("language") or {}).get("text")
            or _code_of_any(communication[0].get("language")),
            "interpreter_needed": bool(_ext_value(patient, INTERPRETER, False)),
            "needs": _ext_value(patient, EXT_NEEDS, ""),
        }
    return sections, problems


def _code_of_any(concept: dict[str, Any] | None) -> str:
    codings = (concept or {}).get("coding") or [{}]
    return codings[0].get("display") or codings[0].get("code") or ""

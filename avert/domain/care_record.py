"""The shared care record (pure): its sections and fields, their rules, and two documents from it.

A person's record is a set of sections, each a small JSON object checked here before it is stored
(`validate`). Every change stores a new version of one section (services.care_record), so "who,
when, why" is kept for each. Demographics, the NHS number, the address and the registered GP
practice are the person's own columns (they arrive with referrals and are shown beside the record);
everything else a visiting clinician or a coordinator should not have to ask twice lives here:

| Section | What it holds |
|---|---|
| access | key safe (and where its code is kept), how to get in, hazards at the door |
| contacts | contacts and carers: role, phone, the main carer and their own contingency plan |
| medications | name, dose, route, frequency |
| allergies | substance, reaction, severity; or "no known allergies" |
| conditions | long-term conditions |
| advance_care_plan | ReSPECT summary: preferred place of care, CPR recommendation, what matters |
| communication | language, interpreter needed, communication needs |
| risks | risk and safeguarding flags |
| consent | consent to share the record: given, refused or not asked; by whom; when |

Two documents are built from the record (values in, a `Document` out; the web renders it as HTML
and PDF, and avert.fhir.document as a FHIR document Bundle):

- `crisis_plan`: the person's one-page plan: who to call and when, what to do if things get
  worse, their wishes.
- `transfer_summary`: the "red bag" summary when the person moves between settings (DOMAIN.md
  3.6): who they are, medications, allergies, advance wishes, recent observations, the current
  episode and contacts.

Messages never repeat the rejected value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from avert.domain.errors import ValidationError
from avert.domain.service_hours import DAY_NAMES, ServiceHours
from avert.domain.vocab import Labelled


class Section(Labelled):
    ACCESS = "access", "Address and access"
    CONTACTS = "contacts", "Contacts and carers"
    MEDICATIONS = "medications", "Medications"
    ALLERGIES = "allergies", "Allergies"
    CONDITIONS = "conditions", "Long-term conditions"
    ADVANCE_CARE_PLAN = "advance_care_plan", "Advance care plan and ReSPECT"
    COMMUNICATION = "communication", "Communication and language"
    RISKS = "risks", "Risk and safeguarding"
    CONSENT = "consent", "Consent to share"


class ContactRole(Labelled):
    NEXT_OF_KIN = "next_of_kin", "Next of kin"
    CARER = "carer", "Unpaid carer"
    FAMILY = "family", "Family member"
    FRIEND = "friend", "Friend or neighbour"
    LPA = "lpa_health_welfare", "Lasting power of attorney (health and welfare)"
    CARE_AGENCY = "care_agency", "Care agency"
    PROFESSIONAL = "professional", "Professional (district nurse, social worker ...)"
    CARERS_EMERGENCY = "carers_emergency_service", "Carers' emergency service"


CARER_ROLES = frozenset({ContactRole.CARER})


class Route(Labelled):
    ORAL = "oral", "By mouth"
    SUBLINGUAL = "sublingual", "Under the tongue"
    INHALED = "inhaled", "Inhaled"
    TOPICAL = "topical", "On the skin"
    TRANSDERMAL = "transdermal", "Patch"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous injection"
    INTRAMUSCULAR = "intramuscular", "Intramuscular injection"
    INTRAVENOUS = "intravenous", "Intravenous"
    ENTERAL_TUBE = "enteral_tube", "Feeding tube (PEG, NG)"
    RECTAL = "rectal", "Rectal"
    EYE = "eye", "Eye drops"
    EAR = "ear", "Ear drops"
    NASAL = "nasal", "Nasal"
    OTHER = "other", "Other"


class Severity(Labelled):
    """FHIR AllergyIntolerance.reaction.severity."""

    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class PlaceOfCare(Labelled):
    HOME = "home", "At home"
    CARE_HOME = "care_home", "In a care home"
    HOSPICE = "hospice", "In a hospice"
    HOSPITAL = "hospital", "In hospital"
    NO_PREFERENCE = "no_preference", "No preference"
    NOT_DISCUSSED = "not_discussed", "Not yet discussed"


class Resuscitation(Labelled):
    """The ReSPECT section 4 CPR recommendation (DOMAIN.md 3.5)."""

    CPR_RECOMMENDED = "cpr_recommended", "CPR attempts recommended"
    CPR_NOT_RECOMMENDED = "cpr_not_recommended", "CPR attempts NOT recommended"
    NOT_DISCUSSED = "not_discussed", "No ReSPECT recommendation yet"


DECIDED = frozenset({Resuscitation.CPR_RECOMMENDED, Resuscitation.CPR_NOT_RECOMMENDED})


class CareFocus(Labelled):
    """The ReSPECT section 3 scale, in three steps."""

    SUSTAIN_LIFE = "sustain_life", "Prioritise sustaining life"
    BALANCED = "balanced", "Balance the two"
    COMFORT = "comfort", "Prioritise comfort"
    NOT_DISCUSSED = "not_discussed", "Not yet discussed"


class RiskKind(Labelled):
    SAFEGUARDING_ADULT = "safeguarding_adult", "Adult safeguarding concern"
    SAFEGUARDING_CHILD = "safeguarding_child", "Child in the household: safeguarding"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    SELF_NEGLECT = "self_neglect", "Self-neglect"
    FALLS = "falls", "High risk of falls"
    PRESSURE_DAMAGE = "pressure_damage", "Pressure damage"
    HOME_OXYGEN = "home_oxygen", "Home oxygen (no smoking, no naked flames)"
    FIRE = "fire", "Fire risk"
    INFECTION = "infection", "Infection control"
    LONE_WORKING = "lone_working", "Lone-working risk: visit in pairs"
    AGGRESSION = "aggression", "Verbal or physical aggression"
    ANIMALS = "animals", "Animals in the home"
    OTHER = "other", "Other risk"


class ConsentStatus(Labelled):
    GIVEN = "given", "Consent to share given"
    REFUSED = "refused", "Consent to share refused"
    NOT_ASKED = "not_asked", "Not yet asked"


class ConsentBy(Labelled):
    """Who decided: the person, their attorney, or a best-interests decision (DOMAIN.md 3.6)."""

    PERSON = "person", "The person"
    LPA = "lpa", "Their health and welfare attorney"
    BEST_INTERESTS = "best_interests", "Best-interests decision"


class Setting(Labelled):
    """Where a person is, or is going (the red-bag transfer)."""

    HOME = "home", "Home"
    AMBULANCE = "ambulance", "Ambulance"
    HOSPITAL = "hospital", "Hospital"
    CARE_HOME = "care_home", "Care home"


# ----------------------------------------------------------------------------- validation

SHORT = 200
LONG = 1000
MAX_ITEMS = 50
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,22}$")


class SectionInvalid(ValidationError):
    """One or more fields of a section are wrong; `problems` maps each field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        first, message = next(iter(problems.items()))
        super().__init__(first, message)
        self.problems = problems


class _Check:
    """Collects the problems of one section while it is normalised."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise SectionInvalid({"section": "must be an object"})
        self.data = data
        self.problems: dict[str, str] = {}

    def fail(self, where: str, message: str) -> None:
        self.problems.setdefault(where, message)

    def text(
        self, source: Mapping[str, Any], key: str, where: str, *, required=False, limit=LONG
    ) -> str:
        value = source.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(where, "must be text")
            return ""
        value = " ".join(value.split()) if limit <= SHORT else value.strip()
        if required and not value:
            self.fail(where, "is required")
        if len(value) > limit:
            self.fail(where, f"must be at most {limit} characters")
        return value

    def flag(self, source: Mapping[str, Any], key: str, where: str) -> bool:
        value = source.get(key, False)
        if not isinstance(value, bool):
            self.fail(where, "must be true or false")
            return False
        return value

    def code(self, source: Mapping[str, Any], key: str, where: str, enum, *, required=True):
        value = source.get(key)
        if value in (None, ""):
            if required:
                self.fail(where, "is required")
            return None
        try:
            return enum(value).value
        except ValueError:
            self.fail(where, "is not one of the choices")
            return None

    def day(self, source: Mapping[str, Any], key: str, where: str, today: date) -> str | None:
        value = source.get(key)
        if value in (None, ""):
            return None
        try:
            parsed = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail(where, "must be a real date (YYYY-MM-DD)")
            return None
        if parsed > today:
            self.fail(where, "cannot be in the future")
        return parsed.isoformat()

    def phone(self, source: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(source, key, where, required=True, limit=40)
        if value and not _PHONE.match(value):
            self.fail(where, "must be a telephone number (digits, spaces, + and brackets)")
        return value

    def items(self, key: str) -> list[Mapping[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(i, Mapping) for i in value):
            self.fail(key, "must be a list of entries")
            return []
        if len(value) > MAX_ITEMS:
            self.fail(key, f"must have at most {MAX_ITEMS} entries")
        return value

    def done(self, result: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.data) - set(result)
        for key in sorted(unknown):
            self.fail(key, "is not a field of this section")
        if self.problems:
            raise SectionInvalid(self.problems)
        return result


def _access(c: _Check, today: date) -> dict[str, Any]:
    d = c.data
    result = {
        "key_safe": c.flag(d, "key_safe", "key_safe"),
        "key_safe_details": c.text(d, "key_safe_details", "key_safe_details", limit=SHORT),
        "entry": c.text(d, "entry", "entry"),
        "hazards": c.text(d, "hazards", "hazards"),
    }
    if result["key_safe_details"] and not result["key_safe"]:
        c.fail("key_safe_details", "give key safe details only when there is a key safe")
    return result


def _contacts(c: _Check, today: date) -> dict[str, Any]:
    contacts = []
    for i, item in enumerate(c.items("contacts")):
        at = f"contacts-{i}"
        contact = {
            "name": c.text(item, "name", f"{at}-name", required=True, limit=SHORT),
            "role": c.code(item, "role", f"{at}-role", ContactRole),
            "relationship": c.text(item, "relationship", f"{at}-relationship", limit=SHORT),
            "phone": c.phone(item, "phone", f"{at}-phone"),
            "main_carer": c.flag(item, "main_carer", f"{at}-main_carer"),
            "contingency_plan": c.text(item, "contingency_plan", f"{at}-contingency_plan"),
        }
        unknown = set(item) - set(contact)
        if unknown:
            c.fail(at, "has a field contacts do not have")
        is_carer = contact["role"] in CARER_ROLES
        if contact["main_carer"] and not is_carer:
            c.fail(f"{at}-main_carer", "only an unpaid carer can be the main carer")
        if contact["contingency_plan"] and not is_carer:
            c.fail(f"{at}-contingency_plan", "a contingency plan belongs to a carer")
        contacts.append(contact)
    if sum(x["main_carer"] for x in contacts) > 1:
        c.fail("contacts", "only one contact can be the main carer")
    return {"contacts": contacts}


def _medications(c: _Check, today: date) -> dict[str, Any]:
    found = []
    for i, item in enumerate(c.items("medications")):
        at = f"medications-{i}"
        medication = {
            "name": c.text(item, "name", f"{at}-name", required=True, limit=SHORT),
            "dose": c.text(item, "dose", f"{at}-dose", required=True, limit=SHORT),
            "route": c.code(item, "route", f"{at}-route", Route),
            "frequency": c.text(item, "frequency", f"{at}-frequency", required=True, limit=SHORT),
        }
        if set(item) - set(medication):
            c.fail(at, "has a field medications do not have")
        found.append(medication)
    return {"medications": found}


def _allergies(c: _Check, today: date) -> dict[str, Any]:
    found = []
    for i, item in enumerate(c.items("allergies")):
        at = f"allergies-{i}"
        allergy = {
            "substance": c.text(item, "substance", f"{at}-substance", required=True, limit=SHORT),
            "reaction": c.text(item, "reaction", f"{at}-reaction", limit=SHORT),
            "severity": c.code(item, "severity", f"{at}-severity", Severity),
        }
        if set(item) - set(allergy):
            c.fail(at, "has a field allergies do not have")
        found.append(allergy)
    none_known = c.flag(c.data, "no_known_allergies", "no_known_allergies")
    if none_known and found:
        c.fail("no_known_allergies", "cannot be ticked when allergies are listed")
    return {"no_known_allergies": none_known, "allergies": found}


def _conditions(c: _Check, today: date) -> dict[str, Any]:
    found = []
    for i, item in enumerate(c.items("conditions")):
        at = f"conditions-{i}"
        condition = {
            "name": c.text(item, "name", f"{at}-name", required=True, limit=SHORT),
            "note": c.text(item, "note", f"{at}-note", limit=SHORT),
        }
        if set(item) - set(condition):
            c.fail(at, "has a field conditions do not have")
        found.append(condition)
    return {"conditions": found}


def _advance_care_plan(c: _Check, today: date) -> dict[str, Any]:
    d = c.data
    result = {
        "preferred_place_of_care": c.code(
            d, "preferred_place_of_care", "preferred_place_of_care", PlaceOfCare
        ),
        "resuscitation": c.code(d, "resuscitation", "resuscitation", Resuscitation),
        "care_focus": c.code(d, "care_focus", "care_focus", CareFocus),
        "what_matters_to_me": c.text(d, "what_matters_to_me", "what_matters_to_me"),
        "date_recorded": c.day(d, "date_recorded", "date_recorded", today),
        "form_location": c.text(d, "form_location", "form_location", limit=SHORT),
    }
    if result["resuscitation"] in DECIDED and not result["date_recorded"]:
        c.fail("date_recorded", "give the date of the ReSPECT recommendation")
    return result


def _communication(c: _Check, today: date) -> dict[str, Any]:
    d = c.data
    result = {
        "language": c.text(d, "language", "language", required=True, limit=60),
        "interpreter_needed": c.flag(d, "interpreter_needed", "interpreter_needed"),
        "needs": c.text(d, "needs", "needs"),
    }
    if result["interpreter_needed"] and result["language"].casefold() == "english":
        c.fail("language", "name the language the interpreter is for")
    return result


def _risks(c: _Check, today: date) -> dict[str, Any]:
    found = []
    for i, item in enumerate(c.items("flags")):
        at = f"flags-{i}"
        risk = {
            "kind": c.code(item, "kind", f"{at}-kind", RiskKind),
            "detail": c.text(item, "detail", f"{at}-detail", required=True, limit=SHORT),
        }
        if set(item) - set(risk):
            c.fail(at, "has a field risk flags do not have")
        found.append(risk)
    return {"flags": found}


def _consent(c: _Check, today: date) -> dict[str, Any]:
    d = c.data
    result = {
        "status": c.code(d, "status", "status", ConsentStatus),
        "decided_by": c.code(d, "decided_by", "decided_by", ConsentBy, required=False),
        "date": c.day(d, "date", "date", today),
        "note": c.text(d, "note", "note", limit=SHORT),
    }
    if result["status"] in (ConsentStatus.GIVEN, ConsentStatus.REFUSED):
        if not result["decided_by"]:
            c.fail("decided_by", "say who gave or refused consent")
        if not result["date"]:
            c.fail("date", "give the date consent was given or refused")
    elif result["status"] == ConsentStatus.NOT_ASKED and (result["decided_by"] or result["date"]):
        c.fail("status", "consent not asked has no decision-maker or date")
    return result


_VALIDATORS = {
    Section.ACCESS: _access,
    Section.CONTACTS: _contacts,
    Section.MEDICATIONS: _medications,
    Section.ALLERGIES: _allergies,
    Section.CONDITIONS: _conditions,
    Section.ADVANCE_CARE_PLAN: _advance_care_plan,
    Section.COMMUNICATION: _communication,
    Section.RISKS: _risks,
    Section.CONSENT: _consent,
}

# The lists in each list section, and each list item's fields (the forms and FHIR follow these).
LISTS: dict[Section, tuple[str, tuple[str, ...]]] = {
    Section.CONTACTS: (
        "contacts",
        ("name", "role", "relationship", "phone", "main_carer", "contingency_plan"),
    ),
    Section.MEDICATIONS: ("medications", ("name", "dose", "route", "frequency")),
    Section.ALLERGIES: ("allergies", ("substance", "reaction", "severity")),
    Section.CONDITIONS: ("conditions", ("name", "note")),
    Section.RISKS: ("flags", ("kind", "detail")),
}
FLAGS = frozenset({"key_safe", "main_carer", "no_known_allergies", "interpreter_needed"})


def validate(section: Section, data: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """The section's data, normalised (whitespace, codes, dates); SectionInvalid if it is wrong."""
    check = _Check(data)
    return check.done(_VALIDATORS[Section(section)](check, today))


# The scalar fields of each section (besides its list, if it has one).
SCALARS: dict[Section, tuple[str, ...]] = {
    Section.ACCESS: ("key_safe", "key_safe_details", "entry", "hazards"),
    Section.CONTACTS: (),
    Section.MEDICATIONS: (),
    Section.ALLERGIES: ("no_known_allergies",),
    Section.CONDITIONS: (),
    Section.ADVANCE_CARE_PLAN: (
        "preferred_place_of_care",
        "resuscitation",
        "care_focus",
        "what_matters_to_me",
        "date_recorded",
        "form_location",
    ),
    Section.COMMUNICATION: ("language", "interpreter_needed", "needs"),
    Section.RISKS: (),
    Section.CONSENT: ("status", "decided_by", "date", "note"),
}


def from_form(section: Section, form: Mapping[str, str]) -> dict[str, Any]:
    """A section's data from a flat form: list rows are `<list>-<n>-<field>`; blank rows drop.

    A checkbox is true when it is sent. Other form fields are ignored. The result still goes
    through `validate`.
    """
    section = Section(section)
    data: dict[str, Any] = {}
    for key in SCALARS[section]:
        data[key] = key in form if key in FLAGS else form.get(key, "")
    if section in LISTS:
        name, fields = LISTS[section]
        rows: dict[int, dict[str, Any]] = {}
        for key, value in form.items():
            parts = key.split("-", 2)
            if len(parts) == 3 and parts[0] == name and parts[1].isdigit() and parts[2] in fields:
                rows.setdefault(int(parts[1]), {})[parts[2]] = value
        items = []
        for index in sorted(rows):
            row = rows[index]
            if not any(str(v).strip() for k, v in row.items() if k not in FLAGS):
                continue
            items.append({k: (k in row) if k in FLAGS else row.get(k, "") for k in fields})
        data[name] = items
    return data


def blank(section: Section) -> dict[str, Any]:
    """An empty section, for a form that has nothing yet."""
    data: dict[str, Any] = {k: (False if k in FLAGS else "") for k in SCALARS[Section(section)]}
    if section in LISTS:
        data[LISTS[section][0]] = []
    return data


def check_reason(reason: str | None) -> str:
    """Every change says why (a word or two at least)."""
    text = " ".join((reason or "").split())
    if len(text) < 3:
        raise ValidationError("reason", "say why you are changing the record")
    if len(text) > SHORT:
        raise ValidationError("reason", f"must be at most {SHORT} characters")
    return text


# ---------------------------------------------------------------------- reading a record


def main_carer(record: Mapping[str, Any]) -> dict[str, Any] | None:
    for contact in (record.get(Section.CONTACTS) or {}).get("contacts", []):
        if contact["main_carer"]:
            return contact
    return None


def contacts_with(record: Mapping[str, Any], role: ContactRole) -> list[dict[str, Any]]:
    return [
        c for c in (record.get(Section.CONTACTS) or {}).get("contacts", []) if c["role"] == role
    ]


def access_note(access: Mapping[str, Any]) -> str | None:
    """The access section in one line (the board's and the visit page's access note)."""
    parts = []
    if access["key_safe"]:
        details = access["key_safe_details"]
        parts.append("Key safe" + (f": {details}" if details else ""))
    if access["entry"]:
        parts.append(access["entry"])
    if access["hazards"]:
        parts.append(f"Hazards: {access['hazards']}")
    return ". ".join(parts)[:LONG] or None


def summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """The few things nobody should ask twice, for the referral and visit pages."""
    allergies = record.get(Section.ALLERGIES)
    if allergies is None:
        allergy_text = "Not recorded"
    elif allergies["no_known_allergies"]:
        allergy_text = "No known allergies"
    elif allergies["allergies"]:
        allergy_text = "; ".join(
            f"{a['substance']} ({Severity(a['severity']).label.lower()})"
            for a in allergies["allergies"]
        )
    else:
        allergy_text = "None listed"
    acp = record.get(Section.ADVANCE_CARE_PLAN)
    respect = Resuscitation(acp["resuscitation"]).label if acp else "Not recorded"
    if acp and acp["date_recorded"] and acp["resuscitation"] in DECIDED:
        respect += f" (ReSPECT {acp['date_recorded']})"
    access = record.get(Section.ACCESS)
    access_text = access_note(access) if access else None
    carer = main_carer(record)
    communication = record.get(Section.COMMUNICATION)
    comms = None
    if communication:
        bits = [communication["language"]]
        if communication["interpreter_needed"]:
            bits.append("interpreter needed")
        if communication["needs"]:
            bits.append(communication["needs"])
        comms = ", ".join(bits)
    risks = record.get(Section.RISKS) or {"flags": []}
    return {
        "allergies": allergy_text,
        "allergy_alert": bool(allergies and allergies["allergies"]),
        "respect": respect,
        "cpr_not_recommended": bool(
            acp and acp["resuscitation"] == Resuscitation.CPR_NOT_RECOMMENDED
        ),
        "access": access_text,
        "main_carer": f"{carer['name']} ({carer['phone']})" if carer else None,
        "communication": comms,
        "risks": [f"{RiskKind(r['kind']).label}: {r['detail']}" for r in risks["flags"]],
    }


# ------------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class Item:
    label: str
    text: str
    important: bool = False


@dataclass(frozen=True)
class Block:
    heading: str
    items: tuple[Item, ...]
    code: str = ""  # which part of the record it comes from (the FHIR Composition section)
    empty: str = "Nothing recorded"


@dataclass(frozen=True)
class Document:
    title: str
    person_name: str
    subtitle: str
    blocks: tuple[Block, ...]
    gaps: tuple[str, ...] = ()  # what is missing that the reader should know about
    generated_at: datetime | None = None


@dataclass(frozen=True)
class PersonFacts:
    name: str
    nhs_number: str | None
    date_of_birth: date | None
    sex: str
    address: str | None
    gp_practice: str | None  # "Name (ODS)"


@dataclass(frozen=True)
class ServiceContacts:
    """How the person reaches the service: the UCR team's number and hours, and after hours."""

    team_name: str
    phone: str
    hours: str  # the team's hours in words
    out_of_hours: str = "NHS 111 (call 111, or go to 111.nhs.uk)"


@dataclass(frozen=True)
class EpisodeFacts:
    referral_id: int
    received_at: datetime
    need: str
    need_text: str | None
    response: str
    state: str
    team_name: str | None
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObservationFacts:
    recorded_at: datetime
    recorded_by: str
    news2_total: int | None
    news2_band: str | None
    values: tuple[tuple[str, str], ...] = ()  # (label, value with unit)


def _identity(person: PersonFacts) -> Block:
    items = [
        Item("Name", person.name),
        Item("NHS number", _nhs(person.nhs_number)),
        Item(
            "Date of birth",
            person.date_of_birth.strftime("%d %b %Y") if person.date_of_birth else "Not known",
        ),
        Item("Address", person.address or "Not recorded"),
        Item("GP practice", person.gp_practice or "Not recorded"),
    ]
    return Block("About me", tuple(items), "identity")


def _nhs(number: str | None) -> str:
    if not number:
        return "Not known"
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def _contacts_block(record: Mapping[str, Any]) -> Block:
    items = []
    for c in (record.get(Section.CONTACTS) or {}).get("contacts", []):
        label = ContactRole(c["role"]).label
        if c["main_carer"]:
            label = "Main carer"
        text = f"{c['name']}" + (f" ({c['relationship']})" if c["relationship"] else "")
        text += f": {c['phone']}"
        items.append(Item(label, text, important=c["main_carer"]))
        if c["contingency_plan"]:
            items.append(Item(f"If {c['name']} cannot care", c["contingency_plan"]))
    return Block(Section.CONTACTS.label, tuple(items), Section.CONTACTS.value)


def _allergies_block(record: Mapping[str, Any]) -> Block:
    allergies = record.get(Section.ALLERGIES)
    if allergies is None:
        return Block(Section.ALLERGIES.label, (), Section.ALLERGIES.value, "Not recorded: ask")
    if allergies["no_known_allergies"]:
        return Block(
            Section.ALLERGIES.label,
            (Item("Allergies", "No known allergies"),),
            Section.ALLERGIES.value,
        )
    items = tuple(
        Item(
            a["substance"],
            Severity(a["severity"]).label + (f": {a['reaction']}" if a["reaction"] else ""),
            important=True,
        )
        for a in allergies["allergies"]
    )
    return Block(Section.ALLERGIES.label, items, Section.ALLERGIES.value, "None listed")


def _medications_block(record: Mapping[str, Any]) -> Block:
    meds = record.get(Section.MEDICATIONS)
    items = tuple(
        Item(m["name"], f"{m['dose']}, {Route(m['route']).label.lower()}, {m['frequency']}")
        for m in (meds or {}).get("medications", [])
    )
    empty = "Not recorded: bring the medicines" if meds is None else "No regular medicines"
    return Block(Section.MEDICATIONS.label, items, Section.MEDICATIONS.value, empty)


def _conditions_block(record: Mapping[str, Any]) -> Block:
    found = (record.get(Section.CONDITIONS) or {}).get("conditions", [])
    items = tuple(Item(c["name"], c["note"] or "") for c in found)
    return Block(Section.CONDITIONS.label, items, Section.CONDITIONS.value)


def _wishes_block(record: Mapping[str, Any], heading: str) -> Block:
    acp = record.get(Section.ADVANCE_CARE_PLAN)
    if acp is None:
        return Block(heading, (), Section.ADVANCE_CARE_PLAN.value, "No advance care plan recorded")
    items = [
        Item("What matters to me", acp["what_matters_to_me"] or "Not recorded"),
        Item(
            "Where I would like to be cared for", PlaceOfCare(acp["preferred_place_of_care"]).label
        ),
        Item("My priorities", CareFocus(acp["care_focus"]).label),
        Item(
            "CPR (ReSPECT)",
            Resuscitation(acp["resuscitation"]).label
            + (f", recorded {acp['date_recorded']}" if acp["date_recorded"] else ""),
            important=acp["resuscitation"] == Resuscitation.CPR_NOT_RECOMMENDED,
        ),
    ]
    if acp["form_location"]:
        items.append(Item("The ReSPECT form is kept", acp["form_location"]))
    return Block(heading, tuple(items), Section.ADVANCE_CARE_PLAN.value)


def _communication_block(record: Mapping[str, Any]) -> Block:
    comms = record.get(Section.COMMUNICATION)
    if comms is None:
        return Block(Section.COMMUNICATION.label, (), Section.COMMUNICATION.value)
    items = [Item("Language", comms["language"])]
    if comms["interpreter_needed"]:
        items.append(Item("Interpreter", "Needed", important=True))
    if comms["needs"]:
        items.append(Item("Communication needs", comms["needs"]))
    return Block(Section.COMMUNICATION.label, tuple(items), Section.COMMUNICATION.value)


def _risks_block(record: Mapping[str, Any]) -> Block:
    flags = (record.get(Section.RISKS) or {}).get("flags", [])
    items = tuple(Item(RiskKind(r["kind"]).label, r["detail"], important=True) for r in flags)
    return Block(Section.RISKS.label, items, Section.RISKS.value, "No risk flags")


def _access_block(record: Mapping[str, Any]) -> Block:
    access = record.get(Section.ACCESS)
    if access is None:
        return Block(Section.ACCESS.label, (), Section.ACCESS.value)
    items = []
    if access["key_safe"]:
        items.append(Item("Key safe", access["key_safe_details"] or "Yes"))
    if access["entry"]:
        items.append(Item("Getting in", access["entry"]))
    if access["hazards"]:
        items.append(Item("Hazards", access["hazards"], important=True))
    return Block(Section.ACCESS.label, tuple(items), Section.ACCESS.value)


ALWAYS_OPEN = "every day 24 hours"


def hours_in_words(hours: ServiceHours) -> str:
    """A team's weekly hours as the crisis plan says them ("every day 08:00-20:00")."""

    def day(sessions) -> str:
        return " and ".join(str(s) for s in sessions) or "closed"

    if all(sessions == hours.weekly[0] for sessions in hours.weekly):
        text = "every day " + day(hours.weekly[0])
    else:
        text = "; ".join(
            f"{name[:3].capitalize()} {day(sessions)}"
            for name, sessions in zip(DAY_NAMES, hours.weekly, strict=True)
        )
    if hours.bank_holiday_sessions is not None:
        text += f"; bank holidays {day(hours.bank_holiday_sessions)}"
    return text.replace("00:00-24:00", "24 hours")


# The NEWS2 observations as the transfer summary shows them: (key, label, unit).
OBSERVATION_LABELS = (
    ("respiration_rate", "RR", "/min"),
    ("spo2", "SpO2", "%"),
    ("on_oxygen", "on oxygen", ""),
    ("systolic_bp", "BP systolic", " mmHg"),
    ("pulse", "pulse", "/min"),
    ("consciousness", "ACVPU", ""),
    ("temperature", "temp", " C"),
)


def observation_values(values: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """Stored observations as (label, value with unit), in NEWS2 chart order."""
    found = []
    for key, label, unit in OBSERVATION_LABELS:
        if not values or values.get(key) is None:
            continue
        value = values[key]
        if isinstance(value, bool):
            value = "yes" if value else "no"
        found.append(
            (label, f"{value}{unit}".upper() if key == "consciousness" else f"{value}{unit}")
        )
    return tuple(found)


def crisis_plan(
    person: PersonFacts,
    record: Mapping[str, Any],
    service: ServiceContacts,
    *,
    gp_phone: str | None = None,
    generated_at: datetime | None = None,
) -> Document:
    """The person's one-page crisis plan: who to call and when, what to do, their wishes."""
    calls = [
        Item(
            "Emergency (not breathing, chest pain, stroke signs, heavy bleeding)",
            "Call 999",
            important=True,
        ),
        Item(
            f"Getting worse, urgent but not an emergency ({service.hours})",
            f"{service.team_name}: {service.phone}",
            important=True,
        ),
        Item(
            "If you cannot get through" if service.hours == ALWAYS_OPEN else "Outside those hours",
            service.out_of_hours,
        ),
        Item(
            "Your GP, for anything that can wait for the surgery",
            (person.gp_practice or "Not recorded") + (f": {gp_phone}" if gp_phone else ""),
        ),
    ]
    for service_contact in contacts_with(record, ContactRole.CARERS_EMERGENCY):
        calls.append(
            Item(
                "If your carer suddenly cannot care",
                f"{service_contact['name']}: {service_contact['phone']}",
            )
        )
    gaps = []
    carer = main_carer(record)
    steps = [
        Item("1", "If it is an emergency, call 999 first. Then tell the UCR team."),
        Item(
            "2",
            "If you or the person you care for are getting worse (new confusion, a fall, not "
            "eating or drinking, more breathless, more pain), call the UCR team during its "
            "hours, or NHS 111 outside them. Have this plan and the medicines list ready.",
        ),
    ]
    acp = record.get(Section.ADVANCE_CARE_PLAN)
    if acp and acp["resuscitation"] in DECIDED:
        where = f" It is kept: {acp['form_location']}." if acp["form_location"] else ""
        steps.append(
            Item(
                "3",
                "Show the ambulance crew or doctor the ReSPECT form: "
                f"{Resuscitation(acp['resuscitation']).label}.{where}",
                important=acp["resuscitation"] == Resuscitation.CPR_NOT_RECOMMENDED,
            )
        )
    if carer is not None:
        plan = carer["contingency_plan"]
        steps.append(
            Item(
                str(len(steps) + 1),
                f"If {carer['name']} (main carer) is ill or cannot come: "
                + (plan or "no contingency plan is recorded yet: ask the team to make one."),
                important=not plan,
            )
        )
        if not plan:
            gaps.append("The main carer has no contingency plan recorded.")
    if not record.get(Section.ALLERGIES):
        gaps.append("Allergies are not recorded.")
    if acp is None:
        gaps.append("No advance care plan or ReSPECT recommendation is recorded.")
    blocks = (
        Block("Who to call and when", tuple(calls), "calls"),
        Block("If things get worse", tuple(steps), "steps"),
        _wishes_block(record, "My wishes"),
        _allergies_block(record),
        _contacts_block(record),
    )
    return Document(
        title="My crisis plan",
        person_name=person.name,
        subtitle=f"NHS number {_nhs(person.nhs_number)}",
        blocks=blocks,
        gaps=tuple(gaps),
        generated_at=generated_at,
    )


def transfer_summary(
    person: PersonFacts,
    record: Mapping[str, Any],
    *,
    episode: EpisodeFacts | None,
    observations: tuple[ObservationFacts, ...],
    from_setting: Setting,
    to_setting: Setting,
    reason: str = "",
    generated_at: datetime | None = None,
) -> Document:
    """The red-bag transfer summary (DOMAIN.md 3.6): everything the next setting needs."""
    transfer = [
        Item("From", from_setting.label),
        Item("To", to_setting.label),
        Item("Reason for transfer", reason or "Not given", important=not reason),
    ]
    episode_items: list[Item] = []
    if episode is not None:
        episode_items = [
            Item(
                "Referral",
                f"{episode.referral_id}, received "
                f"{episode.received_at.strftime('%d %b %Y %H:%M')} UTC",
            ),
            Item(
                "Current health concern",
                episode.need + (f": {episode.need_text}" if episode.need_text else ""),
            ),
            Item("Response", f"{episode.response} ({episode.state})"),
        ]
        if episode.team_name:
            episode_items.append(Item("Team", episode.team_name))
        episode_items += [Item("Action", a) for a in episode.actions]
    obs_items = []
    for o in observations:
        head = o.recorded_at.strftime("%d %b %Y %H:%M") + f" UTC by {o.recorded_by}"
        text = ", ".join(f"{label} {value}" for label, value in o.values)
        if o.news2_total is not None:
            band = (o.news2_band or "").replace("_", "-")
            text = f"NEWS2 {o.news2_total} ({band})" + (f"; {text}" if text else "")
        obs_items.append(Item(head, text or "No values", important=(o.news2_total or 0) >= 5))
    gaps = []
    if record.get(Section.ALLERGIES) is None:
        gaps.append("Allergies are not recorded: ask before giving any medicine.")
    if record.get(Section.MEDICATIONS) is None:
        gaps.append("Medications are not recorded: send the medicines themselves.")
    consent = record.get(Section.CONSENT)
    if consent is None or consent["status"] == ConsentStatus.NOT_ASKED:
        gaps.append("Consent to share has not been asked: share under direct care only.")
    elif consent["status"] == ConsentStatus.REFUSED:
        gaps.append("The person refused consent to share: share only what direct care needs.")
    blocks = (
        Block("Transfer", tuple(transfer), "transfer"),
        _identity(person),
        _allergies_block(record),
        _medications_block(record),
        _wishes_block(record, "Advance wishes"),
        Block("Current episode", tuple(episode_items), "episode", "No open episode"),
        Block("Recent observations", tuple(obs_items), "observations", "None recorded"),
        _conditions_block(record),
        _communication_block(record),
        _risks_block(record),
        _access_block(record),
        _contacts_block(record),
    )
    return Document(
        title="Transfer summary (red bag)",
        person_name=person.name,
        subtitle=f"NHS number {_nhs(person.nhs_number)}",
        blocks=blocks,
        gaps=tuple(gaps),
        generated_at=generated_at,
    )


@dataclass(frozen=True)
class Version:
    """One stored version of a section, as the record pages show it."""

    section: Section
    version: int
    data: dict[str, Any] = field(default_factory=dict)
    recorded_by: str = ""
    recorded_at: datetime | None = None
    reason: str = ""

"""Patient (UKCore-Patient): a person Avert knows, and a person a referral names.

Out: demographics, the NHS number (system `https://fhir.nhs.uk/Id/nhs-number`, DOMAIN.md 4.1 and
7.1) and Avert's person id, the registered GP practice by ODS code (DOMAIN.md 4.3) and the usual
place of residence (an Avert extension: it decides triage). The NHS number verification-status
extension is left out: Avert checks the Modulus 11 check digit but does not trace numbers on the
Personal Demographics Service, so it cannot claim "verified". The access and key-safe note travels
as a Flag (`avert.fhir.flag`).

In: the same, checked as the JSON API checks it (Modulus 11 with `avert.domain.identifiers`, a
real and full date of birth, a UK postcode). Example data is not assumed valid: a number that
fails Modulus 11 is refused with a message that says so (DOMAIN.md 4.1).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_date_of_birth, parse_nhs_number, parse_postcode
from avert.domain.vocab import Residence, Sex
from avert.fhir import systems
from avert.fhir.coded import extensions, full_date, member
from avert.fhir.outcome import Problem
from avert.services.intake import PersonDetails


def reference(person_id: int) -> str:
    return f"Patient/{person_id}"


def patient_resource(person: Any) -> dict[str, Any]:
    """A `people` row as a UK Core Patient."""
    identifiers = []
    if person.nhs_number:
        identifiers.append({"system": systems.NHS_NUMBER, "value": person.nhs_number})
    identifiers.append({"system": systems.PERSON_ID, "value": str(person.id)})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(person.id),
        "meta": {"profile": [systems.profile("Patient")]},
        "extension": [
            {
                "url": systems.EXT_RESIDENCE,
                "valueCoding": systems.coding(systems.RESIDENCE, Residence(person.residence)),
            }
        ],
        "identifier": identifiers,
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "gender": Sex(person.sex).value,
    }
    if person.date_of_birth is not None:
        resource["birthDate"] = person.date_of_birth.isoformat()
    if person.address_line or person.postcode:
        address: dict[str, Any] = {"use": "home"}
        if person.address_line:
            address["line"] = [person.address_line]
        if person.postcode:
            address["postalCode"] = person.postcode
        resource["address"] = [address]
    if person.practice_ods:
        resource["generalPractitioner"] = [
            {
                "type": "Organization",
                "identifier": {"system": systems.ODS_ORGANISATION, "value": person.practice_ods},
            }
        ]
    return resource


def _domain(parse, problems: list[Problem], where: str, *args, **kwargs):
    """Run an `avert.domain.identifiers` parser, turning its ValidationError into a Problem."""
    try:
        return parse(*args, **kwargs)
    except ValidationError as error:
        problems.append(Problem(where, error.message, "value"))
        return None


def nhs_number_of(patient: Any, where: str, problems: list[Problem]) -> str | None:
    """The NHS number among the identifiers, Modulus 11 checked; None if there is none."""
    for i, identifier in enumerate(patient.identifier or []):
        if identifier.system == systems.NHS_NUMBER:
            return _domain(
                parse_nhs_number, problems, f"{where}.identifier[{i}].value", identifier.value or ""
            )
    return None


def _name(patient: Any, where: str, problems: list[Problem]) -> tuple[str, str]:
    names = list(patient.name or [])
    chosen = next((n for n in names if n.use == "official"), names[0] if names else None)
    index = names.index(chosen) if chosen is not None else 0
    given = " ".join(chosen.given or []).strip() if chosen else ""
    family = (chosen.family or "").strip() if chosen else ""
    if not given:
        problems.append(
            Problem(f"{where}.name[{index}].given", "give the person's given name", "required")
        )
    if not family:
        problems.append(
            Problem(f"{where}.name[{index}].family", "give the person's family name", "required")
        )
    for text, part in ((given, "given"), (family, "family")):
        if len(text) > 100:
            problems.append(
                Problem(
                    f"{where}.name[{index}].{part}", "is too long (100 characters at most)", "value"
                )
            )
    return given, family


def _address(patient: Any, where: str, problems: list[Problem]) -> tuple[str | None, str | None]:
    addresses = list(patient.address or [])
    if not addresses:
        return None, None
    chosen = next((a for a in addresses if a.use == "home"), addresses[0])
    at = f"{where}.address[{addresses.index(chosen)}]"
    line = ", ".join(part.strip() for part in (chosen.line or []) if part.strip()) or None
    if line and len(line) > 200:
        problems.append(Problem(f"{at}.line", "is too long (200 characters at most)", "value"))
    postcode = None
    if chosen.postalCode:
        postcode = _domain(parse_postcode, problems, f"{at}.postalCode", chosen.postalCode)
    return line, postcode


def residence_of(model: Any, where: str, problems: list[Problem]) -> Residence | None:
    """The usual place of residence from Avert's extension, if given."""
    for ext in extensions(model, systems.EXT_RESIDENCE):
        coding = ext.valueCoding
        if coding is None or coding.system != systems.RESIDENCE:
            problems.append(
                Problem(
                    f"{where}.extension",
                    "residence must be a Coding of Avert's residence codes",
                    "value",
                )
            )
            return None
        found, more = member(coding, Residence, f"{where}.extension.valueCoding")
        problems.extend(more)
        return found
    return None


def person_details(
    patient: Any, *, today: date, where: str = "Patient"
) -> tuple[PersonDetails | None, list[Problem]]:
    """The person a Patient describes, as intake takes it; or the problems with it."""
    problems: list[Problem] = []
    nhs_number = nhs_number_of(patient, where, problems)
    given, family = _name(patient, where, problems)
    born = None
    if patient.birthDate is None:
        problems.append(Problem(f"{where}.birthDate", "give the date of birth", "required"))
    else:
        day, more = full_date(patient.birthDate, f"{where}.birthDate")
        problems.extend(more)
        if day is not None:
            born = _domain(parse_date_of_birth, problems, f"{where}.birthDate", day, today=today)
    sex = Sex(patient.gender) if patient.gender else Sex.UNKNOWN
    line, postcode = _address(patient, where, problems)
    residence = residence_of(patient, where, problems) or Residence.OWN_HOME
    if problems:
        return None, problems
    return (
        PersonDetails(
            given_name=given,
            family_name=family,
            nhs_number=nhs_number,
            date_of_birth=born,
            sex=sex,
            address_line=line,
            postcode=postcode,
            residence=residence,
        ),
        [],
    )

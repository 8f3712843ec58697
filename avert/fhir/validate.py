"""Validation of incoming FHIR resources with the `fhir.resources` R4B models.

UK Core is FHIR R4 (4.0.1); `fhir.resources` 8.3 ships R4B (4.3.0) and STU3 models, so Avert
validates with R4B, the closest. For the resources Avert reads (Patient, ServiceRequest, Bundle,
MessageHeader, Flag, Practitioner, PractitionerRole, Organization, RelatedPerson) the two
versions agree on every element Avert uses; docs/fhir.md lists the differences that matter.

`read_resource` returns the model, or the problems: each with a FHIRPath-like location
(`ServiceRequest.subject.reference`, `Bundle.entry[1].resource.birthDate`). Two kinds of check:

1. structure and types, by the R4B models (missing required elements, wrong types, bad dates,
   elements FHIR does not have);
2. codes with a *required* binding in FHIR R4, which the models do not check
   (`REQUIRED_CODES`: an unknown status, intent, priority, gender or Bundle type).

Messages never echo the rejected value.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError as PydanticValidationError

from avert.fhir.outcome import Problem


# Required bindings (FHIR R4 value sets) for the elements Avert reads.
REQUIRED_CODES: dict[tuple[str, str], frozenset[str]] = {
    ("Patient", "gender"): frozenset({"male", "female", "other", "unknown"}),
    ("ServiceRequest", "status"): frozenset(
        {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
    ),
    ("ServiceRequest", "intent"): frozenset(
        {
            "proposal",
            "plan",
            "directive",
            "order",
            "original-order",
            "reflex-order",
            "filler-order",
            "instance-order",
            "option",
        }
    ),
    ("ServiceRequest", "priority"): frozenset({"routine", "urgent", "asap", "stat"}),
    ("Bundle", "type"): frozenset(
        {
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        }
    ),
    ("Flag", "status"): frozenset({"active", "inactive", "entered-in-error"}),
}

_MESSAGES = {
    "missing": "is required",
    "model_field_validation.missing": "is required",
    "extra_forbidden": "is not an element of this resource in FHIR R4",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be an array",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "date_type": "must be a date (YYYY, YYYY-MM or YYYY-MM-DD)",
    "date_parsing": "must be a real date (YYYY, YYYY-MM or YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a real date (YYYY, YYYY-MM or YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date without a time",
    "datetime_type": "must be a date and time (YYYY-MM-DDThh:mm:ss+zz:zz)",
    "datetime_parsing": "must be a real date and time (YYYY-MM-DDThh:mm:ss+zz:zz)",
    "datetime_from_date_parsing": "must be a real date and time (YYYY-MM-DDThh:mm:ss+zz:zz)",
    "string_pattern_mismatch": "is not in the form FHIR requires for its type",
    "string_too_short": "must not be empty",
}
_PRIMITIVES = {
    "DateTime": "must be a real date and time (YYYY-MM-DDThh:mm:ss+zz:zz)",
    "Date": "must be a real date (YYYY, YYYY-MM or YYYY-MM-DD)",
    "Instant": "must be an instant (YYYY-MM-DDThh:mm:ss+zz:zz)",
    "Time": "must be a time (hh:mm:ss)",
    "Decimal": "must be a number",
    "Integer": "must be a whole number",
    "PositiveInt": "must be a whole number above zero",
    "UnsignedInt": "must be a whole number, zero or more",
    "Uri": "must be a URI",
    "Url": "must be a URL",
    "Canonical": "must be a canonical URL",
    "Code": "must be a code (no leading or trailing spaces)",
    "Id": "must be a FHIR id (letters, digits, '-' and '.', up to 64)",
    "Oid": "must be an OID (urn:oid:...)",
    "Uuid": "must be a UUID (urn:uuid:...)",
    "Base64Binary": "must be base64",
    "String": "must be a string",
    "Markdown": "must be markdown text",
}
_ISSUE_TYPES = {"missing": "required", "model_field_validation.missing": "required"}


def location(root: str, loc: tuple[Any, ...]) -> str:
    """A FHIRPath-like location from a pydantic error location."""
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and part.replace("_", "").isalnum():
            path += f".{part.removesuffix('__ext')}"
    return path


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    text = str(error.get("msg", ""))
    for primitive, wanted in _PRIMITIVES.items():
        if text.startswith(f"Value error, {primitive} value"):
            # fhir.resources' checks of FHIR primitives; the message names only the type.
            return wanted
    if kind == "json_invalid":
        return "must be an object"
    if kind == "fhir-validation-wrong-resource-type":
        return "has the wrong resourceType here"
    return "is not valid here"


def problems_from_pydantic(root: str, error: PydanticValidationError) -> list[Problem]:
    """One Problem per pydantic error, located under `root`."""
    problems = []
    for item in error.errors():
        kind = item.get("type", "")
        problems.append(
            Problem(
                location(root, tuple(item.get("loc", ()))),
                _message(item),
                _ISSUE_TYPES.get(
                    kind, "value" if "parsing" in kind or kind == "value_error" else "invalid"
                ),
            )
        )
    return problems


def known_type(resource_type: object) -> bool:
    """True for a resource type the R4B models define."""
    if not isinstance(resource_type, str) or not resource_type.isalpha():
        return False
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return False
    return issubclass(model, Resource)


def _nested(data: dict[str, Any], where: str) -> list[tuple[dict[str, Any], str]]:
    """The resources inside a resource (contained, Bundle entries), with their locations."""
    found = []
    for index, inner in enumerate(data.get("contained") or []):
        if isinstance(inner, dict):
            found.append((inner, f"{where}.contained[{index}]"))
    if data.get("resourceType") == "Bundle":
        for index, entry in enumerate(data.get("entry") or []):
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                found.append((entry["resource"], f"{where}.entry[{index}].resource"))
    return found


def _shape_problems(data: dict[str, Any], where: str) -> list[Problem]:
    """Unknown resource types inside, and codes outside their required value sets."""
    problems = []
    resource_type = data.get("resourceType")
    if not known_type(resource_type):
        return [Problem(f"{where}.resourceType", "is not a FHIR R4 resource type", "not-supported")]
    for (owner, element), allowed in REQUIRED_CODES.items():
        value = data.get(element)
        if owner == resource_type and isinstance(value, str) and value not in allowed:
            problems.append(
                Problem(
                    f"{where}.{element}",
                    f"is not a code of the FHIR value set (one of: {', '.join(sorted(allowed))})",
                    "code-invalid",
                )
            )
    for inner, inner_where in _nested(data, where):
        problems.extend(_shape_problems(inner, inner_where))
    return problems


class WrongResource(Exception):
    """The body is not a FHIR resource of the expected type (HTTP 400, not 422)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.diagnostics)
        self.problem = problem


def read_resource(data: object, expected: str) -> tuple[Resource | None, list[Problem]]:
    """The body as an R4B model of type `expected`, or the problems with it.

    Raises WrongResource if the body is not a JSON object or names another resource type.
    """
    if not isinstance(data, dict):
        raise WrongResource(Problem(expected, "the body must be a FHIR resource (a JSON object)"))
    resource_type = data.get("resourceType")
    if resource_type != expected:
        said = "is missing" if resource_type is None else f"must be {expected} here"
        raise WrongResource(Problem(f"{expected}.resourceType", said, "structure"))
    problems = _shape_problems(data, expected)
    if any(p.code == "not-supported" for p in problems):
        return None, problems
    model_class = get_fhir_model_class(expected)
    try:
        model = model_class.model_validate(data)
    except PydanticValidationError as error:
        return None, problems + problems_from_pydantic(expected, error)
    except (KeyError, TypeError, ValueError):
        problems.append(Problem(expected, "could not be read as a FHIR R4 resource", "structure"))
    return (None, problems) if problems else (model, [])

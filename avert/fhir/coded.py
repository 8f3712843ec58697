"""Reading Avert's coded values, extensions and references out of R4B models.

Helpers shared by the resource modules: an enum member from a Coding of one of Avert's code
systems (an unknown code is a problem, never a guess), the value of an extension by URL, and the
parts of a dateTime.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from avert.fhir.outcome import Problem


E = TypeVar("E", bound=StrEnum)


def member(coding: Any, enum: type[E], where: str) -> tuple[E | None, list[Problem]]:
    """The enum member a Coding names, or a code-invalid problem."""
    try:
        return enum(coding.code), []
    except (ValueError, TypeError):
        return None, [
            Problem(f"{where}.code", "is not a code of that Avert code system", "code-invalid")
        ]


def codings_of(concepts: Iterable[Any] | None, system: str, where: str) -> list[tuple[Any, str]]:
    """Each Coding of `system` in a list of CodeableConcepts, with its location."""
    found = []
    for i, concept in enumerate(concepts or []):
        for j, coding in enumerate(concept.coding or []):
            if coding.system == system:
                found.append((coding, f"{where}[{i}].coding[{j}]"))
    return found


def extensions(model: Any, url: str) -> list[Any]:
    """The extensions of `model` with this URL."""
    return [ext for ext in (getattr(model, "extension", None) or []) if ext.url == url]


def sub_values(ext: Any) -> dict[str, Any]:
    """The sub-extensions of a complex extension as {url: extension}."""
    return {inner.url: inner for inner in (ext.extension or [])}


def instant(
    value: Any, where: str, *, required: bool = True
) -> tuple[datetime | None, list[Problem]]:
    """A dateTime that must be a full date and time with a zone (UTC out)."""
    if value is None:
        return None, ([Problem(where, "is required", "required")] if required else [])
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC), []
    return None, [Problem(where, "must be a full date and time with a time zone", "value")]


def full_date(value: Any, where: str) -> tuple[date | None, list[Problem]]:
    """A FHIR date that must be a whole day (not only a year or a month)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value, []
    return None, [Problem(where, "must be a full date (YYYY-MM-DD)", "value")]


def fhir_instant(value: datetime | None) -> str | None:
    """A stored UTC datetime as a FHIR instant."""
    return None if value is None else value.astimezone(UTC).isoformat()

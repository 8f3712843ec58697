"""Small helpers that turn wire values (strings) into the shared enums, or reject them."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from avert.domain.errors import ValidationError


E = TypeVar("E", bound=Enum)


def member(field: str, enum: type[E], value: object) -> E:
    """Return `value` as a member of `enum`, or raise ValidationError naming `field`.

    The message does not repeat the value, so that it can be logged (see `ValidationError`).
    """
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        raise ValidationError(field, "is not one of the known values") from None


def non_blank(field: str, value: object, message: str) -> str:
    """Return `value` stripped, or raise ValidationError(field, message) if it is not text."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, message)
    return value.strip()

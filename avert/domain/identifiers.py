"""Identifiers and demographic values, parsed and normalised.

Every parser takes whatever a person typed or a system sent and either returns the normalised value
or raises `ValidationError` naming the field. Nothing else escapes: a property test feeds them
arbitrary input. Messages never echo the rejected value (it may be patient data).

Sources: DOMAIN.md 4.1 (NHS number, Modulus 11), 4.2 (postcode), 4.3 (ODS codes).
"""

from __future__ import annotations

import re
from datetime import date

from avert.domain.errors import ValidationError


NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# Pseudo-postcodes used by the NHS (DOMAIN.md 4.2): accepted although not geographic.
ADDRESS_NOT_KNOWN_POSTCODE = "ZZ99 3WZ"
NO_FIXED_ABODE_POSTCODE = "ZZ99 3VZ"
PSEUDO_POSTCODES = frozenset({ADDRESS_NOT_KNOWN_POSTCODE, NO_FIXED_ABODE_POSTCODE})

MAX_AGE_YEARS = 125

_SEPARATORS = re.compile(r"[\s\-]+")
_POSTCODE = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR)[0-9][A-Z]{2}$")
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


def nhs_number_check_digit(nine_digits: str) -> int | None:
    """The Modulus 11 check digit for the first nine digits, or None where none can be issued."""
    if len(nine_digits) != 9 or not nine_digits.isascii() or not nine_digits.isdigit():
        raise ValueError("nhs_number_check_digit needs exactly nine ASCII digits")
    total = sum(int(d) * w for d, w in zip(nine_digits, NHS_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def parse_nhs_number(value: object, field: str = "nhs_number") -> str:
    """A valid NHS number as ten digits; spaces and dashes are accepted and removed."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be given as text of ten digits")
    digits = _SEPARATORS.sub("", value)
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise ValidationError(field, "must be ten digits (spaces and dashes are allowed)")
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(field, "is not a valid NHS number (the check digit does not match)")
    return digits


def format_nhs_number(nhs_number: str) -> str:
    """The display form `XXX XXX XXXX`."""
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


def parse_postcode(value: object, field: str = "postcode") -> str:
    """A UK postcode in upper case with one space before the inward code."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be given as text")
    compact = _SEPARATORS.sub("", value).upper()
    if not compact.isascii() or not _POSTCODE.match(compact):
        raise ValidationError(field, "is not a UK postcode (for example LE1 5WW)")
    return f"{compact[:-3]} {compact[-3:]}"


def parse_ods_code(value: object, field: str = "ods_code") -> str:
    """An ODS organisation code: 3 to 10 letters or digits, upper-cased.

    The shape is all that can be checked here; existence needs ODS reference data (DOMAIN.md 4.3).
    """
    if not isinstance(value, str):
        raise ValidationError(field, "must be given as text")
    code = value.strip().upper()
    if not code.isascii() or not _ODS_CODE.match(code):
        raise ValidationError(field, "is not an ODS code (3 to 10 letters or digits)")
    return code


def parse_date_of_birth(value: object, *, today: date, field: str = "date_of_birth") -> date:
    """A date of birth: an ISO date (YYYY-MM-DD) not in the future and not over 125 years ago."""
    if isinstance(value, date):
        born = value
    elif isinstance(value, str):
        try:
            born = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(field, "must be a real date written as YYYY-MM-DD") from None
    else:
        raise ValidationError(field, "must be a date written as YYYY-MM-DD")
    if born > today:
        raise ValidationError(field, "cannot be in the future")
    if age_in_years(born, today) > MAX_AGE_YEARS:
        raise ValidationError(field, f"gives an age over {MAX_AGE_YEARS} years")
    return born


def age_in_years(born: date, on: date) -> int:
    """Completed years of age on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

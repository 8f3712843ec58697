"""Search parameters: the FHIR search syntax Avert accepts, parsed into plain values.

Strict handling: an unknown parameter is refused (400 with an OperationOutcome), never ignored,
because a misspelt `identifer=` must not return every patient. Supported syntax:

- token: `system|code`, `code`, or `|code` (no system);
- reference: `Patient/123` or `123`;
- date: `[prefix]YYYY[-MM[-DD]]` with prefix eq, ge, gt, le or lt (default eq), the range of
  the day, month or year in Europe/London time;
- string (family): case-insensitive "starts with";
- `_count` (1 to 200, default 50) and `_offset`.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from avert.fhir.outcome import Problem


DEFAULT_COUNT = 50
MAX_COUNT = 200
LONDON = ZoneInfo("Europe/London")
PREFIXES = ("eq", "ge", "gt", "le", "lt")


class SearchError(Exception):
    """A search parameter Avert cannot honour (HTTP 400)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.diagnostics)
        self.problem = problem


def _bad(name: str, message: str, code: str = "value") -> SearchError:
    return SearchError(Problem(f"Parameters.{name}", message, code))


def check_names(
    params: Mapping[str, str], allowed: Mapping[str, str], *, required: tuple[str, ...]
) -> None:
    """Refuse unknown parameters; require at least one of `required` (if any)."""
    for name in params:
        if name not in allowed and name not in ("_count", "_offset", "_format"):
            raise _bad(name, "is not a search parameter Avert supports here", "not-supported")
    if required and not any(params.get(name) for name in required):
        raise _bad(required[0], f"give at least one of: {', '.join(required)}", "required")


def token(name: str, value: str) -> tuple[str | None, str]:
    """(system or None, code) of a token parameter."""
    system, bar, code = value.partition("|")
    if not bar:
        return None, value.strip()
    if not code.strip():
        raise _bad(name, "give a code after the |")
    return (system.strip() or None), code.strip()


def reference_id(name: str, value: str, resource_type: str) -> int:
    """The Avert id in `Type/123` or `123`."""
    tail = value.strip().rstrip("/")
    kind, _, ident = tail.rpartition("/")
    if kind and kind.rsplit("/", 1)[-1] != resource_type:
        raise _bad(name, f"must refer to a {resource_type}")
    if not ident.isascii() or not ident.isdigit() or len(ident) > 18:
        raise _bad(name, f"must be {resource_type}/<id> with a numeric id")
    return int(ident)


@dataclass(frozen=True)
class DateRange:
    """A date parameter as a half-open range [start, end) and the comparison asked for."""

    prefix: str
    start: date
    end: date

    def bounds(self) -> tuple[date | None, date | None]:
        """(lowest included, first excluded): None means unbounded."""
        return {
            "eq": (self.start, self.end),
            "ge": (self.start, None),
            "gt": (self.end, None),
            "le": (None, self.end),
            "lt": (None, self.start),
        }[self.prefix]

    def instants(self) -> tuple[datetime | None, datetime | None]:
        """The bounds as instants at local midnight (Europe/London)."""
        low, high = self.bounds()
        to = lambda d: None if d is None else datetime.combine(d, time(0), LONDON)  # noqa: E731
        return to(low), to(high)


def date_range(name: str, value: str) -> DateRange:
    text = value.strip()
    prefix = text[:2] if text[:2] in PREFIXES else "eq"
    text = text[2:] if text[:2] in PREFIXES else text
    parts = text.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            year = int(parts[0])
            return DateRange(prefix, date(year, 1, 1), date(year + 1, 1, 1))
        if len(parts) == 2 and len(parts[0]) == 4 and len(parts[1]) == 2:
            year, month = int(parts[0]), int(parts[1])
            last = calendar.monthrange(year, month)[1]
            return DateRange(
                prefix, date(year, month, 1), date(year, month, last) + timedelta(days=1)
            )
        if len(parts) == 3 and len(text) == 10:
            day = date.fromisoformat(text)
            return DateRange(prefix, day, day + timedelta(days=1))
    except ValueError:
        pass
    raise _bad(name, "must be a date: [eq|ge|gt|le|lt]YYYY, YYYY-MM or YYYY-MM-DD")


def paging(params: Mapping[str, str]) -> tuple[int, int]:
    """(_count, _offset)."""
    count, offset = DEFAULT_COUNT, 0
    if "_count" in params:
        raw = params["_count"]
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_COUNT:
            raise _bad("_count", f"must be a whole number from 1 to {MAX_COUNT}")
        count = int(raw)
    if "_offset" in params:
        raw = params["_offset"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            raise _bad("_offset", "must be a whole number, zero or more")
        offset = int(raw)
    return count, offset

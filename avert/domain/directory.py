"""The Directory of Services: which services exist, who they take, when they are open, whether
they have capacity, and which one a person should be sent to (pure).

Sources (DOMAIN.md section 5, the NHS DoS):
- A service record has a type, an ODS code, a location, an age range, referral instructions and
  endpoints, weekly "rota sessions" plus a bank-holiday day and dated exceptions (5.2). Opening
  sessions here are a `ServiceHours` (avert.domain.service_hours), which already has all three.
- Capacity is a RAG status: GREEN (has capacity), AMBER (limited), RED (none). RED services are
  not returned by a search; a RED or AMBER status resets to GREEN after `resetStatusIn` minutes,
  default 240, minimum 0, maximum 7200; a GREEN status has no reset (5.3). Renewing the status
  (setting it again) starts the reset period again.
- A search returns services that meet the need, at the person's location, for their age, open at
  that time and with capacity, ordered by distance within a rank (5.4). Avert ranks: eligible and
  not RED, open now first (or only), then nearest. Commissioner ranking strategies, "top two per
  type" and the ED catch-all are not modelled.

Which kinds of service a triage redirect may name (`DESTINATION_SERVICE_TYPES`) and the line to
call when none is open (`ALWAYS_AVAILABLE`) are local configuration, [UNVERIFIED] nationally;
they are kept here as readable tables so a clinical safety reviewer can check them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from avert.domain.errors import ValidationError
from avert.domain.service_hours import ServiceHours, ensure_utc, zone
from avert.domain.vocab import ConditionNeed, Destination, Labelled


DEFAULT_RESET_MINUTES = 240  # DoS Capacity Status API default (DOMAIN.md 5.3)
MAX_RESET_MINUTES = 7200  # five days
MAX_NOTE = 900  # characters, as the DoS Capacity Status API allows
EARTH_RADIUS_KM = 6371.0088


class ServiceType(Labelled):
    """Kinds of service in the directory (DoS service types where DOMAIN.md 5.2 gives one)."""

    UCR = "ucr", "Urgent Community Response (2-hour)"
    REABLEMENT = "reablement", "Reablement and Home First"
    COMMUNITY_NURSING = "community_nursing", "Community and district nursing"
    CARERS_EMERGENCY = "carers_emergency", "Carers' emergency service"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    HOUSING = "housing", "Housing"
    URGENT_TREATMENT_CENTRE = "urgent_treatment_centre", "Urgent treatment centre"
    EMERGENCY_DEPARTMENT = "emergency_department", "Emergency department"
    GP_PRACTICE = "gp_practice", "GP practice"
    MENTAL_HEALTH_CRISIS = "mental_health_crisis", "Mental-health crisis service"
    SOCIAL_CARE = "social_care", "Adult social care"
    SUBSTANCE_MISUSE = "substance_misuse", "Drug and alcohol service"
    CHILDRENS_COMMUNITY = "childrens_community", "Children's community service"

    @property
    def dos_code(self) -> int | None:
        """The NHS DoS service type id, for the types DOMAIN.md 5.2 names ([V-2])."""
        return _DOS_CODES.get(self.value)


_DOS_CODES = {
    "ucr": 146,
    "community_nursing": 38,
    "emergency_department": 105,
    "urgent_treatment_centre": 135,
    "gp_practice": 100,
}


class Capacity(Labelled):
    """The capacity status (RAG) a service sets. DoS: High = Green, Low = Amber, None = Red."""

    GREEN = "green", "Green: taking referrals"
    AMBER = "amber", "Amber: limited capacity"
    RED = "red", "Red: no capacity"


class RouteKind(Labelled):
    """How a referral reaches the service."""

    API = "api", "Electronic referral (API)"
    PHONE = "phone", "Phone"
    EMAIL = "email", "Secure email"


T, N = ServiceType, ConditionNeed

# Where a triage redirect sends the person, as kinds of directory service (in order of
# preference). An empty tuple means "any service that serves the referral's need".
DESTINATION_SERVICE_TYPES: dict[Destination, tuple[ServiceType, ...]] = {
    Destination.EMERGENCY_999: (T.EMERGENCY_DEPARTMENT,),
    Destination.STROKE_PATHWAY: (T.EMERGENCY_DEPARTMENT,),
    Destination.EMERGENCY_DEPARTMENT: (T.EMERGENCY_DEPARTMENT,),
    Destination.MENTAL_HEALTH_CRISIS_LINE: (T.MENTAL_HEALTH_CRISIS,),
    Destination.GP: (T.GP_PRACTICE,),
    Destination.CHILDRENS_SERVICES: (T.CHILDRENS_COMMUNITY,),
    Destination.HOSPITAL_DISCHARGE_TEAM: (T.REABLEMENT,),
    Destination.SUBSTANCE_MISUSE_SERVICE: (T.SUBSTANCE_MISUSE,),
    Destination.SOCIAL_CARE: (T.SOCIAL_CARE,),
    Destination.COMMUNITY_NURSING: (T.COMMUNITY_NURSING,),
    Destination.OTHER: (),
}

# What to tell the referrer first, whatever the directory says, and the line that is always
# open when no directory service is (NHS 111 and 999 answer around the clock).
ALWAYS_AVAILABLE: dict[Destination, str] = {
    Destination.EMERGENCY_999: "call 999",
    Destination.STROKE_PATHWAY: "call 999 (suspected stroke: FAST positive)",
    Destination.EMERGENCY_DEPARTMENT: "call NHS 111, or 999 if it is an emergency",
    Destination.MENTAL_HEALTH_CRISIS_LINE: "call NHS 111 and choose option 2",
}
DEFAULT_ALWAYS_AVAILABLE = "call NHS 111"
CALL_FIRST = frozenset({Destination.EMERGENCY_999, Destination.STROKE_PATHWAY})

_PHONE = re.compile(r"^[0-9 +()-]{3,40}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


@dataclass(frozen=True)
class ReferralRoute:
    """How to refer: an API endpoint, a phone number or a secure email address."""

    kind: RouteKind
    value: str

    def __post_init__(self) -> None:
        kind = RouteKind(self.kind)
        object.__setattr__(self, "kind", kind)
        value = (self.value or "").strip()
        object.__setattr__(self, "value", value)
        if kind is RouteKind.PHONE and not _PHONE.match(value):
            raise ValidationError("route.value", "must be a phone number")
        if kind is RouteKind.EMAIL and not _EMAIL.match(value):
            raise ValidationError("route.value", "must be an email address")
        if kind is RouteKind.API and not value.startswith(("https://", "/")):
            raise ValidationError("route.value", "must be an https:// address or a path")
        if len(value) > 200:
            raise ValidationError("route.value", "must be at most 200 characters")


@dataclass(frozen=True)
class CapacityUpdate:
    """One capacity status as set: what, when, by whom, for how long (minutes), and why."""

    status: Capacity
    set_at: datetime
    set_by: str = ""
    reset_minutes: int = DEFAULT_RESET_MINUTES
    note: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Capacity(self.status))
        object.__setattr__(self, "set_at", ensure_utc(self.set_at, "set_at"))
        check_reset_minutes(self.reset_minutes)
        if self.note is not None and len(self.note) > MAX_NOTE:
            raise ValidationError("note", f"must be at most {MAX_NOTE} characters")

    def effective(self, now: datetime) -> Capacity:
        return effective_capacity(self.status, self.set_at, now, self.reset_minutes)

    def resets_at(self) -> datetime | None:
        """When an AMBER or RED status falls back to GREEN (None for GREEN)."""
        if self.status is Capacity.GREEN:
            return None
        return self.set_at + timedelta(minutes=self.reset_minutes)


def check_reset_minutes(minutes: object) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError("reset_minutes", "must be a whole number of minutes")
    if not 0 <= minutes <= MAX_RESET_MINUTES:
        raise ValidationError("reset_minutes", f"must be from 0 to {MAX_RESET_MINUTES} minutes")
    return minutes


def effective_capacity(
    status: Capacity | str,
    set_at: datetime,
    now: datetime,
    reset_minutes: int = DEFAULT_RESET_MINUTES,
) -> Capacity:
    """The capacity status in force at `now`: AMBER and RED fall back to GREEN once
    `reset_minutes` have passed since they were set (at exactly that moment, not a minute later),
    unless renewed (a renewal is a new `set_at`). GREEN never changes by itself."""
    status = Capacity(status)
    check_reset_minutes(reset_minutes)
    set_at, now = ensure_utc(set_at, "set_at"), ensure_utc(now, "now")
    if status is Capacity.GREEN:
        return status
    if now - set_at >= timedelta(minutes=reset_minutes):
        return Capacity.GREEN
    return status


@dataclass(frozen=True)
class DirectoryService:
    """One service in the directory. `needs` empty means "any need"; `neighbourhoods` empty
    means "the whole area"; an age bound of None means no bound."""

    id: int
    name: str
    type: ServiceType
    hours: ServiceHours
    route: ReferralRoute
    lat: float | None = None
    lon: float | None = None
    ods_code: str | None = None
    organisation: str | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    neighbourhoods: frozenset[str] = frozenset()
    needs: frozenset[ConditionNeed] = frozenset()
    min_age: int | None = None
    max_age: int | None = None
    referral_information: str | None = None
    active: bool = True
    capacity: CapacityUpdate | None = None
    version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", ServiceType(self.type))
        object.__setattr__(self, "needs", frozenset(ConditionNeed(n) for n in self.needs))
        object.__setattr__(self, "neighbourhoods", frozenset(self.neighbourhoods))
        if not (self.name or "").strip():
            raise ValidationError("name", "is required")
        for bound in ("min_age", "max_age"):
            value = getattr(self, bound)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130
            ):
                raise ValidationError(bound, "must be a whole number of years from 0 to 130")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError("max_age", "must not be below the minimum age")
        if (self.lat is None) != (self.lon is None):
            raise ValidationError("lat", "give both latitude and longitude, or neither")
        if self.lat is not None and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValidationError("lat", "is not a coordinate")

    def capacity_at(self, now: datetime) -> Capacity:
        """The capacity status in force (GREEN when none was ever set)."""
        return self.capacity.effective(now) if self.capacity else Capacity.GREEN


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def ineligible_because(
    service: DirectoryService,
    *,
    need: ConditionNeed | None = None,
    age: int | None = None,
    neighbourhood: str | None = None,
) -> tuple[str, ...]:
    """Why the service cannot take this person (empty: it can)."""
    why = []
    if not service.active:
        why.append("not active")
    if need is not None and service.needs and ConditionNeed(need) not in service.needs:
        why.append("does not serve this need")
    if age is not None and service.min_age is not None and age < service.min_age:
        why.append(f"takes people aged {service.min_age} and over")
    if age is not None and service.max_age is not None and age > service.max_age:
        why.append(f"takes people aged up to {service.max_age}")
    if neighbourhood and service.neighbourhoods and neighbourhood not in service.neighbourhoods:
        why.append("does not cover this neighbourhood")
    return tuple(why)


def open_until(hours: ServiceHours, at: datetime) -> datetime | None:
    """When the service next closes, in UTC, if it is open at `at`; None if it is closed.

    Back-to-back sessions (a session ending at 24:00 and one starting at 00:00 the next day)
    run on; a service that never closes within a week is reported as open until a week on.
    """
    at = ensure_utc(at, "at")
    if not hours.is_open(at):
        return None
    tz = zone(hours.timezone)
    local = at.astimezone(tz)
    day, wall = local.date(), local.time()
    end = None
    for session in hours.sessions_on(day):
        if session.contains(wall):
            end = session.end_offset
    for _ in range(8):
        if end is None:
            break
        if end < timedelta(days=1):
            return _wall_to_utc(day, end, tz)
        day += timedelta(days=1)
        end = next(
            (s.end_offset for s in hours.sessions_on(day) if s.start_offset == timedelta(0)), None
        )
        if end is None:
            return _wall_to_utc(day, timedelta(0), tz)
    return at + timedelta(days=7)


def _wall_to_utc(day: date, offset: timedelta, tz) -> datetime:
    """The instant of local wall-clock time `day` + `offset` (the earlier one if repeated)."""
    wall = datetime.combine(day, time(0)) + offset
    return wall.replace(tzinfo=tz).astimezone(UTC)


def sessions_today(hours: ServiceHours, at: datetime) -> tuple[str, ...]:
    """The sessions that apply on `at`'s local date, as "08:00-20:00" strings."""
    local = ensure_utc(at, "at").astimezone(zone(hours.timezone))
    return tuple(str(s) for s in hours.sessions_on(local.date()))


@dataclass(frozen=True)
class Match:
    """A service found by a search, with the reasons it is where it is."""

    service: DirectoryService
    distance_km: float | None
    open_now: bool
    open_until: datetime | None
    opens_next: datetime | None
    capacity: Capacity
    today: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default=())


def describe_match(
    service: DirectoryService, near: tuple[float, float] | None, now: datetime
) -> Match:
    """One service as a search would show it (distance, opening, capacity), found or not."""
    distance = None
    if near is not None and service.lat is not None:
        distance = distance_km(near[0], near[1], service.lat, service.lon)
    until = open_until(service.hours, now)
    is_open = until is not None
    opens_next = None if is_open else service.hours.next_opening(now)
    capacity = service.capacity_at(now)
    reasons = []
    if distance is not None:
        reasons.append(f"{distance:.1f} km away")
    if is_open and until - now >= timedelta(days=7):
        reasons.append("open 24 hours")
    elif is_open:
        reasons.append(f"open until {_local(until, service.hours)}")
    else:
        reasons.append(f"closed; opens {_local(opens_next, service.hours, with_day=True)}")
    reasons.append(capacity.label)
    warnings = ()
    if capacity is Capacity.AMBER:
        note = service.capacity.note if service.capacity else None
        warnings = ("Limited capacity: phone before referring" + (f" ({note})" if note else ""),)
    return Match(
        service=service,
        distance_km=distance,
        open_now=is_open,
        open_until=until,
        opens_next=opens_next,
        capacity=capacity,
        today=sessions_today(service.hours, now),
        warnings=warnings,
        reasons=tuple(reasons),
    )


def _local(at: datetime, hours: ServiceHours, *, with_day: bool = False) -> str:
    local = at.astimezone(zone(hours.timezone))
    return local.strftime("%a %d %b %H:%M" if with_day else "%H:%M")


def search(
    services: Iterable[DirectoryService],
    need: ConditionNeed | None = None,
    near: tuple[float, float] | None = None,
    now: datetime | None = None,
    open_now: bool = True,
    age: int | None = None,
    *,
    types: Iterable[ServiceType] = (),
    neighbourhood: str | None = None,
    text: str | None = None,
    limit: int | None = None,
) -> list[Match]:
    """Services that can take this person, ranked: open now first (or only, with `open_now`),
    then nearest, then by name. RED services are never returned; AMBER ones carry a warning."""
    if now is None:
        raise ValidationError("now", "is required: the directory answers for a moment in time")
    now = ensure_utc(now, "now")
    wanted = frozenset(ServiceType(t) for t in types)
    words = (text or "").strip().lower()
    found = []
    for service in services:
        if wanted and service.type not in wanted:
            continue
        if words and words not in service.name.lower():
            continue
        if ineligible_because(service, need=need, age=age, neighbourhood=neighbourhood):
            continue
        if service.capacity_at(now) is Capacity.RED:
            continue
        match = describe_match(service, near, now)
        if open_now and not match.open_now:
            continue
        found.append(match)
    far = float("inf")
    found.sort(
        key=lambda m: (
            not m.open_now,
            m.distance_km if m.distance_km is not None else far,
            m.service.name,
            m.service.id,
        )
    )
    return found[:limit] if limit is not None else found


@dataclass(frozen=True)
class Redirect:
    """Where a redirected person should go, named from the directory at the time of reading."""

    destination: Destination
    service: Match | None  # the best open, eligible, non-RED service (None: nothing open)
    opens_next: Match | None  # when nothing is open: the eligible service that opens soonest
    call_first: str | None  # an instruction that comes before any service (999)
    fallback: str | None  # when nothing is open: what to do meanwhile

    @property
    def found(self) -> bool:
        return self.service is not None


def redirect_target(
    services: Iterable[DirectoryService],
    destination: Destination,
    *,
    now: datetime,
    need: ConditionNeed | None = None,
    age: int | None = None,
    near: tuple[float, float] | None = None,
    neighbourhood: str | None = None,
    home_ods: str | None = None,
) -> Redirect:
    """The directory service a redirect names: of the destination's kinds (in order), eligible,
    not RED, open now, nearest (the person's own GP practice first). When none is open, the
    service that opens soonest (nearest on a tie) and the always-open line to call meanwhile."""
    destination = Destination(destination)
    kinds = DESTINATION_SERVICE_TYPES[destination]
    pool = list(services)
    need_filter = need if not kinds else None  # a named kind of service takes the person as sent
    call = ALWAYS_AVAILABLE.get(destination, DEFAULT_ALWAYS_AVAILABLE)
    call_first = call.capitalize() + " now." if destination in CALL_FIRST else None
    groups = [(kind,) for kind in kinds] or [()]
    for group in groups:
        found = search(
            pool,
            need_filter,
            near,
            now,
            open_now=True,
            age=age,
            types=group,
            neighbourhood=neighbourhood,
        )
        if found:
            own = [m for m in found if home_ods and m.service.ods_code == home_ods]
            return Redirect(destination, (own or found)[0], None, call_first, None)
    later = search(
        pool,
        need_filter,
        near,
        now,
        open_now=False,
        age=age,
        types=kinds,
        neighbourhood=neighbourhood,
    )
    far = float("inf")
    later.sort(
        key=lambda m: (
            m.opens_next,
            m.distance_km if m.distance_km is not None else far,
            m.service.name,
        )
    )
    nxt = later[0] if later else None
    if nxt is not None:
        when = _local(nxt.opens_next, nxt.service.hours, with_day=True)
        fallback = f"No open service found: {call}. {nxt.service.name} opens {when}."
    else:
        fallback = f"No open service found: {call}."
    return Redirect(destination, None, nxt, call_first, fallback)

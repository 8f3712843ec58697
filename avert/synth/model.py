"""The values a synthetic area is made of: plain frozen records, validated when built.

The database loader and the CLI read these; nothing here touches a database, a file or the clock.
Times are timezone-aware UTC; durations are measured from a referral's receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from avert.domain.errors import ValidationError
from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    DischargeOutcome,
    Disposition,
    OnwardService,
    RedFlag,
    ReferralSource,
    Residence,
    Sex,
    StaffRole,
    StatedUrgency,
)


CARE_HOME_RESIDENCES = frozenset({Residence.CARE_HOME_RESIDENTIAL, Residence.CARE_HOME_NURSING})
TEAM_HOURS = frozenset({"08:00-20:00", "24/7"})
_ZERO = timedelta(0)


def _require(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise ValidationError(field, message)


def _require_utc(value: datetime, field: str) -> None:
    _require(isinstance(value, datetime) and value.utcoffset() == _ZERO, field, "must be aware UTC")


def _require_place(lat: float, lon: float, field: str) -> None:
    _require(-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0, field, "is not a coordinate")


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """A group of GP practices (30,000-50,000 people in the LLR model) within a locality."""

    id: str
    name: str
    locality: str
    centre_lat: float
    centre_lon: float
    deprivation_decile: int  # 1 most deprived .. 10 least

    def __post_init__(self) -> None:
        _require(1 <= self.deprivation_decile <= 10, "deprivation_decile", "must be 1 to 10")
        _require_place(self.centre_lat, self.centre_lon, "centre")


@dataclass(frozen=True, slots=True)
class Practice:
    """A GP practice with an ODS-shaped code (a letter and five digits)."""

    ods_code: str
    name: str
    neighbourhood_id: str
    postcode: str
    lat: float
    lon: float
    list_size: int = 0

    def __post_init__(self) -> None:
        code = self.ods_code
        _require(
            len(code) == 6 and code[0].isalpha() and code[1:].isdigit(),
            "ods_code",
            "must be a letter and five digits",
        )
        _require_place(self.lat, self.lon, "lat/lon")


@dataclass(frozen=True, slots=True)
class CareHome:
    """A residential or nursing care home."""

    id: str
    name: str
    nursing: bool
    beds: int
    neighbourhood_id: str
    address_line: str
    postcode: str
    lat: float
    lon: float

    def __post_init__(self) -> None:
        _require(self.beds > 0, "beds", "must be at least one")
        _require_place(self.lat, self.lon, "lat/lon")


@dataclass(frozen=True, slots=True)
class Person:
    """One synthetic person. `care_home_id` is set exactly when they live in a care home."""

    nhs_number: str
    given_name: str
    family_name: str
    sex: Sex
    date_of_birth: date
    address_line: str
    postcode: str
    lat: float
    lon: float
    practice_ods: str
    neighbourhood_id: str
    residence: Residence
    care_home_id: str | None
    deprivation_decile: int

    def __post_init__(self) -> None:
        _require(
            len(self.nhs_number) == 10 and self.nhs_number.isdigit(), "nhs_number", "not 10 digits"
        )
        _require(1 <= self.deprivation_decile <= 10, "deprivation_decile", "must be 1 to 10")
        _require(
            (self.care_home_id is not None) == (self.residence in CARE_HOME_RESIDENCES),
            "care_home_id",
            "is set exactly for care-home residents",
        )


@dataclass(frozen=True, slots=True)
class Team:
    """A UCR team serving one locality; `hours` is "08:00-20:00" or "24/7"."""

    id: str
    name: str
    locality: str
    base_lat: float
    base_lon: float
    hours: str

    def __post_init__(self) -> None:
        _require(self.hours in TEAM_HOURS, "hours", "must be 08:00-20:00 or 24/7")
        _require_place(self.base_lat, self.base_lon, "base")


@dataclass(frozen=True, slots=True)
class Shift:
    """One rostered shift in aware UTC; `kind` is early, late, long_day or night."""

    start: datetime
    end: datetime
    kind: str = ""

    def __post_init__(self) -> None:
        _require_utc(self.start, "start")
        _require_utc(self.end, "end")
        _require(self.end > self.start, "end", "must be after the start")


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of a UCR team, with their skills and their shifts on the rota."""

    id: str
    name: str
    role: StaffRole
    skills: tuple[str, ...]
    team_id: str
    home_lat: float
    home_lon: float
    shifts: tuple[Shift, ...]


@dataclass(frozen=True, slots=True)
class HistoricReferral:
    """One referral as it arrived, plus what then happened, for the loader to replay.

    Durations run from `received_at`. `discharged_after` is when the referral closed (discharge,
    redirect or cancellation); None means it is still open at the area's `now`. Redirected and
    cancelled referrals have no contact and no outcome. The fields after `cancelled` are
    additions: the triage outcome, a redirect's destination, when triage finished (None if not
    yet at `now`: then `disposition` is what triage will decide, and a loader should leave the
    referral untriaged), and every face-to-face contact (the first is `first_contact_after`).
    """

    source_referral_id: str
    person_nhs_number: str
    source: ReferralSource
    referrer_name: str
    referrer_organisation: str | None
    referrer_phone: str
    received_at: datetime
    need: ConditionNeed
    need_text: str | None
    red_flags: frozenset[RedFlag]
    stated_urgency: StatedUrgency
    team_id: str
    first_contact_after: timedelta | None
    discharged_after: timedelta | None
    outcome: DischargeOutcome | None
    onward_service: OnwardService | None
    cancelled: bool = False
    disposition: Disposition | None = None
    destination: Destination | None = None
    triaged_after: timedelta | None = None
    contacts_after: tuple[timedelta, ...] = ()

    def __post_init__(self) -> None:
        _require_utc(self.received_at, "received_at")
        _require(
            self.need is not ConditionNeed.OTHER or bool(self.need_text), "need_text", "needed"
        )
        contacts = self.contacts_after
        first = contacts[0] if contacts else None
        _require(first == self.first_contact_after, "contacts_after", "must start at first")
        _require(list(contacts) == sorted(contacts), "contacts_after", "must be in order")
        _require(first is None or first > _ZERO, "first_contact_after", "must be after receipt")
        closed = self.discharged_after
        _require(closed is None or closed > _ZERO, "discharged_after", "must be after receipt")
        if closed is not None and contacts:
            _require(closed >= contacts[-1], "discharged_after", "must follow the last contact")
        if self.disposition is Disposition.REDIRECT or self.cancelled:
            _require(not contacts and self.outcome is None, "outcome", "none for a closed referral")
        _require(
            (self.destination is not None) == (self.disposition is Disposition.REDIRECT),
            "destination",
            "is set exactly for a redirect",
        )
        _require(self.outcome is None or closed is not None, "outcome", "only once discharged")


@dataclass(frozen=True, slots=True)
class Area:
    """A whole synthetic area: its places, people, teams, staff and referral history."""

    seed: int
    population: int
    name: str
    now: datetime
    neighbourhoods: tuple[Neighbourhood, ...]
    practices: tuple[Practice, ...]
    care_homes: tuple[CareHome, ...]
    people: tuple[Person, ...]
    teams: tuple[Team, ...]
    staff: tuple[StaffMember, ...]
    referrals: tuple[HistoricReferral, ...]

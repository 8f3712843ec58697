"""What the JSON API takes and gives: separate input and output models per entity.

Input models check types, enums and lengths (pydantic); the domain then checks meaning (NHS number
check digit, postcode shape, date of birth) in `to_referral_request`, with the same error shape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_date_of_birth, parse_nhs_number, parse_postcode
from avert.domain.lifecycle import StatusReason
from avert.domain.vocab import (
    ConditionNeed,
    Destination,
    DischargeOutcome,
    Disposition,
    OnwardService,
    RedFlag,
    ReferralSource,
    ReferralState,
    Residence,
    Sex,
    StatedUrgency,
)
from avert.services.intake import PersonDetails, ReferralRequest
from avert.web.api.directory import RedirectOut


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Text100 = Field(min_length=1, max_length=100)


class PersonIn(Strict):
    nhs_number: str | None = Field(None, max_length=20, examples=["943 476 5919"])
    given_name: str = Text100
    family_name: str = Text100
    date_of_birth: str | None = Field(None, max_length=20, examples=["1941-03-09"])
    age_years: int | None = Field(None, ge=0, le=125)
    sex: Sex = Sex.UNKNOWN
    address_line: str | None = Field(None, max_length=200)
    postcode: str | None = Field(None, max_length=10)
    residence: Residence = Residence.OWN_HOME
    access_note: str | None = Field(None, max_length=1000, examples=["Key safe by the back door"])


class ReferrerIn(Strict):
    name: str = Field(min_length=1, max_length=160)
    organisation: str | None = Field(None, max_length=160)
    phone: str = Field(min_length=3, max_length=40)


class ReferralIn(Strict):
    """A referral as a referrer's system or a coordinator sends it."""

    source: ReferralSource
    source_system: str | None = Field(None, min_length=1, max_length=100)
    source_referral_id: str | None = Field(None, min_length=1, max_length=100)
    referrer: ReferrerIn
    person: PersonIn
    need: ConditionNeed
    need_text: str | None = Field(None, max_length=2000)
    red_flags: list[RedFlag] = Field(default_factory=list, max_length=20)
    stated_urgency: StatedUrgency = StatedUrgency.NOT_STATED
    received_at: AwareDatetime | None = None
    team_id: str | None = Field(None, max_length=32)


def to_referral_request(body: ReferralIn, *, today: date) -> ReferralRequest:
    """The domain's referral request, with identifiers parsed; ValidationError names the field."""
    person = body.person
    nhs_number = (
        parse_nhs_number(person.nhs_number, field="person.nhs_number")
        if person.nhs_number
        else None
    )
    postcode = parse_postcode(person.postcode, field="person.postcode") if person.postcode else None
    born = (
        parse_date_of_birth(person.date_of_birth, today=today, field="person.date_of_birth")
        if person.date_of_birth
        else None
    )
    if born is None and person.age_years is None:
        raise ValidationError("person.date_of_birth", "give a date of birth or an age")
    return ReferralRequest(
        source=body.source,
        source_system=body.source_system,
        source_referral_id=body.source_referral_id,
        referrer_name=body.referrer.name,
        referrer_organisation=body.referrer.organisation,
        referrer_phone=body.referrer.phone,
        person=PersonDetails(
            nhs_number=nhs_number,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=born,
            age_years=person.age_years,
            sex=person.sex,
            address_line=person.address_line,
            postcode=postcode,
            residence=person.residence,
            access_note=person.access_note,
        ),
        need=body.need,
        need_text=body.need_text,
        red_flags=frozenset(body.red_flags),
        stated_urgency=body.stated_urgency,
        received_at=body.received_at,
        team_id=body.team_id,
        fingerprint_source=body.model_dump(mode="json"),
    )


class TransitionIn(Strict):
    to: ReferralState
    reason: StatusReason
    actor: str | None = Field(
        None,
        min_length=1,
        max_length=160,
        description="Whom the signed-in user acts for, if not themselves (recorded as 'for ...')",
    )
    at: AwareDatetime | None = None
    note: str | None = Field(None, max_length=2000)
    outcome: DischargeOutcome | None = None
    onward_service: OnwardService | None = None
    onward_note: str | None = Field(None, max_length=2000)
    expected_version: int | None = Field(None, ge=1)


class TriageOverrideIn(Strict):
    disposition: Disposition
    destination: Destination | None = None
    reason: str = Field(min_length=1, max_length=2000)
    by: str | None = Field(
        None,
        min_length=1,
        max_length=160,
        description="The clinician who decided, if not the signed-in user (recorded as 'for ...')",
    )
    expected_version: int | None = Field(None, ge=1)


class RuleFiredOut(BaseModel):
    rule_id: str
    description: str
    effect: str


class TriageOut(BaseModel):
    disposition: Disposition
    destination: Destination | None
    destination_label: str | None
    standard: str | None
    ruleset_version: str
    rules_fired: list[RuleFiredOut]
    needs_clinical_review: bool
    overridden: bool
    override_reason: str | None
    overridden_by: str | None


class ClockOut(BaseModel):
    standard: str
    csds_measurement_type: str | None
    started_at: datetime
    deadline: datetime
    deadline_local: str
    stopped_at: datetime | None
    state: str
    remaining_seconds: int
    waited_seconds: int
    met: bool | None
    rules: dict[str, Any]
    cyp104: dict[str, str | None] | None = Field(
        None, description="The clock as a CSDS CYP104 (Referral To Treatment) record"
    )


class EpisodeOut(BaseModel):
    phase: str
    started_at: datetime
    ends_at: datetime
    day: int
    of_days: int
    overrun: bool


class PersonOut(BaseModel):
    id: int
    nhs_number: str | None
    given_name: str
    family_name: str
    date_of_birth: date | None
    sex: str
    postcode: str | None


class ReferrerOut(BaseModel):
    name: str
    organisation: str | None
    phone: str


class DischargeOut(BaseModel):
    outcome: DischargeOutcome
    onward_service: OnwardService | None
    onward_note: str | None
    discharged_at: datetime


class ReferralOut(BaseModel):
    id: int
    state: ReferralState
    state_reason: str
    version: int
    received_at: datetime
    source: ReferralSource
    source_system: str | None
    source_referral_id: str | None
    referrer: ReferrerOut
    person: PersonOut
    age_years: int
    residence: Residence
    need: ConditionNeed
    need_text: str | None
    red_flags: list[RedFlag]
    stated_urgency: StatedUrgency
    team_id: str | None
    triage: TriageOut
    clock: ClockOut | None
    episode: EpisodeOut | None
    first_contact_at: datetime | None
    discharge: DischargeOut | None
    possible_duplicate_of: int | None
    redirect_to: RedirectOut | None = Field(
        None, description="For a redirect: the open directory service to send the person to now"
    )


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    note: str | None
    data: dict[str, Any] | None


class HistoryOut(BaseModel):
    referral_id: int
    events: list[EventOut]


class QueueItemOut(BaseModel):
    referral_id: int
    person_name: str
    nhs_number: str | None
    age_years: int
    need: str
    disposition: str
    destination: str | None
    standard: str | None
    state: str
    team_id: str | None
    team_name: str | None
    received_at: datetime
    deadline: datetime | None
    clock_state: str | None
    remaining_seconds: int | None
    possible_duplicate_of: int | None
    needs_clinical_review: bool
    version: int


class QueueOut(BaseModel):
    now: datetime
    total: int
    overdue: int
    items: list[QueueItemOut]

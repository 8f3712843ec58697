"""ServiceRequest (UKCore-ServiceRequest): a referral in, and an Avert referral out.

Conventions (DOMAIN.md 7.1): `category` SNOMED CT 3457005 "Patient referral"; `subject` the
Patient; `requester` the referrer; `performer` the UCR team; `reasonCode` the presenting need
(Avert's local code table of the nine UCR conditions, `condition-need`: no SNOMED CT code is
invented) and the red flags (`red-flag`); `occurrenceDateTime` the response clock's deadline;
`authoredOn` when Avert received the referral. `priority` follows triage: a 2-hour crisis
response is `asap`, same day `urgent`, 2-day reablement `routine`; a redirect carries the urgency
the referrer stated. The disposition itself is recorded separately, in the Triage extension
(DOMAIN.md 1.6: "the priority/disposition must be a separate field").

Avert's extensions carry what FHIR has no element for, so an exported referral is imported back
the same (docs/fhir.md): `ReferralSource`, `StatedUrgency`, `Triage` (disposition, standard,
destination, ruleset version, the decision with the rules fired), `Episode` (state and reason,
age at referral, residence, timestamps, discharge) and `Clock` (start, deadline, stop, CSDS
measurement type, the clock rules as frozen at triage).

In, a new referral (`referral_fields`): an active ServiceRequest with intent order, original-order
or plan; a referrer with a phone number (the coordinator calls back, DOMAIN.md 1.6); a reason.
A reason coded in another system (e.g. SNOMED CT) becomes the need "other" with its words, since
the list of nine "is not meant to be exhaustive" (DOMAIN.md 1.4). Without Avert's extension the
stated urgency comes from `priority` (stat emergency, asap within 2 hours, urgent same day,
routine routine). The first identifier (other than Avert's own) is the source system and referral
id that make intake idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from avert.domain.errors import ValidationError
from avert.domain.lifecycle import StatusReason, is_open
from avert.domain.triage import TriageDecision
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
    ResponseStandard,
    StatedUrgency,
)
from avert.fhir import systems
from avert.fhir.coded import codings_of, extensions, fhir_instant, instant, member, sub_values
from avert.fhir.outcome import Problem
from avert.services.intake import PersonDetails, ReferralRequest


S = ReferralState

# ServiceRequest.status from the referral's control state (and the reason, for entered-in-error).
STATUS_OF_STATE = {
    S.RECEIVED: "active",
    S.TRIAGED: "active",
    S.ACCEPTED: "active",
    S.ALLOCATED: "active",
    S.EN_ROUTE: "active",
    S.ON_SITE: "active",
    S.IN_CARE: "active",
    S.REOPENED: "active",
    S.DISCHARGED: "completed",
    S.REDIRECTED: "revoked",
    S.CANCELLED: "revoked",
}

# priority out: from the disposition; a redirect keeps the referrer's stated urgency.
PRIORITY_OF_DISPOSITION = {
    Disposition.TWO_HOUR_CRISIS: "asap",
    Disposition.SAME_DAY: "urgent",
    Disposition.TWO_DAY_REABLEMENT: "routine",
}
PRIORITY_OF_URGENCY = {
    StatedUrgency.EMERGENCY: "stat",
    StatedUrgency.WITHIN_2_HOURS: "asap",
    StatedUrgency.SAME_DAY: "urgent",
    StatedUrgency.WITHIN_2_DAYS: "routine",
    StatedUrgency.ROUTINE: "routine",
}
# priority in, when the sender does not give Avert's stated-urgency extension.
URGENCY_OF_PRIORITY = {
    "stat": StatedUrgency.EMERGENCY,
    "asap": StatedUrgency.WITHIN_2_HOURS,
    "urgent": StatedUrgency.SAME_DAY,
    "routine": StatedUrgency.ROUTINE,
}
REFERRAL_INTENTS = frozenset({"order", "original-order", "plan"})
REQUESTED_SERVICE = "Urgent community response"
REFERRER_TYPES = ("Practitioner", "PractitionerRole", "Organization", "RelatedPerson", "Patient")
CLOCK_RULE_KEYS = frozenset(
    {"standard", "target_minutes", "start_event", "stop_event", "out_of_hours", "service_hours"}
)


def reference(referral_id: int) -> str:
    return f"ServiceRequest/{referral_id}"


def fhir_status(state: str, reason: str) -> str:
    if reason == StatusReason.CANCELLED_ENTERED_IN_ERROR:
        return "entered-in-error"
    return STATUS_OF_STATE[ReferralState(state)]


def priority(disposition: str, stated_urgency: str) -> str:
    """The FHIR priority of a triaged referral."""
    found = PRIORITY_OF_DISPOSITION.get(Disposition(disposition))
    return found or PRIORITY_OF_URGENCY.get(StatedUrgency(stated_urgency), "routine")


def _sub(url: str, kind: str, value: Any) -> dict[str, Any] | None:
    return None if value is None else {"url": url, kind: value}


def _complex(url: str, parts: list[dict[str, Any] | None]) -> dict[str, Any]:
    return {"url": url, "extension": [p for p in parts if p is not None]}


def _code(system: str, enum: Any, value: str | None) -> dict[str, str] | None:
    return None if value is None else systems.coding(system, enum(value))


def _triage_extension(referral: Any) -> dict[str, Any]:
    return _complex(
        systems.EXT_TRIAGE,
        [
            _sub(
                "disposition",
                "valueCoding",
                _code(systems.DISPOSITION, Disposition, referral.disposition),
            ),
            _sub(
                "standard",
                "valueCoding",
                _code(systems.RESPONSE_STANDARD, ResponseStandard, referral.standard),
            ),
            _sub(
                "destination",
                "valueCoding",
                _code(systems.DESTINATION, Destination, referral.destination),
            ),
            _sub("rulesetVersion", "valueString", referral.ruleset_version),
            _sub("needsClinicalReview", "valueBoolean", bool(referral.needs_clinical_review)),
            _sub("triagedAt", "valueDateTime", fhir_instant(referral.triaged_at)),
            _sub("decision", "valueString", json.dumps(referral.triage, sort_keys=True)),
        ],
    )


def _episode_extension(referral: Any) -> dict[str, Any]:
    duplicate = referral.possible_duplicate_of
    return _complex(
        systems.EXT_EPISODE,
        [
            _sub(
                "state", "valueCoding", _code(systems.REFERRAL_STATE, ReferralState, referral.state)
            ),
            _sub(
                "stateReason",
                "valueCoding",
                _code(systems.STATUS_REASON, StatusReason, referral.state_reason),
            ),
            _sub("ageYears", "valueInteger", referral.age_years),
            _sub(
                "residence", "valueCoding", _code(systems.RESIDENCE, Residence, referral.residence)
            ),
            _sub("acceptedAt", "valueDateTime", fhir_instant(referral.accepted_at)),
            _sub("firstContactAt", "valueDateTime", fhir_instant(referral.first_contact_at)),
            _sub("dischargedAt", "valueDateTime", fhir_instant(referral.discharged_at)),
            _sub(
                "outcome",
                "valueCoding",
                _code(systems.DISCHARGE_OUTCOME, DischargeOutcome, referral.outcome),
            ),
            _sub(
                "onwardService",
                "valueCoding",
                _code(systems.ONWARD_SERVICE, OnwardService, referral.onward_service),
            ),
            _sub("onwardNote", "valueString", referral.onward_note),
            _sub(
                "possibleDuplicateOf",
                "valueReference",
                None if duplicate is None else {"reference": reference(duplicate)},
            ),
            _sub("requestHash", "valueString", referral.request_hash),
        ],
    )


def _clock_extension(referral: Any) -> dict[str, Any] | None:
    if referral.clock_rules is None:
        return None
    measurement = {"two_hour": "05", "two_day": "06"}.get(referral.standard or "")
    return _complex(
        systems.EXT_CLOCK,
        [
            _sub("csdsMeasurementType", "valueString", measurement),
            _sub("startedAt", "valueDateTime", fhir_instant(referral.clock_started_at)),
            _sub("deadline", "valueDateTime", fhir_instant(referral.clock_deadline)),
            _sub("stoppedAt", "valueDateTime", fhir_instant(referral.clock_stopped_at)),
            _sub("rules", "valueString", json.dumps(referral.clock_rules, sort_keys=True)),
        ],
    )


def _referrer(referral: Any) -> dict[str, Any]:
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": "referrer",
        "practitioner": {"display": referral.referrer_name},
        "telecom": [{"system": "phone", "value": referral.referrer_phone}],
    }
    if referral.referrer_organisation:
        role["organization"] = {"display": referral.referrer_organisation}
    return role


def _reasons(referral: Any) -> list[dict[str, Any]]:
    need = {"coding": [systems.coding(systems.NEED, ConditionNeed(referral.need))]}
    if referral.need_text:
        need["text"] = referral.need_text
    flags = [
        {"coding": [systems.coding(systems.RED_FLAG, RedFlag(flag))]}
        for flag in referral.red_flags or []
    ]
    return [need, *flags]


def service_request_resource(
    referral: Any, *, person_name: str | None = None, team_name: str | None = None
) -> dict[str, Any]:
    """A `referrals` row as a UK Core ServiceRequest."""
    identifiers = [{"system": systems.REFERRAL_ID, "value": str(referral.id)}]
    if referral.source_system and referral.source_referral_id:
        identifiers.append({"system": referral.source_system, "value": referral.source_referral_id})
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.id),
        "meta": {"profile": [systems.profile("ServiceRequest")]},
        "contained": [_referrer(referral)],
        "extension": [
            {
                "url": systems.EXT_REFERRAL_SOURCE,
                "valueCoding": systems.coding(
                    systems.REFERRAL_SOURCE, ReferralSource(referral.source)
                ),
            },
            {
                "url": systems.EXT_STATED_URGENCY,
                "valueCoding": systems.coding(
                    systems.STATED_URGENCY, StatedUrgency(referral.stated_urgency)
                ),
            },
            _triage_extension(referral),
            _episode_extension(referral),
        ],
        "identifier": identifiers,
        "status": fhir_status(referral.state, referral.state_reason),
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": systems.SNOMED,
                        "code": systems.SNOMED_PATIENT_REFERRAL,
                        "display": "Patient referral",
                    }
                ]
            }
        ],
        "priority": priority(referral.disposition, referral.stated_urgency),
        "code": {"text": REQUESTED_SERVICE},
        "subject": {"reference": f"Patient/{referral.person_id}"},
        "authoredOn": fhir_instant(referral.received_at),
        "requester": {"reference": "#referrer", "display": referral.referrer_name},
        "reasonCode": _reasons(referral),
    }
    clock = _clock_extension(referral)
    if clock is not None:
        resource["extension"].append(clock)
    if person_name:
        resource["subject"]["display"] = person_name
    if referral.clock_deadline is not None:
        resource["occurrenceDateTime"] = fhir_instant(referral.clock_deadline)
    if referral.team_id:
        performer: dict[str, Any] = {
            "identifier": {"system": systems.TEAM_ID, "value": referral.team_id}
        }
        if team_name:
            performer["display"] = team_name
        resource["performer"] = [performer]
    return resource


# ---------------------------------------------------------------- in: a referral from outside


@dataclass(frozen=True)
class ReferralFields:
    """Everything a ServiceRequest says about a referral except the person."""

    source: ReferralSource
    referrer_name: str
    referrer_phone: str
    referrer_organisation: str | None
    need: ConditionNeed
    need_text: str | None
    red_flags: frozenset[RedFlag]
    stated_urgency: StatedUrgency
    source_system: str | None
    source_referral_id: str | None


Resolver = Callable[[str], Any]


def _single_coding(
    model: Any, url: str, system: str, enum: Any, where: str, problems: list[Problem]
):
    for ext in extensions(model, url):
        coding = ext.valueCoding
        if coding is None or coding.system != system:
            problems.append(
                Problem(
                    f"{where}.extension",
                    f"{url.rsplit('-', 1)[-1]} must be a Coding of Avert's codes",
                    "value",
                )
            )
            return None
        found, more = member(coding, enum, f"{where}.extension.valueCoding")
        problems.extend(more)
        return found
    return None


def _need(sr: Any, where: str, problems: list[Problem]) -> tuple[ConditionNeed | None, str | None]:
    concepts = list(sr.reasonCode or [])
    coded = codings_of(concepts, systems.NEED, f"{where}.reasonCode")
    if len(coded) > 1:
        problems.append(
            Problem(
                f"{where}.reasonCode",
                "give one UCR condition or need, not several",
                "business-rule",
            )
        )
        return None, None
    if coded:
        coding, at = coded[0]
        need, more = member(coding, ConditionNeed, at)
        problems.extend(more)
        concept = next(c for c in concepts if coding in (c.coding or []))
        return need, (concept.text or None)
    words = []
    for concept in concepts:
        if any(c.system == systems.RED_FLAG for c in concept.coding or []):
            continue
        words.append(
            concept.text or "; ".join(c.display or c.code or "" for c in concept.coding or [])
        )
    words = [w for w in words if w.strip()]
    if not words:
        problems.append(
            Problem(
                f"{where}.reasonCode",
                "give the reason for referral (a UCR condition or words)",
                "required",
            )
        )
        return None, None
    text = "; ".join(words)
    if len(text) > 2000:
        problems.append(
            Problem(f"{where}.reasonCode", "is too long (2000 characters at most)", "value")
        )
    return ConditionNeed.OTHER, text


def _red_flags(sr: Any, where: str, problems: list[Problem]) -> frozenset[RedFlag]:
    flags = set()
    for coding, at in codings_of(sr.reasonCode, systems.RED_FLAG, f"{where}.reasonCode"):
        flag, more = member(coding, RedFlag, at)
        problems.extend(more)
        if flag is not None:
            flags.add(flag)
    return frozenset(flags)


def _phone(resource: Any) -> str | None:
    for telecom in getattr(resource, "telecom", None) or []:
        if telecom.system == "phone" and telecom.value:
            return telecom.value.strip()
    return None


def _human_name(name: Any) -> str:
    if name is None:
        return ""
    if name.text:
        return name.text.strip()
    return " ".join([*(name.prefix or []), *(name.given or []), name.family or ""]).strip()


def _referrer_fields(sr: Any, resolve: Resolver, where: str, problems: list[Problem]):
    requester = sr.requester
    at = f"{where}.requester"
    if requester is None:
        problems.append(Problem(at, "give the referrer (name and phone number)", "required"))
        return None, None, None
    found = resolve(requester.reference) if requester.reference else None
    name, phone, organisation = (requester.display or "").strip(), None, None
    if requester.identifier is not None and requester.identifier.system == systems.ODS_ORGANISATION:
        organisation = requester.identifier.value
    if found is not None:
        kind = found.get_resource_type()
        if kind not in REFERRER_TYPES:
            problems.append(
                Problem(
                    at,
                    "must be a Practitioner, PractitionerRole, Organization, RelatedPerson"
                    " or Patient",
                    "value",
                )
            )
            return None, None, None
        phone = _phone(found)
        if kind == "PractitionerRole":
            if found.practitioner is not None and found.practitioner.display:
                name = name or found.practitioner.display.strip()
            org = found.organization
            if org is not None:
                organisation = org.display or (org.identifier.value if org.identifier else None)
        elif kind == "Organization":
            name = name or (found.name or "").strip()
            organisation = found.name
        elif kind in ("Practitioner", "RelatedPerson", "Patient"):
            names = found.name or []
            name = name or (_human_name(names[0]) if names else "")
    if not name:
        problems.append(
            Problem(
                at, "give the referrer's name (display, or a contained resource's name)", "required"
            )
        )
    if not phone:
        problems.append(
            Problem(
                at,
                "give a phone number for the referrer (telecom of a contained Practitioner, "
                "PractitionerRole, Organization or RelatedPerson): the coordinator calls back",
                "required",
            )
        )
    for text, limit, what in (
        (name, 160, "name"),
        (phone, 40, "phone"),
        (organisation, 160, "organisation"),
    ):
        if text and len(text) > limit:
            problems.append(
                Problem(
                    at, f"the referrer's {what} is too long ({limit} characters at most)", "value"
                )
            )
    return name, phone, organisation


def source_identifier(sr: Any) -> tuple[str, str] | None:
    """The (system, value) that identifies the referral in the sender's system, if any."""
    for identifier in sr.identifier or []:
        if identifier.system and identifier.value and identifier.system != systems.REFERRAL_ID:
            return identifier.system, identifier.value
    return None


def referral_fields(
    sr: Any,
    resolve: Resolver,
    *,
    where: str = "ServiceRequest",
    default_source: ReferralSource = ReferralSource.OTHER,
    new: bool = True,
) -> tuple[ReferralFields | None, list[Problem]]:
    """What an inbound ServiceRequest says about the referral; or every problem with it.

    `new` is false for a referral Avert exported, which may be closed (completed or revoked).
    """
    problems: list[Problem] = []
    if new and sr.status != "active":
        problems.append(
            Problem(
                f"{where}.status",
                "a new referral must be an active ServiceRequest",
                "business-rule",
            )
        )
    if new and sr.intent not in REFERRAL_INTENTS:
        problems.append(
            Problem(
                f"{where}.intent",
                "a referral has intent order, original-order or plan",
                "business-rule",
            )
        )
    source = _single_coding(
        sr, systems.EXT_REFERRAL_SOURCE, systems.REFERRAL_SOURCE, ReferralSource, where, problems
    )
    urgency = _single_coding(
        sr, systems.EXT_STATED_URGENCY, systems.STATED_URGENCY, StatedUrgency, where, problems
    )
    if urgency is None:
        urgency = URGENCY_OF_PRIORITY.get(sr.priority or "", StatedUrgency.NOT_STATED)
    need, need_text = _need(sr, where, problems)
    flags = _red_flags(sr, where, problems)
    name, phone, organisation = _referrer_fields(sr, resolve, where, problems)
    ids = source_identifier(sr)
    if ids is not None:
        for value, part in zip(ids, ("system", "value"), strict=True):
            if len(value) > 100:
                problems.append(
                    Problem(
                        f"{where}.identifier.{part}",
                        "is too long (100 characters at most)",
                        "value",
                    )
                )
    if problems:
        return None, problems
    return (
        ReferralFields(
            source=source or default_source,
            referrer_name=name,
            referrer_phone=phone,
            referrer_organisation=organisation,
            need=need,
            need_text=need_text,
            red_flags=flags,
            stated_urgency=urgency,
            source_system=ids[0] if ids else None,
            source_referral_id=ids[1] if ids else None,
        ),
        [],
    )


def referral_request(
    fields: ReferralFields,
    person: PersonDetails,
    *,
    fingerprint_source: dict[str, Any],
    received_at: datetime | None = None,
    team_id: str | None = None,
) -> ReferralRequest:
    """The intake request for a ServiceRequest and the person it names."""
    return ReferralRequest(
        source=fields.source,
        referrer_name=fields.referrer_name,
        referrer_phone=fields.referrer_phone,
        referrer_organisation=fields.referrer_organisation,
        person=person,
        need=fields.need,
        need_text=fields.need_text,
        red_flags=fields.red_flags,
        stated_urgency=fields.stated_urgency,
        source_system=fields.source_system,
        source_referral_id=fields.source_referral_id,
        received_at=received_at,
        team_id=team_id,
        fingerprint_source=fingerprint_source,
    )


# ------------------------------------------------------------ in: a referral Avert exported


def is_avert_export(sr: Any) -> bool:
    """True when the ServiceRequest carries Avert's triage: it is restored, not re-triaged."""
    return bool(extensions(sr, systems.EXT_TRIAGE))


def _coded_part(
    parts: dict[str, Any], name: str, system: str, enum: Any, where: str, problems, required=False
):
    ext = parts.get(name)
    if ext is None:
        if required:
            problems.append(Problem(f"{where}.{name}", "is required", "required"))
        return None
    coding = ext.valueCoding
    if coding is None or coding.system != system:
        problems.append(Problem(f"{where}.{name}", "must be a Coding of Avert's codes", "value"))
        return None
    found, more = member(coding, enum, f"{where}.{name}.valueCoding")
    problems.extend(more)
    return None if found is None else found.value


def _time_part(parts: dict[str, Any], name: str, where: str, problems: list[Problem]):
    ext = parts.get(name)
    if ext is None:
        return None
    value, more = instant(ext.valueDateTime, f"{where}.{name}.valueDateTime")
    problems.extend(more)
    return value


def _json_part(parts: dict[str, Any], name: str, where: str, problems: list[Problem]):
    ext = parts.get(name)
    if ext is None or not ext.valueString:
        problems.append(Problem(f"{where}.{name}", "is required", "required"))
        return None
    try:
        value = json.loads(ext.valueString)
    except ValueError:
        problems.append(Problem(f"{where}.{name}", "must be JSON", "value"))
        return None
    if not isinstance(value, dict):
        problems.append(Problem(f"{where}.{name}", "must be a JSON object", "value"))
        return None
    return value


def restored_columns(
    sr: Any, fields: ReferralFields, *, where: str = "ServiceRequest"
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The `referrals` columns of a referral Avert exported, checked; person and team excluded."""
    problems: list[Problem] = []
    triage_ext = extensions(sr, systems.EXT_TRIAGE)[0]
    triage = sub_values(triage_ext)
    t_where = f"{where}.extension('Triage')"
    episodes = extensions(sr, systems.EXT_EPISODE)
    if not episodes:
        return None, [
            Problem(
                f"{where}.extension",
                "an exported referral also carries the Episode extension",
                "required",
            )
        ]
    episode = sub_values(episodes[0])
    e_where = f"{where}.extension('Episode')"
    clocks = extensions(sr, systems.EXT_CLOCK)
    clock = sub_values(clocks[0]) if clocks else {}
    c_where = f"{where}.extension('Clock')"

    received_at, more = instant(sr.authoredOn, f"{where}.authoredOn")
    problems.extend(more)
    decision = _json_part(triage, "decision", t_where, problems)
    if decision is not None:
        try:
            TriageDecision.from_dict(decision)
        except (ValueError, KeyError, TypeError, ValidationError):
            problems.append(
                Problem(f"{t_where}.decision", "is not a triage decision Avert can read", "value")
            )
    columns: dict[str, Any] = {
        "disposition": _coded_part(
            triage, "disposition", systems.DISPOSITION, Disposition, t_where, problems, True
        ),
        "standard": _coded_part(
            triage, "standard", systems.RESPONSE_STANDARD, ResponseStandard, t_where, problems
        ),
        "destination": _coded_part(
            triage, "destination", systems.DESTINATION, Destination, t_where, problems
        ),
        "ruleset_version": getattr(triage.get("rulesetVersion"), "valueString", None),
        "needs_clinical_review": bool(
            getattr(triage.get("needsClinicalReview"), "valueBoolean", False)
        ),
        "triaged_at": _time_part(triage, "triagedAt", t_where, problems),
        "triage": decision,
        "state": _coded_part(
            episode, "state", systems.REFERRAL_STATE, ReferralState, e_where, problems, True
        ),
        "state_reason": _coded_part(
            episode, "stateReason", systems.STATUS_REASON, StatusReason, e_where, problems, True
        ),
        "age_years": getattr(episode.get("ageYears"), "valueInteger", None),
        "residence": _coded_part(
            episode, "residence", systems.RESIDENCE, Residence, e_where, problems, True
        ),
        "accepted_at": _time_part(episode, "acceptedAt", e_where, problems),
        "first_contact_at": _time_part(episode, "firstContactAt", e_where, problems),
        "discharged_at": _time_part(episode, "dischargedAt", e_where, problems),
        "outcome": _coded_part(
            episode, "outcome", systems.DISCHARGE_OUTCOME, DischargeOutcome, e_where, problems
        ),
        "onward_service": _coded_part(
            episode, "onwardService", systems.ONWARD_SERVICE, OnwardService, e_where, problems
        ),
        "onward_note": getattr(episode.get("onwardNote"), "valueString", None),
        "request_hash": getattr(episode.get("requestHash"), "valueString", None),
        "clock_started_at": _time_part(clock, "startedAt", c_where, problems),
        "clock_deadline": _time_part(clock, "deadline", c_where, problems),
        "clock_stopped_at": _time_part(clock, "stoppedAt", c_where, problems),
        "clock_rules": _json_part(clock, "rules", c_where, problems) if clocks else None,
    }
    if not columns["ruleset_version"]:
        problems.append(Problem(f"{t_where}.rulesetVersion", "is required", "required"))
    if columns["age_years"] is None or not 0 <= columns["age_years"] <= 125:
        problems.append(Problem(f"{e_where}.ageYears", "must be an age from 0 to 125", "value"))
    if columns["clock_rules"] is not None and not CLOCK_RULE_KEYS <= set(columns["clock_rules"]):
        problems.append(
            Problem(f"{c_where}.rules", "is not a set of clock rules Avert can read", "value")
        )
    if not columns["request_hash"]:
        columns["request_hash"] = "0" * 64
    duplicate = episode.get("possibleDuplicateOf")
    columns["possible_duplicate_of"] = (
        duplicate.valueReference.reference
        if duplicate is not None and duplicate.valueReference
        else None
    )
    if problems:
        return None, problems
    columns.update(
        source=fields.source.value,
        source_system=fields.source_system,
        source_referral_id=fields.source_referral_id,
        referrer_name=fields.referrer_name,
        referrer_organisation=fields.referrer_organisation,
        referrer_phone=fields.referrer_phone,
        received_at=received_at,
        need=fields.need.value,
        need_text=fields.need_text,
        red_flags=sorted(f.value for f in fields.red_flags),
        stated_urgency=fields.stated_urgency.value,
        is_open=is_open(ReferralState(columns["state"])),
    )
    return columns, []

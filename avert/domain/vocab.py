"""The shared vocabulary of Avert: the coded values every part of the service agrees on.

Values are lower-case strings so that they read well in JSON, in the database and in URLs. Each
enum carries a human label for pages. Sources are in `docs/glossary.md` and DOMAIN.md sections 1
and 8; where a code list is not nationally confirmed (CSDS source of referral, for example) the
mapping lives in configuration, not here.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry a label for people (`member.label`)."""

    def __new__(cls, value: str, label: str = "") -> Labelled:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value.replace("_", " ").capitalize()
        return obj


class ReferralSource(Labelled):
    """Who referred the person. UCR accepts referrals "from all appropriate sources" (NHSE)."""

    GP = "gp", "GP practice"
    NHS111 = "nhs111", "NHS 111"
    AMBULANCE_999 = "ambulance_999", "999 / ambulance service"
    CARE_HOME = "care_home", "Care home"
    TELECARE = "telecare", "Telecare alarm (lifeline)"
    SELF = "self", "The person themselves"
    CARER_RELATIVE = "carer_relative", "Carer or relative"
    SOCIAL_CARE = "social_care", "Social care"
    COMMUNITY_NURSING = "community_nursing", "Community nursing"
    ED = "ed", "Emergency department"
    ACUTE_WARD = "acute_ward", "Acute hospital ward"
    OTHER = "other", "Other"


class ConditionNeed(Labelled):
    """The presenting need: the nine UCR clinical conditions/needs (NHSE 2022) plus OTHER.

    The list "is not meant to be exhaustive or used to exclude patients": OTHER carries free text
    and triage decides on clinical need, not on membership of the list.
    """

    FALL = "fall", "Fall with no apparent serious injury"
    FRAILTY_DECOMPENSATION = "frailty_decompensation", "Decompensation of frailty"
    REDUCED_FUNCTION = "reduced_function", "Reduced function, deconditioning or reduced mobility"
    PALLIATIVE_CRISIS = "palliative_crisis", "Palliative or end-of-life crisis support"
    URGENT_EQUIPMENT = "urgent_equipment", "Urgent equipment provision"
    CONFUSION_DELIRIUM = "confusion_delirium", "Confusion or delirium"
    CATHETER_CARE = "catheter_care", "Urgent catheter care"
    DIABETES_SUPPORT = "diabetes_support", "Urgent support for diabetes"
    CARER_BREAKDOWN = "carer_breakdown", "Unpaid carer breakdown"
    OTHER = "other", "Other need"


class RedFlag(Labelled):
    """Findings that make a community response unsafe, or that change its urgency."""

    SUSPECTED_FRACTURE = "suspected_fracture", "Suspected fracture"
    HEAD_INJURY_ON_ANTICOAGULANTS = (
        "head_injury_on_anticoagulants",
        "Head injury while on anticoagulants",
    )
    REDUCED_CONSCIOUSNESS = "reduced_consciousness", "Reduced or lost consciousness"
    CHEST_PAIN = "chest_pain", "Chest pain"
    STROKE_SIGNS = "stroke_signs", "Signs of stroke (FAST)"
    SEPSIS_SIGNS = "sepsis_signs", "Signs of sepsis"
    SEVERE_BREATHLESSNESS = "severe_breathlessness", "Severe breathlessness"
    MAJOR_BLEEDING = "major_bleeding", "Major or uncontrolled bleeding"
    MENTAL_HEALTH_CRISIS = "mental_health_crisis", "Mental-health crisis"
    INTOXICATION = "intoxication", "Intoxication with drugs or alcohol"
    LONG_LIE = "long_lie", "Long lie (on the floor more than an hour)"


class Residence(Labelled):
    """Where the person usually lives. UCR serves people in their usual place of residence."""

    OWN_HOME = "own_home", "Own home"
    SHELTERED_HOUSING = "sheltered_housing", "Sheltered or extra-care housing"
    CARE_HOME_RESIDENTIAL = "care_home_residential", "Residential care home"
    CARE_HOME_NURSING = "care_home_nursing", "Nursing home"
    HOSPITAL_INPATIENT = "hospital_inpatient", "Currently a hospital inpatient"
    NO_FIXED_ABODE = "no_fixed_abode", "No fixed abode"


class StatedUrgency(Labelled):
    """How urgent the referrer says the need is. Triage weighs it; it does not decide alone."""

    EMERGENCY = "emergency", "Emergency (life-threatening)"
    WITHIN_2_HOURS = "within_2_hours", "Within 2 hours"
    SAME_DAY = "same_day", "Same day"
    WITHIN_2_DAYS = "within_2_days", "Within 2 days"
    ROUTINE = "routine", "Routine"
    NOT_STATED = "not_stated", "Not stated"


class Disposition(Labelled):
    """What triage decides. A separate field from the response standard (DOMAIN.md 1.6)."""

    TWO_HOUR_CRISIS = "two_hour_crisis", "2-hour crisis response"
    TWO_DAY_REABLEMENT = "two_day_reablement", "2-day reablement"
    SAME_DAY = "same_day", "Same-day response (local)"
    REDIRECT = "redirect", "Redirect elsewhere"


class Destination(Labelled):
    """Where a redirected person goes: "no wrong referral" means a redirect always names one."""

    EMERGENCY_999 = "emergency_999", "999 emergency ambulance"
    EMERGENCY_DEPARTMENT = "emergency_department", "Emergency department"
    STROKE_PATHWAY = "stroke_pathway", "Hyperacute stroke pathway via 999"
    MENTAL_HEALTH_CRISIS_LINE = (
        "mental_health_crisis_line",
        "Mental-health crisis line (NHS 111, option 2)",
    )
    GP = "gp", "The person's GP practice"
    CHILDRENS_SERVICES = "childrens_services", "Children's community or paediatric services"
    HOSPITAL_DISCHARGE_TEAM = "hospital_discharge_team", "Hospital discharge team (Home First)"
    SUBSTANCE_MISUSE_SERVICE = "substance_misuse_service", "Drug and alcohol service"
    SOCIAL_CARE = "social_care", "Adult social care"
    COMMUNITY_NURSING = "community_nursing", "Community nursing (planned care)"
    OTHER = "other", "Other service (named in the note)"


class ResponseStandard(Labelled):
    """The national standard a clock measures, with its CSDS CYP104 measurement type."""

    TWO_HOUR = "two_hour", "2-hour urgent community response"
    TWO_DAY = "two_day", "2-day reablement"
    OTHER_LOCAL = "other_local", "Local response time"

    @property
    def csds_measurement_type(self) -> str | None:
        """CSDS WAITING TIME MEASUREMENT TYPE (COMMUNITY CARE): 05 two-hour, 06 two-day."""
        return {"two_hour": "05", "two_day": "06"}.get(self.value)


class ReferralState(Labelled):
    """The control states the referral lifecycle acts on (see `avert.domain.lifecycle`)."""

    RECEIVED = "received", "Received"
    TRIAGED = "triaged", "Triaged"
    ACCEPTED = "accepted", "Accepted"
    ALLOCATED = "allocated", "Allocated"
    EN_ROUTE = "en_route", "En route"
    ON_SITE = "on_site", "On site"
    IN_CARE = "in_care", "In care"
    DISCHARGED = "discharged", "Discharged"
    REDIRECTED = "redirected", "Redirected"
    CANCELLED = "cancelled", "Cancelled"
    REOPENED = "reopened", "Reopened"


class DischargeOutcome(Labelled):
    """How an episode ended. The first is the service's purpose: the person stayed at home."""

    REMAINED_AT_HOME = "remained_at_home", "Remained at home"
    ADMITTED_TO_HOSPITAL = "admitted_to_hospital", "Admitted to hospital"
    CARE_HOME_ADMISSION = "care_home_admission", "Admitted to a care home"
    ONWARD_REFERRAL = "onward_referral", "Onward referral"
    DIED = "died", "Died"
    DECLINED = "declined", "Declined the service"


class OnwardService(Labelled):
    """Where an onward referral at discharge goes."""

    COMMUNITY_NURSING = "community_nursing", "Community nursing"
    THERAPY = "therapy", "Community therapy"
    REABLEMENT = "reablement", "Reablement (Home First)"
    SOCIAL_CARE = "social_care", "Adult social care"
    GP = "gp", "GP"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    HOUSING = "housing", "Housing"
    PALLIATIVE_CARE = "palliative_care", "Palliative care"
    MENTAL_HEALTH = "mental_health", "Mental-health services"
    OTHER = "other", "Other"


class StaffRole(Labelled):
    """The professions of a multi-skilled UCR team."""

    NURSE = "nurse", "Registered nurse"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
    PARAMEDIC = "paramedic", "Paramedic"
    SOCIAL_WORKER = "social_worker", "Social worker"
    SUPPORT_WORKER = "support_worker", "Support worker / carer"


class Sex(Labelled):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"

"""The figures the synthetic area is calibrated to, each with its source.

Figures from DOMAIN.md are cited by section. Figures marked [ASSUMPTION] have no published source
in DOMAIN.md: they are plausible defaults, kept here as named configuration so that they can be
changed in one place, and `docs/synthetic-area.md` lists them. Weights are relative (they need not
sum to 100); shares are fractions.
"""

from __future__ import annotations

from dataclasses import dataclass

from avert.domain.vocab import (
    ConditionNeed,
    DischargeOutcome,
    Disposition,
    ReferralSource,
    StaffRole,
)


# --- Volume -------------------------------------------------------------------------------------

TWO_HOUR_REFERRALS_PER_100K_PER_MONTH = 125.0
"""DOMAIN.md 2.3: ~844k 2-hour referrals in 2024-25 over ~57m people, ~125 per 100k a month
(crude arithmetic, not an official rate)."""

DAYS_PER_MONTH = 365.25 / 12

DISPOSITION_WEIGHTS: dict[Disposition, float] = {
    Disposition.TWO_HOUR_CRISIS: 60.0,
    Disposition.TWO_DAY_REABLEMENT: 15.0,
    Disposition.SAME_DAY: 15.0,
    Disposition.REDIRECT: 10.0,
}
"""[ASSUMPTION] The split of all UCR referrals by triage outcome. DOMAIN.md 1.6 says other tiers
exist (Coventry, Surrey) but gives no shares; the brief asks for ~10 % redirected."""

# --- Who refers (DOMAIN.md 1.6) -----------------------------------------------------------------

SOURCE_WEIGHTS: dict[ReferralSource, float] = {
    ReferralSource.SELF: 20.0,
    ReferralSource.CARER_RELATIVE: 17.5,
    ReferralSource.GP: 15.6,
    ReferralSource.AMBULANCE_999: 8.4,
    ReferralSource.NHS111: 9.0,
    ReferralSource.CARE_HOME: 7.0,
    ReferralSource.TELECARE: 6.0,
    ReferralSource.COMMUNITY_NURSING: 5.0,
    ReferralSource.SOCIAL_CARE: 4.0,
    ReferralSource.ED: 3.5,
    ReferralSource.ACUTE_WARD: 1.5,
    ReferralSource.OTHER: 2.5,
}
"""DOMAIN.md 1.6 (NHS Providers 2023, October 2023): 37.5 % the person, carer or relative; 15.6 %
GP; 8.4 % ambulance. [ASSUMPTION] the 37.5 % split 20 / 17.5 between SELF and CARER_RELATIVE, and
the spread of the remaining 38.5 % over the other sources."""

NO_HOSPITAL_BED_SOURCES = frozenset({Disposition.TWO_HOUR_CRISIS, Disposition.TWO_DAY_REABLEMENT})
"""DOMAIN.md 1.2: 2-day reablement takes referrals "from any referral source except a hospital
bed"; for these dispositions the ACUTE_WARD weight moves to OTHER, keeping the mix above."""

OFFICE_HOURS_SOURCES = frozenset(
    {
        ReferralSource.GP,
        ReferralSource.COMMUNITY_NURSING,
        ReferralSource.SOCIAL_CARE,
        ReferralSource.ACUTE_WARD,
    }
)
"""[ASSUMPTION] Sources that refer mostly in weekday office hours; the rest refer round the
clock (999, 111, telecare, people and carers, care homes, ED)."""

# --- What for (DOMAIN.md 1.4) -------------------------------------------------------------------

CRISIS_NEED_WEIGHTS: dict[ConditionNeed, float] = {
    ConditionNeed.CATHETER_CARE: 15.0,
    ConditionNeed.FALL: 20.0,
    ConditionNeed.FRAILTY_DECOMPENSATION: 14.0,
    ConditionNeed.PALLIATIVE_CRISIS: 9.0,
    ConditionNeed.REDUCED_FUNCTION: 9.0,
    ConditionNeed.CONFUSION_DELIRIUM: 8.0,
    ConditionNeed.URGENT_EQUIPMENT: 4.0,
    ConditionNeed.CARER_BREAKDOWN: 4.0,
    ConditionNeed.DIABETES_SUPPORT: 3.0,
    ConditionNeed.OTHER: 14.0,
}
"""2-hour and same-day needs. DOMAIN.md 1.4 (SWL ICB, one April month): catheter 15 %,
respiratory 10 % (here under OTHER), end of life 9 %, then falls, UTIs (here frailty
decompensation) and confusion. [ASSUMPTION] the shares not given there."""

REABLEMENT_NEED_WEIGHTS: dict[ConditionNeed, float] = {
    ConditionNeed.REDUCED_FUNCTION: 50.0,
    ConditionNeed.URGENT_EQUIPMENT: 25.0,
    ConditionNeed.CARER_BREAKDOWN: 25.0,
}
"""[ASSUMPTION] 2-day reablement needs: function, equipment and carer breakdown (DOMAIN.md 1.4
items 3, 5, 9), the needs the triage ruleset sends to reablement when not urgent."""

# --- Who is referred ----------------------------------------------------------------------------

REFERRAL_AGE_BAND_WEIGHTS: dict[tuple[int, int], float] = {
    (18, 64): 12.0,
    (65, 74): 15.0,
    (75, 84): 33.0,
    (85, 120): 40.0,
}
"""[ASSUMPTION] Ages of adults referred: skewed to 75+ ("older people and adults with complex
health needs", DOMAIN.md 1.2)."""

UNDER_18_SHARE_OF_REDIRECTS = 0.05
"""[ASSUMPTION] A few referrals are for children; UCR serves adults 18+ (DOMAIN.md 1.2, 1.5), so
these are redirected to children's services."""

DEPRIVATION_REFERRAL_GRADIENT = 0.06
"""[ASSUMPTION] Relative extra referral rate per decile below the least deprived (decile 1 gets
1 + 9 x 0.06 = 1.54 times the rate of decile 10)."""

# --- When (arrival profile) ---------------------------------------------------------------------

ROUND_THE_CLOCK_HOUR_WEIGHTS: tuple[float, ...] = (
    1.0, 0.8, 0.7, 0.6, 0.6, 0.7, 1.0, 1.8, 3.5, 6.0, 7.0, 7.0,
    6.5, 6.5, 6.5, 6.0, 5.5, 4.5, 3.5, 3.0, 2.5, 2.0, 1.6, 1.2,
)  # fmt: skip
"""[ASSUMPTION] Arrivals by local hour (00..23) for round-the-clock sources: a daytime peak."""

OFFICE_HOUR_WEIGHTS: tuple[float, ...] = (
    0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.5, 4.0, 8.0, 9.0, 9.0,
    8.0, 8.0, 8.0, 7.5, 6.5, 5.0, 2.0, 0.5, 0.2, 0.1, 0.05, 0.05,
)  # fmt: skip
"""[ASSUMPTION] Arrivals by local hour for office-hours sources (GP 08:00-18:30)."""

ROUND_THE_CLOCK_WEEKDAY_WEIGHTS: tuple[float, ...] = (1.15, 1.05, 1.0, 1.0, 1.05, 0.85, 0.8)
"""[ASSUMPTION] Monday..Sunday for round-the-clock sources: fewer at weekends."""

OFFICE_WEEKDAY_WEIGHTS: tuple[float, ...] = (1.2, 1.0, 1.0, 1.0, 1.0, 0.2, 0.15)
"""[ASSUMPTION] Monday..Sunday for office-hours sources."""

# --- What happened ------------------------------------------------------------------------------

TWO_HOUR_MET_SHARE = 0.845
"""DOMAIN.md 2.3: 84.52 % of 2-hour referrals seen within 2 hours (2024-25 mean)."""

CANCELLED_SHARE = 0.02
"""[ASSUMPTION] Accepted referrals closed before any visit (declined, admitted, duplicate)."""

CONTACTS_PER_CRISIS_WEIGHTS: dict[int, float] = {1: 30.0, 2: 25.0, 3: 20.0, 4: 14.0, 5: 11.0}
"""Planned face-to-face contacts per 2-hour episode (mean 2.51). Admissions and declines stop
after the first, so episodes average about 2.3, near DOMAIN.md 2.3's 2.27 contacts per
referral."""

CRISIS_EPISODE_MAX_HOURS = 72
"""DOMAIN.md 1.2 and seeds/004: crisis interventions typically last up to 72 hours."""

REABLEMENT_EPISODE_MAX_DAYS = 42
"""seeds/004 (LLR Home First): intensive short-term care for up to six weeks."""

OUTCOME_WEIGHTS: dict[DischargeOutcome, float] = {
    DischargeOutcome.REMAINED_AT_HOME: 74.0,
    DischargeOutcome.ADMITTED_TO_HOSPITAL: 11.0,
    DischargeOutcome.ONWARD_REFERRAL: 8.0,
    DischargeOutcome.DIED: 2.0,
    DischargeOutcome.DECLINED: 3.0,
    DischargeOutcome.CARE_HOME_ADMISSION: 2.0,
}
"""[ASSUMPTION] Episode outcomes; palliative crises end in death more often (see history.py)."""

# --- The area -----------------------------------------------------------------------------------

AGE_BAND_SHARES: tuple[tuple[int, int, float, float], ...] = (
    # (first age, last age, % of population, % female)
    (0, 4, 5.4, 48.8),
    (5, 9, 6.0, 48.8),
    (10, 14, 6.1, 48.7),
    (15, 19, 5.7, 48.6),
    (20, 24, 6.1, 49.0),
    (25, 29, 6.7, 50.0),
    (30, 34, 6.9, 50.5),
    (35, 39, 6.6, 50.5),
    (40, 44, 6.3, 50.5),
    (45, 49, 6.4, 50.6),
    (50, 54, 6.9, 50.7),
    (55, 59, 6.7, 50.8),
    (60, 64, 5.8, 51.0),
    (65, 69, 5.0, 51.8),
    (70, 74, 5.0, 52.5),
    (75, 79, 3.7, 54.0),
    (80, 84, 2.5, 56.5),
    (85, 89, 1.5, 60.0),
    (90, 104, 0.9, 68.0),
)
"""[ASSUMPTION] An approximate England age/sex pyramid in the shape of the ONS mid-year
estimates (about 21 % under 18 and 19 % aged 65+); not a transcription of any ONS table."""

CARE_HOME_RESIDENT_SHARE_BY_AGE: tuple[tuple[int, float], ...] = (
    (65, 0.005),
    (75, 0.025),
    (85, 0.12),
)
"""[ASSUMPTION] Share of people living in a care home from each age up: about 0.6 % of the whole
population and 3 % of those aged 65+ (census-like shape)."""

NURSING_HOME_SHARE = 0.4
"""[ASSUMPTION] Share of care homes that are nursing homes."""

SHELTERED_HOUSING_SHARE_75_PLUS = 0.05
"""[ASSUMPTION] Share of people aged 75+ living outside care homes in sheltered housing."""

NEIGHBOURHOOD_SIZE = (30_000, 50_000)
"""seeds/004 (LLR): neighbourhoods are groups of GP practices with 30,000-50,000 patients."""

PRACTICE_SIZE = (5_000, 15_000)
"""[ASSUMPTION] Registered list sizes of GP practices (the brief's bounds)."""

LOCALITIES = 3
"""seeds/004 (LLR): three places (localities) in one ICS."""


# --- The workforce ------------------------------------------------------------------------------

STAFF_ON_SHIFT_PER_100K_PER_DAY = 30.0
"""[ASSUMPTION] Distinct staff on shift across one day: ~300 for a million people (the brief)."""

MIN_STAFF_ON_SHIFT_PER_TEAM = 6
"""[ASSUMPTION] The smallest safe daily cover of a team, whatever the population."""

ROLE_WEIGHTS: dict[StaffRole, float] = {
    StaffRole.NURSE: 28.0,
    StaffRole.SUPPORT_WORKER: 30.0,
    StaffRole.PHYSIOTHERAPIST: 12.0,
    StaffRole.OCCUPATIONAL_THERAPIST: 12.0,
    StaffRole.PARAMEDIC: 10.0,
    StaffRole.SOCIAL_WORKER: 8.0,
}
"""[ASSUMPTION] The multi-skilled team mix (DOMAIN.md 1.2, seeds/004: nursing, therapy, social
care, crisis carers)."""


@dataclass(frozen=True)
class Geography:
    """Where the fictional area lies: a disc about 40 km across around its centre."""

    centre_lat: float = 52.6
    centre_lon: float = -1.1
    radius_km: float = 20.0
    postcode_area: str = "AV"
    """Not a real UK postcode area; outward codes AV1, AV2, ... are valid in shape (DOMAIN.md
    4.2)."""


GEOGRAPHY = Geography()

"""A synthetic Directory of Services for a synthetic area: seeded, plausible, fictional.

For each locality: its UCR team (with the team's own hours), a reablement (Home First) service,
a community nursing service, an urgent treatment centre, a voluntary-sector service and a
housing options team. For the whole area: an emergency department (24/7), a mental-health crisis
service (24/7), a carers' emergency service (24/7), adult social care (office hours) and its
emergency duty team (nights, weekends and bank holidays), a drug and alcohol service and a
children's community service. Every GP practice is listed too (weekdays 08:00-18:30, closed on
bank holidays), as the NHS DoS lists practices.

Sessions follow the area's bank holidays: `bank_holidays(years)` gives England and Wales's
usual bank holidays (New Year, Good Friday, Easter Monday, early May, spring, summer, Christmas
and Boxing Day, with substitute days); one-off holidays are not generated. Phone numbers are from
Ofcom's range for drama (0116 496 0000 to 0999), email addresses are on `example` domains.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from avert.domain.directory import (
    Capacity,
    CapacityUpdate,
    DirectoryService,
    ReferralRoute,
    RouteKind,
    ServiceType,
)
from avert.domain.service_hours import DAY_NAMES, ServiceHours
from avert.domain.vocab import ConditionNeed as N
from avert.synth.geo import offset
from avert.synth.localtime import to_local
from avert.synth.model import Area


EMAIL_DOMAIN = "avervale.example"
WEEKDAYS = DAY_NAMES[:5]


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


def bank_holidays(years: range) -> frozenset[date]:
    """England and Wales's usual bank holidays in `years`, with substitute weekdays."""
    found: set[date] = set()
    for year in years:
        easter = easter_sunday(year)
        found |= {
            easter - timedelta(days=2),
            easter + timedelta(days=1),
            _first_monday(year, 5),
            _last_monday(year, 5),
            _last_monday(year, 8),
        }
        new_year = date(year, 1, 1)
        while new_year.weekday() >= 5:
            new_year += timedelta(days=1)
        found.add(new_year)
        christmas, boxing = date(year, 12, 25), date(year, 12, 26)
        taken = set()
        for day in (christmas, boxing):
            while day.weekday() >= 5 or day in taken:
                day += timedelta(days=1)
            taken.add(day)
        found |= taken
    return frozenset(found)


def _hours(
    holidays: frozenset[date],
    *,
    weekdays: list[str],
    weekend: list[str],
    bank_holiday: list[str] | None,
) -> ServiceHours:
    weekly = {d: weekdays for d in WEEKDAYS} | {"saturday": weekend, "sunday": weekend}
    config: dict = {"weekly": weekly, "bank_holidays": sorted(d.isoformat() for d in holidays)}
    if bank_holiday is not None:
        config["bank_holiday_sessions"] = bank_holiday
    return ServiceHours.from_config(config)


class _Numbers:
    """Phone numbers from Ofcom's drama range for Leicester, each used once."""

    def __init__(self) -> None:
        self._next = 0

    def phone(self) -> str:
        self._next += 1
        return f"0116 496 {self._next:04d}"


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "." for c in name.lower()).strip(".").replace("..", ".")


def generate_directory(area: Area) -> tuple[DirectoryService, ...]:
    """The directory for `area`: the same every time for the same area."""
    rng = random.Random(f"avert-synth:{area.seed}:directory")
    year = to_local(area.now).year
    holidays = bank_holidays(range(year - 1, year + 3))
    always = ServiceHours.always_open()
    office = _hours(holidays, weekdays=["09:00-17:00"], weekend=[], bank_holiday=[])
    numbers = _Numbers()
    made: list[DirectoryService] = []

    def add(name: str, kind: ServiceType, lat: float, lon: float, **details) -> None:
        jitter_lat, jitter_lon = offset(lat, lon, rng.uniform(-0.6, 0.6), rng.uniform(-0.6, 0.6))
        phone = numbers.phone()
        route = details.pop("route", None) or ReferralRoute(RouteKind.PHONE, phone)
        made.append(
            DirectoryService(
                id=len(made) + 1,
                name=name,
                type=kind,
                lat=round(details.pop("exact_lat", jitter_lat), 5),
                lon=round(details.pop("exact_lon", jitter_lon), 5),
                route=route,
                phone=phone,
                organisation=details.pop("organisation", "Avervale Community Health (synthetic)"),
                **details,
            )
        )

    hoods_by_locality: dict[str, list] = {}
    for hood in area.neighbourhoods:
        hoods_by_locality.setdefault(hood.locality, []).append(hood)
    postcode_of = {p.neighbourhood_id: p.postcode for p in area.practices}
    adults = {"min_age": 18}

    for team in area.teams:
        hoods = hoods_by_locality.get(team.locality, [])
        served = frozenset(h.id for h in hoods)
        hub = hoods[0] if hoods else None
        postcode = postcode_of.get(hub.id) if hub else None
        lat, lon = team.base_lat, team.base_lon
        place = team.locality
        add(
            team.name,
            ServiceType.UCR,
            lat,
            lon,
            hours=always if team.hours == "24/7" else ServiceHours.default(holidays),
            route=ReferralRoute(RouteKind.API, "/api/referrals"),
            neighbourhoods=served,
            postcode=postcode,
            referral_information="Crisis response within 2 hours; refer through Avert.",
            **adults,
        )
        add(
            f"{place} Home First Reablement",
            ServiceType.REABLEMENT,
            lat,
            lon,
            hours=_hours(
                holidays, weekdays=["08:00-20:00"], weekend=["09:00-17:00"], bank_holiday=None
            ),
            route=ReferralRoute(RouteKind.EMAIL, f"reablement.{_slug(place)}@{EMAIL_DOMAIN}"),
            neighbourhoods=served,
            postcode=postcode,
            needs=frozenset(
                {N.REDUCED_FUNCTION, N.FRAILTY_DECOMPENSATION, N.FALL, N.URGENT_EQUIPMENT}
            ),
            referral_information="Reablement within 2 days, and discharge to assess.",
            **adults,
        )
        add(
            f"{place} Community Nursing",
            ServiceType.COMMUNITY_NURSING,
            lat,
            lon,
            hours=_hours(
                holidays, weekdays=["08:00-22:00"], weekend=["08:00-22:00"], bank_holiday=None
            ),
            neighbourhoods=served,
            postcode=postcode,
            needs=frozenset({N.CATHETER_CARE, N.DIABETES_SUPPORT, N.PALLIATIVE_CRISIS, N.OTHER}),
            referral_information="Phone the professional line; planned visits booked same day.",
            **adults,
        )
        hood = rng.choice(hoods) if hoods else None
        add(
            f"{place} Urgent Treatment Centre",
            ServiceType.URGENT_TREATMENT_CENTRE,
            hood.centre_lat if hood else lat,
            hood.centre_lon if hood else lon,
            hours=_hours(
                holidays, weekdays=["08:00-22:00"], weekend=["08:00-22:00"], bank_holiday=None
            ),
            postcode=postcode_of.get(hood.id) if hood else postcode,
            organisation="Avervale Hospitals (synthetic)",
            referral_information="Walk in, or book through NHS 111.",
        )
        add(
            f"{place} Good Neighbours",
            ServiceType.VOLUNTARY_SECTOR,
            lat,
            lon,
            hours=_hours(
                holidays, weekdays=["09:00-17:00"], weekend=["10:00-14:00"], bank_holiday=[]
            ),
            route=ReferralRoute(RouteKind.EMAIL, f"help.{_slug(place)}@goodneighbours.example"),
            neighbourhoods=served,
            postcode=postcode,
            needs=frozenset({N.CARER_BREAKDOWN, N.REDUCED_FUNCTION, N.FALL, N.OTHER}),
            organisation=f"{place} Good Neighbours (a synthetic charity)",
            referral_information="Befriending, shopping, settling in after a hospital stay.",
            **adults,
        )
        add(
            f"{place} Housing Options",
            ServiceType.HOUSING,
            lat,
            lon,
            hours=office,
            neighbourhoods=served,
            postcode=postcode,
            needs=frozenset({N.REDUCED_FUNCTION, N.URGENT_EQUIPMENT, N.OTHER}),
            organisation=f"{place} District Council (synthetic)",
            referral_information="Adaptations, homelessness and emergency rehousing.",
            **adults,
        )

    centre = area.neighbourhoods[0] if area.neighbourhoods else None
    clat = sum(t.base_lat for t in area.teams) / max(1, len(area.teams))
    clon = sum(t.base_lon for t in area.teams) / max(1, len(area.teams))
    central_postcode = postcode_of.get(centre.id) if centre else None
    add(
        "Avervale Royal Infirmary Emergency Department",
        ServiceType.EMERGENCY_DEPARTMENT,
        clat,
        clon,
        hours=always,
        postcode=central_postcode,
        organisation="Avervale Hospitals (synthetic)",
        referral_information="999 or walk in. Professionals: phone the ED co-ordinator.",
    )
    add(
        "Avervale Mental Health Crisis Team",
        ServiceType.MENTAL_HEALTH_CRISIS,
        clat,
        clon,
        hours=always,
        postcode=central_postcode,
        organisation="Avervale Partnership Trust (synthetic)",
        referral_information="NHS 111 option 2 for the public; professionals phone directly.",
    )
    add(
        "Avervale Carers' Emergency Response",
        ServiceType.CARERS_EMERGENCY,
        clat,
        clon,
        hours=always,
        postcode=central_postcode,
        needs=frozenset({N.CARER_BREAKDOWN}),
        organisation="Avervale Carers Centre (a synthetic charity)",
        referral_information="Replacement care for up to 72 hours when an unpaid carer is "
        "suddenly unable to care.",
        capacity=CapacityUpdate(
            Capacity.AMBER, area.now, "Avervale Carers Centre", note="Two carers off sick"
        ),
    )
    add(
        "Avervale Adult Social Care",
        ServiceType.SOCIAL_CARE,
        clat,
        clon,
        hours=office,
        postcode=central_postcode,
        organisation="Avervale County Council (synthetic)",
        referral_information="Care Act assessments and packages of care.",
        **adults,
    )
    add(
        "Avervale Emergency Duty Team (social care)",
        ServiceType.SOCIAL_CARE,
        clat,
        clon,
        hours=_hours(
            holidays,
            weekdays=["00:00-09:00", "17:00-24:00"],
            weekend=["00:00-24:00"],
            bank_holiday=["00:00-24:00"],
        ),
        postcode=central_postcode,
        organisation="Avervale County Council (synthetic)",
        referral_information="Out of hours only: urgent social care that cannot wait.",
        **adults,
    )
    add(
        "Avervale Drug and Alcohol Service",
        ServiceType.SUBSTANCE_MISUSE,
        clat,
        clon,
        hours=office,
        postcode=central_postcode,
        organisation="Avervale Recovery (a synthetic charity)",
        route=ReferralRoute(RouteKind.EMAIL, f"referrals@recovery.{EMAIL_DOMAIN}"),
        min_age=16,
    )
    add(
        "Avervale Children's Community Nursing",
        ServiceType.CHILDRENS_COMMUNITY,
        clat,
        clon,
        hours=_hours(holidays, weekdays=["08:30-17:00"], weekend=[], bank_holiday=[]),
        postcode=central_postcode,
        max_age=17,
    )
    surgery = _hours(holidays, weekdays=["08:00-18:30"], weekend=[], bank_holiday=[])
    for practice in area.practices:
        add(
            practice.name,
            ServiceType.GP_PRACTICE,
            practice.lat,
            practice.lon,
            exact_lat=practice.lat,
            exact_lon=practice.lon,
            hours=surgery,
            ods_code=practice.ods_code,
            postcode=practice.postcode,
            organisation=practice.name,
            referral_information="Professional line for the duty doctor.",
        )
    return tuple(made)

"""The Directory of Services: capacity, opening, eligibility and ranking as readable tables.

Sources: DOMAIN.md 5.2 (service record: rota sessions, a bank-holiday day, dated exceptions, age
range), 5.3 (RAG capacity; AMBER and RED reset to GREEN after `resetStatusIn` minutes, default
240, at most 7200; no reset for GREEN), 5.4 (RED services are not returned; order by distance).
Times are Europe/London wall clock. 10 March 2026 is a Tuesday (GMT); 25 May 2026 is the Spring
bank holiday (a Monday, BST).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from avert.domain.directory import (
    Capacity,
    CapacityUpdate,
    DirectoryService,
    ReferralRoute,
    RouteKind,
    ServiceType,
    effective_capacity,
    ineligible_because,
    open_until,
    redirect_target,
    search,
)
from avert.domain.errors import ValidationError
from avert.domain.service_hours import ServiceHours
from avert.domain.vocab import ConditionNeed, Destination


LONDON = ZoneInfo("Europe/London")
SET_AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SPRING_BANK_HOLIDAY = datetime(2026, 5, 25).date()


def local(text: str) -> datetime:
    """'2026-03-10 10:00' in Europe/London, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


# --------------------------------------------------------------------------- capacity reset

#  status | minutes since set | reset period | in force
RESET = """
   amber  |    0 |  240 | amber
   amber  |  239 |  240 | amber
   amber  |  240 |  240 | green
   amber  |  241 |  240 | green
   red    |    0 |  240 | red
   red    |  239 |  240 | red
   red    |  240 |  240 | green
   red    |  241 |  240 | green
   green  |    0 |  240 | green
   green  | 9999 |  240 | green
   red    |    0 |    0 | green
   red    |   59 |   60 | red
   red    |   60 |   60 | green
   red    | 7199 | 7200 | red
   red    | 7200 | 7200 | green
"""


def rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in table.strip().splitlines()]


@pytest.mark.parametrize("status, minutes, reset, expected", rows(RESET))
def test_amber_and_red_fall_back_to_green_when_the_reset_period_has_passed(
    status, minutes, reset, expected
):
    """AMBER/RED hold for `reset` minutes after being set, then read as GREEN (DOMAIN.md 5.3)."""
    now = SET_AT + timedelta(minutes=int(minutes))
    assert effective_capacity(status, SET_AT, now, int(reset)) is Capacity(expected)


#  set red at minute | renewed (red) at minute | look at minute | in force
RENEWAL = """
   0 |   -  | 241 | green
   0 |  200 | 241 | red
   0 |  200 | 439 | red
   0 |  200 | 440 | green
"""


@pytest.mark.parametrize("first, renewed, look, expected", rows(RENEWAL))
def test_renewing_a_red_status_starts_the_reset_period_again(first, renewed, look, expected):
    """Setting RED again before it resets holds it for another full period from the renewal."""
    latest = SET_AT + timedelta(minutes=int(renewed if renewed != "-" else first))
    update = CapacityUpdate(Capacity.RED, latest, "Service lead", 240)
    assert update.effective(SET_AT + timedelta(minutes=int(look))) is Capacity(expected)


def test_the_reset_period_must_be_within_the_dos_limits():
    """0 to 7200 minutes (five days), whole minutes only."""
    for bad in (-1, 7201, 1.5, True):
        with pytest.raises(ValidationError):
            CapacityUpdate(Capacity.RED, SET_AT, "x", bad)
    with pytest.raises(ValidationError):
        CapacityUpdate(Capacity.AMBER, SET_AT, "x", 240, note="x" * 901)


# --------------------------------------------------------------------------- services used below

WEEKDAYS_CLOSED_ON_BANK_HOLIDAYS = ServiceHours.from_config(
    {
        "weekly": {
            **{d: ["08:00-18:30"] for d in ("monday", "tuesday", "wednesday", "thursday")},
            "friday": ["08:00-18:30"],
            "saturday": [],
            "sunday": [],
        },
        "bank_holidays": [SPRING_BANK_HOLIDAY.isoformat()],
        "bank_holiday_sessions": [],
    }
)
BANK_HOLIDAY_MORNINGS = ServiceHours.from_config(
    {
        "bank_holidays": [SPRING_BANK_HOLIDAY.isoformat()],
        "bank_holiday_sessions": ["09:00-13:00"],
    }
)
PHONE = ReferralRoute(RouteKind.PHONE, "0116 000 0000")


def service(ident: int, name: str, km_north: float, **changes) -> DirectoryService:
    """A service `km_north` km north of the person (who is at 52.6, -1.1)."""
    values = {
        "id": ident,
        "name": name,
        "type": ServiceType.UCR,
        "hours": ServiceHours.default(),
        "route": PHONE,
        "lat": 52.6 + km_north / 111.2,
        "lon": -1.1,
    }
    return DirectoryService(**(values | changes))


PERSON = (52.6, -1.1)


# --------------------------------------------------------------------------- opening sessions

#  service hours                      | local time        | open? | open until / opens next
OPENING = """
   weekdays, closed on bank holidays  | 2026-03-10 10:00  | yes   | 18:30
   weekdays, closed on bank holidays  | 2026-03-10 18:30  | no    | Wed 11 Mar 08:00
   weekdays, closed on bank holidays  | 2026-03-14 10:00  | no    | Mon 16 Mar 08:00
   weekdays, closed on bank holidays  | 2026-05-25 10:00  | no    | Tue 26 May 08:00
   weekdays, closed on bank holidays  | 2026-05-22 19:00  | no    | Tue 26 May 08:00
   bank-holiday mornings              | 2026-05-25 10:00  | yes   | 13:00
   bank-holiday mornings              | 2026-05-25 14:00  | no    | Tue 26 May 08:00
   24/7                               | 2026-05-25 03:00  | yes   | open 24 hours
"""
HOURS = {
    "weekdays, closed on bank holidays": WEEKDAYS_CLOSED_ON_BANK_HOLIDAYS,
    "bank-holiday mornings": BANK_HOLIDAY_MORNINGS,
    "24/7": ServiceHours.always_open(),
}


@pytest.mark.parametrize("hours, at, is_open, when", rows(OPENING))
def test_a_search_knows_whether_a_service_is_open_and_until_when(hours, at, is_open, when):
    """Weekly sessions, bank holidays (closed, or their own sessions) and the next opening."""
    candidate = service(1, "Practice", 1, hours=HOURS[hours])
    [found] = search([candidate], now=local(at), open_now=False)
    assert found.open_now is (is_open == "yes")
    assert any(when in reason for reason in found.reasons), found.reasons
    assert (open_until(HOURS[hours], local(at)) is not None) is found.open_now


def test_a_service_closed_for_the_bank_holiday_is_not_found_when_open_now_is_asked():
    """On the Spring bank holiday the weekday-only practice drops out of an open-now search."""
    practice = service(1, "Practice", 1, hours=WEEKDAYS_CLOSED_ON_BANK_HOLIDAYS)
    assert search([practice], now=local("2026-05-25 10:00")) == []
    assert [m.service.name for m in search([practice], now=local("2026-05-26 10:00"))] == [
        "Practice"
    ]


# --------------------------------------------------------------------------- capacity in search

#  capacity set 1 h ago | found? | warning
CAPACITY_IN_SEARCH = """
   none   | yes | -
   green  | yes | -
   amber  | yes | Limited capacity
   red    | no  | -
"""


@pytest.mark.parametrize("status, found, warning", rows(CAPACITY_IN_SEARCH))
def test_red_services_are_hidden_and_amber_ones_are_shown_with_a_warning(status, found, warning):
    """RED is never returned (DOMAIN.md 5.4); AMBER is returned with a warning to phone first."""
    now = local("2026-03-10 10:00")
    capacity = None
    if status != "none":
        capacity = CapacityUpdate(Capacity(status), now - timedelta(hours=1), "lead", 240, "busy")
    results = search([service(1, "UCR", 1, capacity=capacity)], now=now)
    assert bool(results) is (found == "yes")
    if results:
        warnings = " ".join(results[0].warnings)
        assert (warning in warnings) if warning != "-" else warnings == ""


def test_a_red_service_returns_to_search_results_four_hours_after_it_was_set():
    """Set RED at 10:00 with the default reset: hidden at 13:59, back at 14:00."""
    capacity = CapacityUpdate(Capacity.RED, local("2026-03-10 10:00"), "lead")
    ucr = service(1, "UCR", 1, capacity=capacity)
    assert search([ucr], now=local("2026-03-10 13:59")) == []
    assert len(search([ucr], now=local("2026-03-10 14:00"))) == 1


# --------------------------------------------------------------------------- eligibility

#  min age | max age | person's age | eligible? | why not
AGE = """
    -   |  -  |   5  | yes |
    18  |  -  |  17  | no  | takes people aged 18 and over
    18  |  -  |  18  | yes |
    18  |  -  |  95  | yes |
    -   |  17 |  17  | yes |
    -   |  17 |  18  | no  | takes people aged up to 17
    65  |  -  |  64  | no  | takes people aged 65 and over
    65  | 110 |  65  | yes |
"""


@pytest.mark.parametrize("low, high, age, eligible, why", rows(AGE))
def test_eligibility_by_age(low, high, age, eligible, why):
    """Age bounds are inclusive; a missing bound is no bound."""
    bound = lambda v: None if v == "-" else int(v)  # noqa: E731
    candidate = service(1, "S", 1, min_age=bound(low), max_age=bound(high))
    assert ineligible_because(candidate, age=int(age)) == ((why,) if why else ())
    assert bool(search([candidate], now=local("2026-03-10 10:00"), age=int(age))) is (
        eligible == "yes"
    )


def test_a_service_that_lists_needs_is_found_only_for_those_needs():
    """Needs served are coded; a service listing none serves any need."""
    falls = service(1, "Falls", 1, needs=frozenset({ConditionNeed.FALL}))
    anything = service(2, "Anything", 2)
    now = local("2026-03-10 10:00")
    assert [m.service.name for m in search([falls, anything], ConditionNeed.FALL, PERSON, now)] == [
        "Falls",
        "Anything",
    ]
    assert [
        m.service.name for m in search([falls, anything], ConditionNeed.CARER_BREAKDOWN, now=now)
    ] == ["Anything"]


def test_inactive_services_and_services_for_other_neighbourhoods_are_not_found():
    """A service marked inactive, or covering other neighbourhoods only, cannot take the person."""
    now = local("2026-03-10 10:00")
    gone = service(1, "Gone", 1, active=False)
    elsewhere = service(2, "Elsewhere", 1, neighbourhoods=frozenset({"NB02"}))
    here = service(3, "Here", 1, neighbourhoods=frozenset({"NB01"}))
    found = search([gone, elsewhere, here], now=now, neighbourhood="NB01")
    assert [m.service.name for m in found] == ["Here"]


# --------------------------------------------------------------------------- ranking


def test_open_services_come_first_then_the_nearest():
    """With open_now off, closed services follow the open ones; each group nearest first."""
    now = local("2026-03-10 21:00")  # after 20:00: 08:00-20:00 services are closed
    results = search(
        [
            service(1, "Near, closed", 1),
            service(2, "Far, open", 9, hours=ServiceHours.always_open()),
            service(3, "Nearer, open", 4, hours=ServiceHours.always_open()),
            service(4, "Farther, closed", 3),
        ],
        near=PERSON,
        now=now,
        open_now=False,
    )
    assert [m.service.name for m in results] == [
        "Nearer, open",
        "Far, open",
        "Near, closed",
        "Farther, closed",
    ]
    assert results[0].distance_km == pytest.approx(4.0, abs=0.05)
    assert results[0].reasons[0] == "4.0 km away"
    only_open = search([r.service for r in results], near=PERSON, now=now)
    assert [m.service.name for m in only_open] == ["Nearer, open", "Far, open"]


# --------------------------------------------------------------------------- redirects

#  destination               | the directory (name: type, km north, hours)         | named
REDIRECTS = """
   emergency_999             | ED: emergency_department 12 24/7;                    | ED
                             |   UTC: urgent_treatment_centre 2 24/7                |
   mental_health_crisis_line | Crisis: mental_health_crisis 5 24/7;                 | Crisis
                             |   ED: emergency_department 1 24/7                    |
   community_nursing         | DN North: community_nursing 6 day;                   | DN South
                             |   DN South: community_nursing 3 day                  |
   social_care               | Social care: social_care 4 day; UCR: ucr 1 day       | Social care
"""


def directory(spec: str) -> list[DirectoryService]:
    made = []
    for index, item in enumerate(filter(None, spec.split(";")), start=1):
        name, rest = item.split(":")
        kind, km, hours = rest.split()
        made.append(
            service(
                index,
                name.strip(),
                float(km),
                type=ServiceType(kind),
                hours=ServiceHours.always_open() if hours == "24/7" else ServiceHours.default(),
            )
        )
    return made


def joined(table: str) -> list[list[str]]:
    """Rows of a table whose cells may continue on the next line (first cell left blank)."""
    out: list[list[str]] = []
    for row in rows(table):
        if row[0]:
            out.append(row)
        else:
            out[-1] = [a + (" " if a and b else "") + b for a, b in zip(out[-1], row, strict=True)]
    return out


@pytest.mark.parametrize("destination, spec, named", joined(REDIRECTS))
def test_a_redirect_names_the_nearest_open_service_of_the_destinations_kind(
    destination, spec, named
):
    """Destination -> kinds of service (DESTINATION_SERVICE_TYPES); then open, not red, nearest."""
    found = redirect_target(
        directory(spec), Destination(destination), now=local("2026-03-10 10:00"), near=PERSON
    )
    assert found.service is not None and found.service.service.name == named
    assert found.fallback is None


def test_a_999_redirect_says_call_999_first_and_names_the_receiving_department():
    """999 and stroke: the instruction to call 999 comes before any named service."""
    found = redirect_target(
        directory("ED: emergency_department 12 24/7"),
        Destination.STROKE_PATHWAY,
        now=local("2026-03-10 10:00"),
    )
    assert found.call_first.startswith("Call 999")


def test_when_nothing_is_open_the_redirect_says_whom_to_call_and_who_opens_next():
    """At 22:00 no day service is open: call NHS 111, and the one that opens soonest is named."""
    services = directory("Far DN: community_nursing 9 day; Near DN: community_nursing 2 day") + [
        service(
            3,
            "Weekend DN",
            1,
            type=ServiceType.COMMUNITY_NURSING,
            hours=ServiceHours.from_config(
                {"weekly": {d: ([] if d != "saturday" else ["08:00-20:00"]) for d in DAYS}}
            ),
        )
    ]
    found = redirect_target(
        services, Destination.COMMUNITY_NURSING, now=local("2026-03-10 22:00"), near=PERSON
    )
    assert found.service is None
    assert found.opens_next.service.name == "Near DN"
    assert found.fallback == (
        "No open service found: call NHS 111. Near DN opens Wed 11 Mar 08:00."
    )


def test_a_gp_redirect_prefers_the_persons_own_practice():
    """The person's own GP practice (by ODS code) comes before a nearer practice."""
    services = [
        service(1, "Nearer Surgery", 1, type=ServiceType.GP_PRACTICE, ods_code="V81001"),
        service(2, "Own Surgery", 5, type=ServiceType.GP_PRACTICE, ods_code="V81002"),
    ]
    found = redirect_target(
        services, Destination.GP, now=local("2026-03-10 10:00"), near=PERSON, home_ods="V81002"
    )
    assert found.service.service.name == "Own Surgery"


def test_a_red_service_is_never_named_by_a_redirect():
    """The nearest crisis service is RED, so the next nearest open one is named."""
    services = directory("Near: mental_health_crisis 1 24/7; Far: mental_health_crisis 8 24/7")
    now = local("2026-03-10 10:00")
    services[0] = DirectoryService(
        **{**services[0].__dict__, "capacity": CapacityUpdate(Capacity.RED, now, "lead")}
    )
    found = redirect_target(services, Destination.MENTAL_HEALTH_CRISIS_LINE, now=now, near=PERSON)
    assert found.service.service.name == "Far"


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def test_referral_routes_are_checked():
    """A phone route is a phone number, an email route an address, an API route https."""
    assert ReferralRoute("email", "ucr.referrals@nhs.net").kind is RouteKind.EMAIL
    for kind, value in (("phone", "call us"), ("email", "nobody"), ("api", "http://x")):
        with pytest.raises(ValidationError):
            ReferralRoute(kind, value)

"""The Directory of Services over the JSON API and FHIR: search, read, service-lead edits,
capacity, who is refused, and the open destination a redirected referral names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class

from avert.domain import directory as dos
from avert.domain.service_hours import ServiceHours
from avert.domain.vocab import ConditionNeed
from avert.fhir.capability import MEDIA_TYPE
from avert.fhir.healthcare_service import DOS_SERVICE_TYPE, SERVICE_TYPE
from avert.fhir.location import DIRECTORY_SERVICE_ID
from avert.services import directory
from tests.factories import referral_body


# The cast's teams are at 52.63, -1.13 (locality "City"); the clock is Tue 10 Mar 2026 14:00 UTC.
CITY = (52.63, -1.13)


def km_north(km: float) -> tuple[float, float]:
    return CITY[0] + km / 111.2, CITY[1]


def add(database, clock, name, kind, km, hours, **more) -> int:
    lat, lon = km_north(km) if km is not None else (None, None)
    service = dos.DirectoryService(
        id=0,
        name=name,
        type=kind,
        hours=hours,
        route=more.pop("route", dos.ReferralRoute(dos.RouteKind.PHONE, "0116 496 0100")),
        lat=lat,
        lon=lon,
        phone="0116 496 0101",
        **more,
    )
    return directory.create_service(database, service, by="setup", now=clock.at).id


@pytest.fixture
def services(app, database, clock) -> dict[str, int]:
    """A small directory: crisis teams, a GP practice, an ED, community nursing."""
    weekdays = ServiceHours.from_config(
        {
            "weekly": {
                **{d: ["08:00-18:30"] for d in ("monday", "tuesday", "wednesday")},
                **{d: ["08:00-18:30"] for d in ("thursday", "friday")},
                "saturday": [],
                "sunday": [],
            },
            "bank_holidays": ["2026-05-25"],
            "bank_holiday_sessions": [],
        }
    )
    always = ServiceHours.always_open()
    return {
        "crisis near": add(
            database, clock, "Near Crisis Team", dos.ServiceType.MENTAL_HEALTH_CRISIS, 1, always
        ),
        "crisis far": add(
            database, clock, "Far Crisis Team", dos.ServiceType.MENTAL_HEALTH_CRISIS, 8, always
        ),
        "surgery": add(
            database,
            clock,
            "Canal Surgery",
            dos.ServiceType.GP_PRACTICE,
            2,
            weekdays,
            ods_code="V81001",
            organisation="Canal Surgery",
            postcode="AV1 2AB",
        ),
        "ed": add(database, clock, "City ED", dos.ServiceType.EMERGENCY_DEPARTMENT, 5, always),
        "nursing": add(
            database,
            clock,
            "City Community Nursing",
            dos.ServiceType.COMMUNITY_NURSING,
            3,
            ServiceHours.default(),
            needs=frozenset({ConditionNeed.CATHETER_CARE}),
            min_age=18,
        ),
        "no place": add(
            database, clock, "Phone Line Only", dos.ServiceType.VOLUNTARY_SECTOR, None, always
        ),
    }


def service_body(**changes) -> dict:
    body = {
        "name": "Falls Friends",
        "type": "voluntary_sector",
        "lat": 52.64,
        "lon": -1.13,
        "needs": ["fall"],
        "min_age": 65,
        "hours": {
            "weekly": {
                d: ["09:00-17:00"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
            },
            "bank_holidays": ["2026-05-25"],
            "bank_holiday_sessions": [],
        },
        "route": {"kind": "email", "value": "falls@friends.example"},
        "phone": "0116 496 0200",
    }
    return body | changes


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_a_coordinator_searches_by_need_place_and_opening(client, services):
    """Near "City", open now, for catheter care at 80: nursing and the 24/7 services, nearest
    first; each result says how far, until when, and its capacity."""
    found = client.get(
        "/api/directory/services", params={"need": "catheter_care", "near": "City", "age": 80}
    )
    assert names(found) == [
        "Near Crisis Team",
        "Canal Surgery",
        "City Community Nursing",
        "City ED",
        "Far Crisis Team",
        "Phone Line Only",
    ]
    nursing = found.json()["items"][2]
    assert nursing["distance_km"] == pytest.approx(3.0, abs=0.1)
    assert nursing["reasons"] == ["3.0 km away", "open until 20:00", "Green: taking referrals"]
    assert nursing["today"] == ["08:00-20:00"]
    assert nursing["route"] == {"kind": "phone", "value": "0116 496 0100"}
    too_young = client.get(
        "/api/directory/services", params={"need": "catheter_care", "near": "City", "age": 12}
    )
    assert "City Community Nursing" not in names(too_young)


def test_open_now_can_be_turned_off_to_see_closed_services_after_them(client, clock, services):
    """At 21:00 the surgery and nursing are closed: hidden, or listed after the open ones."""
    clock.set(clock.at.replace(hour=21))
    assert "Canal Surgery" not in names(client.get("/api/directory/services"))
    every = client.get("/api/directory/services", params={"open_now": "false", "near": "City"})
    listed = names(every)
    assert listed[-2:] == ["Canal Surgery", "City Community Nursing"]
    assert every.json()["items"][-1]["opens_next"] is not None


def test_an_unknown_place_is_a_problem_naming_the_field(client, services):
    """A place Avert cannot find: 422 in the one error shape, naming `near`."""
    response = client.get("/api/directory/services", params={"near": "Atlantis"})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "near"


def test_one_service_is_read_with_its_sessions_and_capacity(client, services):
    """GET one service: its sessions (ServiceHours config), DoS type id and capacity now."""
    response = client.get(f"/api/directory/services/{services['surgery']}")
    assert response.status_code == 200
    body = response.json()
    assert body["dos_service_type"] == 100
    assert body["hours"]["bank_holiday_sessions"] == []
    assert (body["capacity_now"], body["capacity_history"]) == ("green", [])
    missing = client.get("/api/directory/services/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_a_service_lead_adds_and_edits_a_service_by_compare_and_set(as_user, services):
    """Create (201), edit from version 1 (200, version 2), edit again from 1 (409)."""
    lead = as_user("sergio")
    created = lead.post("/api/directory/services", json=service_body())
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]
    assert created.headers["Location"] == f"/api/directory/services/{service_id}"
    url = f"/api/directory/services/{service_id}"
    edited = lead.put(url, json=service_body(name="Falls Friends North", expected_version=1))
    assert (edited.status_code, edited.json()["version"]) == (200, 2)
    stale = lead.put(url, json=service_body(name="Lost update", expected_version=1))
    assert stale.status_code == 409
    assert stale.json()["error"]["problems"][0]["field"] == "expected_version"
    assert lead.get(url).json()["name"] == "Falls Friends North"


def test_a_service_with_impossible_sessions_is_refused_naming_the_field(as_user, services):
    """A session that ends before it starts: 422 naming hours.weekly.monday."""
    body = service_body()
    body["hours"]["weekly"]["monday"] = ["18:00-09:00"]
    response = as_user("sergio").post("/api/directory/services", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "hours.weekly.monday"


def test_a_red_service_disappears_from_search_and_returns_after_the_reset(
    as_user, client, clock, services
):
    """Sergio sets the near crisis team RED: gone from Sam's search until 240 minutes pass."""
    lead = as_user("sergio")
    url = f"/api/directory/services/{services['crisis near']}/capacity"
    response = lead.post(url, json={"status": "red", "note": "All staff on calls"})
    assert response.status_code == 200, response.text
    history = response.json()["capacity_history"]
    assert [(h["status"], h["set_by"], h["note"]) for h in history] == [
        ("red", "Sergio Lead", "All staff on calls")
    ]
    assert history[0]["resets_at"].startswith("2026-03-10T18:00:00")  # 14:00 + 240 min
    assert "Near Crisis Team" not in names(client.get("/api/directory/services"))
    clock.set(clock.at + timedelta(minutes=240))
    assert "Near Crisis Team" in names(client.get("/api/directory/services"))


@pytest.mark.parametrize("username", ["sam", "olu", "ana"])
def test_staff_who_are_not_service_leads_may_read_but_not_edit(as_user, services, username):
    """Coordinators, clinicians and analysts read the directory; their edits are refused."""
    other = as_user(username)
    assert other.get("/api/directory/services").status_code == 200
    assert other.post("/api/directory/services", json=service_body()).status_code == 403
    capacity = other.post(
        f"/api/directory/services/{services['ed']}/capacity", json={"status": "red"}
    )
    assert capacity.status_code == 403


@pytest.mark.parametrize("username", ["adam", "pia"])
def test_the_administrator_and_privacy_officer_do_not_see_the_directory(
    as_user, services, username
):
    """DIRECTORY_READ is not theirs: 403 on the JSON API and on FHIR."""
    other = as_user(username)
    assert other.get("/api/directory/services").status_code == 403
    assert other.get(f"/fhir/HealthcareService/{services['ed']}").status_code == 403


def test_api_clients_need_the_directory_read_scope(as_client, anonymous, services):
    """A system with only referral:read is refused; no sign-in at all is 401."""
    assert as_client("readonly").get("/api/directory/services").status_code == 403
    assert anonymous.get("/api/directory/services").status_code == 401


# --------------------------------------------------------------------------- redirects


def test_a_redirected_referral_names_the_nearest_open_destination(client, as_user, services):
    """A mental-health crisis is redirected; reading it names the nearest open crisis team with
    its phone and route; when that team is RED the next one is named."""
    created = client.post("/api/referrals", json=referral_body(red_flags=["mental_health_crisis"]))
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["triage"]["destination"] == "mental_health_crisis_line"
    assert view["redirect_to"]["service"]["name"] == "Near Crisis Team"
    url = f"/api/referrals/{view['id']}"
    redirect = client.get(url).json()["redirect_to"]
    assert redirect["found"] is True
    assert redirect["service"]["phone"] == "0116 496 0101"
    assert redirect["service"]["open_now"] is True
    as_user("sergio").post(
        f"/api/directory/services/{services['crisis near']}/capacity", json={"status": "red"}
    )
    assert client.get(url).json()["redirect_to"]["service"]["name"] == "Far Crisis Team"


def test_with_nothing_open_a_gp_redirect_says_whom_to_call_and_who_opens_next(
    client, clock, services
):
    """At 21:00 the only practice is closed: call NHS 111; Canal Surgery opens at 08:00."""
    clock.set(clock.at.replace(hour=21))
    body = referral_body(need="other", need_text="Repeat prescription", stated_urgency="routine")
    created = client.post("/api/referrals", json=body).json()
    assert created["triage"]["destination"] == "gp"
    redirect = created["redirect_to"]
    assert redirect["found"] is False
    assert redirect["fallback"] == (
        "No open service found: call NHS 111. Canal Surgery opens Wed 11 Mar 08:00."
    )


def test_a_referral_that_is_not_redirected_has_no_redirect_destination(client, services):
    """A 2-hour crisis referral: redirect_to is null."""
    created = client.post("/api/referrals", json=referral_body()).json()
    assert created["triage"]["disposition"] != "redirect"
    assert created["redirect_to"] is None


# --------------------------------------------------------------------------- FHIR


def valid(resource: dict) -> None:
    """Fail unless the resource is valid FHIR (fhir.resources R4B models)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_a_service_is_a_valid_healthcare_service_with_its_location(client, services):
    """GET /fhir/HealthcareService/{id} and its Location: valid, with ODS, hours and holidays."""
    response = client.get(f"/fhir/HealthcareService/{services['surgery']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    resource = response.json()
    valid(resource)
    assert resource["providedBy"]["identifier"]["value"] == "V81001"
    assert {"system": DOS_SERVICE_TYPE, "code": "100"} in resource["type"][0]["coding"]
    assert resource["availableTime"] == [
        {
            "daysOfWeek": ["mon", "tue", "wed", "thu", "fri"],
            "availableStartTime": "08:00:00",
            "availableEndTime": "18:30:00",
        }
    ]
    assert resource["notAvailable"][0]["description"] == "Bank holiday: closed"
    location = client.get("/fhir/" + resource["location"][0]["reference"])
    assert location.status_code == 200
    valid(location.json())
    assert location.json()["address"]["postalCode"] == "AV1 2AB"
    assert client.get(f"/fhir/Location/{services['no place']}").status_code == 404


def test_a_red_service_says_so_in_its_capacity_extension(as_user, client, services):
    """The capacity status in force travels as an Avert extension, with its reset time."""
    as_user("sergio").post(
        f"/api/directory/services/{services['ed']}/capacity", json={"status": "amber"}
    )
    resource = client.get(f"/fhir/HealthcareService/{services['ed']}").json()
    valid(resource)
    parts = {e["url"]: e for e in resource["extension"][0]["extension"]}
    assert parts["status"]["valueCoding"]["code"] == "amber"
    assert "resetsAt" in parts


def test_healthcare_services_are_searched_by_type_active_location_and_identifier(client, services):
    """Searches answer searchsets of valid resources, each filter narrowing the last."""

    def ids(params) -> list[int]:
        response = client.get("/fhir/HealthcareService", params=params)
        assert response.status_code == 200, response.text
        bundle = response.json()
        valid(bundle)
        return sorted(int(e["resource"]["id"]) for e in bundle.get("entry", []))

    crisis = sorted([services["crisis near"], services["crisis far"]])
    assert ids({"service-type": "mental_health_crisis"}) == crisis
    assert ids({"service-type": f"{SERVICE_TYPE}|mental_health_crisis", "active": "true"}) == crisis
    assert ids({"service-type": f"{DOS_SERVICE_TYPE}|105"}) == [services["ed"]]
    assert ids({"location": f"Location/{services['ed']}"}) == [services["ed"]]
    assert ids({"identifier": f"{DIRECTORY_SERVICE_ID}|{services['ed']}"}) == [services["ed"]]
    assert ids({"identifier": "https://fhir.nhs.uk/Id/ods-organization-code|V81001"}) == [
        services["surgery"]
    ]
    assert ids({"name": "city"}) == sorted([services["ed"], services["nursing"]])
    assert ids({"active": "false"}) == []


def test_locations_are_searched_and_bad_searches_are_operation_outcomes(client, services):
    """Location by postcode; an unknown parameter or a bad active flag is a 400."""
    response = client.get("/fhir/Location", params={"address-postalcode": "AV1"})
    assert [e["resource"]["name"] for e in response.json()["entry"]] == ["Canal Surgery"]
    for params in ({"colour": "blue"}, {"active": "maybe"}):
        bad = client.get("/fhir/HealthcareService", params=params)
        assert bad.status_code == 400
        assert bad.json()["resourceType"] == "OperationOutcome"


# --------------------------------------------------------------------------- pages


def edit_form(service_id: int, version: int, **changes) -> dict:
    form = {
        "version": str(version),
        "name": "City Community Nursing",
        "type": "community_nursing",
        **{f"day_{d}": "08:00-20:00" for d in DAYS},
        "holiday_mode": "weekday",
        "route_kind": "phone",
        "route_value": "0116 496 0100",
        "min_age": "18",
        "needs": ["catheter_care"],
        "active": "yes",
    }
    return form | changes


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def test_two_service_leads_editing_at_once_the_second_is_shown_the_current_version(
    as_user, services
):
    """Both open the edit page at version 1; the first save wins (303), the second is refused
    (409) and shown the service as it now is, with nothing overwritten."""
    first, second = as_user("sergio"), as_user("sergio")
    url = f"/directory/{services['nursing']}/edit"
    assert first.get(url).status_code == second.get(url).status_code == 200
    saved = first.post(
        url,
        data=edit_form(services["nursing"], 1, day_sunday="", holiday_mode="closed"),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    late = second.post(url, data=edit_form(services["nursing"], 1, name="Lost"))
    assert late.status_code == 409
    assert "Someone else changed this service" in late.text
    shown = first.get(f"/directory/{services['nursing']}").text
    assert "City Community Nursing" in shown and "Lost" not in shown
    assert 'Bank holidays</td><td class="nhsuk-table__cell">Closed' in shown


def test_directory_pages_answer_404_for_a_service_that_does_not_exist(client, services):
    """An unknown id, however large: 404, never a server error."""
    for path in ("/directory/999999", "/directory/99999999999999999999"):
        assert client.get(path).status_code in (404, 422)


def test_the_new_service_page_is_for_service_leads_and_names_a_wrong_field(
    as_user, client, services
):
    """A coordinator is refused; a lead's bad postcode is a 422 naming the postcode field."""
    assert client.get("/directory/new").status_code == 403
    lead = as_user("sergio")
    assert lead.get("/directory/new").status_code == 200
    form = edit_form(0, 0, name="Falls Pick-up", postcode="not a postcode")
    refused = lead.post("/directory/new", data=form)
    assert refused.status_code == 422
    assert 'href="#postcode"' in refused.text
    added = lead.post(
        "/directory/new", data=edit_form(0, 0, name="Falls Pick-up"), follow_redirects=False
    )
    assert added.status_code == 303 and added.headers["location"].startswith("/directory/")

"""The shared care record's rules, and what the crisis plan and transfer summary say, as tables.

Sources: the issue (sections, main carer and their contingency plan, ReSPECT summary, consent to
share), DOMAIN.md 3.5 (ReSPECT: the CPR recommendation is one of two statements, dated) and 3.6
(Red Bag: medications, allergies, wishes, the current concern, the reason for transfer, consent
to share), and docs/care-record.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from avert.domain import care_record as rules
from avert.domain.care_record import Section, SectionInvalid, Setting
from avert.domain.errors import ValidationError
from avert.domain.service_hours import ServiceHours


TODAY = date(2026, 3, 10)


def table(text: str) -> list[list[str]]:
    """The rows of a small ASCII table: cells split on "|", the header and rule lines dropped."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return [[cell.strip() for cell in line.split("|")] for line in lines[2:] if line]


def _contact(**overrides) -> dict:
    return {
        "name": "Ann Smith",
        "role": "carer",
        "relationship": "daughter",
        "phone": "07700 900123",
        "main_carer": False,
        "contingency_plan": "",
        **overrides,
    }


VALID = {
    Section.ACCESS: {"key_safe": True, "key_safe_details": "Back door", "entry": "", "hazards": ""},
    Section.CONTACTS: {"contacts": [_contact(main_carer=True)]},
    Section.MEDICATIONS: {
        "medications": [{"name": "Paracetamol", "dose": "1 g", "route": "oral", "frequency": "qds"}]
    },
    Section.ALLERGIES: {
        "no_known_allergies": False,
        "allergies": [{"substance": "Penicillin", "reaction": "Rash", "severity": "severe"}],
    },
    Section.CONDITIONS: {"conditions": [{"name": "COPD", "note": ""}]},
    Section.ADVANCE_CARE_PLAN: {
        "preferred_place_of_care": "home",
        "resuscitation": "cpr_not_recommended",
        "care_focus": "comfort",
        "what_matters_to_me": "My garden",
        "date_recorded": "2026-01-05",
        "form_location": "Fridge",
    },
    Section.COMMUNICATION: {"language": "English", "interpreter_needed": False, "needs": ""},
    Section.RISKS: {"flags": [{"kind": "falls", "detail": "Two falls"}]},
    Section.CONSENT: {"status": "given", "decided_by": "person", "date": "2026-01-05", "note": ""},
}


@pytest.mark.parametrize("section", list(Section))
def test_every_section_has_a_valid_example_that_passes_unchanged(section):
    """The examples the other tables change one thing in are themselves valid."""
    assert rules.validate(section, VALID[section], today=TODAY) == VALID[section]


# Each case changes one thing in the valid example of its section.
CASES = {
    "details, no key safe": ("access", {"key_safe": False}),
    "friend as main carer": ("contacts", {"contacts": [_contact(role="friend", main_carer=True)]}),
    "two main carers": (
        "contacts",
        {"contacts": [_contact(main_carer=True), _contact(main_carer=True)]},
    ),
    "plan for a non-carer": (
        "contacts",
        {"contacts": [_contact(role="family", contingency_plan="Son")]},
    ),
    "phone is words": ("contacts", {"contacts": [_contact(phone="ring Ann")]}),
    "contact without name": ("contacts", {"contacts": [_contact(name="")]}),
    "unknown role": ("contacts", {"contacts": [_contact(role="aunt")]}),
    "medicine, no dose": (
        "medications",
        {"medications": [{"name": "X", "dose": "", "route": "oral", "frequency": "od"}]},
    ),
    "unknown route": (
        "medications",
        {"medications": [{"name": "X", "dose": "1", "route": "post", "frequency": "od"}]},
    ),
    "NKA and an allergy": ("allergies", {"no_known_allergies": True}),
    "allergy, no severity": (
        "allergies",
        {"allergies": [{"substance": "Nuts", "reaction": "", "severity": ""}]},
    ),
    "CPR decision undated": ("advance_care_plan", {"date_recorded": None}),
    "dated tomorrow": ("advance_care_plan", {"date_recorded": "2026-03-11"}),
    "30 February": ("advance_care_plan", {"date_recorded": "2026-02-30"}),
    "unknown CPR code": ("advance_care_plan", {"resuscitation": "dnacpr"}),
    "interpreter, English": ("communication", {"interpreter_needed": True}),
    "no language": ("communication", {"language": ""}),
    "risk without detail": ("risks", {"flags": [{"kind": "falls", "detail": ""}]}),
    "given by nobody": ("consent", {"decided_by": None}),
    "given undated": ("consent", {"date": None}),
    "not asked, decided": ("consent", {"status": "not_asked"}),
    "no consent status": ("consent", {"status": ""}),
    "a field it lacks": ("consent", {"shoe_size": 9}),
}

REFUSED = """
case                 | field                       | message (its start)
---------------------+-----------------------------+-------------------------------------------
details, no key safe | key_safe_details            | give key safe details only when there is
friend as main carer | contacts-0-main_carer       | only an unpaid carer can be the main carer
two main carers      | contacts                    | only one contact can be the main carer
plan for a non-carer | contacts-0-contingency_plan | a contingency plan belongs to a carer
phone is words       | contacts-0-phone            | must be a telephone number
contact without name | contacts-0-name             | is required
unknown role         | contacts-0-role             | is not one of the choices
medicine, no dose    | medications-0-dose          | is required
unknown route        | medications-0-route         | is not one of the choices
NKA and an allergy   | no_known_allergies          | cannot be ticked when allergies are listed
allergy, no severity | allergies-0-severity        | is required
CPR decision undated | date_recorded               | give the date of the ReSPECT recommendation
dated tomorrow       | date_recorded               | cannot be in the future
30 February          | date_recorded               | must be a real date (YYYY-MM-DD)
unknown CPR code     | resuscitation               | is not one of the choices
interpreter, English | language                    | name the language the interpreter is for
no language          | language                    | is required
risk without detail  | flags-0-detail              | is required
given by nobody      | decided_by                  | say who gave or refused consent
given undated        | date                        | give the date consent was given or refused
not asked, decided   | status                      | consent not asked has no decision-maker
no consent status    | status                      | is required
a field it lacks     | shoe_size                   | is not a field of this section
"""


@pytest.mark.parametrize(("case", "field", "message"), table(REFUSED))
def test_what_the_record_refuses_and_what_it_says(case, field, message):
    """Each case changes one thing in a valid section; the message names the field only."""
    section, changes = CASES[case]
    data = {**VALID[Section(section)], **changes}
    with pytest.raises(SectionInvalid) as refused:
        rules.validate(Section(section), data, today=TODAY)
    assert refused.value.problems[field].startswith(message)


def test_every_case_in_the_table_is_a_case():
    """The table and the cases agree, so no row is silently skipped."""
    assert [row[0] for row in table(REFUSED)] == list(CASES)


def test_text_is_tidied_and_a_date_is_kept_in_iso_form():
    """Short fields lose doubled spaces; dates are YYYY-MM-DD."""
    data = {**VALID[Section.CONSENT], "note": "  by   phone ", "date": "2026-01-05"}
    assert rules.validate(Section.CONSENT, data, today=TODAY)["note"] == "by phone"


REASONS = """
reason                    | accepted
--------------------------+---------
Checked with the daughter | yes
ok                        | no
(blank)                   | no
"""


@pytest.mark.parametrize(("reason", "accepted"), table(REASONS))
def test_every_change_says_why(reason, accepted):
    """A reason of a few characters at least is required for every change."""
    text = "" if reason == "(blank)" else reason
    if accepted == "yes":
        assert rules.check_reason(text) == text
    else:
        with pytest.raises(ValidationError, match="say why"):
            rules.check_reason(text)


def test_a_form_becomes_section_data_with_blank_rows_dropped_and_ticks_as_booleans():
    """List rows are `<list>-<n>-<field>`; an empty row is dropped; a sent checkbox is true."""
    form = {
        "contacts-0-name": "Ann",
        "contacts-0-role": "carer",
        "contacts-0-phone": "07700 900123",
        "contacts-0-main_carer": "yes",
        "contacts-1-name": " ",
        "contacts-1-role": "",
        "csrf_token": "x",
        "reason": "Because",
    }
    assert rules.from_form(Section.CONTACTS, form) == {
        "contacts": [
            {
                "name": "Ann",
                "role": "carer",
                "relationship": "",
                "phone": "07700 900123",
                "main_carer": True,
                "contingency_plan": "",
            }
        ]
    }
    assert rules.from_form(Section.ACCESS, {"entry": "Back"})["key_safe"] is False


# ------------------------------------------------------------------------------ documents

PERSON = rules.PersonFacts(
    name="Edna Smith",
    nhs_number="9990000018",
    date_of_birth=date(1941, 3, 9),
    sex="female",
    address="1 Mill Lane, LE1 5WW",
    gp_practice="Mill Lane Surgery (A81001)",
)
SERVICE = rules.ServiceContacts("City UCR team", "01632 960000", "every day 08:00-20:00")


def _lines(document: rules.Document, heading: str) -> list[tuple[str, str]]:
    block = next(b for b in document.blocks if b.heading == heading)
    return [(i.label, i.text) for i in block.items]


def test_the_crisis_plan_says_who_to_call_and_when():
    """999, the UCR team in its hours, NHS 111 after hours, the GP, the carers' service."""
    record = {
        "contacts": {
            "contacts": [
                _contact(main_carer=True, contingency_plan="Her brother stays over"),
                _contact(name="Carers Line", role="carers_emergency_service", phone="0116 4960999"),
            ]
        }
    }
    plan = rules.crisis_plan(PERSON, record, SERVICE)
    assert [text for _, text in _lines(plan, "Who to call and when")] == [
        "Call 999",
        "City UCR team: 01632 960000",
        "NHS 111 (call 111, or go to 111.nhs.uk)",
        "Mill Lane Surgery (A81001)",
        "Carers Line: 0116 4960999",
    ]
    steps = [text for _, text in _lines(plan, "If things get worse")]
    assert steps[-1] == "If Ann Smith (main carer) is ill or cannot come: Her brother stays over"


GAPS = """
the record has                                    | the crisis plan warns (the start of each)
--------------------------------------------------+------------------------------------------
nothing                                           | Allergies are not / No advance care plan
allergies, advance care plan                      | (nothing)
allergies, advance care plan, main carer, no plan | The main carer has no contingency plan
"""


@pytest.mark.parametrize(("has", "warns"), table(GAPS))
def test_the_crisis_plan_names_what_is_missing(has, warns):
    """Gaps a carer or a crew should know about are printed at the top."""
    record = {}
    if "allergies" in has:
        record["allergies"] = VALID[Section.ALLERGIES]
    if "advance care plan" in has:
        record["advance_care_plan"] = VALID[Section.ADVANCE_CARE_PLAN]
    if "main carer" in has:
        record["contacts"] = {"contacts": [_contact(main_carer=True)]}
    expected = [] if warns == "(nothing)" else [w.strip() for w in warns.split(" / ")]
    gaps = rules.crisis_plan(PERSON, record, SERVICE).gaps
    assert len(gaps) == len(expected)
    assert all(gap.startswith(start) for gap, start in zip(gaps, expected, strict=True))


def test_with_a_round_the_clock_team_111_is_for_when_the_line_is_busy():
    """A 24/7 team has no "outside those hours"."""
    always = rules.ServiceContacts("County UCR team", "01632 960001", "every day 24 hours")
    labels = [
        label for label, _ in _lines(rules.crisis_plan(PERSON, {}, always), "Who to call and when")
    ]
    assert "If you cannot get through" in labels and "Outside those hours" not in labels


def test_the_crisis_plan_tells_the_crew_where_the_respect_form_is():
    """A ReSPECT recommendation is shown with where the form is kept."""
    plan = rules.crisis_plan(
        PERSON, {"advance_care_plan": VALID[Section.ADVANCE_CARE_PLAN]}, SERVICE
    )
    steps = _lines(plan, "If things get worse")
    assert (
        "3",
        "Show the ambulance crew or doctor the ReSPECT form: CPR attempts NOT recommended."
        " It is kept: Fridge.",
    ) in steps


def test_the_transfer_summary_carries_the_red_bag_contents():
    """Reason for transfer, medications, allergies, wishes, observations, episode, contacts."""
    episode = rules.EpisodeFacts(
        referral_id=12,
        received_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        need="Fall",
        need_text="On the floor overnight",
        response="2-hour crisis response",
        state="Accepted",
        team_name="City UCR team",
        actions=("Equipment: commode (owner Olu)",),
    )
    observed = rules.ObservationFacts(
        recorded_at=datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
        recorded_by="Nia Evans",
        news2_total=7,
        news2_band="high",
        values=(("RR", "24/min"), ("SpO2", "91%")),
    )
    record = {s.value: VALID[s] for s in Section}
    summary = rules.transfer_summary(
        PERSON,
        record,
        episode=episode,
        observations=(observed,),
        from_setting=Setting.HOME,
        to_setting=Setting.HOSPITAL,
        reason="NEWS2 7 after a fall",
    )
    headings = [b.heading for b in summary.blocks]
    assert headings == [
        "Transfer",
        "About me",
        "Allergies",
        "Medications",
        "Advance wishes",
        "Current episode",
        "Recent observations",
        "Long-term conditions",
        "Communication and language",
        "Risk and safeguarding",
        "Address and access",
        "Contacts and carers",
    ]
    assert ("Reason for transfer", "NEWS2 7 after a fall") in _lines(summary, "Transfer")
    assert ("Penicillin", "Severe: Rash") in _lines(summary, "Allergies")
    assert ("Paracetamol", "1 g, by mouth, qds") in _lines(summary, "Medications")
    assert _lines(summary, "Recent observations") == [
        ("10 Mar 2026 10:00 UTC by Nia Evans", "NEWS2 7 (high); RR 24/min, SpO2 91%")
    ]
    assert ("Current health concern", "Fall: On the floor overnight") in _lines(
        summary, "Current episode"
    )
    assert summary.gaps == ()


SUMMARY_GAPS = """
allergies    | medications  | consent   | the summary warns (its start)
-------------+--------------+-----------+------------------------------------------------------
not recorded | recorded     | given     | Allergies are not recorded: ask before giving any
recorded     | not recorded | given     | Medications are not recorded: send the medicines
recorded     | recorded     | not_asked | Consent to share has not been asked: share under
recorded     | recorded     | refused   | The person refused consent to share: share only what
"""


@pytest.mark.parametrize(("allergies", "medications", "consent", "warns"), table(SUMMARY_GAPS))
def test_the_transfer_summary_warns_what_the_next_setting_must_check(
    allergies, medications, consent, warns
):
    """Missing allergies or medications, and consent not given, are said at the top."""
    record = {"consent": {**VALID[Section.CONSENT], "status": consent}}
    if consent == "not_asked":
        record["consent"].update(decided_by=None, date=None)
    if allergies == "recorded":
        record["allergies"] = VALID[Section.ALLERGIES]
    if medications == "recorded":
        record["medications"] = VALID[Section.MEDICATIONS]
    summary = rules.transfer_summary(
        PERSON,
        record,
        episode=None,
        observations=(),
        from_setting=Setting.CARE_HOME,
        to_setting=Setting.HOSPITAL,
        reason="Fall",
    )
    assert len(summary.gaps) == 1 and summary.gaps[0].startswith(warns)


def test_the_compact_summary_is_what_nobody_should_ask_twice():
    """Allergies, ReSPECT, access, main carer, risks, communication in a line each."""
    record = {s.value: VALID[s] for s in Section}
    assert rules.summary(record) == {
        "allergies": "Penicillin (severe)",
        "allergy_alert": True,
        "respect": "CPR attempts NOT recommended (ReSPECT 2026-01-05)",
        "cpr_not_recommended": True,
        "access": "Key safe: Back door",
        "main_carer": "Ann Smith (07700 900123)",
        "communication": "English",
        "risks": ["High risk of falls: Two falls"],
    }
    assert rules.summary({})["allergies"] == "Not recorded"


HOURS = """
hours                                           | in words
------------------------------------------------+-----------------------------------------------
the NHSE minimum                                | every day 08:00-20:00
always open                                     | every day 24 hours
"""


@pytest.mark.parametrize(("hours", "words"), table(HOURS))
def test_the_teams_hours_are_said_plainly(hours, words):
    """The crisis plan prints the team's weekly hours."""
    found = ServiceHours.default() if hours == "the NHSE minimum" else ServiceHours.always_open()
    assert rules.hours_in_words(found) == words

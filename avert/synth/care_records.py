"""Plausible shared care records for the synthetic area's people with an open referral.

Seeded by the area's seed and the person's NHS number, so the same area always gets the same
records. Each record fits the presenting need (a palliative crisis has a ReSPECT recommendation
of comfort care, a catheter problem a long-term catheter, diabetes its medicines, a carer
breakdown a main carer without a contingency plan). Telephone numbers are from Ofcom's ranges
for drama (07700 900xxx, 0116 496 0xxx), so none is a real number. Every section is checked by
`avert.domain.care_record.validate` before it is returned.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from avert.domain.care_record import Section, validate
from avert.synth.model import Area, Person


GIVEN = ("Ann", "Mark", "Susan", "David", "Priya", "Tom", "Grace", "Imran", "Helen", "Joe")
RELATIONSHIPS = ("daughter", "son", "wife", "husband", "niece", "neighbour")
LANGUAGES = ("Polish", "Gujarati", "Punjabi", "Urdu", "Romanian")
CONDITIONS = {
    "fall": ["Osteoarthritis", "Postural hypotension"],
    "frailty_decompensation": ["Heart failure", "Chronic kidney disease stage 3"],
    "reduced_function": ["Parkinson's disease"],
    "palliative_crisis": ["Metastatic lung cancer"],
    "urgent_equipment": ["Stroke with left-sided weakness"],
    "confusion_delirium": ["Alzheimer's dementia"],
    "catheter_care": ["Long-term urinary catheter (retention)"],
    "diabetes_support": ["Type 2 diabetes"],
    "carer_breakdown": ["Vascular dementia"],
    "other": ["COPD"],
}
MEDICATIONS = {
    "palliative_crisis": [("Morphine sulfate", "2.5 mg", "subcutaneous", "when needed for pain")],
    "diabetes_support": [
        ("Metformin", "500 mg", "oral", "twice a day with food"),
        ("Insulin glargine", "14 units", "subcutaneous", "once a day at night"),
    ],
    "frailty_decompensation": [("Furosemide", "40 mg", "oral", "once a day in the morning")],
    "reduced_function": [("Co-careldopa", "25 mg/100 mg", "oral", "three times a day")],
    "confusion_delirium": [("Donepezil", "10 mg", "oral", "once a day at night")],
    "other": [("Salbutamol", "2 puffs", "inhaled", "when needed")],
}
COMMON_MEDICATIONS = [
    ("Paracetamol", "1 g", "oral", "four times a day when needed"),
    ("Amlodipine", "5 mg", "oral", "once a day"),
    ("Atorvastatin", "20 mg", "oral", "once a day at night"),
]
ALLERGENS = [("Penicillin", "Rash", "moderate"), ("Codeine", "Vomiting", "mild")]


def _phone(rng: random.Random, mobile: bool = True) -> str:
    return (
        f"07700 900{rng.randrange(1000):03d}" if mobile else f"0116 496 0{rng.randrange(1000):03d}"
    )


def care_record(person: Person, need: str, rng: random.Random, today: date) -> dict[str, dict]:
    """One person's record, section by section, fitting their presenting need."""
    carer_name = f"{rng.choice(GIVEN)} {person.family_name}"
    carer_breakdown = need == "carer_breakdown"
    contacts: list[dict[str, Any]] = [
        {
            "name": carer_name,
            "role": "carer",
            "relationship": rng.choice(RELATIONSHIPS),
            "phone": _phone(rng),
            "main_carer": True,
            "contingency_plan": ""
            if carer_breakdown
            else f"{rng.choice(GIVEN)} (a neighbour) has a key and can stay for a night",
        }
    ]
    if rng.random() < 0.5:
        contacts.append(
            {
                "name": "Carers' Emergency Response Service",
                "role": "carers_emergency_service",
                "relationship": "",
                "phone": _phone(rng, mobile=False),
                "main_carer": False,
                "contingency_plan": "",
            }
        )
    medicines = MEDICATIONS.get(need, []) + rng.sample(COMMON_MEDICATIONS, k=rng.randint(1, 2))
    allergies = rng.sample(ALLERGENS, k=1) if rng.random() < 0.3 else []
    palliative = need == "palliative_crisis"
    frail = palliative or rng.random() < 0.4
    risks = []
    if need == "fall" or rng.random() < 0.3:
        risks.append({"kind": "falls", "detail": "Fallen twice in the last three months"})
    if rng.random() < 0.2:
        risks.append({"kind": "animals", "detail": "A dog: ask for it to be shut away"})
    if need == "frailty_decompensation" and rng.random() < 0.5:
        risks.append({"kind": "home_oxygen", "detail": "Oxygen concentrator in the lounge"})
    interpreter = rng.random() < 0.1
    recorded = (today - timedelta(days=rng.randint(20, 400))).isoformat()
    sections = {
        Section.ACCESS: {
            "key_safe": person.residence.value != "care_home",
            "key_safe_details": "By the front door; the coordinator has the code"
            if person.residence.value != "care_home"
            else "",
            "entry": "Ring the bell and wait: slow to the door",
            "hazards": "Steep stairs to the bathroom" if rng.random() < 0.3 else "",
        },
        Section.CONTACTS: {"contacts": contacts},
        Section.MEDICATIONS: {
            "medications": [
                {"name": n, "dose": d, "route": r, "frequency": f} for n, d, r, f in medicines
            ]
        },
        Section.ALLERGIES: {
            "no_known_allergies": not allergies,
            "allergies": [{"substance": s, "reaction": r, "severity": v} for s, r, v in allergies],
        },
        Section.CONDITIONS: {
            "conditions": [{"name": c, "note": ""} for c in CONDITIONS.get(need, ["Hypertension"])]
        },
        Section.COMMUNICATION: {
            "language": rng.choice(LANGUAGES) if interpreter else "English",
            "interpreter_needed": interpreter,
            "needs": "Hard of hearing: hearing aid in the left ear" if rng.random() < 0.3 else "",
        },
        Section.RISKS: {"flags": risks},
        Section.CONSENT: {
            "status": "given",
            "decided_by": "lpa" if need in ("confusion_delirium", "carer_breakdown") else "person",
            "date": recorded,
            "note": "",
        },
    }
    if frail:
        sections[Section.ADVANCE_CARE_PLAN] = {
            "preferred_place_of_care": "home",
            "resuscitation": "cpr_not_recommended"
            if palliative
            else rng.choice(["cpr_recommended", "cpr_not_recommended"]),
            "care_focus": "comfort" if palliative else "balanced",
            "what_matters_to_me": "Staying at home with my family around me",
            "date_recorded": recorded,
            "form_location": "In the folder by the front door",
        }
    return {s.value: validate(s, data, today=today) for s, data in sections.items()}


def care_record_rows(
    area: Area, person_ids: dict[str, int], open_needs: Iterable[tuple[str, str]], now: datetime
) -> Iterator[dict[str, Any]]:
    """`care_record_entries` rows (version 1) for each (NHS number, need) with an open referral."""
    people = {p.nhs_number: p for p in area.people}
    seen: set[str] = set()
    for nhs_number, need in open_needs:
        if nhs_number in seen:
            continue
        seen.add(nhs_number)
        rng = random.Random(f"{area.seed}:care-record:{nhs_number}")
        record = care_record(people[nhs_number], need, rng, now.date())
        for section, data in record.items():
            yield {
                "person_id": person_ids[nhs_number],
                "section": section,
                "version": 1,
                "data": data,
                "recorded_by": "synthetic area",
                "recorded_at": now,
                "reason": "Synthetic record for the demo",
            }

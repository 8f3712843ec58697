"""Observation (UKCore-Observation): NEWS2 with its sub-scores, and the Clinical Frailty Scale.

NEWS2 (DOMAIN.md 3.1; codes from `avert.domain.news2`): one Observation whose code is the NEWS2
total score (SNOMED CT 1104051000000101), status `final`, category `survey`, the total as a
`{ScoreOf}` quantity (as in the UK Core NEWS2 example Bundle) and one component per parameter with
its sub-score code (Scale 1 or Scale 2 for SpO2). The sub-scores are recomputed from the stored
observations with `avert.domain.news2.news2`, the function that scored them. The RCP band is an
interpretation in Avert's `news2-band` codes.

CFS (DOMAIN.md 3.2): code SNOMED CT 763264000, method 445414007, the level as an integer.
"""

from __future__ import annotations

from typing import Any

from avert.domain.news2 import SNOMED_TOTAL, News2Band, Observations, news2
from avert.fhir import systems
from avert.fhir.coded import fhir_instant


NEWS2_TOTAL_DISPLAY = (
    "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score"
)
CFS_DISPLAY = "Canadian Study of Health and Aging Clinical Frailty Scale score"
CFS_METHOD_DISPLAY = "CSHA clinical frailty scale (assessment scale)"
SURVEY = {
    "coding": [{"system": systems.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]
}


def _score(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "ScoreOf", "system": systems.UCUM, "code": "{ScoreOf}"}


def _common(assessment: Any, *, person_id: int, kind: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{kind}-{assessment.id}",
        "meta": {"profile": [systems.profile("Observation")]},
        "status": "final",
        "category": [SURVEY],
        "subject": {"reference": f"Patient/{person_id}"},
        "basedOn": [{"reference": f"ServiceRequest/{assessment.referral_id}"}],
        "effectiveDateTime": fhir_instant(assessment.recorded_at),
        "performer": [{"display": assessment.recorded_by}],
    }
    if assessment.visit_id is not None:
        resource["encounter"] = {"reference": f"Encounter/{assessment.visit_id}"}
    return resource


def news2_observation(assessment: Any, *, person_id: int) -> dict[str, Any] | None:
    """An `assessments` row's NEWS2 as an Observation (None if no observations were taken)."""
    if not assessment.observations:
        return None
    result = news2(Observations(**assessment.observations))
    resource = _common(assessment, person_id=person_id, kind="news2")
    band = News2Band(result.band)
    resource.update(
        code={
            "coding": [
                {"system": systems.SNOMED, "code": SNOMED_TOTAL, "display": NEWS2_TOTAL_DISPLAY}
            ]
        },
        valueQuantity=_score(result.total),
        interpretation=[{"coding": [systems.coding(systems.NEWS2_BAND, band)], "text": band.label}],
        component=[
            {
                "code": {
                    "coding": [{"system": systems.SNOMED, "code": sub.snomed}],
                    "text": f"NEWS2 {sub.label.lower()} score",
                },
                "valueQuantity": _score(sub.score),
            }
            for sub in result.sub_scores
        ],
    )
    return resource


def cfs_observation(assessment: Any, *, person_id: int) -> dict[str, Any] | None:
    """An `assessments` row's Clinical Frailty Scale level as an Observation (or None)."""
    if assessment.cfs is None:
        return None
    resource = _common(assessment, person_id=person_id, kind="cfs")
    resource.update(
        code={
            "coding": [
                {"system": systems.SNOMED, "code": systems.SNOMED_CFS_SCORE, "display": CFS_DISPLAY}
            ]
        },
        method={
            "coding": [
                {
                    "system": systems.SNOMED,
                    "code": systems.SNOMED_CFS_METHOD,
                    "display": CFS_METHOD_DISPLAY,
                }
            ]
        },
        valueInteger=int(assessment.cfs),
    )
    return resource


# Observation search by code: which Avert observation each searchable code finds.
KIND_OF_CODE = {SNOMED_TOTAL: "news2", systems.SNOMED_CFS_SCORE: "cfs"}


def observations(assessment: Any, *, person_id: int, kinds: frozenset[str]) -> list[dict[str, Any]]:
    """The Observations of one assessment, of the kinds asked for ("news2", "cfs")."""
    found = []
    if "news2" in kinds and (news := news2_observation(assessment, person_id=person_id)):
        found.append(news)
    if "cfs" in kinds and (cfs := cfs_observation(assessment, person_id=person_id)):
        found.append(cfs)
    return found

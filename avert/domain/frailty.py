"""Frailty: the Clinical Frailty Scale (CFS) and the electronic Frailty Index (eFI) categories.

Sources:

- CFS levels 1-9 with the v2.0 labels (Rockwood & Theou 2020) and the v1 labels (Rockwood et al.,
  CMAJ 2005), and the SNOMED CT codes used to record a CFS score: DOMAIN.md 3.2. The CFS is scored
  on the person's baseline about two weeks before the acute illness and is validated from age 65.
- "Frail" as CFS 5 or more is a common convention, not a national rule (DOMAIN.md 3.2), so the
  threshold is a parameter of `is_frail` with 5 as its default. Some UCR services use CFS 4-9 as
  an inclusion filter instead (CSH Surrey, DOMAIN.md 1.5).
- eFI = deficits present / 36 and its four categories with inclusive upper bounds (0.12 fit,
  0.24 mild, 0.36 moderate, above that severe): Clegg et al. 2016, DOMAIN.md 3.3. The eFI2
  cut-points (Best et al. 2025) are provided as `EFI2_CUT_POINTS`; whether their boundaries are
  inclusive was not read, so they follow the eFI rule (DOMAIN.md 3.3 says to keep the version with
  every score).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

from avert.domain.errors import ValidationError
from avert.domain.vocab import Labelled


CFS_SNOMED = "763264000"  # Canadian Study of Health and Aging Clinical Frailty Scale score
CFS_METHOD_SNOMED = "445414007"  # CSHA clinical frailty scale (assessment scale)
DEFAULT_FRAIL_FROM = 5  # CFS at or above this counts as frail (local convention)
EFI_DEFICITS = 36


class ClinicalFrailtyScale(IntEnum):
    """A Clinical Frailty Scale level, 1 (very fit) to 9 (terminally ill)."""

    label: str
    v1_label: str

    def __new__(cls, value: int, label: str, v1_label: str) -> ClinicalFrailtyScale:
        obj = int.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        obj.v1_label = v1_label
        return obj

    VERY_FIT = 1, "Very Fit", "Very Fit"
    FIT = 2, "Fit", "Well"
    MANAGING_WELL = 3, "Managing Well", "Managing Well"
    VERY_MILD_FRAILTY = 4, "Living with Very Mild Frailty", "Vulnerable"
    MILD_FRAILTY = 5, "Living with Mild Frailty", "Mildly Frail"
    MODERATE_FRAILTY = 6, "Living with Moderate Frailty", "Moderately Frail"
    SEVERE_FRAILTY = 7, "Living with Severe Frailty", "Severely Frail"
    VERY_SEVERE_FRAILTY = 8, "Living with Very Severe Frailty", "Very Severely Frail"
    TERMINALLY_ILL = 9, "Terminally Ill", "Terminally Ill"


def parse_cfs(value: object, field: str = "cfs") -> ClinicalFrailtyScale:
    """A CFS level from a number or from text such as "5"; ValidationError naming `field`."""
    if isinstance(value, ClinicalFrailtyScale):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValidationError(field, "is required")
        value = int(text) if text.isascii() and text.isdigit() and len(text) < 3 else None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9:
        return ClinicalFrailtyScale(value)
    raise ValidationError(field, "must be a whole number from 1 to 9")


def is_frail(cfs: ClinicalFrailtyScale | int | str, frail_from: int = DEFAULT_FRAIL_FROM) -> bool:
    """True when the CFS level is `frail_from` (by default 5, "mildly frail") or more."""
    if isinstance(frail_from, bool) or not isinstance(frail_from, int) or not 1 <= frail_from <= 9:
        raise ValidationError("frail_from", "must be a CFS level from 1 to 9")
    return parse_cfs(cfs) >= frail_from


class EfiCategory(Labelled):
    """The eFI frailty category (DOMAIN.md 3.3 and 8)."""

    FIT = "fit", "Fit"
    MILD = "mild", "Mild frailty"
    MODERATE = "moderate", "Moderate frailty"
    SEVERE = "severe", "Severe frailty"


@dataclass(frozen=True)
class EfiCutPoints:
    """The inclusive upper bounds of the fit, mild and moderate categories; above is severe."""

    fit_max: float
    mild_max: float
    moderate_max: float
    version: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.fit_max < self.mild_max < self.moderate_max < 1:
            raise ValidationError("efi_cut_points", "must rise strictly between 0 and 1")


EFI_CUT_POINTS = EfiCutPoints(0.12, 0.24, 0.36, version=1)
EFI2_CUT_POINTS = EfiCutPoints(0.0857, 0.1624, 0.2392, version=2)


def efi_category(
    score: float, cut_points: EfiCutPoints = EFI_CUT_POINTS, field: str = "efi"
) -> EfiCategory:
    """The eFI category of a score from 0 to 1 (eFI: 0.12 fit, 0.121 mild, 0.361 severe)."""
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise ValidationError(field, "must be a number from 0 to 1")
    if not 0 <= score <= 1:
        raise ValidationError(field, "must be a number from 0 to 1")
    if score <= cut_points.fit_max:
        return EfiCategory.FIT
    if score <= cut_points.mild_max:
        return EfiCategory.MILD
    if score <= cut_points.moderate_max:
        return EfiCategory.MODERATE
    return EfiCategory.SEVERE


def efi_score(deficits: int, total: int = EFI_DEFICITS) -> float:
    """The eFI: the number of deficits present divided by the number counted (36 in the eFI)."""
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise ValidationError("total", "must be a whole number of 1 or more")
    if isinstance(deficits, bool) or not isinstance(deficits, int) or not 0 <= deficits <= total:
        raise ValidationError("deficits", "must be a whole number from 0 to the number counted")
    return deficits / total

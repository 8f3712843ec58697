"""NEWS2, the National Early Warning Score 2: observations in, score, band and response out.

This module holds the observations a clinician records at a visit (`Observations`), the NEWS2
scoring of each of the seven parameters (`SubScore`), the total with its clinical-risk band and
response (`News2Result`), and the rule that says when the emergency escalation path (999 or the
emergency department) must be offered. `news2()` does the work; `Observations.from_form()` turns
the strings of an HTML form into observations.

Sources, all in DOMAIN.md 3.1:

- Scoring table, Scale 1 and Scale 2 for SpO2, air or oxygen: Royal College of Physicians (RCP)
  NEWS2 report (2017), chart 1. Scale 2 is used **only** when a clinician has documented a target
  SpO2 of 88-92 %; otherwise Scale 1.
- Bands and responses: RCP NEWS2 chart 2 (0; 1-4; a single 3 in any parameter; 5-6; 7 or more).
  The response texts keep the RCP's risk level and monitoring frequency and say what it means for
  a community team; that wording is Avert's adaptation (DOMAIN.md 3.1 "UCR implication").
- Escalation: "A single score of 3 in any parameter or a total of 7 requires immediate emergency
  assessment" (RCP, via DOMAIN.md 3.1). In the community that is the 999/ED path.
- SNOMED CT codes of the total and of each sub-score: NHS Digital FHIR-NEWS2 guidance. The Scale 2
  code is 1104321000000108 as that guidance lists it (DOMAIN.md 3.1 gives ...106 from memory,
  see DOMAIN.md 9.5).

NEWS2 is not validated for people under 16 or in pregnancy (RCP). Temperature is scored to one
decimal place, as the chart is written: a reading with more decimals is rounded half up first
(36.05 is scored as 36.1). The plausibility ranges in `PLAUSIBLE_RANGES` catch typing errors;
they are not clinical judgement. See docs/news2.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from avert.domain.errors import ValidationError
from avert.domain.vocab import Labelled


MAX_TOTAL = 20
RED_SCORE = 3  # a single parameter scoring 3
URGENT_RESPONSE_THRESHOLD = 5  # RCP: total 5-6 is the urgent response threshold
EMERGENCY_RESPONSE_THRESHOLD = 7  # RCP: total 7 or more is the emergency response threshold

SNOMED_TOTAL = "1104051000000101"
SNOMED_SUB_SCORES = {
    "respiration_rate": "1104301000000104",
    "spo2_scale_1": "1104311000000102",
    "spo2_scale_2": "1104321000000108",
    "air_or_oxygen": "1104331000000105",
    "systolic_bp": "1104341000000101",
    "pulse": "1104351000000103",
    "consciousness": "1104361000000100",
    "temperature": "1104371000000107",
}

# The seven parameters in the order of the RCP chart, with a label for people.
PARAMETERS = {
    "respiration_rate": "Respiration rate",
    "spo2": "SpO2",
    "air_or_oxygen": "Air or oxygen",
    "systolic_bp": "Systolic blood pressure",
    "pulse": "Pulse",
    "consciousness": "Consciousness",
    "temperature": "Temperature",
}

# Plausibility ranges (inclusive): a value outside is almost certainly a typing error. They are
# not clinical limits; the message asks the clinician to check the reading.
PLAUSIBLE_RANGES: dict[str, tuple[int | float, int | float, str]] = {
    "respiration_rate": (0, 80, "breaths/min"),
    "spo2": (50, 100, "%"),
    "systolic_bp": (40, 300, "mmHg"),
    "pulse": (20, 250, "beats/min"),
    "temperature": (25.0, 45.0, "degrees C"),
}

_ONE_DECIMAL = Decimal("0.1")
_WHOLE_NUMBER_TEXT = re.compile(r"[0-9]{1,4}")
_DECIMAL_TEXT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?")
_TRUE_WORDS = frozenset({"on", "true", "yes", "1"})
_FALSE_WORDS = frozenset({"off", "false", "no", "0", ""})


class Consciousness(Labelled):
    """ACVPU: Alert, or new Confusion, responds to Voice, responds to Pain, Unresponsive."""

    ALERT = "alert", "Alert"
    NEW_CONFUSION = "new_confusion", "New confusion"
    VOICE = "voice", "Responds to voice"
    PAIN = "pain", "Responds to pain"
    UNRESPONSIVE = "unresponsive", "Unresponsive"

    @property
    def acvpu(self) -> str:
        """The ACVPU letter: A, C, V, P or U."""
        return "C" if self is Consciousness.NEW_CONFUSION else self.value[0].upper()


class News2Band(Labelled):
    """The RCP clinical-risk band of a NEWS2 result (DOMAIN.md 3.1 and 8)."""

    LOW = "low", "Low"
    LOW_MEDIUM = "low_medium", "Low-medium (a single parameter scored 3)"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


def _whole_number(field: str, value: object) -> int:
    """`value` as a whole number inside the plausible range of `field`, or ValidationError."""
    low, high, unit = PLAUSIBLE_RANGES[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    if not low <= value <= high:
        raise ValidationError(field, f"must be between {low} and {high} {unit}; check the reading")
    return value


def _temperature(value: object) -> float:
    """The temperature rounded half up to one decimal place, inside the plausible range."""
    low, high, unit = PLAUSIBLE_RANGES["temperature"]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValidationError("temperature", "must be a number in degrees C, for example 37.2")
    if not math.isfinite(value):
        raise ValidationError("temperature", "must be a number in degrees C, for example 37.2")
    # repr() of a float is the shortest text that reads back as it, so 36.05 rounds as typed.
    text = str(value) if isinstance(value, Decimal) else repr(value)
    rounded = float(Decimal(text).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP))
    if not low <= rounded <= high:
        raise ValidationError(
            "temperature", f"must be between {low} and {high} {unit}; check the reading"
        )
    return rounded


def _flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, "must be yes or no")
    return value


def _consciousness(value: object) -> Consciousness:
    if isinstance(value, Consciousness):
        return value
    if isinstance(value, str):
        try:
            return Consciousness(value.strip().lower())
        except ValueError:
            pass
    raise ValidationError(
        "consciousness", "must be one of alert, new confusion, voice, pain or unresponsive"
    )


@dataclass(frozen=True)
class Observations:
    """One set of observations for NEWS2, checked for plausibility when built.

    `temperature` is kept rounded half up to one decimal place (the precision of the chart), so
    the value stored and shown is the value scored. `spo2_target_88_92` is true only when a
    clinician has documented a target SpO2 of 88-92 %; it selects Scale 2.
    """

    respiration_rate: int  # breaths/min
    spo2: int  # %
    on_oxygen: bool
    systolic_bp: int  # mmHg
    pulse: int  # beats/min
    consciousness: Consciousness
    temperature: float  # degrees C, one decimal
    spo2_target_88_92: bool = False

    def __post_init__(self) -> None:
        _whole_number("respiration_rate", self.respiration_rate)
        _whole_number("spo2", self.spo2)
        _flag("on_oxygen", self.on_oxygen)
        _whole_number("systolic_bp", self.systolic_bp)
        _whole_number("pulse", self.pulse)
        object.__setattr__(self, "consciousness", _consciousness(self.consciousness))
        object.__setattr__(self, "temperature", _temperature(self.temperature))
        _flag("spo2_target_88_92", self.spo2_target_88_92)

    @classmethod
    def from_form(cls, data: Mapping[str, object]) -> Observations:
        """Observations from the fields of a form; ValidationError names the first bad field.

        Fields are checked in chart order. See `observation_form_errors` for every problem at once.
        """
        values, errors = _parse_form(data)
        if errors:
            field, message = next(iter(errors.items()))
            raise ValidationError(field, message)
        return cls(**values)


def observation_form_errors(data: Mapping[str, object]) -> dict[str, str]:
    """Every problem with a form's observations, field by field, in chart order (empty if none)."""
    return _parse_form(data)[1]


def _parse_form(data: Mapping[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """Parse each form field on its own, so that every problem can be reported together.

    Numbers arrive as text (ASCII digits; temperature may have a decimal point) or as numbers.
    The two yes/no fields follow the HTML checkbox convention: absent or empty means no, and
    "on", "true", "yes" or "1" mean yes. `on_oxygen` also takes "air" and "oxygen".
    """
    parsers = {
        "respiration_rate": lambda v: _whole_number("respiration_rate", _form_int(v)),
        "spo2": lambda v: _whole_number("spo2", _form_int(v)),
        "on_oxygen": lambda v: _form_flag("on_oxygen", v),
        "systolic_bp": lambda v: _whole_number("systolic_bp", _form_int(v)),
        "pulse": lambda v: _whole_number("pulse", _form_int(v)),
        "consciousness": _consciousness,
        "temperature": lambda v: _temperature(_form_decimal(v)),
        "spo2_target_88_92": lambda v: _form_flag("spo2_target_88_92", v),
    }
    flags = {"on_oxygen", "spo2_target_88_92"}
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for field, parse in parsers.items():
        raw = data.get(field)
        if field not in flags and (raw is None or (isinstance(raw, str) and not raw.strip())):
            errors[field] = "is required"
            continue
        try:
            values[field] = parse(raw)
        except ValidationError as error:
            errors[field] = error.message
        except _NotANumber as problem:
            errors[field] = str(problem)
    return values, errors


class _NotANumber(ValueError):
    """Form text that is not a number of the expected shape (the message names no value)."""


def _form_int(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if not _WHOLE_NUMBER_TEXT.fullmatch(text):
            raise _NotANumber("must be a whole number")
        return int(text)
    return value


def _form_decimal(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            raise _NotANumber("must be a number in degrees C, for example 37.2")
        return Decimal(text)
    return value


def _form_flag(field: str, value: object) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if field == "on_oxygen" and word in {"air", "oxygen"}:
            return word == "oxygen"
        if word in _TRUE_WORDS | _FALSE_WORDS:
            return word in _TRUE_WORDS
    raise ValidationError(field, "must be yes or no")


@dataclass(frozen=True)
class SubScore:
    """The score of one parameter: what was observed (as text), its score and its SNOMED CT code."""

    parameter: str
    value: str
    score: int
    snomed: str

    def __post_init__(self) -> None:
        if self.parameter not in PARAMETERS:
            raise ValueError(f"unknown NEWS2 parameter {self.parameter!r}")
        if isinstance(self.score, bool) or self.score not in (0, 1, 2, 3):
            raise ValueError("a NEWS2 sub-score is 0, 1, 2 or 3")

    @property
    def label(self) -> str:
        """The parameter's name for people, e.g. "Respiration rate"."""
        return PARAMETERS[self.parameter]


def news2_band(total: int, red_score: bool) -> News2Band:
    """The RCP band: 7+ high, 5-6 medium, else low-medium with a single 3, else low."""
    if total >= EMERGENCY_RESPONSE_THRESHOLD:
        return News2Band.HIGH
    if total >= URGENT_RESPONSE_THRESHOLD:
        return News2Band.MEDIUM
    return News2Band.LOW_MEDIUM if red_score else News2Band.LOW


def escalation_required(total: int, red_score: bool) -> bool:
    """True when the emergency path (999/ED) must be offered: a total of 7+ or any single 3."""
    return total >= EMERGENCY_RESPONSE_THRESHOLD or red_score


_ESCALATE = (
    " A parameter scored 3: offer the emergency escalation path (999 or ED) and record the"
    " decision."
)
_RESPONSES = {
    News2Band.LOW: (
        "Low clinical risk. Monitor at least every 4-6 hours while in the team's care; the"
        " assessing registered clinician decides whether to increase monitoring or escalate care."
    ),
    News2Band.LOW_MEDIUM: (
        "Low-medium clinical risk. Inform the responsible clinician now for an urgent review;"
        " monitor at least hourly." + _ESCALATE
    ),
    News2Band.MEDIUM: (
        "Medium clinical risk (urgent response threshold). Urgent review by a clinician competent"
        " in acute illness; monitor at least hourly. Consider 999 or ED if there is clinical"
        " concern."
    ),
    News2Band.HIGH: (
        "High clinical risk (emergency response threshold). Emergency assessment: call 999 or"
        " arrange transfer to ED, in line with the person's wishes and any ReSPECT or advance care"
        " plan, and record the decision. Monitor continuously until handover."
    ),
}
_RESPONSE_AT_ZERO = (
    "Low clinical risk. Continue routine monitoring (the RCP minimum is every 12 hours) and"
    " repeat the observations if the person's condition changes."
)


def news2_response(total: int, band: News2Band, red_score: bool) -> str:
    """The response text for a result: RCP chart 2, worded for a community team."""
    if total == 0:
        return _RESPONSE_AT_ZERO
    text = _RESPONSES[band]
    if band is News2Band.MEDIUM and red_score:
        text += _ESCALATE
    return text


@dataclass(frozen=True)
class News2Result:
    """A NEWS2 score with its seven sub-scores, band, escalation flag and response.

    Built by `news2()`; it checks itself, so an inconsistent result cannot be constructed.
    """

    total: int
    band: News2Band
    sub_scores: tuple[SubScore, ...]  # the seven parameters, in RCP chart order
    scale: int  # SpO2 scale, 1 or 2
    red_score: bool  # any single parameter scored 3
    escalate: bool  # total >= 7 or a single 3: the 999/ED path must be offered and recorded
    response: str
    snomed_total: str = SNOMED_TOTAL

    def __post_init__(self) -> None:
        if tuple(s.parameter for s in self.sub_scores) != tuple(PARAMETERS):
            raise ValueError("a NEWS2 result has the seven parameters in chart order")
        if self.total != sum(s.score for s in self.sub_scores):
            raise ValueError("the NEWS2 total is the sum of the sub-scores")
        if self.scale not in (1, 2):
            raise ValueError("the SpO2 scale is 1 or 2")
        if self.red_score != any(s.score == RED_SCORE for s in self.sub_scores):
            raise ValueError("red_score says whether any sub-score is 3")
        if self.band is not news2_band(self.total, self.red_score):
            raise ValueError("the band does not follow from the total")
        if self.escalate != escalation_required(self.total, self.red_score):
            raise ValueError("escalate does not follow from the total")

    def sub_score(self, parameter: str) -> SubScore:
        """The sub-score of one parameter, by name (e.g. "pulse")."""
        for sub in self.sub_scores:
            if sub.parameter == parameter:
                return sub
        raise KeyError(parameter)


def _band(value: float, upper_bounds: tuple[tuple[float, int], ...], above: int) -> int:
    """The score of the first band whose inclusive upper bound holds `value`, else `above`."""
    for upper, score in upper_bounds:
        if value <= upper:
            return score
    return above


# RCP chart 1 as (inclusive upper bound, score) rows, read from the lowest values up.
_RESPIRATION_RATE = ((8, 3), (11, 1), (20, 0), (24, 2)), 3
_SPO2_SCALE_1 = ((91, 3), (93, 2), (95, 1)), 0
_SPO2_SCALE_2_AT_OR_BELOW_TARGET = ((83, 3), (85, 2), (87, 1), (92, 0))
_SPO2_SCALE_2_ABOVE_TARGET_ON_OXYGEN = ((94, 1), (96, 2)), 3
_SYSTOLIC_BP = ((90, 3), (100, 2), (110, 1), (219, 0)), 3
_PULSE = ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2)), 3
_TEMPERATURE = ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1)), 2
_AIR_OR_OXYGEN = {False: 0, True: 2}
_CONSCIOUSNESS_SCORE = 3  # new confusion, voice, pain or unresponsive; alert scores 0


def _spo2_scale_2(spo2: int, on_oxygen: bool) -> int:
    if spo2 <= 92:
        return _band(spo2, _SPO2_SCALE_2_AT_OR_BELOW_TARGET, 0)
    if not on_oxygen:
        return 0  # 93 % or more on air is in target range for Scale 2
    return _band(spo2, *_SPO2_SCALE_2_ABOVE_TARGET_ON_OXYGEN)


def news2(observations: Observations) -> News2Result:
    """Score one set of observations with NEWS2 (RCP 2017, DOMAIN.md 3.1)."""
    obs = observations
    scale = 2 if obs.spo2_target_88_92 else 1
    if scale == 2:
        spo2_score = _spo2_scale_2(obs.spo2, obs.on_oxygen)
    else:
        spo2_score = _band(obs.spo2, *_SPO2_SCALE_1)
    consciousness_score = 0 if obs.consciousness is Consciousness.ALERT else _CONSCIOUSNESS_SCORE
    sub_scores = (
        SubScore(
            "respiration_rate",
            str(obs.respiration_rate),
            _band(obs.respiration_rate, *_RESPIRATION_RATE),
            SNOMED_SUB_SCORES["respiration_rate"],
        ),
        SubScore("spo2", str(obs.spo2), spo2_score, SNOMED_SUB_SCORES[f"spo2_scale_{scale}"]),
        SubScore(
            "air_or_oxygen",
            "oxygen" if obs.on_oxygen else "air",
            _AIR_OR_OXYGEN[obs.on_oxygen],
            SNOMED_SUB_SCORES["air_or_oxygen"],
        ),
        SubScore(
            "systolic_bp",
            str(obs.systolic_bp),
            _band(obs.systolic_bp, *_SYSTOLIC_BP),
            SNOMED_SUB_SCORES["systolic_bp"],
        ),
        SubScore("pulse", str(obs.pulse), _band(obs.pulse, *_PULSE), SNOMED_SUB_SCORES["pulse"]),
        SubScore(
            "consciousness",
            obs.consciousness.value,
            consciousness_score,
            SNOMED_SUB_SCORES["consciousness"],
        ),
        SubScore(
            "temperature",
            f"{obs.temperature:.1f}",
            _band(obs.temperature, *_TEMPERATURE),
            SNOMED_SUB_SCORES["temperature"],
        ),
    )
    total = sum(s.score for s in sub_scores)
    red_score = any(s.score == RED_SCORE for s in sub_scores)
    band = news2_band(total, red_score)
    return News2Result(
        total=total,
        band=band,
        sub_scores=sub_scores,
        scale=scale,
        red_score=red_score,
        escalate=escalation_required(total, red_score),
        response=news2_response(total, band, red_score),
    )

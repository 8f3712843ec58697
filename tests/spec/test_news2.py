"""NEWS2: the scoring chart, the bands and the escalation rule as tables a reviewer can read.

Each parameter table lists every boundary of the RCP chart on both sides, plus the ends of the
plausible range. A row is scored by changing that one parameter in a set of observations that
otherwise scores 0, so the row's score is both the parameter's sub-score and the total.

Sources: DOMAIN.md 3.1 (RCP NEWS2 2017 chart 1 and chart 2, the escalation rule, the SNOMED CT
codes from the NHS Digital FHIR-NEWS2 guidance) and docs/news2.md.
"""

from __future__ import annotations

import ast
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avert.domain.errors import ValidationError
from avert.domain.news2 import (
    PARAMETERS,
    Consciousness,
    News2Band,
    News2Result,
    Observations,
    SubScore,
    escalation_required,
    news2,
    news2_band,
    observation_form_errors,
)


def table(text: str) -> list[list[str]]:
    """The rows of a small ASCII table: cells split on "|", the header and rule lines dropped."""
    lines = [line.strip() for line in text.strip().splitlines()]
    rows = [[cell.strip() for cell in line.split("|")] for line in lines[2:] if line]
    return rows


def literal(cell: str) -> object:
    """A table cell read as a Python literal ('text', 22, 22.0, True), or nan / inf."""
    return {"nan": float("nan"), "inf": float("inf")}.get(cell) or ast.literal_eval(cell)


# Observations that score 0 in every parameter (on Scale 1).
NORMAL = Observations(
    respiration_rate=16,
    spo2=97,
    on_oxygen=False,
    systolic_bp=120,
    pulse=70,
    consciousness=Consciousness.ALERT,
    temperature=37.0,
)

SINGLE_PARAMETER_CHART = """
parameter        | value | score
-----------------+-------+------
respiration_rate | 0     | 3
respiration_rate | 8     | 3
respiration_rate | 9     | 1
respiration_rate | 11    | 1
respiration_rate | 12    | 0
respiration_rate | 20    | 0
respiration_rate | 21    | 2
respiration_rate | 24    | 2
respiration_rate | 25    | 3
respiration_rate | 80    | 3
systolic_bp      | 40    | 3
systolic_bp      | 90    | 3
systolic_bp      | 91    | 2
systolic_bp      | 100   | 2
systolic_bp      | 101   | 1
systolic_bp      | 110   | 1
systolic_bp      | 111   | 0
systolic_bp      | 219   | 0
systolic_bp      | 220   | 3
systolic_bp      | 300   | 3
pulse            | 20    | 3
pulse            | 40    | 3
pulse            | 41    | 1
pulse            | 50    | 1
pulse            | 51    | 0
pulse            | 90    | 0
pulse            | 91    | 1
pulse            | 110   | 1
pulse            | 111   | 2
pulse            | 130   | 2
pulse            | 131   | 3
pulse            | 250   | 3
"""


@pytest.mark.parametrize(("parameter", "value", "score"), table(SINGLE_PARAMETER_CHART))
def test_each_whole_number_parameter_scores_as_the_rcp_chart(parameter, value, score):
    """Respiration rate, systolic BP and pulse score as chart 1 on both sides of every boundary."""
    result = news2(replace(NORMAL, **{parameter: int(value)}))
    assert result.sub_score(parameter).score == int(score)
    assert result.total == int(score)


TEMPERATURE_CHART = """
entered | scored as | score
--------+-----------+------
25.0    | 25.0      | 3
35.0    | 35.0      | 3
35.04   | 35.0      | 3
35.05   | 35.1      | 1
35.1    | 35.1      | 1
36.0    | 36.0      | 1
36.04   | 36.0      | 1
36.05   | 36.1      | 0
36.1    | 36.1      | 0
38.0    | 38.0      | 0
38.04   | 38.0      | 0
38.05   | 38.1      | 1
38.1    | 38.1      | 1
39.0    | 39.0      | 1
39.04   | 39.0      | 1
39.05   | 39.1      | 2
39.1    | 39.1      | 2
45.0    | 45.0      | 2
"""


@pytest.mark.parametrize(("entered", "scored_as", "score"), table(TEMPERATURE_CHART))
def test_temperature_is_rounded_half_up_to_one_decimal_then_scored(entered, scored_as, score):
    """A reading with more decimals is rounded half up first; the stored value is the scored one."""
    result = news2(replace(NORMAL, temperature=float(entered)))
    assert result.sub_score("temperature").value == scored_as
    assert result.sub_score("temperature").score == int(score)


@pytest.mark.parametrize(("entered", "scored_as", "score"), table(TEMPERATURE_CHART))
def test_a_temperature_typed_in_a_form_rounds_the_same_way(entered, scored_as, score):
    """The form's text is rounded as typed, so "36.05" is 36.1 like the number 36.05."""
    form = {**FORM, "temperature": entered}
    assert Observations.from_form(form).temperature == float(scored_as)
    assert news2(Observations.from_form(form)).sub_score("temperature").score == int(score)


SPO2_CHART = """
SpO2 % | breathing | Scale 1 | Scale 2 (target 88-92 %)
-------+-----------+---------+-------------------------
50     | air       | 3       | 3
83     | air       | 3       | 3
83     | oxygen    | 3       | 3
84     | air       | 3       | 2
85     | oxygen    | 3       | 2
86     | air       | 3       | 1
87     | oxygen    | 3       | 1
88     | air       | 3       | 0
88     | oxygen    | 3       | 0
91     | air       | 3       | 0
92     | air       | 2       | 0
92     | oxygen    | 2       | 0
93     | air       | 2       | 0
93     | oxygen    | 2       | 1
94     | air       | 1       | 0
94     | oxygen    | 1       | 1
95     | air       | 1       | 0
95     | oxygen    | 1       | 2
96     | air       | 0       | 0
96     | oxygen    | 0       | 2
97     | air       | 0       | 0
97     | oxygen    | 0       | 3
100    | air       | 0       | 0
100    | oxygen    | 0       | 3
"""


@pytest.mark.parametrize(("spo2", "breathing", "scale_1", "scale_2"), table(SPO2_CHART))
def test_spo2_scores_on_scale_1_unless_a_target_of_88_to_92_is_recorded(
    spo2, breathing, scale_1, scale_2
):
    """The same SpO2 scores on Scale 1 by default and on Scale 2 only with the 88-92 % target."""
    observed = replace(NORMAL, spo2=int(spo2), on_oxygen=breathing == "oxygen")
    on_scale_1 = news2(observed)
    on_scale_2 = news2(replace(observed, spo2_target_88_92=True))
    assert (on_scale_1.scale, on_scale_1.sub_score("spo2").score) == (1, int(scale_1))
    assert (on_scale_2.scale, on_scale_2.sub_score("spo2").score) == (2, int(scale_2))


AIR_OXYGEN_AND_CONSCIOUSNESS = """
parameter     | value         | score
--------------+---------------+------
on_oxygen     | False         | 0
on_oxygen     | True          | 2
consciousness | alert         | 0
consciousness | new_confusion | 3
consciousness | voice         | 3
consciousness | pain          | 3
consciousness | unresponsive  | 3
"""


@pytest.mark.parametrize(("parameter", "value", "score"), table(AIR_OXYGEN_AND_CONSCIOUSNESS))
def test_oxygen_scores_2_and_any_of_cvpu_scores_3(parameter, value, score):
    """Supplemental oxygen scores 2 (air 0); new confusion, voice, pain or unresponsive score 3."""
    if parameter == "on_oxygen":
        observed, sub = replace(NORMAL, on_oxygen=value == "True"), "air_or_oxygen"
    else:
        observed, sub = replace(NORMAL, consciousness=Consciousness(value)), "consciousness"
    result = news2(observed)
    assert result.sub_score(sub).score == int(score)
    assert result.total == int(score)


BANDS = """
total | single 3 | band       | escalate
------+----------+------------+---------
0     | no       | low        | no
1     | no       | low        | no
4     | no       | low        | no
3     | yes      | low_medium | yes
4     | yes      | low_medium | yes
5     | no       | medium     | no
6     | no       | medium     | no
5     | yes      | medium     | yes
6     | yes      | medium     | yes
7     | no       | high       | yes
7     | yes      | high       | yes
20    | yes      | high       | yes
"""


@pytest.mark.parametrize(("total", "single_3", "band", "escalate"), table(BANDS))
def test_band_and_escalation_follow_the_total_and_any_single_3(total, single_3, band, escalate):
    """7+ is high, 5-6 medium, a single 3 with 0-4 low-medium; 7+ or any single 3 escalates."""
    assert news2_band(int(total), single_3 == "yes") is News2Band(band)
    assert escalation_required(int(total), single_3 == "yes") is (escalate == "yes")


# "88-92?" says whether a target SpO2 of 88-92 % is documented (then Scale 2 is used). After the
# band examples come: an older person with an infection and new confusion (9); a person with
# COPD on oxygen at 90 %, scored on Scale 2 (4) and, without the documented target, on Scale 1
# (7); the same person over-oxygenated at 97 % on oxygen (a Scale 2 red score); and 93 % on air
# on Scale 2 (0).
WHOLE_OBSERVATIONS = """
RR | SpO2 | O2     | 88-92? | SBP | pulse | ACVPU         | temp | total | band       | escalate
---+------+--------+--------+-----+-------+---------------+------+-------+------------+---------
16 | 97   | air    | no     | 120 | 70    | alert         | 37.0 | 0     | low        | no
22 | 95   | air    | no     | 120 | 95    | alert         | 37.0 | 4     | low        | no
16 | 97   | air    | no     | 120 | 70    | new_confusion | 37.0 | 3     | low_medium | yes
22 | 95   | air    | no     | 120 | 95    | alert         | 38.5 | 5     | medium     | no
22 | 95   | air    | no     | 105 | 95    | alert         | 38.5 | 6     | medium     | no
22 | 97   | air    | no     | 120 | 70    | voice         | 37.0 | 5     | medium     | yes
22 | 94   | oxygen | no     | 120 | 95    | alert         | 38.5 | 7     | high       | yes
30 | 85   | oxygen | no     | 85  | 140   | unresponsive  | 34.5 | 20    | high       | yes
22 | 95   | air    | no     | 104 | 104   | new_confusion | 38.4 | 9     | high       | yes
24 | 90   | oxygen | yes    | 130 | 88    | alert         | 37.2 | 4     | low        | no
24 | 90   | oxygen | no     | 130 | 88    | alert         | 37.2 | 7     | high       | yes
18 | 97   | oxygen | yes    | 130 | 88    | alert         | 37.2 | 5     | medium     | yes
18 | 93   | air    | yes    | 130 | 88    | alert         | 37.2 | 0     | low        | no
"""


def observations(rr, spo2, o2, target, sbp, pulse, acvpu, temp) -> Observations:
    """Observations from one row of WHOLE_OBSERVATIONS."""
    return Observations(
        respiration_rate=int(rr),
        spo2=int(spo2),
        on_oxygen=o2 == "oxygen",
        systolic_bp=int(sbp),
        pulse=int(pulse),
        consciousness=Consciousness(acvpu),
        temperature=float(temp),
        spo2_target_88_92=target == "yes",
    )


@pytest.mark.parametrize("row", table(WHOLE_OBSERVATIONS))
def test_whole_observations_give_the_worked_total_band_and_escalation(row):
    """Worked examples: bands 0, 4, 5, 6, 7 and 20, a lone 3, an infection, COPD on each scale."""
    *observed, total, band, escalate = row
    result = news2(observations(*observed))
    assert (result.total, result.band, result.escalate) == (
        int(total),
        News2Band(band),
        escalate == "yes",
    )


def test_the_maximum_score_is_20_and_every_parameter_is_at_its_worst():
    """At the worst of every parameter each sub-score is 3, oxygen 2, and the total 20."""
    worst = Observations(
        respiration_rate=30,
        spo2=85,
        on_oxygen=True,
        systolic_bp=85,
        pulse=140,
        consciousness=Consciousness.UNRESPONSIVE,
        temperature=34.5,
    )
    result = news2(worst)
    assert [s.score for s in result.sub_scores] == [3, 3, 2, 3, 3, 3, 3]
    assert (result.total, result.band, result.red_score) == (20, News2Band.HIGH, True)


def test_a_single_3_with_a_total_of_3_is_low_medium_and_escalates():
    """New confusion alone: total 3, band low-medium, and the 999/ED path must be offered."""
    result = news2(replace(NORMAL, consciousness=Consciousness.NEW_CONFUSION))
    assert (result.total, result.band, result.red_score, result.escalate) == (
        3,
        News2Band.LOW_MEDIUM,
        True,
        True,
    )
    assert "999" in result.response


SNOMED_CODES = """
parameter        | scale | SNOMED CT code
-----------------+-------+-----------------
respiration_rate | 1     | 1104301000000104
spo2             | 1     | 1104311000000102
spo2             | 2     | 1104321000000108
air_or_oxygen    | 1     | 1104331000000105
systolic_bp      | 1     | 1104341000000101
pulse            | 1     | 1104351000000103
consciousness    | 1     | 1104361000000100
temperature      | 1     | 1104371000000107
"""


@pytest.mark.parametrize(("parameter", "scale", "code"), table(SNOMED_CODES))
def test_each_sub_score_carries_its_snomed_code(parameter, scale, code):
    """Sub-scores carry the NHS Digital FHIR-NEWS2 codes; SpO2 carries the code of its scale."""
    result = news2(replace(NORMAL, spo2_target_88_92=scale == "2"))
    assert result.sub_score(parameter).snomed == code
    assert result.snomed_total == "1104051000000101"


def test_sub_scores_are_the_seven_parameters_in_chart_order_with_what_was_observed():
    """Sub-scores come in RCP chart order, each with the value observed and a label."""
    result = news2(replace(NORMAL, on_oxygen=True, consciousness=Consciousness.VOICE))
    assert [(s.parameter, s.value, s.label) for s in result.sub_scores] == [
        ("respiration_rate", "16", "Respiration rate"),
        ("spo2", "97", "SpO2"),
        ("air_or_oxygen", "oxygen", "Air or oxygen"),
        ("systolic_bp", "120", "Systolic blood pressure"),
        ("pulse", "70", "Pulse"),
        ("consciousness", "voice", "Consciousness"),
        ("temperature", "37.0", "Temperature"),
    ]


RESPONSES = """
observations                       | the response says
-----------------------------------+------------------
all normal (total 0)               | every 12 hours
respiration rate 22 (total 2)      | every 4-6 hours
new confusion (single 3, total 3)  | 999 or ED
new confusion and RR 22 (total 5)  | 999 or ED
RR 22, SpO2 95, pulse 95, 38.5 (5) | Urgent review
RR 30 and oxygen (total 5)         | 999 or ED
total 7                            | call 999
"""

RESPONSE_CASES = {
    "all normal (total 0)": NORMAL,
    "respiration rate 22 (total 2)": replace(NORMAL, respiration_rate=22),
    "new confusion (single 3, total 3)": replace(NORMAL, consciousness=Consciousness.NEW_CONFUSION),
    "new confusion and RR 22 (total 5)": replace(
        NORMAL, consciousness=Consciousness.NEW_CONFUSION, respiration_rate=22
    ),
    "RR 22, SpO2 95, pulse 95, 38.5 (5)": replace(
        NORMAL, respiration_rate=22, spo2=95, pulse=95, temperature=38.5
    ),
    "RR 30 and oxygen (total 5)": replace(NORMAL, respiration_rate=30, on_oxygen=True),
    "total 7": replace(NORMAL, respiration_rate=30, on_oxygen=True, pulse=120),
}


@pytest.mark.parametrize(("case", "says"), table(RESPONSES))
def test_the_response_text_matches_the_band_and_names_999_when_escalating(case, says):
    """Each band's response carries the RCP monitoring level; escalation always names 999 or ED."""
    result = news2(RESPONSE_CASES[case])
    assert says in result.response
    if result.escalate:
        assert "999 or" in result.response


def test_a_medium_score_without_a_single_3_does_not_demand_escalation():
    """Total 5-6 without a 3 asks for urgent review and only suggests 999/ED on clinical concern."""
    result = news2(RESPONSE_CASES["RR 22, SpO2 95, pulse 95, 38.5 (5)"])
    assert (result.band, result.escalate) == (News2Band.MEDIUM, False)
    assert "clinical concern" in result.response
    assert "offer the emergency escalation path" not in result.response


INVALID_OBSERVATIONS = """
field             | value        | why
------------------+--------------+---------------------------
respiration_rate  | -1           | below the plausible range
respiration_rate  | 81           | above the plausible range
respiration_rate  | 22.0         | not a whole number
respiration_rate  | True         | a yes/no, not a number
spo2              | 49           | below the plausible range
spo2              | 101          | above the plausible range
systolic_bp       | 39           | below the plausible range
systolic_bp       | 301          | above the plausible range
pulse             | 19           | below the plausible range
pulse             | 251          | above the plausible range
temperature       | 24.9         | below the plausible range
temperature       | 45.1         | above the plausible range
temperature       | nan          | not a number
temperature       | inf          | not a number
temperature       | '38.6'       | text, not a number
on_oxygen         | 'oxygen'     | text, not yes/no
spo2_target_88_92 | 1            | a number, not yes/no
consciousness     | 'asleep'     | not an ACVPU level
"""


@pytest.mark.parametrize(("field", "value", "why"), table(INVALID_OBSERVATIONS))
def test_implausible_or_mistyped_observations_are_refused_naming_the_field(field, value, why):
    """Values outside the plausibility range or of the wrong type raise ValidationError(field)."""
    with pytest.raises(ValidationError) as raised:
        replace(NORMAL, **{field: literal(value)})
    assert raised.value.field == field
    assert value.strip("'") not in raised.value.message


FORM = {
    "respiration_rate": "16",
    "spo2": "97",
    "systolic_bp": "120",
    "pulse": "70",
    "consciousness": "alert",
    "temperature": "37.0",
}

FORMS = """
field             | typed    | read as
------------------+----------+--------
respiration_rate  | ' 22 '   | 22
spo2              | '94'     | 94
systolic_bp       | 105      | 105
temperature       | '38'     | 38.0
temperature       | 37.25    | 37.3
consciousness     | ' Voice' | voice
on_oxygen         | absent   | False
on_oxygen         | ''       | False
on_oxygen         | 'on'     | True
on_oxygen         | 'oxygen' | True
on_oxygen         | 'air'    | False
on_oxygen         | 'false'  | False
spo2_target_88_92 | absent   | False
spo2_target_88_92 | 'yes'    | True
spo2_target_88_92 | True     | True
"""


@pytest.mark.parametrize(("field", "typed", "read_as"), table(FORMS))
def test_a_form_is_read_into_observations(field, typed, read_as):
    """Text is stripped and converted; the yes/no fields follow the checkbox convention."""
    form = dict(FORM)
    if typed != "absent":
        form[field] = literal(typed)
    observed = Observations.from_form(form)
    expected = {"True": True, "False": False}.get(read_as, read_as)
    if field == "consciousness":
        expected = Consciousness(read_as)
    elif isinstance(expected, str):
        expected = float(read_as) if "." in read_as else int(read_as)
    assert getattr(observed, field) == expected


BAD_FORMS = """
field             | typed     | message
------------------+-----------+-----------------------------
respiration_rate  | absent    | is required
respiration_rate  | '  '      | is required
respiration_rate  | 'twenty'  | must be a whole number
respiration_rate  | '22.5'    | must be a whole number
respiration_rate  | '-3'      | must be a whole number
respiration_rate  | '٢٢'      | must be a whole number
spo2              | absent    | is required
spo2              | '49'      | must be between 50 and 100
systolic_bp       | absent    | is required
systolic_bp       | '1e2'     | must be a whole number
pulse             | absent    | is required
pulse             | '301'     | must be between 20 and 250
consciousness     | absent    | is required
consciousness     | 'drowsy'  | must be one of alert
temperature       | absent    | is required
temperature       | '37,2'    | must be a number in degrees C
temperature       | 'nan'     | must be a number in degrees C
temperature       | '45.1'    | must be between 25.0 and 45.0
on_oxygen         | 'maybe'   | must be yes or no
spo2_target_88_92 | '88-92'   | must be yes or no
"""


@pytest.mark.parametrize(("field", "typed", "message"), table(BAD_FORMS))
def test_a_bad_form_field_is_refused_naming_the_field(field, typed, message):
    """Missing or non-numeric input raises ValidationError naming the field, echoing no value."""
    form = dict(FORM)
    if typed == "absent":
        del form[field]
    else:
        form[field] = literal(typed)
    with pytest.raises(ValidationError) as raised:
        Observations.from_form(form)
    assert (raised.value.field, raised.value.message.startswith(message)) == (field, True)
    assert observation_form_errors(form) == {field: raised.value.message}


def test_every_problem_in_a_form_is_listed_in_chart_order():
    """`observation_form_errors` lists each bad field in chart order; from_form raises the first."""
    form = {"respiration_rate": "x", "pulse": "19", "consciousness": "alert", "temperature": "37"}
    assert list(observation_form_errors(form)) == [
        "respiration_rate",
        "spo2",
        "systolic_bp",
        "pulse",
    ]
    with pytest.raises(ValidationError) as raised:
        Observations.from_form(form)
    assert raised.value.field == "respiration_rate"
    assert observation_form_errors(FORM) == {}


def test_an_inconsistent_result_cannot_be_built():
    """A News2Result whose band or total does not follow from its sub-scores is refused."""
    result = news2(replace(NORMAL, consciousness=Consciousness.PAIN))
    with pytest.raises(ValueError):
        replace(result, band=News2Band.LOW)
    with pytest.raises(ValueError):
        replace(result, total=2)
    with pytest.raises(ValueError):
        replace(result, escalate=False)
    with pytest.raises(ValueError):
        SubScore("pulse", "70", 4, "1104351000000103")
    assert isinstance(result, News2Result)


def test_consciousness_carries_its_acvpu_letter_and_label():
    """Each ACVPU level has its letter and a label for people."""
    assert [(c.acvpu, c.label) for c in Consciousness] == [
        ("A", "Alert"),
        ("C", "New confusion"),
        ("V", "Responds to voice"),
        ("P", "Responds to pain"),
        ("U", "Unresponsive"),
    ]


plausible_observations = st.builds(
    Observations,
    respiration_rate=st.integers(0, 80),
    spo2=st.integers(50, 100),
    on_oxygen=st.booleans(),
    systolic_bp=st.integers(40, 300),
    pulse=st.integers(20, 250),
    consciousness=st.sampled_from(Consciousness),
    temperature=st.decimals("25.0", "45.0", places=1).map(float),
    spo2_target_88_92=st.booleans(),
)


@given(plausible_observations)
def test_the_total_is_the_sum_of_sub_scores_and_the_band_follows_it(observed):
    """For any plausible observations: total = sum, 0-20; band and escalation follow the total."""
    result = news2(observed)
    scores = [s.score for s in result.sub_scores]
    assert result.total == sum(scores)
    assert 0 <= result.total <= 20
    assert [s.parameter for s in result.sub_scores] == list(PARAMETERS)
    assert result.red_score == (3 in scores)
    assert result.scale == (2 if observed.spo2_target_88_92 else 1)
    if result.total >= 7:
        assert result.band is News2Band.HIGH
    elif result.total >= 5:
        assert result.band is News2Band.MEDIUM
    else:
        expected = News2Band.LOW_MEDIUM if result.red_score else News2Band.LOW
        assert result.band is expected
    assert result.escalate == (result.total >= 7 or result.red_score)


@given(plausible_observations)
def test_observations_typed_into_a_form_read_back_unchanged(observed):
    """Any plausible observations written as form text read back as the same observations."""
    form = {
        "respiration_rate": str(observed.respiration_rate),
        "spo2": str(observed.spo2),
        "on_oxygen": "on" if observed.on_oxygen else "",
        "systolic_bp": str(observed.systolic_bp),
        "pulse": str(observed.pulse),
        "consciousness": observed.consciousness.value,
        "temperature": f"{observed.temperature:.1f}",
    }
    if observed.spo2_target_88_92:
        form["spo2_target_88_92"] = "on"
    assert Observations.from_form(form) == observed

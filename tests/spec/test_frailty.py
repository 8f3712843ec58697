"""Frailty: the Clinical Frailty Scale levels and the eFI categories as tables of cases.

Sources: DOMAIN.md 3.2 (CFS v2.0 and v1 labels, SNOMED CT codes, "frail" as CFS 5 or more as a
local convention) and 3.3 (eFI = deficits / 36; categories with inclusive upper bounds 0.12,
0.24, 0.36; eFI2 cut-points 0.0857, 0.1624, 0.2392).
"""

from __future__ import annotations

import ast

import pytest

from avert.domain.errors import ValidationError
from avert.domain.frailty import (
    CFS_METHOD_SNOMED,
    CFS_SNOMED,
    EFI2_CUT_POINTS,
    ClinicalFrailtyScale,
    EfiCategory,
    EfiCutPoints,
    efi_category,
    efi_score,
    is_frail,
    parse_cfs,
)


def table(text: str) -> list[list[str]]:
    """The rows of a small ASCII table: cells split on "|", the header and rule lines dropped."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return [[cell.strip() for cell in line.split("|")] for line in lines[2:] if line]


CFS_LABELS = """
level | v2.0 label (current)            | v1 label
------+---------------------------------+--------------------
1     | Very Fit                        | Very Fit
2     | Fit                             | Well
3     | Managing Well                   | Managing Well
4     | Living with Very Mild Frailty   | Vulnerable
5     | Living with Mild Frailty        | Mildly Frail
6     | Living with Moderate Frailty    | Moderately Frail
7     | Living with Severe Frailty      | Severely Frail
8     | Living with Very Severe Frailty | Very Severely Frail
9     | Terminally Ill                  | Terminally Ill
"""


@pytest.mark.parametrize(("level", "label", "v1_label"), table(CFS_LABELS))
def test_each_cfs_level_carries_its_v2_and_v1_labels(level, label, v1_label):
    """Levels 1-9 carry the CFS v2.0 wording as `label` and the v1 wording as `v1_label`."""
    cfs = ClinicalFrailtyScale(int(level))
    assert (cfs.label, cfs.v1_label) == (label, v1_label)


def test_the_scale_has_exactly_nine_levels_in_order():
    """The scale runs 1 to 9 with no gaps."""
    assert [int(level) for level in ClinicalFrailtyScale] == list(range(1, 10))


def test_the_cfs_snomed_codes_are_the_score_and_the_assessment_scale():
    """A CFS Observation is coded 763264000 (score) with method 445414007 (assessment scale)."""
    assert (CFS_SNOMED, CFS_METHOD_SNOMED) == ("763264000", "445414007")


GOOD_CFS = """
given                                 | read as
--------------------------------------+--------
1                                     | 1
9                                     | 9
'5'                                   | 5
' 7 '                                 | 7
ClinicalFrailtyScale.MODERATE_FRAILTY | 6
"""


@pytest.mark.parametrize(("given", "read_as"), table(GOOD_CFS))
def test_a_cfs_level_is_read_from_a_number_or_text(given, read_as):
    """Whole numbers 1-9, as numbers or text with spaces, are read as CFS levels."""
    value = (
        ClinicalFrailtyScale.MODERATE_FRAILTY
        if given.startswith("ClinicalFrailtyScale")
        else ast.literal_eval(given)
    )
    assert parse_cfs(value) is ClinicalFrailtyScale(int(read_as))


BAD_CFS = """
given   | why
--------+--------------------------
0       | below the scale
10      | above the scale
-1      | negative
5.0     | not a whole number
'5.5'   | not a whole number
''      | blank
'   '   | blank
'five'  | not a number
'٥'     | not an ASCII digit
True    | a yes/no, not a level
None    | missing
"""


@pytest.mark.parametrize(("given", "why"), table(BAD_CFS))
def test_a_value_that_is_not_a_cfs_level_is_refused_naming_the_field(given, why):
    """Anything but a whole number 1-9 raises ValidationError naming the field given."""
    with pytest.raises(ValidationError) as raised:
        parse_cfs(ast.literal_eval(given), field="baseline_cfs")
    assert raised.value.field == "baseline_cfs"


IS_FRAIL = """
CFS | frail from | frail
----+------------+------
1   | 5          | no
4   | 5          | no
5   | 5          | yes
9   | 5          | yes
3   | 4          | no
4   | 4          | yes
6   | 7          | no
7   | 7          | yes
"""


@pytest.mark.parametrize(("cfs", "frail_from", "frail"), table(IS_FRAIL))
def test_frailty_starts_at_the_configured_level_which_defaults_to_5(cfs, frail_from, frail):
    """CFS 5 and above is frail by default; a service may set another level (e.g. 4)."""
    assert is_frail(int(cfs), frail_from=int(frail_from)) is (frail == "yes")
    if frail_from == "5":
        assert is_frail(int(cfs)) is (frail == "yes")


@pytest.mark.parametrize("frail_from", [0, 10, True, "5"])
def test_a_frailty_threshold_outside_the_scale_is_refused(frail_from):
    """The threshold must itself be a CFS level."""
    with pytest.raises(ValidationError) as raised:
        is_frail(5, frail_from=frail_from)
    assert raised.value.field == "frail_from"


EFI_CATEGORIES = """
eFI   | category
------+---------
0.0   | fit
0.12  | fit
0.121 | mild
0.24  | mild
0.241 | moderate
0.36  | moderate
0.361 | severe
1.0   | severe
"""


@pytest.mark.parametrize(("score", "category"), table(EFI_CATEGORIES))
def test_efi_categories_have_inclusive_upper_bounds(score, category):
    """0.12 is fit and 0.121 mild; 0.24 mild; 0.36 moderate and 0.361 severe (Clegg 2016)."""
    assert efi_category(float(score)) is EfiCategory(category)


EFI_FROM_DEFICITS = """
deficits of 36 | eFI    | category
---------------+--------+---------
0              | 0.0    | fit
4              | 0.1111 | fit
5              | 0.1389 | mild
8              | 0.2222 | mild
9              | 0.25   | moderate
12             | 0.3333 | moderate
13             | 0.3611 | severe
36             | 1.0    | severe
"""


@pytest.mark.parametrize(("deficits", "efi", "category"), table(EFI_FROM_DEFICITS))
def test_the_efi_is_deficits_over_36_and_falls_in_its_category(deficits, efi, category):
    """Counting deficits of 36 gives the eFI; 4 deficits is fit, 5 mild, 9 moderate, 13 severe."""
    score = efi_score(int(deficits))
    assert round(score, 4) == float(efi)
    assert efi_category(score) is EfiCategory(category)


EFI2_CATEGORIES = """
eFI2   | category
-------+---------
0.0857 | fit
0.0858 | mild
0.1624 | mild
0.1625 | moderate
0.2392 | moderate
0.2393 | severe
"""


@pytest.mark.parametrize(("score", "category"), table(EFI2_CATEGORIES))
def test_efi2_scores_use_the_efi2_cut_points(score, category):
    """With the eFI2 cut-points, 0.0857, 0.1624 and 0.2392 are the upper bounds of each category."""
    assert efi_category(float(score), EFI2_CUT_POINTS) is EfiCategory(category)
    assert EFI2_CUT_POINTS.version == 2


@pytest.mark.parametrize("score", [-0.01, 1.01, float("nan"), float("inf"), True, "0.2", None])
def test_an_efi_outside_0_to_1_or_not_a_number_is_refused(score):
    """An eFI score is a number from 0 to 1; anything else raises ValidationError("efi")."""
    with pytest.raises(ValidationError) as raised:
        efi_category(score)
    assert raised.value.field == "efi"


@pytest.mark.parametrize(
    ("deficits", "total", "field"),
    [(-1, 36, "deficits"), (37, 36, "deficits"), (2.0, 36, "deficits"), (1, 0, "total")],
)
def test_an_impossible_deficit_count_is_refused(deficits, total, field):
    """Deficits run from 0 to the number counted, which is at least 1."""
    with pytest.raises(ValidationError) as raised:
        efi_score(deficits, total)
    assert raised.value.field == field


def test_cut_points_must_rise_between_0_and_1():
    """Cut-points out of order cannot be configured."""
    with pytest.raises(ValidationError):
        EfiCutPoints(0.24, 0.12, 0.36)

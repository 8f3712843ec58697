"""The synthetic area generator behind `avert generate`: seeded, pure, plain values out.

`generate_area(seed=..., population=..., now=...)` returns an `Area`: neighbourhoods, GP
practices, care homes, people (NHS numbers from the 999 test range), UCR teams with staff and
shifts, and a referral history calibrated to the national figures in DOMAIN.md. Nothing about any
real person is used. See docs/synthetic-area.md.
"""

from avert.synth.area import MAX_POPULATION, MIN_POPULATION, generate_area
from avert.synth.model import (
    Area,
    CareHome,
    HistoricReferral,
    Neighbourhood,
    Person,
    Practice,
    Shift,
    StaffMember,
    Team,
)
from avert.synth.workforce import SKILLS


__all__ = [
    "MAX_POPULATION",
    "MIN_POPULATION",
    "SKILLS",
    "Area",
    "CareHome",
    "HistoricReferral",
    "Neighbourhood",
    "Person",
    "Practice",
    "Shift",
    "StaffMember",
    "Team",
    "generate_area",
]

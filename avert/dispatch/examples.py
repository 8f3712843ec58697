"""A tiny problem whose optimal plan can be checked by hand (docs/dispatch.md walks through it).

    y
    10  V2(3)   V3(4)          office (0) at (0, 0); travel = straight-line distance
     0  office  V1(1)   V4(2)
        0       10      20   x

A nurse (nursing) and an OT (therapy) start and end at the office.
V1: nursing 10 min, window [0, 60]; V2: therapy 10 min, window [0, 60];
V3: nurse and OT together (simultaneous), 20 min each, window [30, 90];
V4: nursing 10 min, window [0, 200].

Skills fix who does what. The nurse's shortest tours of {V1, V4, V3} are 0-1-2-4-0 and its
reverse (48.284); the reverse reaches V1 at 84 (late). The OT's are 0-3-4-0 and its reverse
(34.142); the reverse waits at V3 for the nurse and reaches V2 late. So the optimum is
nurse V1 (10-20), V4 (30-40), V3 (54.142-74.142); OT V2 (10-20), V3 (54.142-74.142):
distance 82.426, no lateness, cost 82.426 / 3 = 27.475 with the default weights.
"""

from __future__ import annotations

import math

from avert.dispatch.model import Problem, Staff, Sync, SyncKind, Task, TravelMatrix, Visit, Window


POINTS = [(0.0, 0.0), (10.0, 0.0), (20.0, 0.0), (0.0, 10.0), (10.0, 10.0)]
OPTIMAL_DISTANCE = 40 + 30 * math.sqrt(2)  # nurse 20 + 20 sqrt 2, OT 20 + 10 sqrt 2


def tiny_problem(**changes: object) -> Problem:
    """The problem drawn above; keyword arguments replace fields of `Problem`."""
    matrix = [[math.dist(a, b) for b in POINTS] for a in POINTS]
    fields: dict[str, object] = {
        "staff": (
            Staff("nurse", frozenset({"nursing"})),
            Staff("ot", frozenset({"therapy"})),
        ),
        "visits": (
            Visit("V1", 1, Window(0, 60), (Task("nursing", 10),)),
            Visit("V2", 3, Window(0, 60), (Task("therapy", 10),)),
            Visit(
                "V3",
                4,
                Window(30, 90),
                (Task("nursing", 20), Task("therapy", 20)),
                Sync(SyncKind.SIMULTANEOUS),
            ),
            Visit("V4", 2, Window(0, 200), (Task("nursing", 10),)),
        ),
        "travel": TravelMatrix.square(matrix),
    }
    fields.update(changes)
    return Problem(**fields)  # type: ignore[arg-type]

"""The dispatch policy: who should go to a new visit, ranked, with the reason for each option.

One function answers the dispatcher's question (issue 4, part 3) and the simulator's (part 5),
so the simulator measures the policy that live dispatch uses:

- `rank(need, x, y, duration, deadline, now, candidates, travel)` lists every staff member who
  can go, best first, each with when they would arrive, the travel, the lateness of the new
  visit, the lateness it pushes onto their later visits, and reasons in plain words.
- `nearest_free(need, x, y, now, candidates, travel)` is the baseline a policy is compared
  with: the nearest skilled person who is free now.

**Places.** `x, y` are whatever the `travel(x1, y1, x2, y2) -> minutes` function takes. Live
dispatch passes latitude and longitude with `latlon_travel()` (the straight-line source of
`travel.py`: great circle x road factor at a speed); the simulator can pass kilometres on a local
grid with `grid_travel()`. Times are minutes of the day (`now`, `free_at`, deadlines).

**The model of an option.** The person finishes what they are doing (`free_at`), leaves at
`max(now, free_at)`, goes straight to the new visit and then returns to their list. Their next
committed visit can start no earlier than their return to where they were (travel there and
back: by the triangle inequality this bounds the detour); the delay that causes is carried to
every later visit on their list (an estimate that assumes no idle time to absorb it). A person
is eligible when they have the skill and can finish the visit by the end of their shift (shifts
are hard, as in the planner). Live dispatch re-prices the top options exactly with the planner's
insertion (`avert.dispatch.live`).

**The ordering** (the issue asks for minimal disruption and a ranked list), smallest first:

1. the number of deadlines missed because of this choice: the new visit's, if the person
   arrives after it, plus committed visits that were on time and would become late;
2. the lateness added, in minutes: the new visit's lateness plus the knock-on lateness;
3. the minutes other visits are moved later, summed over them (the least disruption);
4. the arrival time at the new visit (sooner is better for the patient);
5. the travel time (less time on the road);
6. the staff identifier, so equal options always come in the same order.

So an option that keeps every deadline beats one that breaks any; among those that keep them
all, the one that adds least lateness and then moves the rest of the day least comes first; only
then does the sooner arrival win. A crisis visit reached on time by somebody free comes before
one that pushes somebody else's list back to get there earlier.

This module is pure and light: plain floats and tuples, no validation in the hot path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


Travel = Callable[[float, float, float, float], float]

SKILL_FOR_NEED: dict[str, str] = {
    # [ASSUMPTION] The skill a first visit for each need (vocab.ConditionNeed) calls for, from the
    # skill codes of synth/workforce.py; "" means anyone on shift may go. To agree locally.
    "fall": "falls",
    "frailty_decompensation": "",
    "reduced_function": "manual_handling",
    "palliative_crisis": "palliative",
    "urgent_equipment": "equipment_assessment",
    "confusion_delirium": "",
    "catheter_care": "catheter",
    "diabetes_support": "diabetes",
    "carer_breakdown": "personal_care",
    "other": "",
}

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Candidate:
    """One staff member as the dispatcher sees them now.

    `free_at` is the minute they could leave for a new visit (after their current one), `x, y`
    where they will be then, `committed` the (planned start, deadline) of the visits still ahead
    of them, in order. A deadline may be `math.inf`.
    """

    staff_id: str
    skills: frozenset[str]
    free_at: float
    x: float
    y: float
    shift_end: float
    committed: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Option:
    """One answer to "who should go": the person, timings and the reasons in words."""

    staff_id: str
    arrival: float
    travel_minutes: float
    knock_on_lateness: float
    lateness: float
    reasons: tuple[str, ...]
    breaches: int = 0  # deadlines missed because of this choice (this visit and pushed ones)
    pushed: int = 0  # committed visits that start later
    delay: float = 0.0  # how much later they start (minutes)
    finish: float = 0.0  # when the new visit ends

    @property
    def breaches_deadline(self) -> bool:
        """Whether the new visit itself would start after its deadline."""
        return self.lateness > 0


def clock(minute: float) -> str:
    """A minute of the day as `HH:MM` (wrapping after midnight)."""
    whole = int(math.floor(minute + 0.5)) % (24 * 60)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _minutes(value: float) -> str:
    whole = int(math.floor(value + 0.5))
    return "1 min" if whole == 1 else f"{whole} min"


def grid_travel(kmh: float = 30.0, road_factor: float = 1.3) -> Travel:
    """Travel on a local grid in kilometres: Euclidean distance x road factor at a speed."""
    per_km = 60.0 * road_factor / kmh
    hypot = math.hypot

    def travel(x1: float, y1: float, x2: float, y2: float) -> float:
        return hypot(x2 - x1, y2 - y1) * per_km

    return travel


def latlon_travel(kmh: float = 30.0, road_factor: float = 1.3) -> Travel:
    """Travel between (latitude, longitude) points: great circle x road factor at a speed.

    The same figures as `travel.StraightLine` (whose defaults are 1.3 and 30 km/h urban).
    """
    per_km = 60.0 * road_factor / kmh
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt

    def travel(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        phi1, phi2 = radians(lat1), radians(lat2)
        h = sin((phi2 - phi1) / 2) ** 2 + cos(phi1) * cos(phi2) * sin(radians(lon2 - lon1) / 2) ** 2
        return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h))) * per_km

    return travel


def _knock_on(
    committed: tuple[tuple[float, float], ...], back: float
) -> tuple[float, int, int, float]:
    """Lateness added, newly missed deadlines, visits pushed and the delay, if the person can
    reach their next committed visit no earlier than `back`."""
    if not committed:
        return 0.0, 0, 0, 0.0
    delay = back - committed[0][0]
    if delay <= 0:
        return 0.0, 0, 0, 0.0
    added = 0.0
    broken = 0
    for start, deadline in committed:
        moved = start + delay
        if moved > deadline:
            if start > deadline:
                added += delay
            else:
                added += moved - deadline
                broken += 1
    return added, broken, len(committed), delay


def _reasons(
    need: str,
    now: float,
    deadline: float,
    candidate: Candidate,
    leave: float,
    minutes: float,
    arrival: float,
    finish: float,
    pushed: int,
    delay: float,
    added: float,
    broken: int,
    fmt: Callable[[float], str] = clock,
) -> tuple[str, ...]:
    reasons = [f"arrives {fmt(arrival)} ({_minutes(minutes)} travel)"]
    if leave <= now:
        reasons.append("free now")
    else:
        reasons.append(f"free from {fmt(leave)}, after the current visit")
    if need:
        reasons.append(f"has skill {need}")
    if math.isfinite(deadline):
        if arrival <= deadline:
            reasons.append(f"within the deadline by {_minutes(deadline - arrival)}")
        else:
            reasons.append(f"misses the deadline by {_minutes(arrival - deadline)}")
    if pushed:
        visits = "1 visit" if pushed == 1 else f"{pushed} visits"
        text = f"pushes {visits} {_minutes(delay)} later"
        if added > 0:
            text += f" ({_minutes(added)} more lateness"
            text += f", {broken} past deadline)" if broken else ")"
        reasons.append(text)
    else:
        reasons.append("no other visit moves")
    if candidate.shift_end - now < 24 * 60:
        reasons.append(f"finishes {fmt(finish)}, shift ends {fmt(candidate.shift_end)}")
    else:
        reasons.append(f"finishes {fmt(finish)}")
    return tuple(reasons)


def rank(
    need: str,
    x: float,
    y: float,
    duration: float,
    deadline: float,
    now: float,
    candidates: Sequence[Candidate],
    travel: Travel,
    *,
    limit: int | None = None,
    explain: bool = True,
    fmt: Callable[[float], str] = clock,
) -> list[Option]:
    """Everyone who can do the visit, best first (ordering in the module docstring).

    `need` is the skill the visit needs ("" for any). `limit` keeps the best few; with
    `explain=False` the options carry no reasons (faster, for the simulator).
    """
    scored: list[tuple] = []
    for index, c in enumerate(candidates):
        if need and need not in c.skills:
            continue
        leave = c.free_at if c.free_at > now else now
        minutes = travel(c.x, c.y, x, y)
        arrival = leave + minutes
        finish = arrival + duration
        if finish > c.shift_end:
            continue
        lateness = arrival - deadline if arrival > deadline else 0.0
        if c.committed:
            added, broken, pushed, delay = _knock_on(c.committed, finish + minutes)
        else:
            added, broken, pushed, delay = 0.0, 0, 0, 0.0
        breaches = broken + (1 if lateness > 0 else 0)
        scored.append(
            (
                breaches,
                lateness + added,
                pushed * delay,
                arrival,
                minutes,
                c.staff_id,
                index,
                leave,
                finish,
                added,
                pushed,
                delay,
            )
        )
    scored.sort()
    if limit is not None:
        scored = scored[:limit]
    options = []
    for (
        breaches,
        _total,
        _moved,
        arrival,
        minutes,
        staff_id,
        index,
        leave,
        finish,
        added,
        pushed,
        delay,
    ) in scored:
        lateness = arrival - deadline if arrival > deadline else 0.0
        reasons = (
            _reasons(
                need,
                now,
                deadline,
                candidates[index],
                leave,
                minutes,
                arrival,
                finish,
                pushed,
                delay,
                added,
                breaches - (1 if lateness > 0 else 0),
                fmt,
            )
            if explain
            else ()
        )
        options.append(
            Option(
                staff_id,
                arrival,
                minutes,
                added,
                lateness,
                reasons,
                breaches,
                pushed,
                delay,
                finish,
            )
        )
    return options


def nearest_free(
    need: str,
    x: float,
    y: float,
    now: float,
    candidates: Sequence[Candidate],
    travel: Travel,
    *,
    duration: float = 0.0,
    deadline: float = math.inf,
    explain: bool = True,
    fmt: Callable[[float], str] = clock,
) -> Option | None:
    """The baseline dispatcher: the nearest person with the skill who is free now and on shift.

    It ignores deadlines and knock-on effects when choosing (that is what makes it a baseline),
    but the option it returns reports them like `rank` does. None when nobody is free.
    """
    best: tuple[float, str, int] | None = None
    for index, c in enumerate(candidates):
        if c.free_at > now or c.shift_end <= now:
            continue
        if need and need not in c.skills:
            continue
        minutes = travel(c.x, c.y, x, y)
        if now + minutes + duration > c.shift_end:
            continue
        key = (minutes, c.staff_id, index)
        if best is None or key < best:
            best = key
    if best is None:
        return None
    minutes, staff_id, index = best
    c = candidates[index]
    arrival = now + minutes
    finish = arrival + duration
    lateness = arrival - deadline if arrival > deadline else 0.0
    added, broken, pushed, delay = _knock_on(c.committed, finish + minutes)
    reasons = (
        _reasons(
            need, now, deadline, c, now, minutes, arrival, finish, pushed, delay, added, broken, fmt
        )
        if explain
        else ()
    )
    return Option(
        staff_id,
        arrival,
        minutes,
        added,
        lateness,
        reasons,
        broken + (1 if lateness > 0 else 0),
        pushed,
        delay,
        finish,
    )

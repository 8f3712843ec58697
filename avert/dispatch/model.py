"""The dispatch problem: staff, visits, travel and the objective, as validated frozen values.

This is the home health care routing and scheduling problem with interdependent services
(Mankowska, Meisel & Bierwirth 2014) in the shape a UCR team needs (issue 4, part 1):

- a **staff member** has skills, one or more shift windows in the day and start/end places;
- a **visit** happens at a place, needs one or two people (each *task* names the skill it needs
  and how long it takes), and has a time window whose start is hard (nobody is expected before
  it) and whose end is a soft deadline: starting later is lateness, penalised, never forbidden,
  because a late two-hour response still happens (DOMAIN.md 1.3 and 1.7);
- a two-person visit is **simultaneous** (both start together) or **sequential** (the second
  starts between `min_gap` and `max_gap` minutes after the first);
- a **pin** fixes a task that has started or is done to its staff member and start time, so a
  plan can be re-optimised from the state of the running day;
- a staff member **excluded** from a visit never goes to it.

Times are minutes from the start of the planning day; the travel matrix (minutes and distance)
is indexed by place. Nothing here reads files, clocks or randomness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from avert.domain.errors import ValidationError


ALWAYS = (0.0, math.inf)


def _is_number(value: float) -> bool:
    return not math.isnan(value)


@dataclass(frozen=True)
class Window:
    """An interval of the day in minutes; `end` may be infinite (no deadline, no shift end)."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if not (_is_number(self.start) and _is_number(self.end)):
            raise ValidationError("window", "bounds must be numbers")
        if math.isinf(self.start) or self.start < 0:
            raise ValidationError("window", "start must be a finite time of day, not negative")
        if self.end < self.start:
            raise ValidationError("window", "end must not be before start")


@dataclass(frozen=True)
class Staff:
    """A person who can be sent: skills, shift windows (sorted, disjoint) and start/end places."""

    id: str
    skills: frozenset[str]
    shifts: tuple[Window, ...] = (Window(*ALWAYS),)
    start_place: int = 0
    end_place: int = 0

    def __post_init__(self) -> None:
        if not self.id:
            raise ValidationError("staff.id", "a staff member needs an identifier")
        if not self.shifts:
            raise ValidationError(f"staff[{self.id}].shifts", "at least one shift window")
        for before, after in zip(self.shifts, self.shifts[1:], strict=False):
            if after.start < before.end:
                raise ValidationError(
                    f"staff[{self.id}].shifts", "shift windows must be sorted and not overlap"
                )
        if self.start_place < 0 or self.end_place < 0:
            raise ValidationError(f"staff[{self.id}].place", "places are matrix indices")


@dataclass(frozen=True)
class Task:
    """What one person does at a visit: the skill it needs and how long it takes (minutes)."""

    skill: str
    duration: float

    def __post_init__(self) -> None:
        if not self.skill:
            raise ValidationError("task.skill", "a task needs a skill")
        if not (self.duration >= 0 and math.isfinite(self.duration)):
            raise ValidationError("task.duration", "duration must be a finite, non-negative time")


class SyncKind(StrEnum):
    """How the two people of a double visit are tied together."""

    SIMULTANEOUS = "simultaneous"
    SEQUENTIAL = "sequential"


@dataclass(frozen=True)
class Sync:
    """Simultaneous, or sequential with the second task starting `min_gap..max_gap` after."""

    kind: SyncKind
    min_gap: float = 0.0
    max_gap: float = 0.0

    def __post_init__(self) -> None:
        if self.kind is SyncKind.SEQUENTIAL and not (0 <= self.min_gap <= self.max_gap):
            raise ValidationError("sync.gap", "need 0 <= min_gap <= max_gap")
        if self.kind is SyncKind.SIMULTANEOUS and (self.min_gap or self.max_gap):
            raise ValidationError("sync.gap", "a simultaneous visit has no gap")


@dataclass(frozen=True)
class Visit:
    """A visit at a place: one or two tasks, a window (hard start, soft end), exclusions."""

    id: str
    place: int
    window: Window
    tasks: tuple[Task, ...]
    sync: Sync | None = None
    excluded_staff: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValidationError("visit.id", "a visit needs an identifier")
        if self.place < 0:
            raise ValidationError(f"visit[{self.id}].place", "places are matrix indices")
        if len(self.tasks) not in (1, 2):
            raise ValidationError(f"visit[{self.id}].tasks", "a visit needs one or two people")
        if (len(self.tasks) == 2) != (self.sync is not None):
            raise ValidationError(
                f"visit[{self.id}].sync", "a two-person visit, and only one, says how they meet"
            )
        if math.isinf(self.window.start):
            raise ValidationError(f"visit[{self.id}].window", "the window must start")


@dataclass(frozen=True)
class Pin:
    """A task already started or done: it stays with this person at this start time."""

    visit_id: str
    task: int
    staff_id: str
    start: float


@dataclass(frozen=True)
class Weights:
    """The objective: weighted travel distance, total lateness and the worst lateness.

    The defaults are Mankowska et al.'s (1/3 each), so costs compare with published results.
    """

    distance: float = 1 / 3
    total_lateness: float = 1 / 3
    max_lateness: float = 1 / 3

    def __post_init__(self) -> None:
        for name in ("distance", "total_lateness", "max_lateness"):
            if not getattr(self, name) >= 0:
                raise ValidationError(f"weights.{name}", "weights must not be negative")


@dataclass(frozen=True)
class TravelMatrix:
    """Travel between places: minutes (for timing) and distance (for the objective)."""

    minutes: tuple[tuple[float, ...], ...]
    distance: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        size = len(self.minutes)
        if len(self.distance) != size:
            raise ValidationError("travel", "minutes and distance must be the same size")
        for rows in (self.minutes, self.distance):
            for row in rows:
                if len(row) != size:
                    raise ValidationError("travel", "travel matrices must be square")
                # A NaN or an infinity makes the sum not finite; then the minimum is exact.
                if row and not (math.isfinite(sum(row)) and min(row) >= 0):
                    raise ValidationError("travel", "travel must be finite and not negative")

    @classmethod
    def square(cls, matrix: Sequence[Sequence[float]]) -> TravelMatrix:
        """One matrix used for both minutes and distance (as in the Mankowska instances)."""
        rows = tuple(tuple(float(v) for v in row) for row in matrix)
        return cls(rows, rows)

    @property
    def size(self) -> int:
        return len(self.minutes)


@dataclass(frozen=True)
class Problem:
    """Everything the planner needs: staff, visits, pins, travel and the objective's weights."""

    staff: tuple[Staff, ...]
    visits: tuple[Visit, ...]
    travel: TravelMatrix
    pins: tuple[Pin, ...] = ()
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        staff_ids = [s.id for s in self.staff]
        visit_ids = [v.id for v in self.visits]
        if len(set(staff_ids)) != len(staff_ids):
            raise ValidationError("staff", "staff identifiers must be unique")
        if len(set(visit_ids)) != len(visit_ids):
            raise ValidationError("visits", "visit identifiers must be unique")
        size = self.travel.size
        for s in self.staff:
            if max(s.start_place, s.end_place) >= size:
                raise ValidationError(f"staff[{s.id}].place", "place is not in the travel matrix")
        for v in self.visits:
            if v.place >= size:
                raise ValidationError(f"visit[{v.id}].place", "place is not in the travel matrix")
            unknown = v.excluded_staff - set(staff_ids)
            if unknown:
                raise ValidationError(f"visit[{v.id}].excluded_staff", "names unknown staff")
        staff = self.staff_by_id
        visits = self.visit_by_id
        seen: set[tuple[str, int]] = set()
        for pin in self.pins:
            visit = visits.get(pin.visit_id)
            person = staff.get(pin.staff_id)
            where = f"pins[{pin.visit_id}]"
            if visit is None or person is None:
                raise ValidationError(where, "a pin names an unknown visit or staff member")
            if not 0 <= pin.task < len(visit.tasks):
                raise ValidationError(where, "a pin names a task the visit does not have")
            if (pin.visit_id, pin.task) in seen:
                raise ValidationError(where, "a task is pinned twice")
            seen.add((pin.visit_id, pin.task))
            if not (math.isfinite(pin.start) and pin.start >= 0):
                raise ValidationError(where, "a pinned start must be a time of day")

    @property
    def staff_by_id(self) -> dict[str, Staff]:
        return {s.id: s for s in self.staff}

    @property
    def visit_by_id(self) -> dict[str, Visit]:
        return {v.id: v for v in self.visits}

    def can_do(self, person: Staff, visit: Visit, task: int) -> bool:
        """Whether this person has the task's skill and is not excluded from the visit."""
        return visit.tasks[task].skill in person.skills and person.id not in visit.excluded_staff


@dataclass(frozen=True)
class Assignment:
    """One task of one visit done by one person, starting and ending at these times."""

    visit_id: str
    task: int
    start: float
    end: float


@dataclass(frozen=True)
class Route:
    """One staff member's day: the assignments in the order they are done."""

    staff_id: str
    stops: tuple[Assignment, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Routes for (some of) the staff, and the visits left unplanned."""

    routes: tuple[Route, ...]
    unassigned: tuple[str, ...] = ()

    def route_of(self, staff_id: str) -> Route:
        for route in self.routes:
            if route.staff_id == staff_id:
                return route
        return Route(staff_id)

    def to_json(self) -> dict:
        """The plan as JSON values (`from_json` reads it back)."""
        return {
            "routes": [
                {
                    "staff_id": r.staff_id,
                    "stops": [[a.visit_id, a.task, a.start, a.end] for a in r.stops],
                }
                for r in self.routes
            ],
            "unassigned": list(self.unassigned),
        }

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        return cls(
            tuple(
                Route(
                    r["staff_id"],
                    tuple(Assignment(v, int(k), float(s), float(e)) for v, k, s, e in r["stops"]),
                )
                for r in data["routes"]
            ),
            tuple(data["unassigned"]),
        )

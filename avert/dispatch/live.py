"""Live dispatch (issue 4, part 3): the running day as a dispatch problem, and what to do with it.

`build(day)` turns the state of the day (staff on shift with their positions and live status,
visits allocated or under way, open referrals with their response deadlines) into a `Problem`
and the **current plan**: every person keeps the visits already given to them, and the open
referrals are placed by cheapest insertion. On it:

- `insert(running, referral)`: who should go to a new referral, ranked, with reasons. The quick
  ranking is `policy.rank` (microseconds, an estimate of the knock-on); the best `exact_top`
  options are then priced exactly by inserting the visit at every position of that person's
  list with the planner's own insertion and timing (`insertion._try`), which moves everything
  the insertion pushes, partners in other routes included. Visits under way are pinned and
  never move; allocated visits stay with their people.
- `predict(running)`: for every open referral, the start the current plan gives it against its
  deadline: on time, at risk (within `at_risk_minutes`), or will breach (or nobody can go).
- `off_sick(running, staff_id, stop)` and `overrun(running, referral_id, extra, stop)`: a warm
  re-plan (`solve.plan(..., initial=the current plan)`) after a person goes off sick (their
  visits not yet started are released; a visit they have started stays pinned and their shift
  ends with it) or a visit runs over (it gets longer and everything after it moves).

How the day is modelled:

- Times are minutes from local midnight the day before `now`, so the `HH:MM` of a minute is
  the local time of day and a visit begun before midnight still has a place.
- A person leaves at `now` from their last known position; someone on a visit leaves from the
  visit when it ends (arrival + the expected length, or `min_remaining` minutes from now if it
  is running over); someone travelling arrives at their estimated time. Those visits are pins.
- A visit allocated but not started can be done only by the people it was allocated to (all
  others are excluded), in the order of its planned time, then its deadline.
- An open referral's visit needs the skill `policy.SKILL_FOR_NEED` gives for its need; its
  window opens now and its soft deadline is the referral's response deadline (none if the
  clock is not running). A visit lasts `Assumptions.minutes_for(disposition)`.
- People end their day anywhere (a place with no travel to it), so going home is not counted.
- A referral without a recorded location is placed at its team's base (the services layer
  says so with `located=False`, and the reasons say so too).
"""

from __future__ import annotations

import math
import random
import time as timer
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from operator import itemgetter

from avert.dispatch import insertion, solve
from avert.dispatch.model import (
    Assignment,
    Pin,
    Plan,
    Problem,
    Route,
    Staff,
    Sync,
    SyncKind,
    Task,
    TravelMatrix,
    Visit,
    Window,
)
from avert.dispatch.policy import (
    SKILL_FOR_NEED,
    Candidate,
    Option,
    latlon_travel,
    rank,
)
from avert.dispatch.stop import MaxRuntime, StoppingCriterion
from avert.dispatch.timing import NONE, Compiled, State, lateness
from avert.dispatch.travel import Location, StraightLine, great_circle_km
from avert.synth.localtime import LONDON


ANY = "*"  # a skill every person has: for visits whose people are already chosen


@dataclass(frozen=True)
class Assumptions:
    """Planning figures for the live day. [ASSUMPTION] all of them, to calibrate locally."""

    crisis_minutes: float = 60.0  # a 2-hour crisis response visit
    other_minutes: float = 45.0  # a reablement or same-day visit
    min_remaining: float = 10.0  # a visit running over is expected to last at least this more
    at_risk_minutes: float = 15.0  # predicted within this of the deadline: at risk
    urban_kmh: float = 30.0
    road_factor: float = 1.3
    exact_top: int = 8  # options priced exactly after the quick ranking

    def minutes_for(self, disposition: str) -> float:
        return self.crisis_minutes if disposition == "two_hour_crisis" else self.other_minutes


DEFAULT = Assumptions()


@dataclass(frozen=True)
class LiveStaff:
    """A person on shift now: skills, live status and where they were last."""

    id: str
    name: str
    skills: frozenset[str]
    status: str  # available, travelling, on_visit, off
    lat: float
    lon: float
    shift_end: datetime


@dataclass(frozen=True)
class LiveReferral:
    """An open referral: waiting for a visit, or with one allocated or under way."""

    id: int
    need: str
    disposition: str
    lat: float
    lon: float
    deadline: datetime | None  # None when its response clock is not running
    located: bool = True
    visit_id: int | None = None
    status: str | None = None  # the visit's: allocated, en_route, arrived
    staff_ids: tuple[str, ...] = ()
    planned_at: datetime | None = None
    en_route_at: datetime | None = None
    arrived_at: datetime | None = None
    minutes: float | None = None  # the expected length, when known better than the default

    @property
    def started(self) -> bool:
        return self.status in ("en_route", "arrived")

    @property
    def allocated(self) -> bool:
        return self.status is not None


@dataclass(frozen=True)
class Day:
    """The state of the day at `now`."""

    now: datetime
    staff: tuple[LiveStaff, ...]
    referrals: tuple[LiveReferral, ...]


def visit_key(referral_id: int) -> str:
    return f"R{referral_id}"


def origin_of(now: datetime) -> datetime:
    """Local midnight of the day before `now`, as an aware instant."""
    day = now.astimezone(LONDON).date() - timedelta(days=1)
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


@dataclass
class Running:
    """The running day: the problem, its current plan, and the planner's working state."""

    day: Day
    assumptions: Assumptions
    origin: datetime
    problem: Problem
    locations: list[Location]
    referrals: dict[str, LiveReferral]
    deadlines: dict[str, float]
    compiled: Compiled
    state: State
    plan: Plan
    names: dict[str, str] = field(default_factory=dict)

    @property
    def now(self) -> float:
        return self.minute(self.day.now)

    def minute(self, at: datetime) -> float:
        return (at - self.origin).total_seconds() / 60.0

    def at(self, minute: float) -> datetime:
        return self.origin + timedelta(minutes=minute)

    def fmt(self, minute: float) -> str:
        if not math.isfinite(minute):
            return "no end"
        return self.at(minute).astimezone(LONDON).strftime("%H:%M")


def _matrix(
    locations: Sequence[Location], source: StraightLine, known: Running | None = None
) -> TravelMatrix:
    """Straight-line travel between the places, with place 0 ("anywhere") at no distance.

    If `known` (a running day built with the same assumptions) already has every place, its
    travel is read instead of computed again: a re-plan of the same day keeps its places."""
    if known is not None:
        index: dict[Location, int] = {}
        for i, location in enumerate(known.locations):
            if i:
                index.setdefault(location, i)
        idx = [0, *(index.get(location, -1) for location in locations[1:])]
        if -1 not in idx:
            pick = itemgetter(*idx) if len(idx) > 1 else (lambda row: (row[0],))
            old = known.problem.travel
            return TravelMatrix(
                tuple(pick(old.minutes[i]) for i in idx),
                tuple(pick(old.distance[i]) for i in idx),
            )
    inner = source.matrix(list(locations[1:]))
    n = len(locations)
    zero = (0.0,) * n
    minutes = [zero] + [(0.0, *row) for row in inner.minutes]
    distance = [zero] + [(0.0, *row) for row in inner.distance]
    return TravelMatrix(tuple(minutes), tuple(distance))


def _duration(r: LiveReferral, a: Assumptions, now: float, start: float) -> float:
    """The expected length; a visit under way past it is expected to last a while more."""
    base = r.minutes if r.minutes is not None else a.minutes_for(r.disposition)
    if r.status == "arrived":
        return max(base, now - start + a.min_remaining)
    return base


def build(
    day: Day,
    assumptions: Assumptions = DEFAULT,
    *,
    initial: Plan | None = None,
    known: Running | None = None,
):
    """The running day as a problem and its current plan (see the module docstring).

    `known`: an earlier build of the same day, whose travel between places is reused."""
    a = assumptions
    origin = origin_of(day.now)

    def minute(at: datetime) -> float:
        return max(0.0, (at - origin).total_seconds() / 60.0)

    now = minute(day.now)
    source = StraightLine(road_factor=a.road_factor, urban_kmh=a.urban_kmh)
    locations: list[Location] = [Location(0.0, 0.0)]
    present = {s.id: s for s in day.staff}
    started: dict[str, list[LiveReferral]] = {}
    for r in day.referrals:
        if r.started:
            for sid in r.staff_ids:
                if sid in present:
                    started.setdefault(sid, []).append(r)
    people = [s for s in day.staff if s.status != "off" or s.id in started]
    ids = [s.id for s in people]
    in_day = set(ids)

    visits: list[Visit] = []
    pins: list[Pin] = []
    referrals: dict[str, LiveReferral] = {}
    deadlines: dict[str, float] = {}
    place_of_visit: dict[str, int] = {}
    allocated: dict[str, list[tuple[float, float, str, int]]] = {}
    for r in day.referrals:
        key = visit_key(r.id)
        crew = tuple(s for s in r.staff_ids if s in in_day) if r.allocated else ()
        if r.allocated and not crew:
            r = replace(r, status=None, staff_ids=(), visit_id=None)
        place = len(locations)
        locations.append(Location(r.lat, r.lon))
        place_of_visit[key] = place
        deadline = minute(r.deadline) if r.deadline is not None else math.inf
        referrals[key] = r
        deadlines[key] = deadline
        if crew:
            tasks = tuple(Task(ANY, 0.0) for _ in crew)
            excluded = frozenset(in_day - set(crew))
        else:
            skill = SKILL_FOR_NEED.get(r.need, "") or ANY
            tasks = (Task(skill, 0.0),)
            excluded = frozenset()
        ready = now
        if r.started and crew:
            if r.status == "arrived" and r.arrived_at is not None:
                ready = min(now, minute(r.arrived_at))
            elif r.en_route_at is not None:
                ready = min(now, minute(r.en_route_at))
        ready = max(0.0, min(ready, deadline))
        visits.append(
            Visit(
                id=key,
                place=place,
                window=Window(ready, max(ready, deadline)),
                tasks=tasks,
                sync=Sync(SyncKind.SIMULTANEOUS) if len(tasks) == 2 else None,
                excluded_staff=excluded,
            )
        )
        if crew and not r.started:
            order = minute(r.planned_at) if r.planned_at is not None else deadline
            for k, sid in enumerate(crew):
                allocated.setdefault(sid, []).append((order, r.id, key, k))

    staff_places: dict[str, int] = {}
    for s in people:
        staff_places[s.id] = len(locations)
        locations.append(Location(s.lat, s.lon))
    matrix = _matrix(
        locations, source, known if known is not None and known.assumptions == a else None
    )

    # Durations and pins: started visits keep their people and their start times.
    durations: dict[str, float] = {}
    for v in visits:
        r = referrals[v.id]
        durations[v.id] = r.minutes if r.minutes is not None else a.minutes_for(r.disposition)
    staff_models: list[Staff] = []
    for s in people:
        depart, place = now, staff_places[s.id]
        end = minute(s.shift_end)
        mine = sorted(
            started.get(s.id, ()),
            key=lambda r: (r.status != "arrived", r.arrived_at or r.en_route_at or day.now),
        )
        previous_end = None
        for r in mine:
            key = visit_key(r.id)
            crew = [x for x in r.staff_ids if x in in_day]
            if r.status == "arrived" and r.arrived_at is not None:
                start = minute(r.arrived_at)
                if previous_end is None:
                    depart, place = start, place_of_visit[key]
            else:
                leave = minute(r.en_route_at) if r.en_route_at is not None else now
                if previous_end is None:
                    depart = leave
                # Both people of a double visit start together: when the later one arrives.
                start = max(
                    now,
                    *(leave + matrix.minutes[staff_places[x]][place_of_visit[key]] for x in crew),
                )
            if previous_end is not None:
                start = max(start, previous_end)
            dur = _duration(r, a, now, start)
            durations[key] = max(durations[key], dur)
            pins.append(Pin(key, crew.index(s.id), s.id, start))
            previous_end = start + durations[key]
        pinned_end = max(
            (p.start + durations[p.visit_id] for p in pins if p.staff_id == s.id), default=depart
        )
        if s.status == "off":
            end = pinned_end
        end = max(end, pinned_end, depart)
        staff_models.append(
            Staff(
                id=s.id,
                skills=frozenset(s.skills) | {ANY},
                shifts=(Window(max(0.0, depart), end),),
                start_place=place,
                end_place=0,
            )
        )
    visits = [
        replace(v, tasks=tuple(Task(t.skill, durations[v.id]) for t in v.tasks)) for v in visits
    ]
    # A pinned task must not start before its window opens: open it at the pin.
    pin_start = {}
    for p in pins:
        pin_start[p.visit_id] = min(pin_start.get(p.visit_id, math.inf), p.start)
    visits = [
        replace(
            v,
            window=Window(min(v.window.start, pin_start[v.id]), max(v.window.end, v.window.start)),
        )
        if v.id in pin_start
        else v
        for v in visits
    ]
    problem = Problem(tuple(staff_models), tuple(visits), matrix, tuple(pins))
    if initial is None:
        routes = []
        for sid, stops in allocated.items():
            stops.sort()
            routes.append(Route(sid, tuple(Assignment(key, k, 0.0, 0.0) for _, _, key, k in stops)))
        initial = Plan(tuple(routes))
    else:
        initial = _restrict(initial, problem, off={s.id for s in people if s.status == "off"})
    c = Compiled(problem)
    st = solve._start(c, initial, random.Random(0))
    return Running(
        day=day,
        assumptions=a,
        origin=origin,
        problem=problem,
        locations=locations,
        referrals=referrals,
        deadlines=deadlines,
        compiled=c,
        state=st,
        plan=solve.to_plan(c, st),
        names={s.id: s.name for s in day.staff},
    )


def _restrict(plan: Plan, problem: Problem, off: set[str] | frozenset[str] = frozenset()) -> Plan:
    """A plan cut down to the people and visits of `problem`; people who are `off` keep only
    their pins (which the planner places anyway), so nothing new is loaded onto them."""
    staff = problem.staff_by_id
    visits = problem.visit_by_id
    routes = []
    for route in plan.routes:
        if route.staff_id not in staff or route.staff_id in off:
            continue
        stops = tuple(
            s
            for s in route.stops
            if s.visit_id in visits and s.task < len(visits[s.visit_id].tasks)
        )
        routes.append(Route(route.staff_id, stops))
    return Plan(tuple(routes))


# ---------------------------------------------------------------------------------------------
# Who should go


@dataclass(frozen=True)
class LiveOption:
    """One ranked answer: the policy's option, the person's name, and whether it was priced
    exactly (by the planner's insertion) or estimated (by the policy alone)."""

    option: Option
    name: str
    exact: bool
    blocked: str = ""  # why allocation would refuse this person now (set by the services layer)
    planned_at: datetime | None = None  # the predicted arrival, as the visit's planned time

    @property
    def staff_id(self) -> str:
        return self.option.staff_id


def candidates(running: Running, *, skip: int | None = None) -> list[Candidate]:
    """Every person as the policy sees them: free after their pinned visits, then their list."""
    c, st = running.compiled, running.state
    out = []
    deadlines = running.deadlines
    visits = running.problem.visits
    for r, person in enumerate(running.problem.staff):
        route = st.routes[r]
        first = st.npinned[r]
        if first:
            last = route[first - 1]
            free_at = st.start[last] + c.dur[last]
            loc = running.locations[c.place[last]]
        else:
            free_at = max(c.depart[r], running.now)
            loc = running.locations[c.start_place[r]]
        committed = tuple(
            (st.start[t], deadlines[visits[c.task_visit[t]].id]) for t in route[first:] if t != skip
        )
        out.append(
            Candidate(person.id, person.skills, free_at, loc.lat, loc.lon, c.last_end[r], committed)
        )
    return out


class _Row:
    """A row of a travel matrix with one more column, without copying the row."""

    __slots__ = ("row", "extra", "n")

    def __init__(self, row: list[float], extra: float) -> None:
        self.row, self.extra, self.n = row, extra, len(row)

    def __getitem__(self, j: int) -> float:
        return self.row[j] if j < self.n else self.extra


class _Rows:
    """A square travel matrix (lists of rows) with one more place, last, whose travel to and
    from every place is `to` (straight-line travel is symmetric): the running day's matrix is
    shared, not copied, because copying it would cost more than the rest of an insertion."""

    __slots__ = ("rows", "to", "n", "last")

    def __init__(self, rows: list[list[float]], to: list[float]) -> None:
        self.rows, self.to, self.n = rows, to, len(rows)
        self.last = [*to, 0.0]

    def __getitem__(self, i: int):
        return _Row(self.rows[i], self.to[i]) if i < self.n else self.last

    def __len__(self) -> int:
        return self.n + 1


class _OneMorePlace:
    """The running day's `TravelMatrix` with one more place, for the `Problem` of an insertion
    (which reads only its size); the full matrices are built only if someone asks."""

    def __init__(self, old: TravelMatrix, to_min: list[float], to_km: list[float]) -> None:
        self.old, self.to_min, self.to_km = old, to_min, to_km
        self.size = old.size + 1

    @property
    def minutes(self) -> tuple[tuple[float, ...], ...]:
        rows = tuple(row + (self.to_min[i],) for i, row in enumerate(self.old.minutes))
        return (*rows, (*self.to_min, 0.0))

    @property
    def distance(self) -> tuple[tuple[float, ...], ...]:
        rows = tuple(row + (self.to_km[i],) for i, row in enumerate(self.old.distance))
        return (*rows, (*self.to_km, 0.0))


def _with_visit(running: Running, referral: LiveReferral) -> tuple[Compiled, State, int]:
    """The current plan with one more visit (not yet placed): compiled, state, its task.

    Built by extending the running day's compiled problem and state by one task, not by
    compiling again: compiling 300 visits for 50 people costs more than the rest of an
    insertion. `tests/unit/test_dispatch_live.py` checks the result equals a fresh compile.
    """
    a = running.assumptions
    source = StraightLine(road_factor=a.road_factor, urban_kmh=a.urban_kmh)
    here = Location(referral.lat, referral.lon)
    old = running.problem.travel
    speed = 60.0 / source.urban_kmh
    to_km = [0.0] + [
        great_circle_km(here, there) * source.road_factor for there in running.locations[1:]
    ]
    to_min = [km * speed for km in to_km]
    deadline = running.minute(referral.deadline) if referral.deadline else math.inf
    now = running.now
    skill = SKILL_FOR_NEED.get(referral.need, "") or ANY
    place = len(running.locations)
    visit = Visit(
        id=visit_key(referral.id),
        place=place,
        window=Window(now, max(now, deadline)),
        tasks=(Task(skill, a.minutes_for(referral.disposition)),),
    )
    problem = replace(
        running.problem,
        visits=(*running.problem.visits, visit),
        travel=_OneMorePlace(old, to_min, to_km),
    )
    c = _extend(running.compiled, problem, visit, to_min, to_km)
    t = c.n_tasks - 1
    st = running.state.copy()
    st.route_of.append(-1)
    st.pos_of.append(-1)
    st.start.append(c.ready[t])
    st.unassigned.add(len(problem.visits) - 1)
    return c, st, t


def _extend(c: Compiled, problem: Problem, visit: Visit, to_min, to_km) -> Compiled:
    """`Compiled(problem)` for a problem that is `c.problem` with one more one-person visit
    (the last) at one more place (the last)."""
    out = Compiled.__new__(Compiled)
    out.__dict__.update(c.__dict__)
    out.problem = problem
    out.M = _Rows(c.M, to_min)
    out.D = _Rows(c.D, to_km)
    t, v = c.n_tasks, len(c.visit_tasks)
    out.n_tasks = t + 1
    out.task_visit = [*c.task_visit, v]
    out.task_index = [*c.task_index, 0]
    out.visit_tasks = [*c.visit_tasks, [t]]
    out.visit_place = [*c.visit_place, visit.place]
    out.place = [*c.place, visit.place]
    out.dur = [*c.dur, visit.tasks[0].duration]
    out.ready = [*c.ready, visit.window.start]
    out.due = [*c.due, visit.window.end]
    out.partner = [*c.partner, -1]
    out.kind = [*c.kind, NONE]
    out.gmin = [*c.gmin, 0.0]
    out.gmax = [*c.gmax, 0.0]
    out.eligible = [
        *c.eligible,
        [i for i, person in enumerate(problem.staff) if problem.can_do(person, visit, 0)],
    ]
    out.pinned_staff = [*c.pinned_staff, -1]
    out.pinned_start = [*c.pinned_start, 0.0]
    out.pinned_visit = [*c.pinned_visit, False]
    out.step_limit = 3 * (t + 1) + 50
    return out


def insert(running: Running, referral: LiveReferral) -> list[LiveOption]:
    """Who should go to a new referral, best first, with reasons (module docstring).

    The referral must not be in the running day yet (it is the one being allocated).
    """
    if visit_key(referral.id) in running.referrals:
        running = _without(running, referral.id)
    a = running.assumptions
    now = running.now
    deadline = running.minute(referral.deadline) if referral.deadline else math.inf
    duration = a.minutes_for(referral.disposition)
    need = SKILL_FOR_NEED.get(referral.need, "")
    quick = rank(
        need,
        referral.lat,
        referral.lon,
        duration,
        deadline,
        now,
        candidates(running),
        latlon_travel(a.urban_kmh, a.road_factor),
        fmt=running.fmt,
    )
    if not quick:
        return []
    c, st, t = _with_visit(running, referral)
    deadlines = dict(running.deadlines)
    key = visit_key(referral.id)
    deadlines[key] = deadline
    visit_ids = [v.id for v in c.problem.visits]
    exact: list[tuple[tuple, Option]] = []
    _, worst = lateness(c, st)
    for option in quick[: a.exact_top]:
        r = c.staff_index[option.staff_id]
        best = None
        for pos in range(st.npinned[r], len(st.routes[r]) + 1):
            outcome = insertion._try(c, st, [(t, r, pos)], worst)
            if outcome is None:
                continue
            _, log, _ = outcome
            priced = _price(running, c, st, t, r, pos, log, deadline, deadlines, visit_ids, need)
            insertion._undo(st, [t], log)
            if best is None or priced[0] < best[0]:
                best = priced
        if best is not None:
            exact.append(best)
    exact.sort(key=lambda pair: pair[0])
    names = running.names
    out = [LiveOption(o, names.get(o.staff_id, o.staff_id), True) for _, o in exact]
    done = {o.option.staff_id for o in out}
    out += [
        LiveOption(_estimated(o), names.get(o.staff_id, o.staff_id), False)
        for o in quick
        if o.staff_id not in done
    ]
    return out


def _estimated(option: Option) -> Option:
    return replace(option, reasons=(*option.reasons, "estimated: not priced in the plan"))


def _price(running, c, st, t, r, pos, log, deadline, deadlines, visit_ids, need):
    """The option of inserting task t at (r, pos), from the change log of an exact insertion."""
    fmt = running.fmt
    start = st.start[t]
    route = st.routes[r]
    if pos == 0:
        prev_end, here = c.depart[r], c.start_place[r]
    else:
        q = route[pos - 1]
        prev_end, here = st.start[q] + c.dur[q], c.place[q]
    travel = c.M[here][c.place[t]]
    leave = max(prev_end, running.now)
    own = start - deadline if start > deadline else 0.0
    added = 0.0
    broken = 0
    pushed = 0
    delay = 0.0
    moved = 0.0
    for q, old in log.items():
        if q == t:
            continue
        new = st.start[q]
        if new <= old + 1e-9:
            continue
        pushed += 1
        moved += new - old
        delay = max(delay, new - old)
        due = deadlines[visit_ids[c.task_visit[q]]]
        before = old - due if old > due else 0.0
        after = new - due if new > due else 0.0
        added += after - before
        if old <= due < new:
            broken += 1
    breaches = broken + (1 if own > 0 else 0)
    finish = start + c.dur[t]
    person = running.problem.staff[r]
    later = len(route) - pos - 1
    reasons = [f"arrives {fmt(start)} ({_mins(travel)} travel)"]
    reasons.append("free now" if leave <= running.now else f"free from {fmt(leave)}")
    if need:
        reasons.append(f"has skill {need}")
    if math.isfinite(deadline):
        if own > 0:
            reasons.append(f"misses the deadline by {_mins(own)}")
        else:
            reasons.append(f"within the deadline by {_mins(deadline - start)}")
    if pushed:
        visits = "1 visit" if pushed == 1 else f"{pushed} visits"
        text = f"pushes {visits} up to {_mins(delay)} later"
        if added > 0:
            text += f" ({_mins(added)} more lateness"
            text += f", {broken} past deadline)" if broken else ")"
        reasons.append(text)
    else:
        reasons.append("no other visit moves")
    if later > 0:
        reasons.append(f"goes before {later} of their visits")
    elif pos > st.npinned[r]:
        reasons.append("goes after their other visits")
    if c.last_end[r] - running.now < 24 * 60:
        reasons.append(f"finishes {fmt(finish)}, shift ends {fmt(c.last_end[r])}")
    else:
        reasons.append(f"finishes {fmt(finish)}")
    option = Option(
        staff_id=person.id,
        arrival=start,
        travel_minutes=travel,
        knock_on_lateness=added,
        lateness=own,
        reasons=tuple(x for x in reasons if x),
        breaches=breaches,
        pushed=pushed,
        delay=delay,
        finish=finish,
    )
    key = (breaches, own + added, moved, start, travel, person.id)
    return key, option


def _mins(value: float) -> str:
    whole = int(math.floor(value + 0.5))
    return "1 min" if whole == 1 else f"{whole} min"


def _without(running: Running, referral_id: int) -> Running:
    """The running day without one open (not allocated) referral: the one being allocated."""
    day = running.day
    rest = tuple(r for r in day.referrals if r.id != referral_id)
    return build(
        replace(day, referrals=rest), running.assumptions, initial=running.plan, known=running
    )


# ---------------------------------------------------------------------------------------------
# Breach prediction


@dataclass(frozen=True)
class Prediction:
    """What the current plan says about one open referral's response deadline."""

    referral_id: int
    status: str  # on_time, at_risk, will_breach, unplanned, no_clock
    start: datetime | None
    staff_ids: tuple[str, ...]
    minutes: float  # spare (on time, at risk) or late (will breach); 0 otherwise

    @property
    def text(self) -> str:
        when = self.start.astimezone(LONDON).strftime("%H:%M") if self.start else ""
        m = _mins(self.minutes)
        return {
            "on_time": f"Predicted {when}, {m} to spare",
            "at_risk": f"At risk: predicted {when}, {m} to spare",
            "will_breach": f"Will breach by {m} (predicted {when})",
            "unplanned": "Will breach: nobody on shift can go",
            "no_clock": f"Predicted {when}" if when else "No clock",
        }[self.status]


def predict(running: Running) -> dict[int, Prediction]:
    """For every referral in the day whose clock runs: its predicted start against its deadline."""
    a = running.assumptions
    starts: dict[str, tuple[float, list[str]]] = {}
    for route in running.plan.routes:
        for stop in route.stops:
            start, who = starts.get(stop.visit_id, (math.inf, []))
            who.append(route.staff_id)
            starts[stop.visit_id] = (min(start, stop.start), who)
    out = {}
    for key, referral in running.referrals.items():
        if referral.status == "arrived":
            continue
        deadline = running.deadlines[key]
        if key not in starts:
            status = "unplanned" if math.isfinite(deadline) else "no_clock"
            out[referral.id] = Prediction(referral.id, status, None, (), 0.0)
            continue
        start, who = starts[key]
        at = running.at(start)
        if not math.isfinite(deadline):
            out[referral.id] = Prediction(referral.id, "no_clock", at, tuple(who), 0.0)
        elif start > deadline + 1e-9:
            out[referral.id] = Prediction(
                referral.id, "will_breach", at, tuple(who), start - deadline
            )
        elif deadline - start < a.at_risk_minutes:
            out[referral.id] = Prediction(referral.id, "at_risk", at, tuple(who), deadline - start)
        else:
            out[referral.id] = Prediction(referral.id, "on_time", at, tuple(who), deadline - start)
    return out


# ---------------------------------------------------------------------------------------------
# Re-planning


@dataclass(frozen=True)
class Move:
    """A visit the re-plan moved: to someone else, or to a different time."""

    referral_id: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    start_before: datetime | None
    start_after: datetime | None


@dataclass
class Replan:
    running: Running
    moves: list[Move]
    cost_before: float
    cost_after: float
    runtime: float


def _who(plan: Plan) -> dict[str, tuple[tuple[str, ...], float]]:
    out: dict[str, tuple[list[str], float]] = {}
    for route in plan.routes:
        for stop in route.stops:
            who, start = out.get(stop.visit_id, ([], math.inf))
            who.append(route.staff_id)
            out[stop.visit_id] = (who, min(start, stop.start))
    return {k: (tuple(sorted(w)), s) for k, (w, s) in out.items()}


def moves_between(before: Running, after: Running) -> list[Move]:
    """Visits whose people changed or whose start moved by a minute or more."""
    old, new = _who(before.plan), _who(after.plan)
    moves = []
    for key, referral in after.referrals.items():
        was, now = old.get(key), new.get(key)
        if was is None and now is None:
            continue
        if was and now and was[0] == now[0] and abs(was[1] - now[1]) < 1.0:
            continue
        moves.append(
            Move(
                referral.id,
                was[0] if was else (),
                now[0] if now else (),
                before.at(was[1]) if was else None,
                after.at(now[1]) if now else None,
            )
        )
    moves.sort(key=lambda m: (m.before == m.after, m.referral_id))
    return moves


# Seconds kept, within a total budget, for the search's start and the checks after it: a fixed
# part, and twice what building the day took (the start and the checks do about as much work as
# the build, and a loaded machine slows all of them alike).
REPLAN_RESERVE = 0.1


def replan(
    running: Running,
    day: Day,
    stop: StoppingCriterion | None = None,
    seed: int = 0,
    *,
    within: float | None = None,
) -> Replan:
    """Re-plan `day` warm-started from the running plan.

    Either `stop` bounds the search, or `within` bounds the whole call in seconds (building the
    day, the search, and reading the result): the search gets what building left, less a
    reserve for its own start and the validator.
    """
    began = timer.perf_counter()
    warm = build(day, running.assumptions, initial=running.plan, known=running)
    before = solve.cost(warm.compiled, warm.state)
    if stop is None:
        if within is None:
            raise ValueError("give a stopping criterion or a time budget")
        built = timer.perf_counter() - began
        left = within - built - REPLAN_RESERVE - 2 * built
        stop = MaxRuntime(max(0.05, left))
    result = solve.plan(warm.problem, stop, seed, initial=warm.plan)
    after = _following(warm, result.plan)
    return Replan(
        running=after,
        moves=moves_between(running, after),
        cost_before=before,
        cost_after=solve.cost(after.compiled, after.state),
        runtime=result.runtime,
    )


def improve(running: Running, stop: StoppingCriterion, seed: int = 0) -> Running:
    """The same day with its plan improved by a warm search (kept only if it is better)."""
    if not running.problem.visits:
        return running
    result = solve.plan(running.problem, stop, seed, initial=running.plan)
    better = _following(running, result.plan)
    before = solve.cost(running.compiled, running.state)
    return better if solve.cost(better.compiled, better.state) <= before else running


def _following(running: Running, plan: Plan) -> Running:
    """The same day and problem with another plan (no rebuilding of the travel matrix)."""
    c = running.compiled
    st = solve._start(c, plan, random.Random(0))
    return replace(running, state=st, plan=solve.to_plan(c, st))


def off_sick(
    running: Running,
    staff_id: str,
    stop: StoppingCriterion | None = None,
    seed: int = 0,
    *,
    within: float | None = None,
) -> Replan:
    """A person goes off sick: visits they have not started are released and re-planned."""
    day = running.day
    staff = tuple(replace(s, status="off") if s.id == staff_id else s for s in day.staff)
    referrals = tuple(
        replace(r, status=None, staff_ids=(), visit_id=None, planned_at=None)
        if staff_id in r.staff_ids and not r.started
        else r
        for r in day.referrals
    )
    return replan(
        running, replace(day, staff=staff, referrals=referrals), stop, seed, within=within
    )


def overrun(
    running: Running, referral_id: int, extra: float, stop: StoppingCriterion, seed: int = 0
) -> Replan:
    """A visit runs `extra` minutes over: it gets longer and the rest of the day moves."""
    key = visit_key(referral_id)
    c = running.compiled
    v = c.problem.visit_by_id[key]
    current = v.tasks[0].duration
    referrals = tuple(
        replace(r, minutes=current + extra) if r.id == referral_id else r
        for r in running.day.referrals
    )
    return replan(running, replace(running.day, referrals=referrals), stop, seed)

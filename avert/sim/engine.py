"""The discrete-event simulation of a UCR service (SimPy), one replication at a time.

What happens, in simulated minutes (see model.py for the configuration):

- **Arrivals** are a Poisson process whose rate is constant within each hour of the week
  (`Service.hourly_rate`). Each referral draws, at arrival and from the replication's own random
  stream, everything about it: its kind (2-hour, same-day, 2-day), the skill it needs, where it
  is, how long each of its visits takes and when its follow-up visits fall due. So two runs with
  the same seed see the same demand whatever the policy or staffing: common random numbers.
  Demand x s keeps each arrival with probability s (s < 1, from the same stream) or adds a second
  stream at (s - 1) times the rate (s > 1).
- **Teams**: a referral goes to its neighbourhood's team; a 2-hour referral that arrives when a
  day team does not take them (before 08:00 or from 18:00) goes to the always-open team.
- **Staff** come on and off shift by their weekly rota, starting each shift at their base.
- **Dispatch** goes through `avert.dispatch.policy`, the code live dispatch uses, at each arrival
  and whenever someone comes on shift or finishes a visit. A referral nobody can take waits in
  the team's queue. The `avert` policy (`rank`) may commit a visit to someone busy, ahead of
  visits already committed to them, and offers a 2-hour referral's first visit to every team;
  the baselines send only someone free now (`nearest_free`), from the referral's team or, for
  a 2-hour referral, any team (model.Policy).
- **A visit**: travel from where the person is, then the visit; the first face-to-face contact
  stops the response clock (met if it starts by the deadline, DOMAIN.md 1.7). The person stays
  there until the next job. Follow-up visits of the episode then fall due one after another.

Arrivals stop at the horizon; the run goes on `drain_minutes` longer so that every 2-hour clock
started before the horizon has run out, then stops. Anything not seen by then is counted as such.
Candidates passed to the policy are pruned to the `prune` most promising by a lower bound on
their arrival time (straight line at the faster speed, from when they are free).
"""

from __future__ import annotations

import math
import random
from bisect import bisect, insort
from dataclasses import dataclass, field
from itertools import accumulate

import simpy

from avert.dispatch import policy as dispatch
from avert.sim.model import (
    FOLLOW_UP,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    PLANNED,
    TWO_HOUR,
    Policy,
    Service,
)


DAY_STARTS, DAY_ENDS = 8 * 60, 20 * 60
PRUNE = 8
CELL_KM = 3.0


class Job:
    """One visit to be made: a referral's first visit or one of its follow-ups."""

    __slots__ = (
        "id", "kind", "first", "skill", "x", "y", "team", "arrival", "due", "deadline",
        "duration", "rest", "gaps", "seen_at", "staff", "hour", "key", "planned", "home_team",
    )  # fmt: skip

    def __init__(self, id_: int, kind: int, first: bool, skill: str, x: float, y: float,
                 team: int, arrival: float, due: float, deadline: float, duration: float,
                 rest: tuple[float, ...], gaps: tuple[float, ...]) -> None:  # fmt: skip
        self.id = id_
        self.kind = kind
        self.first = first
        self.skill = skill
        self.x, self.y = x, y
        self.team = team
        self.home_team = team  # the neighbourhood's team, which makes the follow-ups
        self.arrival = arrival  # when the referral arrived
        self.due = due  # when this visit became due
        self.deadline = deadline
        self.duration = duration
        self.rest = rest  # durations of the follow-ups still to come
        self.gaps = gaps  # minutes from each visit to the next one falling due
        self.seen_at: float | None = None
        self.staff: str | None = None
        self.hour = int(arrival // 60) % 24
        self.key: tuple = ()
        self.planned = 0.0


class Person:
    """A member of staff during the run."""

    __slots__ = (
        "id", "team", "skills", "home_x", "home_y", "x", "y", "on_shift", "shift_end",
        "free_at", "current", "pending", "busy", "travel_km", "travel_min", "visits",
        "shift_minutes", "cell", "keys",
    )  # fmt: skip

    def __init__(self, spec) -> None:
        self.id = spec.id
        self.team = spec.team
        self.skills = spec.skills
        self.home_x = self.x = spec.x
        self.home_y = self.y = spec.y
        self.on_shift = False
        self.shift_end = 0.0
        self.free_at = 0.0
        self.current: Job | None = None
        self.pending: list[Job] = []
        self.busy = 0.0  # travel and visit minutes
        self.travel_km = 0.0
        self.travel_min = 0.0
        self.visits = 0
        self.shift_minutes = 0.0
        self.cell: tuple[int, int, int] | None = None  # where the grid holds them, if it does
        self.keys = ("", *sorted(spec.skills))  # the grid's skill keys for them


@dataclass
class Outcome:
    """The raw results of one replication (stats.py turns them into figures)."""

    policy: str
    seed: int
    replication: int
    horizon: float
    arrivals: dict[str, int] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    met: dict[str, int] = field(default_factory=dict)
    waits: dict[str, list[float]] = field(default_factory=dict)
    """Minutes from arrival to first contact, per kind; up to the end of the run if unseen."""
    crisis_by_hour: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in range(24)])
    """[met, arrived] 2-hour referrals by local hour of arrival."""
    waiting_at_end: int = 0
    visits: int = 0
    busy_minutes: float = 0.0
    shift_minutes: float = 0.0
    travel_km: float = 0.0
    travel_minutes: float = 0.0
    visit_log: list[tuple[str, float, float]] = field(default_factory=list)
    """(staff id, set off, visit end) when `log_visits` is on (tests)."""


def travel_function(service: Service):
    """`travel(x1, y1, x2, y2) -> minutes` and `km(x1, y1, x2, y2)` for the service."""
    t = service.travel
    if t.instant:
        return (lambda x1, y1, x2, y2: 0.0), (lambda x1, y1, x2, y2: 0.0), 0.0
    hypot = math.hypot
    rf = t.road_factor
    urban_per_km = 60.0 * rf / t.urban_kmh
    rural_per_km = 60.0 * rf / t.rural_kmh
    r2 = t.urban_radius_km**2

    def minutes(x1: float, y1: float, x2: float, y2: float) -> float:
        d = hypot(x2 - x1, y2 - y1)
        urban = x1 * x1 + y1 * y1 <= r2 and x2 * x2 + y2 * y2 <= r2
        return d * (urban_per_km if urban else rural_per_km)

    def km(x1: float, y1: float, x2: float, y2: float) -> float:
        return hypot(x2 - x1, y2 - y1) * rf

    return minutes, km, min(urban_per_km, rural_per_km)


class Simulation:
    """One replication of one service under one policy."""

    def __init__(
        self,
        service: Service,
        policy: Policy,
        *,
        seed: int,
        replication: int = 0,
        days: float = 7,
        warmup_days: float = 0.0,
        drain_minutes: float | None = None,
        log_visits: bool = False,
        prune: int = PRUNE,
    ) -> None:
        self.service = service
        self.policy = policy
        self.start = warmup_days * MINUTES_PER_DAY
        self.horizon = self.start + days * MINUTES_PER_DAY
        longest = max(k.target_minutes for k in service.kinds)
        self.end = self.horizon + (longest if drain_minutes is None else drain_minutes)
        self.env = simpy.Environment()
        self.rng = random.Random(f"avert-sim:{seed}:{replication}:arrivals")
        self.extra_rng = random.Random(f"avert-sim:{seed}:{replication}:extra-demand")
        self.travel, self.km, self.min_per_km = travel_function(service)
        self.prune = prune
        self.log_visits = log_visits
        self.outcome = Outcome(policy.name, seed, replication, self.horizon)
        self.people = [Person(spec) for spec in service.staff]
        self.on_shift: list[list[Person]] = [[] for _ in service.teams]
        # Who could be offered a visit now, by (team, square of the map): on shift with nothing
        # committed (and, without lookahead, free now). Searched outwards from the visit.
        self.grid: dict[tuple[int, str, int, int], dict[str, Person]] = {}
        self.offerable: dict[tuple[int, str], int] = {}
        rings = math.ceil(2 * service.radius_km / CELL_KM) + 3
        self.rings = [
            [(i, j) for i in range(-r, r + 1) for j in range(-r, r + 1) if max(abs(i), abs(j)) == r]
            for r in range(rings)
        ]
        self.queues: list[list[tuple[tuple, Job]]] = [[] for _ in service.teams]
        self.jobs: list[Job] = []  # every referral and follow-up visit due after the warm-up
        self.planned_counted: set[int] = set()  # planned visits counted but not yet made
        self._ids = 0
        night = [i for i, t in enumerate(service.teams) if t.always_open]
        self.night_team = night[0] if night else None
        kinds = service.kinds
        self.kind_names = [k.name for k in kinds]
        self.crisis_kind = {i for i, k in enumerate(kinds) if k.name == TWO_HOUR}
        self.kind_cum = list(accumulate(k.share for k in kinds))
        self.skill_cum = [
            (tuple(s for s, _ in k.skills), list(accumulate(w for _, w in k.skills))) for k in kinds
        ]
        self.follow_cum = [
            (tuple(n for n, _ in k.follow_ups), list(accumulate(w for _, w in k.follow_ups)))
            for k in kinds
        ]
        self.site_cum = list(accumulate(s.weight for s in service.sites))
        cv = service.duration_cv
        self.exponential = abs(cv - 1.0) < 1e-12
        self.sigma = math.sqrt(math.log(1 + cv * cv))
        self.planned_kind = len(kinds)
        self.team_sites = [
            (
                [s for s in service.sites if s.team == t],
                list(accumulate(s.weight for s in service.sites if s.team == t)),
            )
            for t in range(len(service.teams))
        ]
        for name in self.kind_names + [FOLLOW_UP, PLANNED]:
            o = self.outcome
            o.arrivals[name] = o.seen[name] = o.met[name] = 0
            o.waits[name] = []

    # --- running ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        env = self.env
        scale = self.service.demand_scale
        env.process(self._arrivals(self.rng, 1.0, min(scale, 1.0)))
        if scale > 1.0:
            env.process(self._arrivals(self.extra_rng, scale - 1.0, 1.0))
        for team, rates in enumerate(self.service.caseload_rate):
            if self.team_sites[team][0]:
                rng = random.Random(f"avert-sim:{self.outcome.seed}:{self.outcome.replication}"
                                    f":caseload:{team}")  # fmt: skip
                env.process(self._caseload(rng, team, rates))
        for person, spec in zip(self.people, self.service.staff, strict=True):
            if spec.shifts is None:
                self._shift_starts(person, 0.0, math.inf)
            else:
                env.process(self._rota(person, spec.shifts))
        env.run(until=self.end)
        return self._finish_outcome()

    def _times(self, rng: random.Random, per_hour):
        """Times of a Poisson process whose rate (per hour) is constant in each hour of the
        week, up to the horizon."""
        rates = [r / 60.0 for r in per_hour]
        expo = rng.expovariate
        t, hour, horizon = 0.0, 0, self.horizon
        while t < horizon:
            rate = rates[hour % 168]
            end = (hour + 1) * 60.0
            gap = expo(rate) if rate > 0 else math.inf
            if t + gap >= end:
                t, hour = end, hour + 1
                continue
            t += gap
            if t >= horizon:
                return
            yield t

    def _place(self, rng: random.Random, site) -> tuple[float, float]:
        """Somewhere around a site, drawn from `rng`, moved in to the edge of the area."""
        x = site.x + rng.gauss(0.0, site.spread_km) if site.spread_km else site.x
        y = site.y + rng.gauss(0.0, site.spread_km) if site.spread_km else site.y
        radius = self.service.radius_km
        reach = math.hypot(x, y)
        if reach > radius:
            x, y = x * radius / reach, y * radius / reach
        return x, y

    def _arrivals(self, rng: random.Random, rate_scale: float, keep: float):
        env, rand = self.env, rng.random
        for t in self._times(rng, [r * rate_scale for r in self.service.hourly_rate]):
            job = self._draw(rng, t)
            if rand() >= keep:  # drawn whatever `keep` is, so that thinning keeps a subset
                continue
            if t > env.now:
                yield env.timeout(t - env.now)
            self._arrive(job)

    def _caseload(self, rng: random.Random, team: int, hourly: tuple[float, ...]):
        """Planned visits of the team's wider caseload, falling due through the day."""
        env = self.env
        sites, cum = self.team_sites[team]
        mean = self.service.caseload_visit_minutes
        window = self.service.caseload_window_minutes
        for t in self._times(rng, hourly):
            x, y = self._place(rng, sites[bisect(cum, rng.random() * cum[-1])])
            self._ids += 1
            job = Job(
                self._ids, self.planned_kind, False, "", x, y, team, t, t, t + window,
                self._duration(rng, mean), (), (),
            )  # fmt: skip
            if t > env.now:
                yield env.timeout(t - env.now)
            self._arrive(job)

    def _draw(self, rng: random.Random, t: float) -> Job:
        """Everything about a new referral, from its own stream (common random numbers)."""
        rand = rng.random
        service = self.service
        kind_i = bisect(self.kind_cum, rand() * self.kind_cum[-1])
        kind = service.kinds[kind_i]
        skills, cum = self.skill_cum[kind_i]
        skill = skills[bisect(cum, rand() * cum[-1])]
        site = service.sites[bisect(self.site_cum, rand() * self.site_cum[-1])]
        x, y = self._place(rng, site)
        counts, fcum = self.follow_cum[kind_i]
        n = counts[bisect(fcum, rand() * fcum[-1])]
        duration = self._duration(rng, kind.visit_minutes)
        lo, hi = kind.follow_up_gap_days
        rest = tuple(self._duration(rng, kind.follow_up_visit_minutes) for _ in range(n))
        gaps = tuple(rng.uniform(lo, hi) * MINUTES_PER_DAY for _ in range(n))
        team = site.team
        local = team
        if kind_i in self.crisis_kind and self.night_team is not None:
            spec = service.teams[team]
            minute = t % MINUTES_PER_DAY
            if not spec.always_open and not (spec.opens <= minute < spec.crisis_until):
                team = self.night_team
        self._ids += 1
        job = Job(
            self._ids, kind_i, True, skill, x, y, team, t, t, t + kind.target_minutes,
            duration, rest, gaps,
        )  # fmt: skip
        job.home_team = local
        return job

    def _duration(self, rng: random.Random, mean: float) -> float:
        if self.exponential:
            return rng.expovariate(1.0 / mean)
        sigma = self.sigma
        return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)

    def _name(self, job: Job) -> str:
        if job.kind == self.planned_kind:
            return PLANNED
        return self.kind_names[job.kind] if job.first else FOLLOW_UP

    def _arrive(self, job: Job) -> None:
        name = self._name(job)
        if job.arrival >= self.start:
            self.outcome.arrivals[name] += 1
            if job.kind == self.planned_kind:
                self.planned_counted.add(job.id)  # counted when made: millions in a year
            else:
                self.jobs.append(job)
        job.key = (job.deadline, job.id) if self.policy.earliest_deadline_first else (
            job.due, job.id)  # fmt: skip
        if not self._dispatch(job):
            insort(self.queues[job.team], (job.key, job))

    # --- rota ------------------------------------------------------------------------------

    def _rota(self, person: Person, shifts: tuple[tuple[float, float], ...]):
        env = self.env
        week = -1
        while True:
            base = week * MINUTES_PER_WEEK
            for start, end in shifts:
                start, end = start + base, end + base
                if end <= env.now:
                    continue
                if start >= self.end:
                    return
                if start > env.now:
                    yield env.timeout(start - env.now)
                self._shift_starts(person, env.now, end)
                yield env.timeout(end - env.now)
                person.on_shift = False
                self.on_shift[person.team].remove(person)
                self._reindex(person)
            week += 1

    def _shift_starts(self, person: Person, now: float, end: float) -> None:
        person.on_shift = True
        person.shift_end = end
        lo, hi = max(now, self.start), min(end, self.horizon)
        if hi > lo:
            person.shift_minutes += hi - lo
        if person.current is None and not person.pending:
            person.x, person.y = person.home_x, person.home_y
            person.free_at = now
        self.on_shift[person.team].append(person)
        self._reindex(person)
        if person.current is None and not person.pending:
            self._serve_queue(person)

    # --- dispatch --------------------------------------------------------------------------

    def _reindex(self, p: Person) -> None:
        """Put a person where the grid should hold them after any change to them.

        The grid holds each offerable person once under each of their skills and once under
        the empty skill (visits anyone may make), by team and square of the map."""
        offerable = p.on_shift and (p.current is None or self.policy.lookahead)
        cell = (p.team, math.floor(p.x / CELL_KM), math.floor(p.y / CELL_KM)) if offerable else None
        if cell == p.cell:
            return
        grid, counts = self.grid, self.offerable
        if p.cell is not None:
            team, i, j = p.cell
            for skill in p.keys:
                del grid[(team, skill, i, j)][p.id]
                counts[(team, skill)] -= 1
        if cell is not None:
            team, i, j = cell
            for skill in p.keys:
                grid.setdefault((team, skill, i, j), {})[p.id] = p
                counts[(team, skill)] = counts.get((team, skill), 0) + 1
        p.cell = cell

    def _service_wide(self, job: Job) -> bool:
        """Whether the policy offers this job to every team: a 2-hour referral's first visit."""
        return self.policy.crisis_service_wide and job.first and job.kind in self.crisis_kind

    def _nearby(self, job: Job, now: float) -> list[tuple[float, str, Person]]:
        """The `prune` most promising people for a job by a lower bound on their arrival."""
        if not self._service_wide(job):
            return self._nearby_in(job.team, job, now)
        found = [s for team in range(len(self.queues)) for s in self._nearby_in(team, job, now)]
        found.sort()
        return found[: self.prune]

    def _nearby_in(self, team: int, job: Job, now: float) -> list[tuple[float, str, Person]]:
        skill, x, y = job.skill, job.x, job.y
        total = self.offerable.get((team, skill), 0)
        if not total:
            return []
        per_km, hypot, grid, prune = self.min_per_km, math.hypot, self.grid, self.prune
        ci, cj = math.floor(x / CELL_KM), math.floor(y / CELL_KM)
        found: list[tuple[float, str, Person]] = []
        worst = math.inf  # the prune-th best bound so far: anyone above it cannot make the cut
        seen = 0
        for r, ring in enumerate(self.rings):
            if len(found) >= prune:
                found.sort()
                del found[prune:]
                worst = found[-1][0]
                if worst <= now + (r - 1) * CELL_KM * per_km:
                    break
            for i, j in ring:
                bucket = grid.get((team, skill, ci + i, cj + j))
                if not bucket:
                    continue
                seen += len(bucket)
                for p in bucket.values():
                    bound = (p.free_at if p.free_at > now else now) + hypot(
                        p.x - x, p.y - y
                    ) * per_km
                    if bound <= worst:
                        found.append((bound, p.id, p))
            if seen >= total:
                break
        found.sort()
        return found[:prune]

    def _candidate(self, p: Person) -> dispatch.Candidate:
        committed = tuple((j.planned, j.deadline) for j in p.pending)
        return dispatch.Candidate(p.id, p.skills, p.free_at, p.x, p.y, p.shift_end, committed)

    def _dispatch(self, job: Job, *, push: bool = True) -> bool:
        """Offer a job to the team through the policy; True if someone took it. With
        `push=False` only people with nothing committed are offered it (a released visit, so
        that releasing cannot cascade)."""
        now = self.env.now
        scored = self._nearby(job, now)
        if not push:
            scored = [s for s in scored if not s[2].pending]
        if not scored:
            return False
        people = {s[1]: s[2] for s in scored}
        candidates = [self._candidate(s[2]) for s in scored]
        option = self._choose(job, now, candidates)
        if option is None:
            return False
        self._assign(job, people[option.staff_id], option)
        return True

    def _choose(self, job: Job, now: float, candidates: list[dispatch.Candidate]):
        if self.policy.lookahead:
            options = dispatch.rank(
                job.skill, job.x, job.y, job.duration, job.deadline, now, candidates,
                self.travel, limit=1, explain=False,
            )  # fmt: skip
            return options[0] if options else None
        return dispatch.nearest_free(
            job.skill, job.x, job.y, now, candidates, self.travel,
            duration=job.duration, deadline=job.deadline, explain=False,
        )  # fmt: skip

    def _serve_queue(self, person: Person) -> None:
        """Someone free: the first queued job (in the policy's order) they can take, from
        their team's queue or, if the policy dispatches 2-hour referrals across teams, another
        team's waiting 2-hour referral that comes first in that order."""
        now = self.env.now
        candidates = [self._candidate(person)]
        best = None
        for team, queue in enumerate(self.queues):
            own = team == person.team
            if not own and not self.policy.crisis_service_wide:
                continue
            for i, (key, job) in enumerate(queue):
                if best is not None and key >= best[0]:
                    break
                if (job.skill and job.skill not in person.skills) or not (
                    own or self._service_wide(job)
                ):
                    continue
                option = self._choose(job, now, candidates)
                if option is not None:
                    best = (key, queue, i, job, option)
                    break
        if best is not None:
            _key, queue, i, job, option = best
            del queue[i]
            self._assign(job, person, option)

    def _assign(self, job: Job, person: Person, option) -> None:
        job.staff = person.id
        job.planned = option.arrival
        if person.current is None:
            self._set_off(person, job)
        else:
            # Ahead of anything already committed to them, as `policy.rank` priced it. A
            # committed visit pushed past the end of their shift goes back to be dispatched again.
            person.pending.insert(0, job)
            t, x, y = person.free_at, person.x, person.y
            kept: list[Job] = []
            released: list[Job] = []
            for nxt in person.pending:
                start = t + self.travel(x, y, nxt.x, nxt.y)
                if start + nxt.duration > person.shift_end:
                    released.append(nxt)
                    continue
                nxt.planned = start
                t, x, y = start + nxt.duration, nxt.x, nxt.y
                kept.append(nxt)
            person.pending = kept
            for nxt in released:
                nxt.staff = None
                if not self._dispatch(nxt, push=False):
                    insort(self.queues[nxt.team], (nxt.key, nxt))

    def _set_off(self, person: Person, job: Job) -> None:
        now = self.env.now
        minutes = self.travel(person.x, person.y, job.x, job.y)
        km = self.km(person.x, person.y, job.x, job.y)
        arrive = now + minutes
        end = arrive + job.duration
        person.current = job
        person.free_at = end
        person.x, person.y = job.x, job.y
        self._reindex(person)
        job.seen_at = arrive
        if job.id in self.planned_counted:
            self.planned_counted.discard(job.id)
            if arrive <= self.end:
                self.outcome.seen[PLANNED] += 1
                self.outcome.met[PLANNED] += arrive <= job.deadline
        if now >= self.start and now < self.horizon:
            person.busy += minutes + job.duration
            person.travel_km += km
            person.travel_min += minutes
            person.visits += 1
        if self.log_visits:
            self.outcome.visit_log.append((person.id, now, end))
        event = self.env.timeout(end - now)
        event.callbacks.append(lambda _event: self._visit_ends(person, job))

    def _visit_ends(self, person: Person, job: Job) -> None:
        person.current = None
        if job.rest:
            self._follow_up_later(job)
        if person.pending:
            self._set_off(person, person.pending.pop(0))
            return
        person.free_at = self.env.now
        self._reindex(person)
        if person.on_shift:
            self._serve_queue(person)

    def _follow_up_later(self, job: Job) -> None:
        """The episode's next visit falls due after its gap, moved into the day."""
        kind = self.service.kinds[job.kind]
        due = self.env.now + job.gaps[0]
        minute = due % MINUTES_PER_DAY
        if minute < DAY_STARTS:
            due += DAY_STARTS - minute
        elif minute >= DAY_ENDS:
            due += MINUTES_PER_DAY - minute + DAY_STARTS
        if due >= self.end:
            return
        self._ids += 1
        nxt = Job(
            self._ids, job.kind, False, job.skill, job.x, job.y, job.home_team, due, due,
            due + kind.follow_up_window_minutes, job.rest[0], job.rest[1:], job.gaps[1:],
        )  # fmt: skip
        event = self.env.timeout(due - self.env.now)
        event.callbacks.append(lambda _event: self._arrive(nxt))

    # --- results ---------------------------------------------------------------------------

    def _finish_outcome(self) -> Outcome:
        o = self.outcome
        end = self.end
        for job in self.jobs:
            name = self._name(job)
            seen = job.seen_at is not None and job.seen_at <= end
            if not job.first:
                if seen:
                    o.seen[name] += 1
                    o.met[name] += job.seen_at <= job.deadline
                continue
            wait = (job.seen_at if seen else end) - job.arrival  # censored at the end if unseen
            o.waits[name].append(wait)
            if seen:
                o.seen[name] += 1
            met = seen and job.seen_at <= job.deadline
            if met:
                o.met[name] += 1
            if job.kind in self.crisis_kind:
                row = o.crisis_by_hour[job.hour]
                row[0] += met
                row[1] += 1
        o.waiting_at_end = sum(1 for job in self.jobs if job.seen_at is None or job.seen_at > end)
        o.waiting_at_end += o.arrivals[PLANNED] - o.seen[PLANNED]
        for p in self.people:
            o.busy_minutes += p.busy
            o.shift_minutes += p.shift_minutes
            o.travel_km += p.travel_km
            o.travel_minutes += p.travel_min
            o.visits += p.visits
        return o


def simulate(service: Service, policy: Policy, *, seed: int, replication: int = 0,
             days: float = 7, **options) -> Outcome:  # fmt: skip
    """Run one replication and return its raw outcome."""
    return Simulation(
        service, policy, seed=seed, replication=replication, days=days, **options
    ).run()

"""What the simulator simulates: plain, frozen configuration values (no randomness, no I/O).

A `Service` is everything one run needs: demand by hour of the week, the kinds of referral and
their response targets, where referrals come from, the teams, their staff with skills and weekly
rotas, and the travel model. `avert.sim.area` builds one from the synthetic area; the Erlang-C
validation builds a bare M/M/c one by hand; `avert.sim.whatif` changes one into another.

Time is in minutes from Monday 00:00 local wall-clock time of the first simulated week. The
simulated weeks repeat the same rota and the same hour-of-week demand; daylight saving is not
modelled (rotas and arrival profiles are written in local time, so a clock change moves neither).
Places are kilometres east (x) and north (y) of the area's centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from avert.domain.errors import ValidationError


MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
HOURS_PER_WEEK = 7 * 24

TWO_HOUR = "two_hour"
SAME_DAY = "same_day"
TWO_DAY = "two_day"
FOLLOW_UP = "follow_up"
PLANNED = "planned"


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of referral that gets a visit: its share, target and visits.

    `skills` are the skills its first visit may need, with weights (the empty skill means anyone
    on the team). `follow_ups` are weights of how many further visits the episode has;
    `follow_up_gap_days` is the range of days between visits (moved into the day, 08:00-20:00),
    and each follow-up is due within `follow_up_window_minutes` of becoming due.
    """

    name: str
    share: float
    target_minutes: float
    visit_minutes: float
    skills: tuple[tuple[str, float], ...]
    follow_ups: tuple[tuple[int, float], ...] = ((0, 1.0),)
    follow_up_gap_days: tuple[float, float] = (1.0, 1.0)
    follow_up_visit_minutes: float = 45.0
    follow_up_window_minutes: float = 8 * 60.0

    def __post_init__(self) -> None:
        if not self.share >= 0:
            raise ValidationError("share", "must not be negative")
        if not (self.target_minutes > 0 and self.visit_minutes > 0):
            raise ValidationError("target_minutes", "targets and visits must be positive")
        if not self.skills or not self.follow_ups:
            raise ValidationError("skills", "needs at least one skill and one follow-up count")


@dataclass(frozen=True, slots=True)
class Site:
    """Where referrals come from: a neighbourhood's centre, spread and share of demand."""

    x: float
    y: float
    spread_km: float
    weight: float
    team: int


@dataclass(frozen=True, slots=True)
class TeamSpec:
    """A team; `always_open` teams also take other teams' 2-hour referrals out of hours.

    A day team takes 2-hour referrals that arrive from `opens` until `crisis_until` (minutes of
    the local day); the rest go to the first always-open team.
    """

    id: str
    name: str
    always_open: bool
    opens: float = 8 * 60.0
    crisis_until: float = 18 * 60.0


@dataclass(frozen=True, slots=True)
class StaffSpec:
    """A member of staff: team (index), skills, where shifts start, and the weekly rota.

    `shifts` are (start, end) minutes from Monday 00:00, sorted; an end may pass the end of the
    week (a Sunday night shift). `shifts=None` means always on shift (the M/M/c validation).
    """

    id: str
    team: int
    role: str
    skills: frozenset[str]
    x: float
    y: float
    shifts: tuple[tuple[float, float], ...] | None

    def __post_init__(self) -> None:
        if self.shifts is not None:
            for start, end in self.shifts:
                if not (0 <= start < MINUTES_PER_WEEK and end > start):
                    raise ValidationError("shifts", "a shift must start within the week")


@dataclass(frozen=True, slots=True)
class TravelSpec:
    """Straight line x road factor, at the urban speed when both ends are in the urban core.

    The defaults are those of `avert.dispatch.travel.StraightLine` (1.3; 30 and 50 km/h).
    `urban_radius_km` is an [ASSUMPTION]: the built-up core is the inner 12 km of the area.
    `instant=True` makes every journey take no time (the M/M/c validation).
    """

    road_factor: float = 1.3
    urban_kmh: float = 30.0
    rural_kmh: float = 50.0
    urban_radius_km: float = 12.0
    instant: bool = False


@dataclass(frozen=True, slots=True)
class Service:
    """One configuration of a UCR service to simulate."""

    name: str
    hourly_rate: tuple[float, ...]
    """Referrals that need a visit, per hour, for each hour of the week from Monday 00:00."""
    kinds: tuple[Kind, ...]
    sites: tuple[Site, ...]
    teams: tuple[TeamSpec, ...]
    staff: tuple[StaffSpec, ...]
    travel: TravelSpec = field(default_factory=TravelSpec)
    radius_km: float = 20.0
    duration_cv: float = 0.5
    """Spread of visit lengths: lognormal with this coefficient of variation; 1.0 means
    exponential (the M/M/c validation). [ASSUMPTION] 0.5."""
    demand_scale: float = 1.0
    caseload_rate: tuple[tuple[float, ...], ...] = ()
    """Planned visits of the wider community caseload (not UCR referrals) falling due per hour,
    for each team and hour of the week; empty for none. What-ifs keep it as it is."""
    caseload_visit_minutes: float = 45.0
    caseload_window_minutes: float = 4 * 60.0
    """A planned visit is due within this long of falling due. [ASSUMPTION]"""
    population: int = 0
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.hourly_rate) != HOURS_PER_WEEK:
            raise ValidationError("hourly_rate", "needs one rate for each of the 168 hours")
        if any(not (r >= 0 and math.isfinite(r)) for r in self.hourly_rate):
            raise ValidationError("hourly_rate", "rates must be finite and not negative")
        if not self.kinds or not self.sites or not self.teams:
            raise ValidationError("service", "needs kinds, sites and teams")
        if not self.demand_scale > 0:
            raise ValidationError("demand_scale", "must be positive")
        if not self.duration_cv > 0:
            raise ValidationError("duration_cv", "must be positive")
        for s in self.sites:
            if not 0 <= s.team < len(self.teams):
                raise ValidationError("sites", "a site names a team that is not there")
        if self.caseload_rate and (
            len(self.caseload_rate) != len(self.teams)
            or any(len(r) != HOURS_PER_WEEK or min(r) < 0 for r in self.caseload_rate)
        ):
            raise ValidationError("caseload_rate", "needs 168 rates for each team")
        for p in self.staff:
            if not 0 <= p.team < len(self.teams):
                raise ValidationError("staff", "a member of staff names a team that is not there")

    @property
    def referrals_per_week(self) -> float:
        return sum(self.hourly_rate) * self.demand_scale


@dataclass(frozen=True, slots=True)
class Policy:
    """How referrals are dispatched, both through `avert.dispatch.policy`.

    - `avert`: `policy.rank` over everyone on shift with the skill, including people on a visit
      and people with visits already committed to them (a new visit goes ahead of those, as
      `rank` prices it: only when no deadline breaks). As on the live board, a 2-hour
      referral's first visit is offered to every team's staff on shift, not only its own
      team's. The queue of visits nobody can take is served earliest deadline first.
    - `nearest_free`: `policy.nearest_free`, the nearest skilled person in the referral's team
      who is free now; the queue is first come, first served. This is dispatch as a locality
      coordinator does it without a shared view of the other teams.
    - `nearest_free_service_wide`: the same, but a 2-hour referral's first visit goes to the
      nearest free skilled person of any team (a sensitivity case for the baseline).
    """

    name: str
    lookahead: bool
    earliest_deadline_first: bool
    crisis_service_wide: bool = False


AVERT = Policy("avert", lookahead=True, earliest_deadline_first=True, crisis_service_wide=True)
NEAREST_FREE = Policy("nearest_free", lookahead=False, earliest_deadline_first=False)
NEAREST_FREE_SERVICE_WIDE = Policy(
    "nearest_free_service_wide",
    lookahead=False,
    earliest_deadline_first=False,
    crisis_service_wide=True,
)
POLICIES = {p.name: p for p in (AVERT, NEAREST_FREE, NEAREST_FREE_SERVICE_WIDE)}

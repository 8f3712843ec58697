"""Avert's settings: one typed object, read from the environment once, at the edge.

Every setting is listed in docs/configuration.md (a test keeps the two in step). Entry points take
the environment as a parameter (`Settings.from_environ(environ)`) so tests need no monkeypatching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from avert.domain.clocks import ClockEvent, OutOfHoursPolicy
from avert.domain.lifecycle import EpisodeRules


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable."""


DEFAULT_DATABASE_URL = "sqlite:///var/avert.db"


def _enum(environ: Mapping[str, str], name: str, enum: type, default):
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return enum(raw.strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ConfigError(f"{name} must be one of: {allowed}") from None


def _positive_hours(environ: Mapping[str, str], name: str, default: float) -> timedelta:
    raw = environ.get(name)
    if raw is None or raw == "":
        return timedelta(hours=default)
    try:
        hours = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of hours") from None
    if not hours > 0:
        raise ConfigError(f"{name} must be more than zero")
    return timedelta(hours=hours)


@dataclass(frozen=True)
class Settings:
    # Where referrals are stored (store.db); postgresql+psycopg://... in production.
    database_url: str = DEFAULT_DATABASE_URL
    # Clock start/stop events and out-of-hours policy (domain.clocks); [UNVERIFIED] nationally.
    clock_start_event: ClockEvent = ClockEvent.REFERRAL_RECEIVED
    clock_stop_event: ClockEvent = ClockEvent.FIRST_FACE_TO_FACE
    out_of_hours_policy: OutOfHoursPolicy = OutOfHoursPolicy.NONE
    # The target for the local same-day disposition (services.intake).
    same_day_target: timedelta = timedelta(hours=6)
    # How far back intake looks for an open referral of the same person to flag (services.intake).
    duplicate_window: timedelta = timedelta(hours=24)
    # Episode lengths for the crisis phase and reablement (domain.lifecycle).
    episodes: EpisodeRules = field(default_factory=EpisodeRules)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            database_url=environ.get("AVERT_DATABASE_URL") or DEFAULT_DATABASE_URL,
            clock_start_event=_enum(
                environ, "AVERT_CLOCK_START_EVENT", ClockEvent, ClockEvent.REFERRAL_RECEIVED
            ),
            clock_stop_event=_enum(
                environ, "AVERT_CLOCK_STOP_EVENT", ClockEvent, ClockEvent.FIRST_FACE_TO_FACE
            ),
            out_of_hours_policy=_enum(
                environ, "AVERT_OUT_OF_HOURS_POLICY", OutOfHoursPolicy, OutOfHoursPolicy.NONE
            ),
            same_day_target=_positive_hours(environ, "AVERT_SAME_DAY_TARGET_HOURS", 6),
            duplicate_window=_positive_hours(environ, "AVERT_DUPLICATE_WINDOW_HOURS", 24),
            episodes=EpisodeRules(
                crisis_phase=_positive_hours(environ, "AVERT_CRISIS_PHASE_HOURS", 72),
                reablement=_positive_hours(environ, "AVERT_REABLEMENT_HOURS", 6 * 7 * 24),
            ),
        )

"""Avert's settings: one typed object, read from the environment once, at the edge.

Every setting is listed in docs/configuration.md (a test keeps the two in step). Entry points take
the environment as a parameter (`Settings.from_environ(environ)`) so tests need no monkeypatching.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from avert.domain.clocks import ClockEvent, OutOfHoursPolicy
from avert.domain.lifecycle import EpisodeRules


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable."""


DEFAULT_DATABASE_URL = "sqlite:///var/avert.db"
PLACEHOLDER_SECRET = "development-only-not-a-secret"
MODES = ("development", "production")


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


DEMO_UCR_PHONE = "01632 960000"


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
    # development or production: production refuses placeholder secrets, the demo UCR phone
    # number and demo users (cli).
    mode: str = "development"
    # Keys the audit log's hash chain (security.audit); must be a real secret in production.
    secret_key: str = PLACEHOLDER_SECRET
    # Session idle and absolute timeouts (security.sessions), and break-glass access length.
    session_idle: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=12)
    break_glass: timedelta = timedelta(hours=1)
    # The UCR team's telephone number printed on crisis plans (services.care_record); the default
    # is from Ofcom's range for drama, so a demo never shows a real number.
    ucr_phone: str = DEMO_UCR_PHONE

    def check_production(self) -> None:
        """Refuse settings that are fine for a demo and wrong for patients."""
        if self.mode != "production":
            return
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32:
            raise ConfigError(
                "AVERT_SECRET_KEY must be set to a real secret of at least 32 characters "
                "in production"
            )
        if self.database_url.startswith("sqlite") and (
            ":memory:" in self.database_url or self.database_url.split("?")[0].endswith("://")
        ):
            raise ConfigError("AVERT_DATABASE_URL cannot be an in-memory database in production")
        if re.sub(r"\D", "", self.ucr_phone) == re.sub(r"\D", "", DEMO_UCR_PHONE):
            raise ConfigError(
                "AVERT_UCR_PHONE must be set to the UCR team's own telephone number in "
                f"production (the default {DEMO_UCR_PHONE} is a fictional number)"
            )

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
            mode=_mode(environ),
            secret_key=environ.get("AVERT_SECRET_KEY") or PLACEHOLDER_SECRET,
            session_idle=_positive_hours(environ, "AVERT_SESSION_IDLE_HOURS", 0.25),
            session_lifetime=_positive_hours(environ, "AVERT_SESSION_LIFETIME_HOURS", 12),
            break_glass=_positive_hours(environ, "AVERT_BREAK_GLASS_HOURS", 1),
            ucr_phone=(environ.get("AVERT_UCR_PHONE") or "").strip() or DEMO_UCR_PHONE,
        )


def _mode(environ: Mapping[str, str]) -> str:
    mode = (environ.get("AVERT_MODE") or "development").strip().lower()
    if mode not in MODES:
        raise ConfigError("AVERT_MODE must be one of: " + ", ".join(MODES))
    return mode

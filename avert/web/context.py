"""What every request handler needs: the database, the settings and the clock, held by the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from avert.config import Settings
from avert.store.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    database: Database
    settings: Settings
    now: Callable[[], datetime] = utc_now


def context(request: Request) -> Context:
    return request.app.state.avert

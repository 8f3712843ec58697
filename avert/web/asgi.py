"""The application a server process serves: built here for `avert serve`.

With `--workers N` each worker process builds its own from the environment (`app`), which
`avert serve` has already checked (production settings, the schema version, no demo accounts)
before starting them.
"""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from avert.config import Settings
from avert.store.db import Database
from avert.web.app import create_app


def serving_app(database: Database, settings: Settings) -> FastAPI:
    """The app, with everything loaded so far kept out of the collector's full passes: it lives
    as long as the process, and those passes otherwise stall a request by ~80 ms every few
    seconds."""
    app = create_app(database, settings)
    gc.collect()
    gc.freeze()
    return app


def app() -> FastAPI:
    """A worker process's app (uvicorn's factory), from the environment."""
    settings = Settings.from_environ(os.environ)
    return serving_app(Database.from_url(settings.database_url), settings)

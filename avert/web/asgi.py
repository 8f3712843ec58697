"""The application a server process serves: built here for `avert serve`.

With `--workers N` each worker process builds its own from the environment (`app`), which
`avert serve` has already checked (production settings, the schema version, no demo accounts)
before starting them, and stops when the process that started it dies.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys

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


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _stop_with_parent() -> None:
    """Have Linux send this worker SIGTERM (a clean shutdown) when the process that started it
    dies, even by SIGKILL, so that no worker goes on serving without its parent."""
    if sys.platform != "linux":
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def app() -> FastAPI:
    """A worker process's app (uvicorn's factory), from the environment."""
    _stop_with_parent()
    settings = Settings.from_environ(os.environ)
    return serving_app(Database.from_url(settings.database_url), settings)

"""An API client over a fresh database, with a clock the test controls and one UCR team."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from avert.domain.service_hours import ServiceHours
from avert.store.schema import Team
from avert.web.app import create_app


@pytest.fixture
def client(database, settings, clock):
    with database.writing() as session:
        session.add(
            Team(
                id="T-CITY",
                name="City UCR team",
                locality="City",
                base_lat=52.63,
                base_lon=-1.13,
                service_hours=ServiceHours.default().to_config(),
            )
        )
    app = create_app(database, settings, now=clock)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client

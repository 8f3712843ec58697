"""The problem model validates itself; travel sources; stopping criteria."""

from __future__ import annotations

import math

import pytest

from avert.dispatch.examples import tiny_problem
from avert.dispatch.model import Pin, Staff, Sync, SyncKind, Task, TravelMatrix, Visit, Window
from avert.dispatch.stop import MaxIterations, NoImprovement
from avert.dispatch.travel import Location, MatrixTravel, StraightLine, TableService
from avert.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Window(10, 5), "window"),
        (lambda: Window(-1, 5), "window"),
        (lambda: Task("nursing", -1), "task.duration"),
        (lambda: Sync(SyncKind.SEQUENTIAL, 10, 5), "sync.gap"),
        (lambda: Visit("v", 0, Window(0, 1), ()), "visit[v].tasks"),
        (lambda: Visit("v", 0, Window(0, 1), (Task("a", 1), Task("b", 1))), "visit[v].sync"),
        (lambda: Staff("s", frozenset(), (Window(0, 10), Window(5, 20))), "staff[s].shifts"),
        (lambda: TravelMatrix.square([[0, 1], [1]]), "travel"),
        (lambda: tiny_problem(pins=(Pin("V9", 0, "nurse", 1.0),)), "pins[V9]"),
        (lambda: tiny_problem(pins=(Pin("V1", 1, "nurse", 1.0),)), "pins[V1]"),
    ],
)
def test_an_impossible_problem_is_refused_naming_the_field(build, field):
    """Each malformed part raises ValidationError naming it."""
    with pytest.raises(ValidationError) as caught:
        build()
    assert caught.value.field == field


def test_straight_line_travel_uses_the_road_factor_and_the_speed_of_the_area():
    """10 km apart: 13 km by road; 26 minutes at 30 km/h in town, 15.6 at 50 km/h outside."""
    a = Location(52.0, -1.0)
    b_lat = 52.0 + 10 / 111.195  # 10 km north
    town = StraightLine().matrix([a, Location(b_lat, -1.0)])
    rural = StraightLine().matrix([a, Location(b_lat, -1.0, urban=False)])
    assert town.distance[0][1] == pytest.approx(13.0, rel=1e-3)
    assert town.minutes[0][1] == pytest.approx(26.0, rel=1e-3)
    assert rural.minutes[0][1] == pytest.approx(15.6, rel=1e-3)
    assert town.minutes[0][0] == 0


def test_a_table_service_is_asked_once_and_its_units_converted():
    """Seconds become minutes and metres kilometres; the URL lists lon,lat pairs."""
    asked = []

    def fetch(url):
        asked.append(url)
        return {
            "code": "Ok",
            "durations": [[0, 600], [660, 0]],
            "distances": [[0, 5000], [5200, 0]],
        }

    places = [Location(51.5, -0.1), Location(51.6, -0.2)]
    matrix = TableService("http://osrm.local", fetch).matrix(places)
    assert asked == [
        "http://osrm.local/table/v1/driving/-0.100000,51.500000;-0.200000,51.600000"
        "?annotations=duration,distance"
    ]
    assert matrix.minutes[0][1] == 10 and matrix.minutes[1][0] == 11
    assert matrix.distance[1][0] == pytest.approx(5.2)


def test_a_table_service_without_a_road_is_an_error():
    """A null entry (no route between two places) is refused, not treated as zero."""
    reply = {"code": "Ok", "durations": [[0, None], [1, 0]], "distances": [[0, 1], [1, 0]]}
    service = TableService("http://x", lambda url: reply)
    with pytest.raises(ValidationError):
        service.matrix([Location(51.5, -0.1), Location(51.6, -0.2)])


def test_a_given_matrix_must_cover_the_places():
    """MatrixTravel returns its matrix for as many places as it has rows, else refuses."""
    matrix = TravelMatrix.square([[0, 1], [1, 0]])
    places = [Location(0, 0), Location(1, 1)]
    assert MatrixTravel(matrix).matrix(places) is matrix
    with pytest.raises(ValidationError):
        MatrixTravel(matrix).matrix(places[:1])


def test_stopping_criteria_count_and_report_progress():
    """MaxIterations stops after n calls; NoImprovement after n calls without a better cost."""
    stop = MaxIterations(2)
    assert [stop(1.0), stop(1.0), stop(1.0)] == [False, False, True]
    assert stop.progress() == 1.0
    patience = NoImprovement(2)
    assert [patience(5.0), patience(4.0), patience(4.0), patience(4.0)] == [
        False,
        False,
        False,
        True,
    ]
    assert math.isclose(patience.progress(), 1.0)

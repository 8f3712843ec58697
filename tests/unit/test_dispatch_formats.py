"""The standard formats: HHCRSP JSON and VRPLIB read, written and read back unchanged."""

from __future__ import annotations

import json

import pytest

from avert.dispatch import hhcrsp, vrplib_io
from avert.dispatch.model import SyncKind
from avert.dispatch.published import benchmarks_dir, mankowska_best
from avert.dispatch.validator import validate
from avert.domain.errors import ValidationError


def _instance_data(root, name="InstanzCPLEX_HCSRP_10_1.json"):
    return json.loads((root / "hhcrsp" / "mankowska2014" / name).read_text())


def test_a_published_solution_survives_a_round_trip_through_the_writer(tmp_path):
    """Reading a published solution, writing it and reading it back gives the same plan."""
    root = benchmarks_dir()
    row = mankowska_best(root)[0]
    instance = hhcrsp.read_instance(root / "hhcrsp" / "mankowska2014" / row.instance)
    plan = hhcrsp.read_solution(root / "hhcrsp" / "mankowska2014_best" / row.solution, instance)
    hhcrsp.write_solution(tmp_path / "out.json", plan, instance)
    again = hhcrsp.read_solution(tmp_path / "out.json", instance)
    assert again.routes == plan.routes
    written = json.loads((tmp_path / "out.json").read_text())
    assert {"routes"} <= set(written)
    assert set(written["routes"][0]) == {"caregiver_id", "locations"}
    first = next(r for r in written["routes"] if r["locations"])["locations"][0]
    assert set(first) == {"patient", "service", "arrival_time", "departure_time"}
    assert validate(instance.problem, again).objective == pytest.approx(row.total_cost, abs=1e-3)


def test_the_reader_maps_services_synchronisation_and_the_matrix():
    """Patients become visits with their services, sync and window; the office is place 0."""
    root = benchmarks_dir()
    instance = hhcrsp.parse_instance(_instance_data(root))
    problem = instance.problem
    assert len(problem.visits) == 10 and len(problem.staff) == 3
    p8 = problem.visit_by_id["p8"]
    assert p8.sync.kind is SyncKind.SIMULTANEOUS
    assert [t.skill for t in p8.tasks] == ["s5", "s6"]
    p9 = problem.visit_by_id["p9"]
    assert (p9.sync.kind, p9.sync.min_gap, p9.sync.max_gap) == (SyncKind.SEQUENTIAL, 51, 102)
    assert p9.place == 9 and problem.staff[0].start_place == 0
    assert problem.travel.distance[0][1] == pytest.approx(38.471)


@pytest.mark.parametrize(
    ("given", "read_as"),
    [((62.999999, 182.99999), (62, 182)), ((10.5, 20.0), (10, 20)), ((0, 120), (0, 120))],
)
def test_time_window_bounds_are_truncated_to_whole_minutes(given, read_as):
    """Float noise in window bounds is truncated, as the published solvers do."""
    data = _instance_data(benchmarks_dir())
    data["patients"][0]["time_window"] = list(given)
    window = hhcrsp.parse_instance(data).problem.visits[0].window
    assert (window.start, window.end) == read_as


@pytest.mark.parametrize(
    ("breakage", "field"),
    [
        (lambda d: d.pop("patients"), "instance"),
        (lambda d: d.update(distances=[[0.0]]), "distances"),
        (lambda d: d["patients"][0].pop("time_window"), "patients[0]"),
        (lambda d: d["patients"][7].update(synchronization={"type": "sometimes"}), "patients[7]"),
    ],
)
def test_a_broken_instance_is_refused_naming_what_is_wrong(breakage, field):
    """Bad input raises ValidationError naming the field."""
    data = _instance_data(benchmarks_dir())
    breakage(data)
    with pytest.raises(ValidationError) as caught:
        hhcrsp.parse_instance(data)
    assert caught.value.field.startswith(field)


def test_a_vrplib_solution_survives_a_round_trip(tmp_path):
    """Routes written as `Route #k:` lines with a `Cost` line read back unchanged."""
    root = benchmarks_dir()
    routes, cost = vrplib_io.read_solution(root / "solomon" / "C101.sol")
    vrplib_io.write_solution(tmp_path / "C101.sol", routes, cost)
    assert vrplib_io.read_solution(tmp_path / "C101.sol") == (routes, cost)
    assert (tmp_path / "C101.sol").read_text().splitlines()[-1] == "Cost 827.3"


def test_a_solomon_instance_is_read_with_the_dimacs_distances():
    """C101: 101 nodes, 25 vehicles of 200; distances in tenths, truncated."""
    instance = vrplib_io.read_vrptw(benchmarks_dir() / "solomon" / "C101.vrp")
    assert (instance.size, instance.vehicles, instance.capacity) == (101, 25, 200)
    assert instance.service[0] == 0 and instance.service[1] == 90
    # depot (40, 50) to customer 1 (45, 68): 18.68... -> 186 tenths
    assert instance.tenths()[0][1] == 186


def test_a_file_that_is_not_vrplib_is_refused(tmp_path):
    """A non-VRPLIB file raises ValidationError, not a traceback."""
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : X\nDIMENSION : 2\n")
    with pytest.raises(ValidationError):
        vrplib_io.read_vrptw(bad)

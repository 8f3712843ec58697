"""The Mankowska/Ceschia HHCRSP JSON format: read instances and solutions, write solutions.

Instances (Ceschia, Di Gaspero, Rosati & Schaerf 2024, iolab-uniud/hhcrsp): `patients` (id,
`time_window`, `required_caregivers` = one or two `{service, duration}`, `synchronization` =
`{type: simultaneous}` or `{type: sequential, distance: [min, max]}`, optional
`incompatible_caregivers`), `services` (id, `default_duration`), `caregivers` (id, `abilities`,
optional `working_shift` and departing point), `central_offices` and `distances` (offices first,
then patients, unless `distance_matrix_index` says otherwise). The matrix is used both as the
travel time and as the distance, as in the original paper.

Time-window bounds and sequential gaps are truncated to whole minutes, as the published solvers
do (some instances carry float noise such as 62.999999...).

Solutions: `routes`, each `{caregiver_id, locations: [{patient, service, arrival_time,
departure_time}]}` where `arrival_time` is the start of service.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avert.dispatch.model import (
    ALWAYS,
    Assignment,
    Plan,
    Problem,
    Route,
    Staff,
    Sync,
    SyncKind,
    Task,
    TravelMatrix,
    Visit,
    Window,
)
from avert.domain.errors import ValidationError


@dataclass(frozen=True)
class Instance:
    """A problem read from the format, with the service id of each visit's tasks."""

    name: str
    problem: Problem
    services: dict[str, tuple[str, ...]]


def _need(data: Any, key: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise ValidationError(where, f"missing '{key}'")
    return data[key]


def _minute(value: Any, where: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(where, "must be a number") from None
    if not math.isfinite(number):
        raise ValidationError(where, "must be finite")
    return math.trunc(number)


def read_instance(path: Path) -> Instance:
    """Read an HHCRSP JSON instance file."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        name = error.__class__.__name__
        raise ValidationError("instance", f"not a readable JSON file ({name})") from None
    return parse_instance(data, Path(path).stem)


def parse_instance(data: Any, name: str = "instance") -> Instance:
    """Build an `Instance` from the decoded JSON."""
    patients = _need(data, "patients", "instance")
    caregivers = _need(data, "caregivers", "instance")
    offices = data.get("central_offices") or data.get("departing_points")
    if not offices:
        raise ValidationError("instance", "missing 'central_offices'")
    matrix = _need(data, "distances", "instance")
    defaults = {s["id"]: s.get("default_duration") for s in data.get("services", []) if "id" in s}
    size = len(offices) + len(patients)
    if not isinstance(matrix, list) or len(matrix) != size:
        raise ValidationError("distances", "need one row per office and per patient")
    try:
        travel = TravelMatrix.square(matrix)
    except (TypeError, ValueError) as error:
        if isinstance(error, ValidationError):
            raise
        raise ValidationError("distances", "must be a square matrix of numbers") from None
    office_index = {}
    for i, office in enumerate(offices):
        oid = _need(office, "id", f"central_offices[{i}]")
        office_index[oid] = office.get("distance_matrix_index", i)

    staff = []
    for i, cg in enumerate(caregivers):
        where = f"caregivers[{i}]"
        cid = str(_need(cg, "id", where))
        abilities = _need(cg, "abilities", where)
        home = cg.get("departing_point", cg.get("starting_point_id"))
        place = office_index.get(home, 0) if home is not None else 0
        shift = cg.get("working_shift")
        window = (
            Window(_minute(shift[0], where), _minute(shift[1], where)) if shift else Window(*ALWAYS)
        )
        staff.append(Staff(cid, frozenset(map(str, abilities)), (window,), place, place))

    visits = []
    services: dict[str, tuple[str, ...]] = {}
    for i, p in enumerate(patients):
        where = f"patients[{i}]"
        pid = str(_need(p, "id", where))
        required = (
            _need(p, "required_caregivers", where)
            if "required_services" not in p
            else (p["required_services"])
        )
        tasks = []
        for j, rc in enumerate(required):
            service = str(_need(rc, "service", f"{where}.required_caregivers[{j}]"))
            duration = rc.get("duration") or defaults.get(service)
            if duration is None:
                raise ValidationError(f"{where}.required_caregivers[{j}]", "no duration")
            tasks.append(Task(service, float(duration)))
        window = _need(p, "time_window", where)
        if not (isinstance(window, list) and len(window) == 2):
            raise ValidationError(f"{where}.time_window", "need [start, end]")
        sync = None
        if "synchronization" in p and p["synchronization"]:
            kind = p["synchronization"].get("type")
            if kind == "simultaneous":
                sync = Sync(SyncKind.SIMULTANEOUS)
            elif kind == "sequential":
                gap = _need(p["synchronization"], "distance", f"{where}.synchronization")
                sync = Sync(SyncKind.SEQUENTIAL, _minute(gap[0], where), _minute(gap[1], where))
            else:
                raise ValidationError(f"{where}.synchronization", "unknown type")
        place = p.get("distance_matrix_index", len(offices) + i)
        visits.append(
            Visit(
                id=pid,
                place=place,
                window=Window(_minute(window[0], where), _minute(window[1], where)),
                tasks=tuple(tasks),
                sync=sync,
                excluded_staff=frozenset(map(str, p.get("incompatible_caregivers") or ())),
            )
        )
        services[pid] = tuple(t.skill for t in tasks)
    return Instance(name, Problem(tuple(staff), tuple(visits), travel), services)


def read_solution(path: Path, instance: Instance) -> Plan:
    """Read a solution file in the published shape as a `Plan` of the instance."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        name = error.__class__.__name__
        raise ValidationError("solution", f"not a readable JSON file ({name})") from None
    return parse_solution(data, instance)


def parse_solution(data: Any, instance: Instance) -> Plan:
    routes = []
    for i, r in enumerate(_need(data, "routes", "solution")):
        cid = str(_need(r, "caregiver_id", f"routes[{i}]"))
        stops = []
        for j, loc in enumerate(r.get("locations") or []):
            where = f"routes[{i}].locations[{j}]"
            patient = str(_need(loc, "patient", where))
            service = str(_need(loc, "service", where))
            offered = instance.services.get(patient)
            if offered is None or service not in offered:
                raise ValidationError(where, "names a patient or service not in the instance")
            stops.append(
                Assignment(
                    visit_id=patient,
                    task=offered.index(service),
                    start=float(_need(loc, "arrival_time", where)),
                    end=float(_need(loc, "departure_time", where)),
                )
            )
        routes.append(Route(cid, tuple(stops)))
    return Plan(tuple(routes))


def solution_json(plan: Plan, instance: Instance) -> dict[str, Any]:
    """A plan in the published solution shape (every caregiver listed, empty routes too)."""
    by_staff = {r.staff_id: r for r in plan.routes}
    routes = []
    first_start: dict[str, float] = {}
    for person in instance.problem.staff:
        route = by_staff.get(person.id, Route(person.id))
        locations = []
        for stop in route.stops:
            locations.append(
                {
                    "patient": stop.visit_id,
                    "service": instance.services[stop.visit_id][stop.task],
                    "arrival_time": round(stop.start, 6),
                    "departure_time": round(stop.end, 6),
                }
            )
            first_start[stop.visit_id] = min(first_start.get(stop.visit_id, math.inf), stop.start)
        routes.append({"caregiver_id": person.id, "locations": locations})
    ordering = sorted(first_start, key=lambda v: (first_start[v], v))
    return {"instance": instance.name, "global_ordering": ordering, "routes": routes}


def write_solution(path: Path, plan: Plan, instance: Instance) -> None:
    Path(path).write_text(json.dumps(solution_json(plan, instance), indent=1) + "\n")

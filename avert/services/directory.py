"""The Directory of Services in the database: list, search, read, edit, set capacity.

Services are edited by service leads with compare-and-set on `version` (a stale edit is refused,
never merged). Capacity is append-only history in `directory_capacity`; the latest row is in
force, read through `avert.domain.directory.effective_capacity` (AMBER and RED reset to GREEN).
There is no patient data here, so each change writes one audit entry inside its own transaction
(the `audit` callback, as intake does) and reads are not audited.

`redirect_for` answers, at read time, which real open service a redirected referral should go
to; the triage decision itself stays as it was made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from avert.domain import directory as dos
from avert.domain.errors import ValidationError
from avert.domain.identifiers import parse_postcode
from avert.domain.service_hours import ServiceHours
from avert.domain.vocab import ConditionNeed, Destination, Disposition
from avert.store.db import Database
from avert.store.schema import (
    CareHome,
    DirectoryCapacity,
    DirectoryServiceRow,
    Neighbourhood,
    Practice,
    Team,
)


Audit = Callable[..., None]


class ServiceNotFound(Exception):
    def __init__(self, service_id: int) -> None:
        super().__init__(f"no directory service {service_id}")
        self.service_id = service_id


class StaleService(Exception):
    """The service changed since the editor read it."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the service is now at version {current_version}")
        self.current_version = current_version


# --------------------------------------------------------------------------- rows <-> values


def to_domain(row: DirectoryServiceRow, capacity: DirectoryCapacity | None) -> dos.DirectoryService:
    return dos.DirectoryService(
        id=row.id,
        name=row.name,
        type=dos.ServiceType(row.service_type),
        hours=ServiceHours.from_config(row.hours),
        route=dos.ReferralRoute(dos.RouteKind(row.route_kind), row.route_value),
        lat=row.lat,
        lon=row.lon,
        ods_code=row.ods_code,
        organisation=row.organisation,
        address=row.address_line,
        postcode=row.postcode,
        phone=row.phone,
        neighbourhoods=frozenset(row.neighbourhoods or ()),
        needs=frozenset(ConditionNeed(n) for n in row.needs or ()),
        min_age=row.min_age,
        max_age=row.max_age,
        referral_information=row.referral_information,
        active=row.active,
        capacity=_capacity(capacity) if capacity is not None else None,
        version=row.version,
    )


def _capacity(row: DirectoryCapacity) -> dos.CapacityUpdate:
    return dos.CapacityUpdate(
        dos.Capacity(row.status), row.set_at, row.set_by, row.reset_minutes, row.note
    )


def _columns(service: dos.DirectoryService) -> dict[str, Any]:
    return {
        "name": service.name.strip(),
        "service_type": service.type.value,
        "ods_code": service.ods_code,
        "organisation": service.organisation,
        "address_line": service.address,
        "postcode": service.postcode,
        "lat": service.lat,
        "lon": service.lon,
        "neighbourhoods": sorted(service.neighbourhoods),
        "needs": sorted(n.value for n in service.needs),
        "min_age": service.min_age,
        "max_age": service.max_age,
        "hours": service.hours.to_config(),
        "route_kind": service.route.kind.value,
        "route_value": service.route.value,
        "referral_information": service.referral_information,
        "phone": service.phone,
        "active": service.active,
    }


def _latest_capacity(session: Session, service_ids: Iterable[int] | None = None):
    latest = select(func.max(DirectoryCapacity.id)).group_by(DirectoryCapacity.service_id)
    if service_ids is not None:
        latest = latest.where(DirectoryCapacity.service_id.in_(list(service_ids)))
    rows = session.execute(select(DirectoryCapacity).where(DirectoryCapacity.id.in_(latest)))
    return {row.service_id: row for row in rows.scalars()}


# --------------------------------------------------------------------------- reading


def list_services(database: Database, *, include_inactive: bool = True):
    """Every service with its latest capacity status, by name."""
    with database.reading() as session:
        query = select(DirectoryServiceRow).order_by(
            DirectoryServiceRow.name, DirectoryServiceRow.id
        )
        if not include_inactive:
            query = query.where(DirectoryServiceRow.active.is_(True))
        rows = session.execute(query).scalars().all()
        capacity = _latest_capacity(session)
    return [to_domain(row, capacity.get(row.id)) for row in rows]


def get_service(database: Database, service_id: int) -> dos.DirectoryService:
    with database.reading() as session:
        row = session.get(DirectoryServiceRow, service_id)
        if row is None:
            raise ServiceNotFound(service_id)
        capacity = _latest_capacity(session, [service_id]).get(service_id)
    return to_domain(row, capacity)


def capacity_history(
    database: Database, service_id: int, *, limit: int = 50
) -> list[dos.CapacityUpdate]:
    """The service's capacity statuses, newest first."""
    with database.reading() as session:
        if session.get(DirectoryServiceRow, service_id) is None:
            raise ServiceNotFound(service_id)
        rows = session.execute(
            select(DirectoryCapacity)
            .where(DirectoryCapacity.service_id == service_id)
            .order_by(DirectoryCapacity.id.desc())
            .limit(limit)
        ).scalars()
        return [_capacity(row) for row in rows]


@dataclass(frozen=True)
class Place:
    """Where a search is centred: a postcode or a place name resolved to a point."""

    label: str
    lat: float
    lon: float
    neighbourhood: str | None = None


def locate(database: Database, text: str) -> Place:
    """A postcode (a full one, or its district) or a neighbourhood or locality name, as a point.

    Postcodes are looked up among the places Avert knows (GP practices, care homes, directory
    services), a full postcode first and then its district: there is no national postcode lookup
    in a synthetic area, and people's homes are not used (they are patient data).
    """
    wanted = (text or "").strip()
    if not wanted:
        raise ValidationError("near", "give a postcode or a place name")
    with database.reading() as session:
        try:
            postcode = parse_postcode(wanted, field="near")
        except ValidationError:
            postcode = None
        if postcode is not None:
            found = _postcode_point(session, postcode) or _postcode_point(
                session, postcode.split()[0] + " ", prefix=True
            )
            if found is not None:
                return Place(postcode, *found)
        district = wanted.upper().replace(" ", "")
        if postcode is None and district.isalnum() and len(district) <= 4:
            found = _postcode_point(session, district + " ", prefix=True)
            if found is not None:
                return Place(district, *found)
        hood = session.execute(
            select(Neighbourhood).where(func.lower(Neighbourhood.name) == wanted.lower()).limit(1)
        ).scalar_one_or_none()
        if hood is not None:
            return Place(hood.name, hood.centre_lat, hood.centre_lon, hood.id)
        team = session.execute(
            select(Team).where(func.lower(Team.locality) == wanted.lower()).limit(1)
        ).scalar_one_or_none()
        if team is not None:
            return Place(team.locality, team.base_lat, team.base_lon)
    raise ValidationError("near", "is not a postcode or place Avert knows in this area")


def _postcode_point(session: Session, postcode: str, *, prefix: bool = False):
    """The mean position of known places with this postcode (or in this district)."""
    for lat, lon, code, hood in (
        (Practice.lat, Practice.lon, Practice.postcode, Practice.neighbourhood_id),
        (CareHome.lat, CareHome.lon, CareHome.postcode, CareHome.neighbourhood_id),
        (DirectoryServiceRow.lat, DirectoryServiceRow.lon, DirectoryServiceRow.postcode, None),
    ):
        where = code.startswith(postcode) if prefix else code == postcode
        row = session.execute(
            select(func.avg(lat), func.avg(lon)).where(where, lat.is_not(None))
        ).first()
        if row is not None and row[0] is not None:
            neighbourhood = None
            if hood is not None and not prefix:
                neighbourhood = session.execute(select(hood).where(where).limit(1)).scalar()
            return float(row[0]), float(row[1]), neighbourhood
    return None


def search(
    database: Database,
    *,
    now: datetime,
    need: ConditionNeed | None = None,
    near: Place | None = None,
    open_now: bool = True,
    age: int | None = None,
    types: Iterable[dos.ServiceType] = (),
    text: str | None = None,
    limit: int | None = 50,
) -> list[dos.Match]:
    """The directory searched as `avert.domain.directory.search` ranks it."""
    return dos.search(
        list_services(database, include_inactive=False),
        need,
        (near.lat, near.lon) if near else None,
        now,
        open_now,
        age,
        types=types,
        neighbourhood=near.neighbourhood if near else None,
        text=text,
        limit=limit,
    )


# --------------------------------------------------------------------------- changing


def create_service(
    database: Database,
    service: dos.DirectoryService,
    *,
    by: str,
    now: datetime,
    audit: Audit | None = None,
) -> dos.DirectoryService:
    """Add a service (its id is assigned here; version 1)."""
    with database.writing() as session:
        row = DirectoryServiceRow(**_columns(service), version=1, updated_at=now, updated_by=by)
        session.add(row)
        session.flush()
        if audit is not None:
            audit(session, row, "create")
        service_id = row.id
    return get_service(database, service_id)


def update_service(
    database: Database,
    service_id: int,
    service: dos.DirectoryService,
    *,
    expected_version: int,
    by: str,
    now: datetime,
    audit: Audit | None = None,
) -> dos.DirectoryService:
    """Replace a service's details if it is still at `expected_version` (compare-and-set)."""
    with database.writing() as session:
        done = session.execute(
            update(DirectoryServiceRow)
            .where(
                DirectoryServiceRow.id == service_id,
                DirectoryServiceRow.version == expected_version,
            )
            .values(
                **_columns(service),
                version=DirectoryServiceRow.version + 1,
                updated_at=now,
                updated_by=by,
            )
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            current = session.execute(
                select(DirectoryServiceRow.version).where(DirectoryServiceRow.id == service_id)
            ).scalar_one_or_none()
            if current is None:
                raise ServiceNotFound(service_id)
            raise StaleService(current)
        if audit is not None:
            audit(session, session.get(DirectoryServiceRow, service_id), "update")
    return get_service(database, service_id)


def set_capacity(
    database: Database,
    service_id: int,
    status: dos.Capacity,
    *,
    by: str,
    now: datetime,
    reset_minutes: int = dos.DEFAULT_RESET_MINUTES,
    note: str | None = None,
    audit: Audit | None = None,
) -> dos.DirectoryService:
    """Record a capacity status (kept in the history; the newest is in force)."""
    update_ = dos.CapacityUpdate(dos.Capacity(status), now, by, reset_minutes, note or None)
    with database.writing() as session:
        row = session.get(DirectoryServiceRow, service_id)
        if row is None:
            raise ServiceNotFound(service_id)
        session.execute(
            insert(DirectoryCapacity).values(
                service_id=service_id,
                status=update_.status.value,
                reset_minutes=update_.reset_minutes,
                set_at=now,
                set_by=by,
                note=update_.note,
            )
        )
        if audit is not None:
            audit(session, row, "capacity")
    return get_service(database, service_id)


def load_directory(
    session: Session, services: Iterable[dos.DirectoryService], *, now: datetime, by: str
) -> int:
    """Write a whole directory (the synthetic area's) inside the caller's transaction."""
    count = 0
    connection = session.connection()
    for service in services:
        connection.execute(
            insert(DirectoryServiceRow).values(
                id=service.id, **_columns(service), version=1, updated_at=now, updated_by=by
            )
        )
        if service.capacity is not None:
            capacity = service.capacity
            connection.execute(
                insert(DirectoryCapacity).values(
                    service_id=service.id,
                    status=capacity.status.value,
                    reset_minutes=capacity.reset_minutes,
                    set_at=capacity.set_at,
                    set_by=capacity.set_by or by,
                    note=capacity.note,
                )
            )
        count += 1
    if count and session.get_bind().dialect.name == "postgresql":
        for table in ("directory_services", "directory_capacity"):
            connection.execute(
                sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )
    return count


# --------------------------------------------------------------------------- redirects


def match_view(match: dos.Match) -> dict[str, Any]:
    """A search result for the API and the pages."""
    service = match.service
    return {
        "id": service.id,
        "name": service.name,
        "type": service.type.value,
        "type_label": service.type.label,
        "distance_km": round(match.distance_km, 1) if match.distance_km is not None else None,
        "open_now": match.open_now,
        "open_until": match.open_until,
        "opens_next": match.opens_next,
        "today": list(match.today),
        "capacity": match.capacity.value,
        "capacity_label": match.capacity.label,
        "warnings": list(match.warnings),
        "reasons": list(match.reasons),
        "route": {"kind": service.route.kind.value, "value": service.route.value},
        "phone": service.phone,
        "postcode": service.postcode,
        "referral_information": service.referral_information,
    }


def redirect_for(database: Database, referral, person, *, now: datetime) -> dict[str, Any] | None:
    """For a REDIRECT referral: the directory service to send the person to, as of `now`."""
    if referral.disposition != Disposition.REDIRECT.value or not referral.destination:
        return None
    near, neighbourhood = _where(database, referral, person)
    found = dos.redirect_target(
        list_services(database, include_inactive=False),
        Destination(referral.destination),
        now=now,
        need=ConditionNeed(referral.need),
        age=referral.age_years,
        near=near,
        neighbourhood=neighbourhood,
        home_ods=getattr(person, "practice_ods", None),
    )
    return {
        "destination": found.destination.value,
        "found": found.found,
        "service": match_view(found.service) if found.service else None,
        "opens_next": match_view(found.opens_next) if found.opens_next else None,
        "call_first": found.call_first,
        "fallback": found.fallback,
    }


def _where(database: Database, referral, person) -> tuple[tuple[float, float] | None, str | None]:
    """Where the person is: their home, else their neighbourhood's centre, else their team."""
    hood = getattr(person, "neighbourhood_id", None)
    if getattr(person, "lat", None) is not None and person.lon is not None:
        return (person.lat, person.lon), hood
    with database.reading() as session:
        if hood is not None:
            row = session.get(Neighbourhood, hood)
            if row is not None:
                return (row.centre_lat, row.centre_lon), hood
        if referral.team_id:
            team = session.get(Team, referral.team_id)
            if team is not None:
                return (team.base_lat, team.base_lon), None
    return None, None


# --------------------------------------------------------------------------- FHIR searches


def fhir_healthcare_services(
    database: Database,
    *,
    identified: tuple[set[int], set[str]] | None = None,
    location: int | None = None,
    types: set[str] | None = None,
    dos_codes: set[int] | None = None,
    active: bool | None = None,
    name: str | None = None,
    postcode: str | None = None,
    with_location: bool = False,
    count: int,
    offset: int,
) -> tuple[list[dos.DirectoryService], int]:
    """Directory services matching FHIR search criteria (each None means "any"), by id.

    `identified` is (directory ids, ODS codes): a service matches either. A Location has the id
    of its service.
    """
    found = []
    prefix = (name or "").strip().lower()
    wanted_postcode = (postcode or "").replace(" ", "").upper()
    for service in sorted(list_services(database), key=lambda s: s.id):
        if identified is not None and not (
            service.id in identified[0] or (service.ods_code or "").upper() in identified[1]
        ):
            continue
        if location is not None and service.id != location:
            continue
        if types is not None or dos_codes is not None:
            by_type = types is not None and service.type.value in types
            by_dos = dos_codes is not None and service.type.dos_code in dos_codes
            if not (by_type or by_dos):
                continue
        if active is not None and service.active is not active:
            continue
        if prefix and not service.name.lower().startswith(prefix):
            continue
        if wanted_postcode and not (service.postcode or "").replace(" ", "").upper().startswith(
            wanted_postcode
        ):
            continue
        if with_location and service.lat is None:
            continue
        found.append(service)
    return found[offset : offset + count], len(found)

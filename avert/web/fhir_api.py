"""The FHIR R4 UK Core API under /fhir (media type application/fhir+json); see docs/fhir.md.

Reads and searches of Patient and ServiceRequest, searches of Encounter, Observation, CarePlan and
Flag by patient, inbound referrals (`POST /fhir/ServiceRequest` and `POST /fhir/$process-message`)
and the CapabilityStatement. Every error is an OperationOutcome: 400 for a body or a search that
cannot be read, 404 for an unknown id or resource type, 412 for an ambiguous If-None-Exist, 422
for a resource that breaks a rule, each problem with its location. Each route is a plain FastAPI
route so that a permission can be declared on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from avert import __version__
from avert.domain.access import Caseload, Permission
from avert.domain.care_record import Setting
from avert.fhir import bundle as bundles
from avert.fhir import search, systems
from avert.fhir.capability import MEDIA_TYPE, RESOURCES, capability_statement
from avert.fhir.observation import KIND_OF_CODE
from avert.fhir.outcome import Problem, operation_outcome
from avert.fhir.validate import WrongResource, read_resource
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.services import fhir_io
from avert.services.access import visible_referrals
from avert.store.schema import Referral
from avert.web.auth import record_access, require
from avert.web.context import context


router = APIRouter(prefix="/fhir", tags=["FHIR UK Core"])


async def _fhir_read(request: Request) -> Principal:
    """Permission to read, and for a read of one resource its audit entry, before the lookup.

    A search is audited when its results are known and before they leave (`_searchset`), so the
    entry names every person the Bundle shows. What the reader sees is scoped inside each query
    (`_scope`): people and referrals outside their caseload do not exist for them (404 on a
    read, absent from a search).
    """
    principal = await require(Permission.REFERRAL_READ)(request)
    basis = "service role" if principal.caseload is Caseload.SERVICE else principal.caseload.value
    request.state.fhir_read_basis = basis
    if not _is_search(request):
        resource = request.url.path[:200]  # the audit's column: longer failed the entry (503)
        record_access(request, principal, Access("read", resource, _subjects(request), basis))
    return principal


def _is_search(request: Request) -> bool:
    return request.url.path.rstrip("/").count("/") == 2  # /fhir/{type}


def _people_in(resources: list[dict[str, Any]]) -> set[int]:
    """The people a page of results shows: each Patient, and each other resource's subject."""
    found = set()
    for resource in resources:
        if resource.get("resourceType") == "Patient":
            ident = str(resource.get("id", ""))
        else:
            ident = str((resource.get("subject") or {}).get("reference", "")).removeprefix(
                "Patient/"
            )
        if (person_id := _numeric(ident)) is not None:
            found.add(person_id)
    return found


def _scope(request: Request):
    return visible_referrals(request.state.principal, context(request).now())


_fhir_read.permission = Permission.REFERRAL_READ
READ = Depends(_fhir_read)
WRITE = Depends(require(Permission.REFERRAL_CREATE))
PUBLIC = Depends(require(Permission.PUBLIC))


def _subjects(request: Request) -> tuple[int, ...]:
    """The person a read names (Patient/{id} or ?patient=); searches by other criteria name none."""
    path = request.url.path.split("/")
    candidates = [request.query_params.get("patient", "").removeprefix("Patient/")]
    if len(path) >= 4 and path[2] == "Patient":
        candidates.append(path[3])
    # ASCII digits only ("²".isdigit() is true), and within a 64-bit person id: found by
    # fuzzing, both crashed the read's audit entry.
    return tuple(n for n in map(_numeric, candidates) if n is not None)


class FhirResponse(JSONResponse):
    media_type = MEDIA_TYPE


def _outcome(status: int, problems: list[Problem], headers: dict[str, str] | None = None):
    return FhirResponse(operation_outcome(problems), status_code=status, headers=headers)


def _not_found(kind: str, ident: str) -> FhirResponse:
    return _outcome(404, [Problem(f"{kind}.id", f"there is no {kind} with that id", "not-found")])


def _guarded(work: Callable[[], FhirResponse]) -> FhirResponse:
    """Run a route's work, turning every expected failure into an OperationOutcome."""
    try:
        return work()
    except search.SearchError as error:
        return _outcome(400, [error.problem])
    except WrongResource as wrong:
        return _outcome(400, [wrong.problem])
    except fhir_io.Refused as refused:
        return _outcome(refused.status, refused.problems)


def _params(request: Request, kind: str, *, required: tuple[str, ...] = ()) -> dict[str, str]:
    """The query parameters of a search, checked against the CapabilityStatement's table."""
    items = request.query_params.multi_items()
    names = [name for name, _ in items]
    for name in names:
        if names.count(name) > 1:
            raise search.SearchError(
                Problem(
                    f"Parameters.{name}",
                    "give each parameter once (use commas for OR)",
                    "not-supported",
                )
            )
    params = dict(items)
    search.check_names(params, RESOURCES[kind][1], required=required)
    return params


def _searchset(request: Request, found: tuple[list[dict[str, Any]], int], count: int, offset: int):
    resources, total = found
    basis = getattr(request.state, "fhir_read_basis", None)
    if basis is not None:  # a search of patient data: audited naming whom it shows
        subjects = tuple(sorted(_people_in(resources) | set(_subjects(request))))
        resource = request.url.path[:200]
        record_access(request, request.state.principal, Access("search", resource, subjects, basis))
    next_url = None
    if offset + count < total:
        query = {**dict(request.query_params), "_offset": str(offset + count), "_count": str(count)}
        next_url = f"{request.url.path}?{urlencode(query)}"
    self_url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return FhirResponse(
        bundles.searchset(resources, total=total, self_url=self_url, next_url=next_url)
    )


def _patient_param(params: dict[str, str]) -> int:
    return search.reference_id("patient", params["patient"], "Patient")


def _numeric(ident: str) -> int | None:
    return int(ident) if ident.isascii() and ident.isdigit() and len(ident) < 19 else None


@router.get(
    "/metadata",
    summary="CapabilityStatement: what this FHIR server implements",
    dependencies=[PUBLIC],
)
def metadata(request: Request) -> FhirResponse:
    ctx = context(request)
    base = str(request.base_url).rstrip("/") + "/fhir"
    return FhirResponse(capability_statement(version=__version__, now=ctx.now(), base_url=base))


@router.get(
    "/Patient/{ident}",
    summary="Read a Patient",
    dependencies=[READ],
)
def read_patient(ident: str, request: Request) -> FhirResponse:
    person_id = _numeric(ident)
    if person_id is None:
        return _not_found("Patient", ident)
    try:
        return FhirResponse(
            fhir_io.read_patient(context(request).database, person_id, scope=_scope(request))
        )
    except fhir_io.NotFound:
        return _not_found("Patient", ident)


@router.get(
    "/Patient/{ident}/$transfer-summary",
    summary="The red-bag transfer summary of a Patient, as a FHIR document Bundle",
    dependencies=[READ],
)
def transfer_summary(
    ident: str,
    request: Request,
    origin: str = Query("home", alias="from", max_length=16),
    destination: str = Query("hospital", alias="to", max_length=16),
    reason: str = Query("", max_length=200),
) -> FhirResponse:
    """`from` and `to` are settings (home, ambulance, hospital, care_home); see docs/fhir.md."""
    person_id = _numeric(ident)
    if person_id is None:
        return _not_found("Patient", ident)
    try:
        from_setting, to_setting = Setting(origin), Setting(destination)
    except ValueError:
        return _outcome(
            400,
            [
                Problem(
                    "Parameters.from",
                    "from and to must each be one of: " + ", ".join(s.value for s in Setting),
                    "value",
                )
            ],
        )
    ctx = context(request)
    try:
        document = fhir_io.transfer_summary_bundle(
            ctx.database,
            ctx.settings,
            person_id,
            now=ctx.now(),
            from_setting=from_setting,
            to_setting=to_setting,
            reason=" ".join(reason.split()),
            scope=_scope(request),
        )
    except fhir_io.NotFound:
        return _not_found("Patient", ident)
    return FhirResponse(document)


@router.get(
    "/Patient",
    summary="Search Patients by identifier, family name or birth date",
    dependencies=[READ],
)
def search_patients(request: Request) -> FhirResponse:
    def work() -> FhirResponse:
        params = _params(request, "Patient", required=("identifier", "family", "birthdate"))
        count, offset = search.paging(params)
        identifier = (
            search.token("identifier", params["identifier"]) if params.get("identifier") else None
        )
        birthdate = (
            search.date_range("birthdate", params["birthdate"]) if params.get("birthdate") else None
        )
        found = fhir_io.search_patients(
            context(request).database,
            identifier=identifier,
            family=params.get("family") or None,
            birthdate=birthdate,
            count=count,
            offset=offset,
            scope=_scope(request),
        )
        return _searchset(request, found, count, offset)

    return _guarded(work)


@router.get(
    "/ServiceRequest/{ident}",
    summary="Read a ServiceRequest (an Avert referral)",
    dependencies=[READ],
)
def read_service_request(ident: str, request: Request) -> FhirResponse:
    referral_id = _numeric(ident)
    if referral_id is None:
        return _not_found("ServiceRequest", ident)
    try:
        return FhirResponse(
            fhir_io.read_service_request(
                context(request).database, referral_id, scope=_scope(request)
            )
        )
    except fhir_io.NotFound:
        return _not_found("ServiceRequest", ident)


@router.get(
    "/ServiceRequest",
    summary="Search ServiceRequests by patient, status, authored, identifier",
    dependencies=[READ],
)
def search_service_requests(request: Request) -> FhirResponse:
    def work() -> FhirResponse:
        params = _params(
            request, "ServiceRequest", required=("patient", "status", "authored", "identifier")
        )
        count, offset = search.paging(params)
        statuses = (
            [s.strip() for s in params["status"].split(",")] if params.get("status") else None
        )
        found = fhir_io.search_service_requests(
            context(request).database,
            person_id=_patient_param(params) if params.get("patient") else None,
            statuses=statuses,
            authored=search.date_range("authored", params["authored"])
            if params.get("authored")
            else None,
            identifier=search.token("identifier", params["identifier"])
            if params.get("identifier")
            else None,
            count=count,
            offset=offset,
            scope=_scope(request),
        )
        return _searchset(request, found, count, offset)

    return _guarded(work)


async def _json_body(request: Request) -> object:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise WrongResource(Problem("Resource", "the body is not JSON", "structure")) from None


def _if_none_exist(header: str | None) -> tuple[str | None, str] | None:
    if not header:
        return None
    name, _, value = header.lstrip("?").partition("=")
    if name != "identifier" or not value:
        raise search.SearchError(
            Problem("If-None-Exist", "Avert supports identifier=system|value only", "not-supported")
        )
    return search.token("identifier", unquote(value))


def _audit_referral(request: Request, referral_id: int, action: str) -> None:
    """Record the referral a FHIR write created or returned, before it is sent back."""
    with context(request).database.reading() as session:
        person_id = session.get(Referral, referral_id).person_id
    record_access(
        request,
        request.state.principal,
        Access(action, f"ServiceRequest/{referral_id}", (person_id,), "referrer"),
    )


def _created(request: Request, received: fhir_io.Received) -> FhirResponse:
    _audit_referral(request, received.referral_id, "create" if received.created else "read")
    resource = fhir_io.read_service_request(context(request).database, received.referral_id)
    return FhirResponse(
        resource,
        status_code=201 if received.created else 200,
        headers={"Location": f"/fhir/ServiceRequest/{received.referral_id}"},
    )


@router.post(
    "/ServiceRequest",
    summary="Refer a person: an inbound ServiceRequest becomes a triaged referral (idempotent)",
    dependencies=[WRITE],
)
async def create_service_request(request: Request) -> FhirResponse:
    ctx = context(request)
    try:
        data = await _json_body(request)
        if_none_exist = _if_none_exist(request.headers.get("if-none-exist"))
    except (WrongResource, search.SearchError) as error:
        return _outcome(400, [error.problem])

    def work() -> FhirResponse:
        sr, problems = read_resource(data, "ServiceRequest")
        if sr is None:
            return _outcome(422, problems)
        received = fhir_io.receive_service_request(
            ctx.database,
            ctx.settings,
            sr,
            resolve=bundles.resolver([], sr.contained or []),
            fingerprint_source=data,
            now=ctx.now(),
            client=request.state.principal.id,
            submitted_by=request.state.principal.id,
            idempotency_key=request.headers.get("idempotency-key"),
            if_none_exist=if_none_exist,
        )
        return _created(request, received)

    return await run_in_threadpool(_guarded, work)


@router.post(
    "/$process-message",
    summary="Process a BaRS-style message Bundle whose focus is a referral ServiceRequest",
    dependencies=[WRITE],
)
async def process_message(request: Request) -> FhirResponse:
    ctx = context(request)
    try:
        data = await _json_body(request)
    except WrongResource as error:
        return _outcome(400, [error.problem])

    def work() -> FhirResponse:
        message, problems = read_resource(data, "Bundle")
        if message is None:
            return _outcome(422, problems)
        parts, problems = bundles.message_parts(message)
        if parts is None:
            return _outcome(422, problems)
        where = f"Bundle.entry[{parts.focus_index}].resource"
        entries = [(e.fullUrl, e.resource) for e in message.entry or [] if e.resource]
        resolve = bundles.resolver(entries, parts.focus.contained or [])
        patient = (
            resolve(parts.focus.subject.reference or "") if parts.focus.subject.reference else None
        )
        fingerprint = {
            "serviceRequest": data["entry"][parts.focus_index]["resource"],
            "patient": json.loads(patient.model_dump_json(by_alias=True, exclude_none=True))
            if patient is not None
            else None,
        }
        received = fhir_io.receive_service_request(
            ctx.database,
            ctx.settings,
            parts.focus,
            resolve=resolve,
            fingerprint_source=fingerprint,
            now=ctx.now(),
            where=where,
            client=request.state.principal.id,
            submitted_by=request.state.principal.id,
            idempotency_key=request.headers.get("idempotency-key"),
        )
        _audit_referral(request, received.referral_id, "create" if received.created else "read")
        resource = fhir_io.read_service_request(ctx.database, received.referral_id)
        return FhirResponse(bundles.message_response(parts.header, resource, now=ctx.now()))

    return await run_in_threadpool(_guarded, work)


def _by_patient(
    request: Request, kind: str, find: Callable[..., tuple[list, int]], **extra
) -> FhirResponse:
    def work() -> FhirResponse:
        params = _params(request, kind, required=("patient",))
        count, offset = search.paging(params)
        options = {name: parse(params) for name, parse in extra.items()}
        found = find(
            context(request).database,
            person_id=_patient_param(params),
            count=count,
            offset=offset,
            scope=_scope(request),
            **options,
        )
        return _searchset(request, found, count, offset)

    return _guarded(work)


@router.get(
    "/Encounter",
    summary="Search Encounters (UCR visits) by patient",
    dependencies=[READ],
)
def search_encounters(request: Request) -> FhirResponse:
    return _by_patient(request, "Encounter", fhir_io.search_encounters)


def _observation_kinds(params: dict[str, str]) -> frozenset[str]:
    if not params.get("code"):
        return frozenset(KIND_OF_CODE.values())
    kinds = set()
    for value in params["code"].split(","):
        system, code = search.token("code", value)
        if system in (None, systems.SNOMED) and code in KIND_OF_CODE:
            kinds.add(KIND_OF_CODE[code])
    return frozenset(kinds)


@router.get(
    "/Observation",
    summary="Search Observations (NEWS2, CFS) by patient and code",
    dependencies=[READ],
)
def search_observations(request: Request) -> FhirResponse:
    return _by_patient(
        request, "Observation", fhir_io.search_observations, kinds=_observation_kinds
    )


@router.get(
    "/CarePlan",
    summary="Search CarePlans (care actions, huddle decisions) by patient",
    dependencies=[READ],
)
def search_care_plans(request: Request) -> FhirResponse:
    def statuses(params: dict[str, str]) -> list[str] | None:
        return [s.strip() for s in params["status"].split(",")] if params.get("status") else None

    return _by_patient(request, "CarePlan", fhir_io.search_care_plans, statuses=statuses)


@router.get(
    "/Flag",
    summary="Search Flags (access note, possible duplicate, care record risks and ReSPECT)",
    dependencies=[READ],
)
def search_flags(request: Request) -> FhirResponse:
    return _by_patient(request, "Flag", fhir_io.search_flags)


DIRECTORY = Depends(require(Permission.DIRECTORY_READ))  # no patient data: not audited


def _directory(request: Request, kind: str, ident: str | None) -> FhirResponse:
    """Read or search the Directory of Services as HealthcareService or Location."""
    from avert.fhir import healthcare_service, location
    from avert.services import directory

    ctx = context(request)

    def resource(service) -> dict[str, Any]:
        if kind == "Location":
            return location.location_resource(service)
        return healthcare_service.healthcare_service_resource(service, now=ctx.now())

    def work() -> FhirResponse:
        if ident is not None:
            found, _ = directory.fhir_healthcare_services(
                ctx.database,
                identified=({_numeric(ident) or 0}, set()),
                with_location=kind == "Location",
                count=1,
                offset=0,
            )
            return FhirResponse(resource(found[0])) if found else _not_found(kind, ident)
        params = _params(request, kind)
        count, offset = search.paging(params)
        found, total = directory.fhir_healthcare_services(
            ctx.database,
            **healthcare_service.criteria(params, kind),
            count=count,
            offset=offset,
        )
        return _searchset(request, ([resource(s) for s in found], total), count, offset)

    return _guarded(work)


@router.get(
    "/HealthcareService/{ident}", summary="Read a HealthcareService", dependencies=[DIRECTORY]
)
def read_healthcare_service(ident: str, request: Request) -> FhirResponse:
    return _directory(request, "HealthcareService", ident)


@router.get(
    "/HealthcareService",
    summary="Search the directory by identifier, service-type, active, location, name",
    dependencies=[DIRECTORY],
)
def search_healthcare_services(request: Request) -> FhirResponse:
    return _directory(request, "HealthcareService", None)


@router.get("/Location/{ident}", summary="Read a Location", dependencies=[DIRECTORY])
def read_location(ident: str, request: Request) -> FhirResponse:
    return _directory(request, "Location", ident)


@router.get(
    "/Location",
    summary="Search directory Locations by identifier, name, address-postalcode",
    dependencies=[DIRECTORY],
)
def search_locations(request: Request) -> FhirResponse:
    return _directory(request, "Location", None)


@router.api_route(
    "/{rest:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
    dependencies=[PUBLIC],
)
def unsupported(rest: str, request: Request) -> FhirResponse:
    """Anything else under /fhir: an OperationOutcome, not the JSON API's error shape."""
    kind = rest.split("/", 1)[0]
    if kind in RESOURCES or kind == "metadata":
        return _outcome(
            405,
            [
                Problem(
                    kind,
                    f"{request.method} is not supported here (see /fhir/metadata)",
                    "not-supported",
                )
            ],
        )
    return _outcome(
        404,
        [
            Problem(
                kind or "Resource",
                "is not a resource type this server supports (see /fhir/metadata)",
                "not-supported",
            )
        ],
    )

"""One error shape for every API error, and the handlers that produce it.

Every error body is `{"error": {"status", "code", "message", "problems": [{"field", "message"}],
"request_id"}}`. Messages name the field and never echo the rejected value (it may be patient
data); nothing carries a traceback. `tests/api/test_error_shape.py` holds every error to this.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from avert.domain.errors import TransitionError, ValidationError
from avert.security.audit import AuditUnavailable


log = logging.getLogger("avert.web")


class ProblemOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    status: int
    code: str
    message: str
    problems: list[ProblemOut]
    request_id: str | None


class ErrorBody(BaseModel):
    """The one error shape, as the OpenAPI document describes it."""

    error: ErrorOut


ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON",
    401: "Not signed in and no bearer token",
    403: "The role does not allow this, or the form's CSRF token is missing",
    404: "There is no such record, or it is not on the caller's caseload",
    409: "Not allowed in the record's current state, or changed meanwhile",
    422: "A field is missing or not valid; each problem names its field",
    503: "The access could not be audited (or the database is down), so nothing was done",
}


def error_responses(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each in the one error shape.

    `error_responses(401, 403, 404, s404="No such referral")` documents 401, 403 and 404 (the
    last with its own description). Schemathesis holds every response to what is declared here.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        text = described.get(f"s{status}", ERROR_DESCRIPTIONS[status])
        responses[status] = {"model": ErrorBody, "description": text}
    return responses


class ApiError(Exception):
    """An error to return to the client in the one shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        problems: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems or []
        self.headers = headers


def error_body(
    request: Request, status: int, code: str, message: str, problems: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "problems": problems,
            "request_id": getattr(request.state, "request_id", None),
        }
    }


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def _respond(request: Request, error: ApiError) -> Response:
    body = error_body(request, error.status, error.code, error.message, error.problems)
    if _wants_html(request):
        from avert.web.pages.common import templates

        principal = getattr(request.state, "principal", None)  # the menu shows what they may use
        shown = {**body["error"], "principal": principal}
        shown["csrf"] = principal.csrf_token if principal and principal.csrf_token else ""
        return templates.TemplateResponse(
            request, "error.html", shown, status_code=error.status, headers=error.headers
        )
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


_PYDANTIC_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field this API accepts",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "datetime_type": "must be a date and time (ISO 8601, with a timezone)",
    "datetime_parsing": "must be a date and time (ISO 8601, with a timezone)",
    "datetime_from_date_parsing": "must be a date and time (ISO 8601, with a timezone)",
    "timezone_aware": "must include a timezone (for example Z or +01:00)",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "enum": "is not one of the allowed values",
}


def validation_problems(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    problems = []
    for err in errors:
        message = _PYDANTIC_MESSAGES.get(err["type"])
        if message is None:
            message = str(err.get("msg", "is not valid")).removeprefix("Value error, ")
        if err["type"] == "enum" and "expected" in err.get("ctx", {}):
            message = f"must be one of: {err['ctx']['expected']}"
        problems.append({"field": _field(tuple(err["loc"])), "message": message})
    return problems


def _route_permissions(app: FastAPI) -> dict[tuple[str, str], Any]:
    """(path, METHOD) -> the permission the route declares, looking inside included routers."""
    found: dict[tuple[str, str], Any] = {}

    def walk(routes, inherited: list) -> None:
        for route in routes:
            router = getattr(route, "original_router", None)
            if router is not None:
                extra = [getattr(d.dependency, "permission", None) for d in router.dependencies]
                walk(router.routes, inherited + [p for p in extra if p])
            elif isinstance(route, APIRoute):
                own = [getattr(d.call, "permission", None) for d in route.dependant.dependencies]
                declared = inherited + [p for p in own if p]
                for method in route.methods:
                    found[(route.path, method)] = declared[0] if declared else None

    walk(app.routes, [])
    return found


def _document_errors(app: FastAPI) -> None:
    """Describe the error answers every API operation can give, in the one error shape.

    Whatever a route declares, `require()` can answer 401 and 403, validation 422 (and 400 for
    a body that is not JSON), and the audit or the database 503: each /api operation documents
    these with the ErrorBody schema, and any error status a route declared without a body gets
    it too. FHIR operations answer with an OperationOutcome (whose body this document does not
    describe) except for 401 and 403 from `require()`; their statuses are documented.
    """
    from avert.domain.access import Permission

    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        shape = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        definitions = schema.setdefault("components", {}).setdefault("schemas", {})
        definitions.update(shape.pop("$defs", {}))
        definitions["ErrorBody"] = shape
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        permissions = _route_permissions(app)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                public = permissions.get((path, method.upper())) is Permission.PUBLIC
                responses = operation.setdefault("responses", {})
                expected = set() if public else {401, 403}
                if operation.get("parameters") or operation.get("requestBody"):
                    expected.add(422)
                if operation.get("requestBody"):
                    expected.add(400)
                if path.startswith("/api"):
                    expected.add(503)
                    for status in expected:
                        described = {"description": ERROR_DESCRIPTIONS[status]}
                        responses.setdefault(str(status), described)
                    for status, entry in responses.items():
                        if status[0] in "45":
                            entry["content"] = body
                elif path.startswith("/fhir"):
                    if "{" in path:
                        expected.add(404)
                    queried = any(p.get("in") == "query" for p in operation.get("parameters", []))
                    if method == "get" and not public and ("{" not in path or queried):
                        expected.add(400)  # a search or query parameter Avert cannot honour
                    if method == "post":  # the body is read as FHIR, not described here
                        expected.update({400, 409, 422})
                        responses.setdefault(
                            "201", {"description": "Created (Location: the new one)"}
                        )
                    if not public:
                        expected.add(503)  # the read's audit entry could not be written
                    for status in expected:
                        entry = responses.setdefault(str(status), {})
                        if status in (401, 403, 503):
                            entry.update(description=ERROR_DESCRIPTIONS[status], content=body)
                        else:
                            entry.update(description="An OperationOutcome saying what is wrong")
                            entry.pop("content", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def install_error_handlers(app: FastAPI) -> None:
    _document_errors(app)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return _respond(request, ApiError(400, "malformed_json", "The body is not valid JSON."))
        problems = validation_problems(errors)
        noun = "problem" if len(problems) == 1 else "problems"
        return _respond(
            request,
            ApiError(422, "invalid_input", f"The request has {len(problems)} {noun}.", problems),
        )

    @app.exception_handler(ValidationError)
    async def _domain_invalid(request: Request, exc: ValidationError) -> Response:
        return _respond(
            request,
            ApiError(
                422,
                "invalid_input",
                "The request has 1 problem.",
                [{"field": exc.field, "message": exc.message}],
            ),
        )

    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # A number or text the database cannot hold (an id past 2**63, a value too long): the
        # request is at fault, not the server. The database's message quotes the value: not logged.
        log.warning(
            "%s on %s %s (request %s): a value out of the database's range",
            type(exc).__name__,
            request.method,
            request.url.path,
            getattr(request.state, "request_id", None),
        )
        return _respond(
            request,
            ApiError(422, "out_of_range", "A value in the request is too large or too long."),
        )

    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)

    @app.exception_handler(AuditUnavailable)
    async def _audit_down(request: Request, exc: AuditUnavailable) -> Response:
        return _respond(
            request,
            ApiError(
                503,
                "audit_unavailable",
                "The change could not be recorded in the audit log, so it was not made. Try again.",
                headers={"Retry-After": "5"},
            ),
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> Response:
        # The server is gone, restarting or too busy: the client should retry (a repeated
        # referral with the same Idempotency-Key is safe). The message may quote data: not logged.
        log.warning(
            "database unavailable (%s) on %s %s (request %s)",
            type(getattr(exc, "orig", exc)).__name__,
            request.method,
            request.url.path,
            getattr(request.state, "request_id", None),
        )
        return _respond(
            request,
            ApiError(
                503,
                "database_unavailable",
                "The database did not answer. Try again shortly: "
                "sending the same request again with the same Idempotency-Key is safe.",
                headers={"Retry-After": "5"},
            ),
        )

    @app.exception_handler(TransitionError)
    async def _transition(request: Request, exc: TransitionError) -> Response:
        return _respond(request, ApiError(409, "illegal_transition", exc.message))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = {404: "There is nothing here.", 405: "That method is not allowed here."}
        return _respond(
            request,
            ApiError(
                exc.status_code,
                codes.get(exc.status_code, "http_error"),
                message.get(exc.status_code, "The request could not be served."),
                headers=getattr(exc, "headers", None),
            ),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The exception's message may quote data (a database error quotes its parameters), so
        # only its type and the frames are logged.
        log.error(
            "unexpected %s on %s %s (request %s)\n%s",
            type(exc).__name__,
            request.method,
            request.url.path,
            getattr(request.state, "request_id", None),
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _respond(
            request, ApiError(500, "internal_error", "Something went wrong on our side.")
        )

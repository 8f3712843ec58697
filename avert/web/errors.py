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
from starlette.exceptions import HTTPException as StarletteHTTPException

from avert.domain.errors import TransitionError, ValidationError
from avert.security.audit import AuditUnavailable


log = logging.getLogger("avert.web")


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

        return templates.TemplateResponse(
            request, "error.html", body["error"], status_code=error.status, headers=error.headers
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


def install_error_handlers(app: FastAPI) -> None:
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

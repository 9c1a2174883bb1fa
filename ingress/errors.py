"""THE one place where errors become HTTP answers: `{"error": {"code", "message", "details"}}` for every error."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain import errors
from ingress.schemas import ErrorBody

log = logging.getLogger("eventbook.ingress")

# Category → status; the first class met on the error's MRO decides.
STATUS_BY_CATEGORY: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthenticated: 401,
    errors.PaymentDeclined: 402,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.ValidationFailed: 422,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
    errors.Timeout: 504,
}
RETRY_AFTER_STATUSES = (429, 503)
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
IDEMPOTENCY_HEADER = "idempotency-key"


def status_of(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_CATEGORY:
            return STATUS_BY_CATEGORY[cls]
    return 500


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details or {})}}
    return JSONResponse(body, status_code=status, headers=headers)


def retry_after(value: Any) -> str:
    try:
        return str(max(1, round(float(value))))
    except (TypeError, ValueError):
        return "1"


def domain_error_response(error: errors.DomainError) -> JSONResponse:
    status = status_of(error)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status in RETRY_AFTER_STATUSES:
        headers["Retry-After"] = retry_after(error.details.get("retry_after"))
    if status == 500:
        log.error("domain error without a category: %r", error)
        return error_response(500, "internal", "Something went wrong on our side.")
    return error_response(status, error.code, error.message, error.details, headers)


async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    return domain_error_response(exc)


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "quantity") → "quantity"; ("query", "limit") → "limit"; ("body",) → "body"
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = list(exc.errors())
    if any(p.get("type") == "json_invalid" for p in problems):
        return error_response(400, "bad_request", "The request body is not valid JSON.")
    for p in problems:
        loc = tuple(p.get("loc", ()))
        if loc[:1] == ("header",) and str(loc[-1]).lower() == IDEMPOTENCY_HEADER:
            if p.get("type") == "missing" or p.get("input") == "":
                return domain_error_response(
                    errors.BadRequest("The Idempotency-Key header is required.", code="idempotency_key_missing")
                )
            details = {"fields": {"Idempotency-Key": "1 to 255 printable ASCII characters."}}
            return error_response(400, "bad_request", "The Idempotency-Key header is not valid.", details)
    fields: dict[str, str] = {}
    for p in problems:
        message = "Not in the expected format." if p.get("type") == "string_pattern_mismatch" else p.get("msg")
        fields.setdefault(_field_name(tuple(p.get("loc", ()))), str(message or "invalid"))
    return error_response(422, "validation_error", "Some fields are not valid.", {"fields": fields})


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = CODE_BY_STATUS.get(status, "internal" if status >= 500 else "bad_request")
    message = exc.detail if isinstance(exc.detail, str) else "The request could not be completed."
    if status == 404 and message == "Not Found":
        message = "No such resource."
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return error_response(status, code, message, headers=headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method the path answers to (Starlette names only those of the first route that matched)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():  # built once, then cached
        if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", template), request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


class InternalErrorMiddleware:
    """Turn any exception that escaped the handlers into a 500 `internal` answer, logged, with no traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = error_response(500, "internal", "Something went wrong on our side.")
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_middleware(InternalErrorMiddleware)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status answered with ErrorBody (and Retry-After where it applies)."""
    docs: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 500}):
        doc: dict[str, Any] = {"model": ErrorBody, "description": DESCRIPTIONS.get(status, "Error")}
        if status in RETRY_AFTER_STATUSES:
            doc["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
        if status == 401:
            doc["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
        docs[status] = doc
    return docs


DESCRIPTIONS = {
    400: "Malformed request (bad JSON, bad or missing header)",
    401: "No, bad or expired token; wrong credentials",
    402: "The card was declined",
    403: "Authenticated but not allowed",
    404: "Not found, or belongs to someone else",
    409: "State conflict",
    422: "Validation failed; same idempotency key with a different body",
    429: "Rate limited",
    500: "Unexpected error",
    503: "A dependency is overloaded or unavailable",
    504: "A downstream call ran past its timeout; safe to retry with the same Idempotency-Key",
}

"""RFC 9457 problem responses, and the mapping from gRPC status to HTTP status."""

from __future__ import annotations

import logging
import math
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from moodline_kit.grpc.status import STATUS_DETAILS_KEY, field_violations, retry_after
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://moodline.dev/problems/"

GRPC_TO_HTTP: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, "validation-error"),
    grpc.StatusCode.NOT_FOUND: (404, "not-found"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "conflict"),
    grpc.StatusCode.ABORTED: (409, "conflict"),
    grpc.StatusCode.FAILED_PRECONDITION: (412, "precondition-failed"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "unauthenticated"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "forbidden"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "too-many-requests"),
    grpc.StatusCode.UNAVAILABLE: (503, "service-unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "upstream-timeout"),
}

# Without the kit's status details the status came from gRPC itself (connection refused,
# deadline, message-size limits): its text names transport internals, so a fixed one is sent.
TRANSPORT_DETAILS = {
    429: "the service is busy; retry later",
    413: "the request is too large for the service",
    503: "the service is unavailable; retry later",
    504: "the service did not answer in time",
}

TITLES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    412: "Precondition Failed",
    415: "Unsupported Media Type",
    400: "Bad Request",
    422: "Unprocessable Content",
    423: "Locked",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (kind or str(status)),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if part in ("body", "query", "path", "header"):
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        message = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        out.append({"field": _field_path(tuple(err.get("loc", ()))), "message": message})
    return out


def grpc_problem(exc: grpc.aio.AioRpcError, instance: str) -> JSONResponse:
    """A failed upstream call as a problem response. 429 and 503 carry Retry-After (the
    service's google.rpc.RetryInfo, else 1 s)."""
    status, kind = GRPC_TO_HTTP.get(exc.code(), (500, "internal"))
    if status == 500:
        log.error("upstream failure", extra={"code": str(exc.code()), "detail": exc.details()})
        return problem(500, "internal error", kind=kind, instance=instance)
    from_service = any(key == STATUS_DETAILS_KEY for key, _ in exc.trailing_metadata() or ())
    if status == 429 and not from_service:
        # gRPC's own RESOURCE_EXHAUSTED: a message or metadata size limit, not a quota.
        status, kind = 413, "too-large"
    headers = None
    if status in (429, 503):
        wait = retry_after(exc) or 1.0
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
    detail = exc.details() if from_service else TRANSPORT_DETAILS.get(status)
    errors = [{"field": v.field, "message": v.description} for v in field_violations(exc)]
    return problem(
        status,
        detail or exc.details() or kind,
        kind=kind,
        instance=instance,
        errors=errors or None,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(
            422,
            detail or "invalid request",
            kind="validation-error",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(grpc.aio.AioRpcError)
    async def _grpc(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        return grpc_problem(exc, request.url.path)

    @app.exception_handler(ValueError)
    async def _out_of_range(request: Request, exc: ValueError) -> JSONResponse:
        # protobuf refuses an integer beyond its field's int32/int64 when a route builds the
        # request: the body's number was out of the contract's range, not a server fault.
        if str(exc).startswith("Value out of range"):
            return problem(
                422,
                "a number is out of range for its field (int32/int64)",
                kind="validation-error",
                instance=request.url.path,
            )
        log.exception("unhandled error")
        return problem(500, "internal error", kind="internal", instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "internal error", kind="internal", instance=request.url.path)


def renamed_invalid_argument(
    exc: grpc.aio.AioRpcError, request: Request, fields: dict[str, str]
) -> JSONResponse:
    """A failed call as its problem response, INVALID_ARGUMENT naming the body's fields where
    they differ from the gRPC message's (`fields`: gRPC name -> JSON name). Other errors are
    re-raised for the handlers above."""
    if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
        raise exc
    detail = exc.details() or "invalid request"
    for grpc_name, json_name in fields.items():
        detail = detail.replace(f"{grpc_name}:", f"{json_name}:")
    errors = [
        {"field": fields.get(v.field, v.field), "message": v.description}
        for v in field_violations(exc)
    ]
    return problem(
        422, detail, kind="validation-error", instance=request.url.path, errors=errors or None
    )

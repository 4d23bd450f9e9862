"""The OpenAPI document states every status a route can answer, with the problem+json schema.

The statuses below come from the edge and from the gRPC-status mapping that every route shares
(problems.GRPC_TO_HTTP), so they are added to every operation here — routes added later are
documented the same way without listing them by hand."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.problems import PROBLEM_JSON, TITLES

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "one entry per invalid field",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# Why each status happens, on every /api route.
API_STATUSES = {
    401: "missing, invalid, expired or revoked credential (API key or access token)",
    403: "the caller's role lacks the permission (docs/permissions.md)",
    404: "not found (or another tenant's)",
    409: "conflicts with the current state",
    412: "precondition failed (stale If-Match, state that forbids the change)",
    422: "invalid input; `errors` names each field",
    429: "rate limit of the key or user, or the tenant's share of a service, used up; retry "
    "after `Retry-After` seconds",
    431: "request headers too large",
    503: "the upstream service of this route is unavailable; retry after `Retry-After`",
    504: "the upstream service did not answer in time",
}
BODY_STATUSES = {
    400: "the body is not valid UTF-8 JSON",
    413: "request body too large",
}
RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}},
}


def _problem_response(status: int, why: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": f"{TITLES.get(status, 'Error')}: {why}",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in (423, 429, 503):
        response["headers"] = RETRY_AFTER
    return response


def document(spec: dict[str, Any]) -> dict[str, Any]:
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in spec.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            statuses = {431: API_STATUSES[431]}
            if path.startswith("/api/"):
                statuses = dict(API_STATUSES)
            if "requestBody" in operation:
                statuses |= BODY_STATUSES
            if any(p.get("in") in ("query", "path") for p in operation.get("parameters", ())):
                statuses[422] = API_STATUSES[422]
            for status, why in statuses.items():
                responses[str(status)] = _problem_response(status, why)
            for key, response in responses.items():  # a route's own problems (428...)
                content = response.get("content", {})
                if key[0] in "45" and PROBLEM_JSON in content and not content[PROBLEM_JSON]:
                    content[PROBLEM_JSON] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return spec


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

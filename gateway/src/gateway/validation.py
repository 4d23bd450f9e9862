"""Input rules of the edge, shared by every route: ids are UUIDs, timestamps are in a sane
range, integers fit the contract's int32/int64, and no query value, path segment or JSON value
holds text PostgreSQL cannot store (NUL, unpaired surrogates) or a non-finite number (Python's
JSON parser accepts NaN, Infinity and 1e309). Bad input is a 422 naming the field, before any
upstream call. The services check the same rules again (moodline_kit.validation)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.exceptions import RequestValidationError
from moodline_kit.validation import (
    INT32_MAX,
    INT64_MAX,
    INT64_MIN,
    NOT_FINITE,
    in_range,
    text_problem,
)
from pydantic import AfterValidator, AwareDatetime, Field

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ID_DESCRIPTION = "a UUID"

# Path and query ids: checked before any call (a 9 KB or NUL-bearing id is a 422, not a trip to
# a service).
PathId = Annotated[str, Path(pattern=UUID_PATTERN, description=ID_DESCRIPTION)]
QueryId = Annotated[str | None, Query(pattern=UUID_PATTERN, description=ID_DESCRIPTION)]
BodyId = Annotated[str, Field(pattern=UUID_PATTERN, description=ID_DESCRIPTION)]

# Timestamps: aware in bodies; query values without an offset are taken as UTC.
Instant = Annotated[AwareDatetime, AfterValidator(in_range)]
QueryInstant = Annotated[datetime, AfterValidator(in_range)]

OUT_OF_INT64 = "must fit a 64-bit integer"


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            yield path, problem
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path, NOT_FINITE
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            yield path, OUT_OF_INT64
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key)
            if problem:
                yield path or "body", f"key {key!r}: {problem}"
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


async def refuse_unsafe_input(request: Request) -> None:
    """App-wide dependency (every route, present and future): 422 naming each field whose
    value no contract accepts."""
    errors: list[dict[str, Any]] = []
    for name, value in request.path_params.items():
        problem = text_problem(str(value))
        if problem:
            errors.append({"loc": ("path", name), "msg": problem, "type": "value_error"})
    for name, value in request.query_params.multi_items():
        problem = text_problem(value) or text_problem(name)
        if problem:
            errors.append({"loc": ("query", name), "msg": problem, "type": "value_error"})
    if request.method in ("POST", "PUT", "PATCH") and _is_json(request):
        try:
            # FastAPI parsed the body already (the parsed document is cached on the request).
            body = await request.json()
        except ValueError:
            body = None  # FastAPI answers malformed JSON itself
        errors += [
            {"loc": ("body", path), "msg": msg, "type": "value_error"}
            for path, msg in _walk(body, "")
        ]
    if errors:
        raise RequestValidationError(errors)


__all__ = ["INT32_MAX", "INT64_MAX", "BodyId", "Instant", "PathId", "QueryId", "QueryInstant"]

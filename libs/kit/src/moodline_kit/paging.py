"""Keyset paging: opaque page tokens and page sizes read from requests.

A page token is the last row's sort key as JSON, URL-safe base64 without padding; a token
that does not decode is the client's error (InvalidArgument naming the field), never a 500.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson

from moodline_kit.errors import InvalidArgument
from moodline_kit.validation import instant_problem

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next_cursor: str = ""  # "" on the last page


def encode_cursor(key: Any) -> str:
    """`key`: JSON-able values (datetimes and UUIDs become ISO strings / strings)."""
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "page_token") -> Any:
    try:
        return orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except Exception as exc:
        raise InvalidArgument.of(field, "malformed cursor") from exc


def malformed_cursor(field: str = "page_token") -> InvalidArgument:
    """For a cursor that decodes but is not what this list wrote."""
    return InvalidArgument.of(field, "malformed cursor")


def page_size(value: int, *, maximum: int, default: int, name: str = "page_size") -> int:
    """0 (unset) is `default`; more than `maximum` or less than 0 is the client's error."""
    if value == 0:
        return default
    if value < 0 or value > maximum:
        raise InvalidArgument.of(name, f"must be between 1 and {maximum}")
    return value


def encode_time_key(when: datetime, ident: object) -> str:
    """The token after a row of a list ordered by (time, id) descending."""
    return encode_cursor([when.isoformat(), str(ident)])


def decode_time_key(
    cursor: str, *, field: str = "page_token", ident: Callable[[str], Any] = uuid.UUID
) -> tuple[datetime, Any]:
    key = decode_cursor(cursor, field=field)
    try:
        when, raw = key
        instant = datetime.fromisoformat(when)
        if instant_problem(instant):  # not a time a page could have ended on
            raise ValueError("timestamp out of range")
        return instant, ident(raw)
    except (TypeError, ValueError) as exc:
        raise malformed_cursor(field) from exc

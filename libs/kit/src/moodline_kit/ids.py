"""Ids read from requests: a malformed id is the client's error, or simply "not found" where
naming it must not hint at other tenants' ids."""

from __future__ import annotations

import uuid

from moodline_kit.errors import InvalidArgument, NotFound


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def parse_uuid(value: str, *, field: str, what: str = "id") -> uuid.UUID:
    """InvalidArgument naming `field` when `value` is not a UUID."""
    ident = as_uuid(value)
    if ident is None:
        raise InvalidArgument.of(field, f"is not a {what}")
    return ident


def existing_id(value: str, *, what: str) -> uuid.UUID:
    """An id that cannot exist is simply not found (no hint about other tenants' ids)."""
    ident = as_uuid(value)
    if ident is None:
        raise NotFound(f"{what} {value!r} not found")
    return ident

"""Input rules every contract shares: integers that fit their wire type, text PostgreSQL can
store, timestamps in a sane range, finite numbers. The gateway checks them at the edge; services
check them again in the domain, and the gRPC interceptor refuses any request whose strings,
numbers or timestamps break them (moodline_kit.grpc.inputs), so no bad input reaches a database
as a 500. Plain Python: domain code may use it."""

from __future__ import annotations

from datetime import UTC, datetime

INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Timestamps outside these bounds are refused: converting one near year 1 or 9999 across a time
# zone leaves the range of datetime, protobuf's Timestamp and the databases' types.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

NUL = "must not contain NUL characters"
SURROGATE = "must not contain unpaired surrogates"
NOT_FINITE = "must be a finite number"
OUT_OF_RANGE = f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (PostgreSQL refuses NUL; UTF-8 refuses lone
    surrogates), or None."""
    if "\x00" in value:
        return NUL
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE
    return None


def instant_problem(value: datetime) -> str | None:
    """Why `value` is not an acceptable point in time, or None (naive values count as UTC)."""
    try:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        inside = EARLIEST <= aware < LATEST
    except OverflowError:
        inside = False
    return None if inside else OUT_OF_RANGE


def in_range(value: datetime) -> datetime:
    """Pydantic AfterValidator form of `instant_problem`."""
    problem = instant_problem(value)
    if problem:
        raise ValueError(problem)
    return value

"""Errors that are part of the contract. The gRPC layer maps them to status codes with
google.rpc details; the gateway maps those to RFC 9457 problem responses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    """Base class: a failure the caller can act on (never a bug)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    def __init__(self, message: str, violations: list[FieldViolation] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []

    @classmethod
    def of(cls, field: str, description: str) -> InvalidArgument:
        return cls(f"{field}: {description}", [FieldViolation(field, description)])

    @classmethod
    def of_all(cls, violations: list[FieldViolation], prefix: str = "") -> InvalidArgument:
        """Every violation, summed up in the message as `field: description; ...`."""
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        return cls(prefix + summary, violations)


class NotFound(DomainError):
    @classmethod
    def unless(cls, found: T | None, message: str) -> T:
        """`found`, or this error (with `message`) when there is none: a lookup's last line."""
        if found is None:
            raise cls(message)
        return found


class AlreadyExists(DomainError):
    pass


class Conflict(DomainError):
    """The request conflicts with the resource's current state (a status transition it does not
    allow, a time slot already taken)."""


class PreconditionFailed(DomainError):
    """The caller's view is stale (e.g. If-Match no longer matches)."""


class Unauthenticated(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class Unavailable(DomainError):
    """A dependency is down or overloaded; `retry_after` (seconds) when the caller should retry."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ResourceExhausted(DomainError):
    """The caller's share is used up (a tenant's concurrency limit and queue are full)."""

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after

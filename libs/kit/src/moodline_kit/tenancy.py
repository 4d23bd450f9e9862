"""The tenant (business) every request and event is scoped to.

The gateway resolves the caller's credentials to a tenant and sends its id in the gRPC metadata
key below; the kit's server interceptor puts it in a context variable for the service layer.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

from moodline_kit.errors import Unauthenticated

TENANT_METADATA_KEY = "moodline-tenant-id"

_tenant: ContextVar[uuid.UUID | None] = ContextVar("moodline_tenant", default=None)


def current_tenant() -> uuid.UUID:
    tenant = _tenant.get()
    if tenant is None:
        raise Unauthenticated("no tenant in the request context")
    return tenant


def parse_tenant(value: str | None) -> uuid.UUID:
    if not value:
        raise Unauthenticated(f"missing {TENANT_METADATA_KEY} metadata")
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Unauthenticated(f"malformed {TENANT_METADATA_KEY} metadata") from exc


def set_tenant(tenant: uuid.UUID | None):  # type: ignore[no-untyped-def]
    """Set the tenant for the current context; returns a token for reset_tenant."""
    return _tenant.set(tenant)


def reset_tenant(token) -> None:  # type: ignore[no-untyped-def]
    _tenant.reset(token)

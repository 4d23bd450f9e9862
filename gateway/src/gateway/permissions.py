"""The permission matrix: which role may do what. The one place authorization is decided.

Routes declare what they need with `Depends(require(Permission.X))` (or
`dependencies=[Depends(require(...))]` on a router); `docs/permissions.md` is this table in prose
and `gateway/tests/unit/test_permissions.py` checks the two agree. Which *customers* a
principal may see (folders, assignment) is carried in the signed claims and enforced by the
customer service; this module decides which *operations* a role may call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

from fastapi import Depends, HTTPException

from gateway.auth import Principal, Role
from gateway.deps import principal


class Permission(StrEnum):
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    CUSTOMERS_DELETE = "customers:delete"
    # Merge duplicates (the merged-away profile becomes a tombstone).
    CUSTOMERS_MERGE = "customers:merge"
    # GDPR access: everything every service holds about a customer.
    CUSTOMERS_EXPORT_DATA = "customers:export_data"
    # GDPR erasure (irreversible): admins only.
    CUSTOMERS_ERASE = "customers:erase"
    # Bulk: import customers from files; export them to files.
    CUSTOMERS_IMPORT = "customers:import"
    CUSTOMERS_EXPORT = "customers:export"
    CONVERSATIONS_READ = "conversations:read"
    CONVERSATIONS_WRITE = "conversations:write"
    SENTIMENT_READ = "sentiment:read"
    SENTIMENT_ANALYZE = "sentiment:analyze"
    SENTIMENT_OVERRIDE = "sentiment:override"
    FOLDERS_READ = "folders:read"
    FOLDERS_MANAGE = "folders:manage"
    LOYALTY_READ = "loyalty:read"
    LOYALTY_ADJUST = "loyalty:adjust"
    LOYALTY_MANAGE = "loyalty:manage"
    SETTINGS_READ = "settings:read"
    SETTINGS_WRITE = "settings:write"
    EVENTS_READ = "events:read"
    AUDIT_READ = "audit:read"
    USERS_MANAGE = "users:manage"
    API_KEYS_MANAGE = "api_keys:manage"
    AUTOMATIONS_READ = "automations:read"
    AUTOMATIONS_RUN = "automations:run"
    AUTOMATIONS_MANAGE = "automations:manage"
    TASKS_READ = "tasks:read"
    TASKS_WRITE = "tasks:write"
    # Bookings, orders, invoices, quotes, payments, subscriptions, a customer's value.
    BILLING_READ = "billing:read"
    # Create and change bookings, orders, invoices, quotes, subscriptions; record payments.
    BILLING_WRITE = "billing:write"
    # Refunds, voiding invoices, the catalogue (services, staff), payment webhook endpoints.
    BILLING_MANAGE = "billing:manage"


_READ = frozenset(
    {
        Permission.CUSTOMERS_READ,
        Permission.CONVERSATIONS_READ,
        Permission.SENTIMENT_READ,
        Permission.FOLDERS_READ,
        Permission.LOYALTY_READ,
        Permission.SETTINGS_READ,
        Permission.EVENTS_READ,
        Permission.AUTOMATIONS_READ,
        Permission.TASKS_READ,
        Permission.BILLING_READ,
    }
)
_AGENT = _READ | {
    Permission.CUSTOMERS_WRITE,
    Permission.CONVERSATIONS_WRITE,
    Permission.SENTIMENT_ANALYZE,
    Permission.AUTOMATIONS_RUN,
    Permission.TASKS_WRITE,
    Permission.BILLING_WRITE,
    Permission.LOYALTY_ADJUST,
}
_MANAGER = _AGENT | {
    Permission.CUSTOMERS_DELETE,
    Permission.CUSTOMERS_MERGE,
    Permission.CUSTOMERS_EXPORT_DATA,
    Permission.CUSTOMERS_IMPORT,
    Permission.CUSTOMERS_EXPORT,
    Permission.SENTIMENT_OVERRIDE,
    Permission.FOLDERS_MANAGE,
    Permission.LOYALTY_MANAGE,
    Permission.AUDIT_READ,
    Permission.AUTOMATIONS_MANAGE,
    Permission.BILLING_MANAGE,
}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _READ,
    Role.AGENT: _AGENT,
    Role.MANAGER: _MANAGER,
    Role.ADMIN: frozenset(Permission),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in MATRIX[role]


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the authenticated principal, or 403 when its role lacks `permission`."""

    async def dependency(who: Principal = Depends(principal)) -> Principal:
        if not allowed(who.role, permission):
            raise HTTPException(403, f"role {who.role} may not {permission}")
        return who

    dependency.__name__ = f"require_{permission.value.replace(':', '_')}"
    return dependency

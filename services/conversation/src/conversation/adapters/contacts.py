"""The contact -> customer mapping (all SQL). Every query is scoped by tenant_id.

Writers of one customer's mapping (caching a ResolveCustomer answer, applying a CUSTOMER event)
take a transaction-level advisory lock on the customer first, so an answer that was in flight
while the customer was deleted or lost the contact can never be cached after the event was
applied: the later writer always sees the earlier one's commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Known:
    key: tuple[str, str]  # (kind, normalised value)
    customer_id: uuid.UUID
    customer_version: int


_LOOKUP = sa.text(
    """
    SELECT c.kind, c.value, c.customer_id
    FROM unnest(CAST(:kinds AS text[]), CAST(:vals AS text[])) AS q(kind, value)
    JOIN contacts c ON c.tenant_id = :tenant AND c.kind = q.kind AND c.value = q.value
    """
)

_LOCK = sa.text(
    """
    SELECT count(pg_advisory_xact_lock(hashtextextended(CAST(:tenant AS text) || '/' || id, 0)))
    FROM (SELECT DISTINCT id FROM unnest(CAST(:ids AS text[])) AS u(id) ORDER BY id) AS s
    """
)

_REMEMBER = sa.text(
    """
    INSERT INTO contacts (tenant_id, kind, value, customer_id, customer_version, created_at)
    SELECT CAST(:tenant AS uuid), q.kind, q.value, q.customer_id, q.version,
           CAST(:now AS timestamptz)
    FROM unnest(CAST(:kinds AS text[]), CAST(:vals AS text[]), CAST(:customers AS uuid[]),
                CAST(:versions AS bigint[])) AS q(kind, value, customer_id, version)
    LEFT JOIN customer_changes ch ON ch.tenant_id = :tenant AND ch.customer_id = q.customer_id
    WHERE ch.customer_id IS NULL OR (NOT ch.deleted AND ch.version <= q.version)
    ON CONFLICT (tenant_id, kind, value) DO UPDATE
      SET customer_id = EXCLUDED.customer_id, customer_version = EXCLUDED.customer_version
    """
)

_CHANGED = sa.text(
    """
    INSERT INTO customer_changes (tenant_id, customer_id, version, deleted, updated_at)
    VALUES (CAST(:tenant AS uuid), CAST(:customer AS uuid), :version, :deleted,
            CAST(:now AS timestamptz))
    ON CONFLICT (tenant_id, customer_id) DO UPDATE
      SET version = GREATEST(customer_changes.version, EXCLUDED.version),
          deleted = customer_changes.deleted OR EXCLUDED.deleted,
          updated_at = EXCLUDED.updated_at
    """
)

_FORGET = sa.text(
    """
    DELETE FROM contacts c
    WHERE c.tenant_id = :tenant AND c.customer_id = :customer
      AND NOT EXISTS (
        SELECT 1 FROM unnest(CAST(:kinds AS text[]), CAST(:vals AS text[])) AS k(kind, value)
        WHERE k.kind = c.kind AND k.value = c.value)
    """
)


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lookup(
        self, tenant_id: uuid.UUID, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], uuid.UUID]:
        """The known customers of `keys`, in one query."""
        if not keys:
            return {}
        rows = await self._session.execute(
            _LOOKUP,
            {"tenant": tenant_id, "kinds": [k for k, _ in keys], "vals": [v for _, v in keys]},
        )
        return {(r.kind, r.value): r.customer_id for r in rows}

    async def _lock(self, tenant_id: uuid.UUID, customer_ids: Collection[uuid.UUID]) -> None:
        await self._session.execute(
            _LOCK, {"tenant": str(tenant_id), "ids": sorted({str(c) for c in customer_ids})}
        )

    async def remember(self, tenant_id: uuid.UUID, known: Sequence[Known], now: datetime) -> None:
        """Cache answers, except those older than a contact change / deletion already seen."""
        by_key = {k.key: k for k in known}  # one row per key (ON CONFLICT needs it)
        if not by_key:
            return
        await self._lock(tenant_id, [k.customer_id for k in by_key.values()])
        rows = [by_key[key] for key in sorted(by_key)]  # one row-lock order for every writer
        await self._session.execute(
            _REMEMBER,
            {
                "tenant": tenant_id,
                "kinds": [k.key[0] for k in rows],
                "vals": [k.key[1] for k in rows],
                "customers": [k.customer_id for k in rows],
                "versions": [k.customer_version for k in rows],
                "now": now,
            },
        )

    async def customer_changed(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        version: int,
        deleted: bool,
        keep: Collection[tuple[str, str]],
        now: datetime,
    ) -> None:
        """The customer was deleted (keep nothing) or its contacts changed (keep its current
        ones): forget the rest, and refuse older answers from now on."""
        await self._lock(tenant_id, [customer_id])
        await self._session.execute(
            _CHANGED,
            {
                "tenant": tenant_id,
                "customer": customer_id,
                "version": version,
                "deleted": deleted,
                "now": now,
            },
        )
        await self._session.execute(
            _FORGET,
            {
                "tenant": tenant_id,
                "customer": customer_id,
                "kinds": [k for k, _ in keep],
                "vals": [v for _, v in keep],
            },
        )

"""Duplicate candidates: pairs that share a phone or an e-mail (the contact lookup indexes) or
a name block (same first letters of first and last name), and customers like a new one."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.rows import CUSTOMER_COLUMNS, customer_from_row
from customer.adapters.tables import customer_emails, customer_phones, customers
from customer.adapters.visibility import current_visibility, visibility_conditions
from customer.domain.model import Customer

c = customers.c
# Bounds the work of one list: pairs beyond it are found after the first ones are merged.
MAX_CANDIDATE_PAIRS = 5000
MAX_LIKE = 200


class DuplicateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _visible(self) -> list[sa.ColumnElement[bool]]:
        return [c.erased_at.is_(None), *visibility_conditions(current_visibility())]

    async def candidate_pairs(self, tenant_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
        pairs: list[tuple[uuid.UUID, uuid.UUID]] = []
        for table, key in ((customer_phones, "e164"), (customer_emails, "address")):
            a, b = table.alias("a"), table.alias("b")
            rows = await self._session.execute(
                sa.select(a.c.customer_id, b.c.customer_id)
                .join(b, sa.and_(b.c.tenant_id == a.c.tenant_id, b.c[key] == a.c[key]))
                .where(a.c.tenant_id == tenant_id, a.c.customer_id < b.c.customer_id)
                .distinct()
                .limit(MAX_CANDIDATE_PAIRS)
            )
            pairs += [(x, y) for x, y in rows]
        x, y = customers.alias("x"), customers.alias("y")

        def block(t: sa.Alias) -> list[sa.ColumnElement]:
            return [
                sa.func.left(sa.func.lower(t.c.last_name), 2),
                sa.func.left(sa.func.lower(t.c.first_name), 1),
            ]

        bx, by = block(x), block(y)
        rows = await self._session.execute(
            sa.select(x.c.id, y.c.id)
            .join(y, sa.and_(y.c.tenant_id == x.c.tenant_id, bx[0] == by[0], bx[1] == by[1]))
            .where(
                x.c.tenant_id == tenant_id,
                x.c.id < y.c.id,
                x.c.erased_at.is_(None),
                y.c.erased_at.is_(None),
            )
            .limit(MAX_CANDIDATE_PAIRS)
        )
        pairs += [(p, q) for p, q in rows]
        return list(dict.fromkeys(pairs))

    async def customers(self, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> list[Customer]:
        wanted = list(ids)
        if not wanted:
            return []
        rows = await self._session.execute(
            sa.select(*CUSTOMER_COLUMNS).where(
                c.tenant_id == tenant_id, c.id.in_(wanted), *self._visible()
            )
        )
        return [customer_from_row(r) for r in rows]

    async def like(
        self, tenant_id: uuid.UUID, *, phones: set[str], emails: set[str], name: str
    ) -> list[Customer]:
        """Customers sharing a phone or an e-mail, or whose search document contains the name's
        longest word (trigram index; at least 3 characters)."""
        owners: list[sa.ColumnElement[bool]] = []
        if phones:
            owners.append(
                c.id.in_(
                    sa.select(customer_phones.c.customer_id).where(
                        customer_phones.c.tenant_id == tenant_id,
                        customer_phones.c.e164.in_(sorted(phones)),
                    )
                )
            )
        if emails:
            owners.append(
                c.id.in_(
                    sa.select(customer_emails.c.customer_id).where(
                        customer_emails.c.tenant_id == tenant_id,
                        customer_emails.c.address.in_(sorted(emails)),
                    )
                )
            )
        words = sorted(name.split(), key=len, reverse=True)
        if words and len(words[0]) >= 3:
            escaped = words[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            owners.append(c.search_doc.like(f"%{escaped}%"))
        if not owners:
            return []
        rows = await self._session.execute(
            sa.select(*CUSTOMER_COLUMNS)
            .where(c.tenant_id == tenant_id, sa.or_(*owners), *self._visible())
            .limit(MAX_LIKE)
        )
        return [customer_from_row(r) for r in rows]

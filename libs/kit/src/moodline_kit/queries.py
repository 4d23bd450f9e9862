"""Queries every tenant-scoped repository writes alike: one row of the tenant by id, and a
newest-first keyset page (optionally of one customer, in some statuses)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from moodline_kit.paging import Page, decode_time_key, encode_time_key

T = TypeVar("T")


async def one_of_tenant(
    session: AsyncSession,
    table: sa.Table,
    to_domain: Callable[[Any], T],
    tenant_id: uuid.UUID,
    ident: uuid.UUID,
    *,
    for_update: bool = False,
) -> T | None:
    """A row of the tenant by id (locked when `for_update`) as a domain object, or None."""
    q = sa.select(table).where(table.c.tenant_id == tenant_id, table.c.id == ident)
    if for_update:
        q = q.with_for_update()
    row = (await session.execute(q)).first()
    return to_domain(row) if row else None


def page_of(rows: Sequence[Any], limit: int, key: str, to_domain: Callable[[Any], T]) -> Page[T]:
    """`rows` fetched with `limit + 1`: the page and the token after its last row."""
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_time_key(getattr(rows[-1], key), rows[-1].id) if more else ""
    return Page([to_domain(r) for r in rows], cursor)


async def newest_first(
    session: AsyncSession,
    table: sa.Table,
    to_domain: Callable[[Any], T],
    tenant_id: uuid.UUID,
    *,
    customer_id: uuid.UUID | None = None,
    statuses: Sequence[Any] = (),
    limit: int,
    cursor: str,
) -> Page[T]:
    """One page of a tenant's rows, newest first (keyset on created_at, id), optionally of one
    customer and in some statuses (enums: by value)."""
    c = table.c
    q = sa.select(table).where(c.tenant_id == tenant_id)
    if customer_id:
        q = q.where(c.customer_id == customer_id)
    if statuses:
        q = q.where(c.status.in_([getattr(s, "value", s) for s in statuses]))
    if cursor:
        key, ident = decode_time_key(cursor)
        q = q.where(sa.tuple_(c.created_at, c.id) < sa.tuple_(key, ident))
    q = q.order_by(c.created_at.desc(), c.id.desc()).limit(limit + 1)
    return page_of((await session.execute(q)).all(), limit, "created_at", to_domain)

"""The queries of exports: the job row, its file's chunks, and the customers it holds, a page
at a time (the list's filters, keyset order and the caller's visibility, as a list page)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.listing import SORTS, list_conditions
from customer.adapters.tables import customers, export_chunks, exports, folders
from customer.adapters.visibility import current_visibility, visibility_conditions
from customer.domain.listing import ListQuery, Thresholds

x = exports.c
c = customers.c
EXPORT_COLUMNS = (
    c.id, c.first_name, c.last_name, c.company, c.phones, c.emails, c.addresses, c.tags,
    c.folder, c.lifecycle_stage, c.is_vip, c.sentiment_label, c.ltv_minor, c.currency,
    c.bookings_count, c.interactions_count, c.last_contact_at, c.created_at, c.custom_fields,
    c.sort_name, c.last_activity_at,
)  # fmt: skip


@dataclass
class ExportRecord:
    id: uuid.UUID
    tenant_id: uuid.UUID
    status: str
    format: str
    filter: dict
    ids: list[str]
    actor: str
    visibility: dict
    total: int
    processed: int
    size_bytes: int
    chunks: int
    error: str
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None


class ExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, record: dict[str, Any]) -> None:
        await self._session.execute(exports.insert().values(**record))

    async def get(
        self, tenant_id: uuid.UUID, export_id: uuid.UUID, *, for_update: bool = False
    ) -> ExportRecord | None:
        stmt = sa.select(exports).where(x.tenant_id == tenant_id, x.id == export_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        return None if row is None else ExportRecord(**row._asdict())

    async def update(self, export_id: uuid.UUID, **values: Any) -> None:
        await self._session.execute(exports.update().where(x.id == export_id).values(**values))

    async def add_chunk(self, export_id: uuid.UUID, seq: int, data: bytes) -> None:
        await self._session.execute(
            export_chunks.insert().values(export_id=export_id, seq=seq, data=data)
        )

    async def clear_chunks(self, export_id: uuid.UUID) -> None:
        await self._session.execute(
            export_chunks.delete().where(export_chunks.c.export_id == export_id)
        )

    async def chunk(self, export_id: uuid.UUID, seq: int) -> bytes | None:
        return await self._session.scalar(
            sa.select(export_chunks.c.data).where(
                export_chunks.c.export_id == export_id, export_chunks.c.seq == seq
            )
        )

    async def delete_expired(self, now: datetime) -> int:
        result = await self._session.execute(
            exports.delete().where(x.expires_at < now).returning(x.id)
        )
        return len(result.all())

    async def folder_names(self, tenant_id: uuid.UUID) -> dict[str, str]:
        rows = await self._session.execute(
            sa.select(folders.c.id, folders.c.name).where(folders.c.tenant_id == tenant_id)
        )
        return {str(ident): name for ident, name in rows}

    async def page(
        self,
        tenant_id: uuid.UUID,
        query: ListQuery,
        *,
        ids: Sequence[uuid.UUID],
        thresholds: Thresholds,
        after: tuple[Any, uuid.UUID] | None,
        limit: int,
        now: datetime,
    ) -> list[Any]:
        """One page of the export's customers in the list's order, after the keyset `after`."""
        stmt = sa.select(*EXPORT_COLUMNS).where(c.tenant_id == tenant_id)
        for condition in (
            *list_conditions(query, thresholds, now),
            *visibility_conditions(current_visibility()),
        ):
            stmt = stmt.where(condition)
        if ids:
            stmt = stmt.where(c.id == sa.func.any(sa.cast(list(ids), sa.ARRAY(UUID(as_uuid=True)))))
        column, descending = SORTS[query.sort]
        if after is not None:
            bound = sa.tuple_(sa.literal(after[0], column.type), sa.literal(after[1], c.id.type))
            position = sa.tuple_(column, c.id)
            stmt = stmt.where(position < bound if descending else position > bound)
        order = (column.desc(), c.id.desc()) if descending else (column.asc(), c.id.asc())
        return list((await self._session.execute(stmt.order_by(*order).limit(limit))).all())


def keyset(row: Any, query: ListQuery) -> tuple[Any, uuid.UUID]:
    column = SORTS[query.sort][0]
    return getattr(row, column.name), row.id

"""All queries on outbound messages. Tenant-scoped, except the dispatcher's claim and lease
expiry, which serve every tenant (like the outbox relay)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime

import sqlalchemy as sa
from moodline_kit.rows import from_row, values_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from conversation.adapters.tables import messages, outbound_messages
from conversation.domain.model import Author, Channel
from conversation.domain.outbound import CLAIM_LEASE, DeliveryStatus, OutboundMessage

o_ = outbound_messages.c
# What an insert writes: the provider's id, the attempts and the claim come later.
_INSERTED = [
    f.name
    for f in fields(OutboundMessage)
    if f.name not in {"provider_message_id", "attempts", "duplicate"}
]


def _outbound(row: sa.Row) -> OutboundMessage:
    return from_row(OutboundMessage, row, channel=Channel, status=DeliveryStatus, author=Author)


class OutboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> OutboundMessage | None:
        row = (
            await self._session.execute(
                sa.select(outbound_messages).where(o_.tenant_id == tenant_id, o_.id == ident)
            )
        ).first()
        return _outbound(row) if row else None

    async def find_by_key(self, tenant_id: uuid.UUID, key: str) -> OutboundMessage | None:
        if not key:
            return None
        row = (
            await self._session.execute(
                sa.select(outbound_messages).where(
                    o_.tenant_id == tenant_id, o_.idempotency_key == key
                )
            )
        ).first()
        return _outbound(row) if row else None

    async def insert(self, message: OutboundMessage) -> bool:
        """False when a message with the same idempotency key is already stored."""
        stmt = (
            insert(outbound_messages)
            .values(**values_of(message, _INSERTED))
            .on_conflict_do_nothing(
                index_elements=[o_.tenant_id, o_.idempotency_key],
                index_where=sa.text("idempotency_key <> ''"),  # a literal: a bound parameter
                # stops matching the partial index once asyncpg switches to a generic plan
            )
            .returning(o_.id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def claim(self, *, limit: int, now: datetime) -> list[OutboundMessage]:
        """Queued messages, oldest first, marked `sending` (skipping rows another dispatcher
        holds): committed before the send, so a crash mid-send never sends twice."""
        pending = (
            sa.select(o_.id)
            .where(
                o_.status == DeliveryStatus.QUEUED.value,
                sa.or_(o_.next_attempt_at.is_(None), o_.next_attempt_at <= now),
            )
            .order_by(o_.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        rows = await self._session.execute(
            sa.update(outbound_messages)
            .where(o_.id.in_(pending))
            .values(
                status=DeliveryStatus.SENDING.value,
                claimed_at=now,
                updated_at=now,
                attempts=o_.attempts + 1,
            )
            .returning(outbound_messages)
        )
        return sorted((_outbound(r) for r in rows), key=lambda m: m.created_at)

    async def expired_claims(self, *, now: datetime) -> list[OutboundMessage]:
        rows = await self._session.execute(
            sa.select(outbound_messages)
            .where(o_.status == DeliveryStatus.SENDING.value, o_.claimed_at < now - CLAIM_LEASE)
            .with_for_update(skip_locked=True)
        )
        return [_outbound(r) for r in rows]

    async def move(
        self,
        message: OutboundMessage,
        status: DeliveryStatus,
        *,
        allowed_from: Iterable[DeliveryStatus],
        now: datetime,
        error: str = "",
        provider_message_id: str | None = None,
    ) -> OutboundMessage | None:
        """Move to `status` if the row is still in one of `allowed_from` (None: it was not);
        the conversation message (if any) mirrors the status."""
        values: dict[str, object] = {"status": status.value, "error": error, "updated_at": now}
        if provider_message_id is not None:
            values["provider_message_id"] = provider_message_id
        row = (
            await self._session.execute(
                sa.update(outbound_messages)
                .where(
                    o_.tenant_id == message.tenant_id,
                    o_.id == message.id,
                    o_.status.in_([s.value for s in allowed_from]),
                )
                .values(**values)
                .returning(outbound_messages)
            )
        ).first()
        if row is None:
            return None
        if row.message_id is not None:
            await self._session.execute(
                sa.update(messages)
                .where(messages.c.tenant_id == row.tenant_id, messages.c.id == row.message_id)
                .values(delivery_status=status.value, delivery_error=error)
            )
        return _outbound(row)

    async def requeue(self, message: OutboundMessage, *, retry_at: datetime, error: str) -> None:
        """A transient failure (nothing was handed over): back to the queue until retry_at."""
        await self._session.execute(
            sa.update(outbound_messages)
            .where(
                o_.tenant_id == message.tenant_id,
                o_.id == message.id,
                o_.status == DeliveryStatus.SENDING.value,
            )
            .values(
                status=DeliveryStatus.QUEUED.value,
                next_attempt_at=retry_at,
                error=error,
                updated_at=retry_at,
            )
        )

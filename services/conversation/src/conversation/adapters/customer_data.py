"""SQL of merges and erasures (service_layer/customer_data.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from moodline_kit.customer_data import move_rows, rows_of
from sqlalchemy.ext.asyncio import AsyncSession

from conversation.adapters.tables import conversations, messages, outbound_messages

ERASED_TEXT = "[erased]"


class CustomerDataRepository:
    """A merge's and an erasure's SQL, on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reassign(
        self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID, now: datetime
    ) -> None:
        session = self.session
        c = conversations.c
        survivor_open = sa.select(c.channel).where(
            c.tenant_id == tenant_id, c.customer_id == to_id, c.status == "open"
        )
        await session.execute(
            conversations.update()
            .where(
                c.tenant_id == tenant_id,
                c.customer_id == from_id,
                c.status == "open",
                c.channel.in_(survivor_open.scalar_subquery()),
            )
            .values(
                status="resolved",
                ended_at=sa.func.coalesce(c.last_message_at, now),
                updated_at=now,
            )
        )
        await move_rows(
            session, (conversations, messages, outbound_messages), tenant_id, from_id, to_id
        )

    async def erase(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        execute, m = self.session.execute, messages.c
        await execute(
            rows_of(messages, tenant_id, customer_id).values(
                text=ERASED_TEXT,
                provider_message_id=sa.func.concat("erased:", sa.cast(m.id, sa.Text)),
                delivery_error="",
            )
        )
        await execute(rows_of(conversations, tenant_id, customer_id).values(topic="", summary=""))
        await execute(
            rows_of(outbound_messages, tenant_id, customer_id).values(
                recipient="", subject="", text=ERASED_TEXT, error="", provider_message_id=""
            )
        )

"""SQL of merges and erasures (service_layer/customer_data.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from moodline_kit.customer_data import move_rows
from sqlalchemy.ext.asyncio import AsyncSession

from sentiment.adapters.tables import (
    conversation_sentiment,
    customer_sentiment,
    late_replies,
    message_scores,
)


class CustomerDataRepository:
    """A merge's and an erasure's SQL, and the survivor's history a merge replays, on the unit
    of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reassign(self, tenant_id: uuid.UUID, from_id: str, to_id: str) -> None:
        session = self.session
        await move_rows(
            session,
            (message_scores, conversation_sentiment, late_replies),
            tenant_id,
            from_id,
            to_id,
        )
        c = customer_sentiment.c
        await session.execute(
            customer_sentiment.delete().where(c.tenant_id == tenant_id, c.customer_id == from_id)
        )

    async def scores_of(self, tenant_id: uuid.UUID, customer_id: str) -> Sequence[Any]:
        m = message_scores.c
        rows = await self.session.execute(
            sa.select(
                m.message_id,
                m.sent_at,
                m.label,
                m.score,
                m.confidence,
                m.frustration,
                m.satisfaction,
                m.confusion,
                m.urgency,
            )
            .where(m.tenant_id == tenant_id, m.customer_id == customer_id)
            .order_by(m.sent_at.asc().nulls_first(), m.scored_at, m.message_id)
        )
        return rows.all()

    async def outcomes_of(self, tenant_id: uuid.UUID, customer_id: str) -> Sequence[Any]:
        """The counted outcome signals of the customer's conversations."""
        t = conversation_sentiment.c
        rows = await self.session.execute(
            sa.select(t.csat, t.csat_at, t.escalated_at, t.updated_at).where(
                t.tenant_id == tenant_id,
                t.customer_id == customer_id,
                sa.or_(t.csat_counted, t.escalation_counted),
            )
        )
        return rows.all()

    async def late_replies_of(self, tenant_id: uuid.UUID, customer_id: str) -> Sequence[Any]:
        t = late_replies.c
        rows = await self.session.execute(
            sa.select(t.replied_at, t.very_late).where(
                t.tenant_id == tenant_id, t.customer_id == customer_id
            )
        )
        return rows.all()

    async def erase(self, tenant_id: uuid.UUID, customer_id: str) -> None:
        c = customer_sentiment.c
        await self.session.execute(
            customer_sentiment.update()
            .where(c.tenant_id == tenant_id, c.customer_id == customer_id, c.override.is_not(None))
            .values(
                override=sa.func.jsonb_set(
                    c.override, sa.literal_column("'{reason}'"), sa.literal_column("'\"\"'::jsonb")
                )
            )
        )

"""SQL of merges and erasures (service_layer/customer_data.py)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from moodline_kit.customer_data import move_rows
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from automation.adapters.tables import cooldowns, run_steps, runs, tasks

ERASED = "(erased)"


class CustomerDataRepository:
    """A merge's and an erasure's SQL, on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reassign(self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        session = self.session
        await move_rows(session, (runs, tasks), tenant_id, from_id, to_id)
        c = cooldowns.c
        theirs = sa.select(
            c.tenant_id, c.workflow_id, sa.literal(to_id, c.customer_id.type), c.fired_at
        ).where(c.tenant_id == tenant_id, c.customer_id == from_id)
        stmt = insert(cooldowns).from_select(
            ["tenant_id", "workflow_id", "customer_id", "fired_at"], theirs
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[c.tenant_id, c.workflow_id, c.customer_id],
                set_={"fired_at": sa.func.greatest(c.fired_at, stmt.excluded.fired_at)},
            )
        )
        await session.execute(
            cooldowns.delete().where(c.tenant_id == tenant_id, c.customer_id == from_id)
        )

    async def erase(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        session = self.session
        r, s, t = runs.c, run_steps.c, tasks.c
        theirs = sa.select(r.id).where(r.tenant_id == tenant_id, r.customer_id == customer_id)
        await session.execute(
            run_steps.update()
            .where(s.tenant_id == tenant_id, s.run_id.in_(theirs))
            .values(detail="")
        )
        await session.execute(
            runs.update()
            .where(r.tenant_id == tenant_id, r.customer_id == customer_id)
            .values(event={}, error="")
        )
        await session.execute(
            tasks.update()
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .values(title=ERASED, description="")
        )

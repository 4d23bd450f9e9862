"""SQL of merges and erasures (service_layer/customer_data.py)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from automation.adapters.tables import cooldowns, run_steps, runs, tasks

ERASED = "(erased)"


async def reassign(
    session: AsyncSession, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    for table in (runs, tasks):
        await session.execute(
            table.update()
            .where(table.c.tenant_id == tenant_id, table.c.customer_id == from_id)
            .values(customer_id=to_id)
        )
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


async def erase(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    r, s, t = runs.c, run_steps.c, tasks.c
    theirs = sa.select(r.id).where(r.tenant_id == tenant_id, r.customer_id == customer_id)
    await session.execute(
        run_steps.update().where(s.tenant_id == tenant_id, s.run_id.in_(theirs)).values(detail="")
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

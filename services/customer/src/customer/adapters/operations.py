"""Merges and erasures: the operations (sagas) and their steps, tombstones, moving a customer's
history to another and erasing personal data from this service's tables (all SQL here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.tables import (
    customer_consents,
    customer_emails,
    customer_notes,
    customer_operation_steps,
    customer_operations,
    customer_phones,
    customer_relations,
    customer_stage_history,
    customer_timeline,
    customer_tombstones,
    customers,
)

PENDING = "pending"
COMPLETED = "completed"
RUNNING = "running"


@dataclass
class Step:
    service: str
    status: str = PENDING
    completed_at: datetime | None = None


@dataclass
class Operation:
    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str  # merge, erasure
    customer_id: uuid.UUID
    duplicate_id: uuid.UUID | None
    status: str
    created_at: datetime
    completed_at: datetime | None = None
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class Tombstone:
    customer_id: uuid.UUID
    merged_into_id: uuid.UUID
    operation_id: uuid.UUID
    merged_at: datetime


class OperationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- operations ------------------------------------------------------------------------
    async def add(self, op: Operation) -> None:
        await self._session.execute(
            customer_operations.insert().values(
                id=op.id,
                tenant_id=op.tenant_id,
                kind=op.kind,
                customer_id=op.customer_id,
                duplicate_id=op.duplicate_id,
                status=op.status,
                created_at=op.created_at,
                completed_at=op.completed_at,
            )
        )
        await self._session.execute(
            customer_operation_steps.insert(),
            [
                {
                    "operation_id": op.id,
                    "service": s.service,
                    "status": s.status,
                    "completed_at": s.completed_at,
                }
                for s in op.steps
            ],
        )

    async def get(self, tenant_id: uuid.UUID, operation_id: uuid.UUID) -> Operation | None:
        return await self._one(
            customer_operations.c.tenant_id == tenant_id,
            customer_operations.c.id == operation_id,
        )

    async def find(
        self,
        tenant_id: uuid.UUID,
        kind: str,
        customer_id: uuid.UUID,
        duplicate_id: uuid.UUID | None = None,
    ) -> Operation | None:
        o = customer_operations.c
        return await self._one(
            o.tenant_id == tenant_id,
            o.kind == kind,
            o.customer_id == customer_id,
            o.duplicate_id.is_(None) if duplicate_id is None else o.duplicate_id == duplicate_id,
        )

    async def _one(self, *where: sa.ColumnElement[bool]) -> Operation | None:
        o = customer_operations.c
        row = (
            await self._session.execute(
                sa.select(
                    o.id,
                    o.tenant_id,
                    o.kind,
                    o.customer_id,
                    o.duplicate_id,
                    o.status,
                    o.created_at,
                    o.completed_at,
                ).where(*where)
            )
        ).first()
        if row is None:
            return None
        op = Operation(*row)
        s = customer_operation_steps.c
        steps = await self._session.execute(
            sa.select(s.service, s.status, s.completed_at)
            .where(s.operation_id == op.id)
            .order_by(s.service)
        )
        op.steps = [Step(*r) for r in steps]
        return op

    async def complete_step(
        self, tenant_id: uuid.UUID, operation_id: uuid.UUID, service: str, at: datetime
    ) -> bool:
        """Marks the service's step done; True when that completed the whole operation."""
        o, s = customer_operations.c, customer_operation_steps.c
        owned = await self._session.scalar(
            sa.select(o.id).where(o.tenant_id == tenant_id, o.id == operation_id).with_for_update()
        )
        if owned is None:
            return False
        await self._session.execute(
            customer_operation_steps.update()
            .where(s.operation_id == operation_id, s.service == service, s.status == PENDING)
            .values(status=COMPLETED, completed_at=at)
        )
        pending = await self._session.scalar(
            sa.select(sa.func.count())
            .select_from(customer_operation_steps)
            .where(s.operation_id == operation_id, s.status == PENDING)
        )
        if pending:
            return False
        done = await self._session.execute(
            customer_operations.update()
            .where(o.id == operation_id, o.status == RUNNING)
            .values(status=COMPLETED, completed_at=at)
            .returning(o.id)
        )
        return done.first() is not None

    # --- tombstones --------------------------------------------------------------------------
    async def add_tombstone(self, tenant_id: uuid.UUID, stone: Tombstone) -> None:
        t = customer_tombstones.c
        # Earlier merges into the duplicate now resolve to the survivor too (no chains).
        await self._session.execute(
            customer_tombstones.update()
            .where(t.tenant_id == tenant_id, t.merged_into_id == stone.customer_id)
            .values(merged_into_id=stone.merged_into_id)
        )
        await self._session.execute(
            insert(customer_tombstones)
            .values(
                id=stone.customer_id,
                tenant_id=tenant_id,
                merged_into_id=stone.merged_into_id,
                operation_id=stone.operation_id,
                merged_at=stone.merged_at,
            )
            .on_conflict_do_nothing()
        )

    async def tombstone(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Tombstone | None:
        t = customer_tombstones.c
        row = (
            await self._session.execute(
                sa.select(t.id, t.merged_into_id, t.operation_id, t.merged_at).where(
                    t.tenant_id == tenant_id, t.id == customer_id
                )
            )
        ).first()
        return None if row is None else Tombstone(*row)

    # --- merge: the duplicate's history moves to the survivor -------------------------------
    async def move_history(
        self, tenant_id: uuid.UUID, duplicate_id: uuid.UUID, survivor_id: uuid.UUID
    ) -> None:
        for table in (customer_notes, customer_timeline, customer_consents, customer_stage_history):
            await self._session.execute(
                table.update()
                .where(table.c.tenant_id == tenant_id, table.c.customer_id == duplicate_id)
                .values(customer_id=survivor_id)
            )
        r = customer_relations.c
        for mine, other in ((r.parent_id, r.child_id), (r.child_id, r.parent_id)):
            moved = sa.select(
                r.tenant_id,
                sa.literal(survivor_id, customer_relations.c.parent_id.type).label("s"),
                other,
                r.label,
            ).where(r.tenant_id == tenant_id, mine == duplicate_id, other != survivor_id)
            columns = ["tenant_id", mine.name, other.name, "label"]
            await self._session.execute(
                insert(customer_relations).from_select(columns, moved).on_conflict_do_nothing()
            )

    # --- erasure ----------------------------------------------------------------------------
    async def erase_history(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        """Notes and consent sources go; timeline entries keep their kind, type and time (the
        activity counts) but lose their summaries and data; relations go."""
        for table in (customer_notes, customer_consents):
            await self._session.execute(
                table.delete().where(
                    table.c.tenant_id == tenant_id, table.c.customer_id == customer_id
                )
            )
        t = customer_timeline.c
        await self._session.execute(
            customer_timeline.update()
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .values(summary="(erased)", data={})
        )
        r = customer_relations.c
        await self._session.execute(
            customer_relations.delete().where(
                r.tenant_id == tenant_id,
                sa.or_(r.parent_id == customer_id, r.child_id == customer_id),
            )
        )
        for table in (customer_phones, customer_emails):
            await self._session.execute(
                table.delete().where(
                    table.c.tenant_id == tenant_id, table.c.customer_id == customer_id
                )
            )

    async def mark_erased(self, tenant_id: uuid.UUID, customer_id: uuid.UUID, at: datetime) -> None:
        c = customers.c
        await self._session.execute(
            customers.update()
            .where(c.tenant_id == tenant_id, c.id == customer_id)
            .values(erased_at=at, search_doc="")
        )

"""A customer's stage history, timeline, notes, consent records and relations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from moodline_kit import paging
from moodline_kit.validation import INT64_MAX
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.tables import (
    customer_consents,
    customer_notes,
    customer_relations,
    customer_stage_history,
    customer_timeline,
)
from customer.domain.model import Relation, StageChange
from customer.domain.records import ConsentRecord, Note, TimelineEntry


def _timeline_id(raw: str) -> int:
    value = int(raw)
    if not 0 < value <= INT64_MAX:  # BIGINT identity
        raise ValueError("out of range")
    return value


class CustomerHistory:
    _session: AsyncSession

    # --- history, timeline, notes, consents, relations -------------------------------------
    async def add_stage_change(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, change: StageChange
    ) -> None:
        await self._session.execute(
            customer_stage_history.insert().values(
                tenant_id=tenant_id,
                customer_id=customer_id,
                from_stage=change.from_stage,
                to_stage=change.to_stage,
                reason=change.reason,
                changed_at=change.changed_at,
            )
        )

    async def add_first_stages(
        self, tenant_id: uuid.UUID, changes: Sequence[tuple[uuid.UUID, StageChange]]
    ) -> None:
        """`add_stage_change` for several new customers, in one statement."""
        await self._session.execute(
            customer_stage_history.insert(),
            [
                {
                    "tenant_id": tenant_id,
                    "customer_id": customer_id,
                    "from_stage": change.from_stage,
                    "to_stage": change.to_stage,
                    "reason": change.reason,
                    "changed_at": change.changed_at,
                }
                for customer_id, change in changes
            ],
        )

    async def stage_history(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID
    ) -> list[StageChange]:
        t = customer_stage_history.c
        rows = await self._session.execute(
            sa.select(t.from_stage, t.to_stage, t.reason, t.changed_at)
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .order_by(t.id.desc())
            .limit(100)
        )
        return [StageChange(*r) for r in rows]

    async def add_timeline(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        kind: str,
        type: str,
        summary: str,
        data: dict | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        await self._session.execute(
            customer_timeline.insert().values(
                tenant_id=tenant_id,
                customer_id=customer_id,
                kind=kind,
                type=type,
                summary=summary[:500],
                data=data or {},
                occurred_at=occurred_at or datetime.now(UTC),
            )
        )

    async def add_timeline_many(
        self,
        tenant_id: uuid.UUID,
        occurrences: Sequence[tuple[uuid.UUID, datetime]],
        *,
        kind: str,
        type: str,
        summary: str,
    ) -> None:
        """The same entry on several customers' timelines, each at its time, in one statement."""
        await self._session.execute(
            customer_timeline.insert(),
            [
                {
                    "tenant_id": tenant_id,
                    "customer_id": customer_id,
                    "kind": kind,
                    "type": type,
                    "summary": summary[:500],
                    "data": {},
                    "occurred_at": occurred_at,
                }
                for customer_id, occurred_at in occurrences
            ],
        )

    async def timeline(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, *, limit: int, cursor: str
    ) -> tuple[list[TimelineEntry], str]:
        t = customer_timeline.c
        stmt = sa.select(t.id, t.kind, t.type, t.summary, t.data, t.occurred_at).where(
            t.tenant_id == tenant_id, t.customer_id == customer_id
        )
        if cursor:
            key = paging.decode_time_key(cursor, ident=_timeline_id)
            stmt = stmt.where(sa.tuple_(t.occurred_at, t.id) < sa.tuple_(*key))
        stmt = stmt.order_by(t.occurred_at.desc(), t.id.desc()).limit(limit + 1)
        rows = (await self._session.execute(stmt)).all()
        more = len(rows) > limit
        entries = [TimelineEntry(*r) for r in rows[:limit]]
        next_cursor = ""
        if more and entries:
            last = entries[-1]
            next_cursor = paging.encode_time_key(last.occurred_at, last.id)
        return entries, next_cursor

    async def add_note(self, tenant_id: uuid.UUID, note: Note) -> None:
        await self._session.execute(
            customer_notes.insert().values(
                id=note.id,
                tenant_id=tenant_id,
                customer_id=note.customer_id,
                text=note.text,
                author=note.author,
                created_at=note.created_at,
            )
        )

    async def notes(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Note]:
        t = customer_notes.c
        rows = await self._session.execute(
            sa.select(t.id, t.customer_id, t.text, t.author, t.created_at)
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .order_by(t.created_at.desc())
            .limit(500)
        )
        return [Note(*r) for r in rows]

    async def add_consent(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, record: ConsentRecord
    ) -> None:
        await self._session.execute(
            customer_consents.insert().values(
                tenant_id=tenant_id,
                customer_id=customer_id,
                kind=record.kind,
                granted=record.granted,
                source=record.source,
                changed_at=record.changed_at,
            )
        )

    async def consent_history(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID
    ) -> list[ConsentRecord]:
        t = customer_consents.c
        rows = await self._session.execute(
            sa.select(t.kind, t.granted, t.source, t.changed_at)
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .order_by(t.id.desc())
        )
        return [ConsentRecord(*r) for r in rows]

    async def set_relation(
        self, tenant_id: uuid.UUID, parent: uuid.UUID, child: uuid.UUID, label: str
    ) -> None:
        stmt = insert(customer_relations).values(
            tenant_id=tenant_id, parent_id=parent, child_id=child, label=label
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[customer_relations.c.parent_id, customer_relations.c.child_id],
                set_={"label": label},
            )
        )

    async def remove_relation(
        self, tenant_id: uuid.UUID, parent: uuid.UUID, child: uuid.UUID
    ) -> bool:
        t = customer_relations.c
        result = await self._session.execute(
            customer_relations.delete()
            .where(t.tenant_id == tenant_id, t.parent_id == parent, t.child_id == child)
            .returning(t.parent_id)
        )
        return result.first() is not None

    async def relations(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Relation]:
        t = customer_relations.c
        rows = await self._session.execute(
            sa.select(t.parent_id, t.child_id, t.label).where(
                t.tenant_id == tenant_id,
                sa.or_(t.parent_id == customer_id, t.child_id == customer_id),
            )
        )
        out = []
        for parent, child, label in rows:
            if parent == customer_id:
                out.append(Relation(child, "child", label))
            else:
                out.append(Relation(parent, "parent", label))
        return out

    async def is_ancestor(self, tenant_id: uuid.UUID, candidate: uuid.UUID, of: uuid.UUID) -> bool:
        """True when `candidate` is `of` itself or one of its ancestors (cycle guard)."""
        t = customer_relations.c
        ancestors = (
            sa.select(t.parent_id.label("id"))
            .where(t.tenant_id == tenant_id, t.child_id == of)
            .cte("ancestors", recursive=True)
        )
        ancestors = ancestors.union(
            sa.select(t.parent_id).where(t.tenant_id == tenant_id, t.child_id == ancestors.c.id)
        )
        if candidate == of:
            return True
        found = await self._session.scalar(
            sa.select(sa.literal(1)).where(ancestors.c.id == candidate).limit(1)
        )
        return found is not None

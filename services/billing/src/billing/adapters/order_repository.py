"""Order queries (scoped by tenant_id)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from moodline_kit.paging import Page
from moodline_kit.queries import newest_first, one_of_tenant
from moodline_kit.rows import from_row, values_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import orders
from billing.domain.orders import Order, OrderStatus, PricedLine


def _lines_json(items: list[PricedLine]) -> list[dict]:
    return [
        {
            "service_id": str(i.service_id) if i.service_id else None,
            "description": i.description,
            "quantity": i.quantity,
            "unit_price_minor": i.unit_price_minor,
        }
        for i in items
    ]


def _lines(raw: list[dict]) -> list[PricedLine]:
    return [
        PricedLine(
            i["description"],
            int(i["quantity"]),
            int(i["unit_price_minor"]),
            uuid.UUID(i["service_id"]) if i.get("service_id") else None,
        )
        for i in raw
    ]


def _order(r: Any) -> Order:
    return from_row(Order, r, items=_lines, status=OrderStatus)


_CHANGING = (
    "status", "amount_paid_minor", "paid_at", "cancelled_at", "cancellation_reason", "updated_at"
)  # fmt: skip


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, o: Order) -> bool:
        """False (nothing written) when the tenant already has an order with this request_id."""
        stmt = (
            insert(orders)
            .values(**values_of(o, items=_lines_json(o.items), total_minor=o.total_minor))
            .on_conflict_do_nothing(constraint="uq_orders_tenant_request")
            .returning(orders.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def update(self, o: Order) -> None:
        await self.session.execute(
            sa.update(orders)
            .where(orders.c.tenant_id == o.tenant_id, orders.c.id == o.id)
            .values(**values_of(o, _CHANGING))
        )

    async def get(
        self, tenant_id: uuid.UUID, order_id: uuid.UUID, *, for_update: bool = False
    ) -> Order | None:
        return await one_of_tenant(
            self.session, orders, _order, tenant_id, order_id, for_update=for_update
        )

    async def by_request_id(self, tenant_id: uuid.UUID, request_id: str) -> Order | None:
        c = orders.c
        row = (
            await self.session.execute(
                sa.select(orders).where(c.tenant_id == tenant_id, c.request_id == request_id)
            )
        ).first()
        return _order(row) if row else None

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None,
        statuses: tuple[OrderStatus, ...],
        limit: int,
        cursor: str,
    ) -> Page:
        return await newest_first(
            self.session,
            orders,
            _order,
            tenant_id,
            customer_id=customer_id,
            statuses=statuses,
            limit=limit,
            cursor=cursor,
        )

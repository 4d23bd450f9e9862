"""Orders: place (lines priced from the catalogue, idempotent on the request id), cancel, read.
Payments on an order are recorded by the payments use case (service_layer/payments.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument, NotFound
from moodline_kit.events import Event
from moodline_kit.paging import Page

from billing.adapters import events
from billing.domain.listing import page_limit
from billing.domain.orders import MAX_REQUEST_ID, Order, OrderLine, OrderStatus, price_lines
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.service_layer.value import UowFactory


def order_event(subject: str, order: Order, payload: Message) -> Event:
    return Event(subject, order.tenant_id, str(order.id), payload)


@dataclass(frozen=True)
class PlaceOrder:
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    lines: tuple[OrderLine, ...]
    booking_id: uuid.UUID | None = None
    request_id: str = ""


async def place_order(*, command: PlaceOrder, uow: UowFactory) -> Order:
    """A repeat of `request_id` returns the stored order and changes nothing."""
    c = command
    if len(c.request_id) > MAX_REQUEST_ID:
        raise InvalidArgument.of("request_id", f"at most {MAX_REQUEST_ID} characters")
    now = datetime.now(UTC)
    async with uow() as work:
        if c.request_id:
            existing = await work.orders.by_request_id(c.tenant_id, c.request_id)
            if existing is not None:
                return existing
        catalogue = {}
        for line in c.lines:
            if line.service_id is not None and line.service_id not in catalogue:
                found = await work.catalog.get_service(c.tenant_id, line.service_id)
                if found is not None:
                    catalogue[line.service_id] = found
        currency = await work.settings.currency(c.tenant_id)
        items = price_lines(list(c.lines), catalogue, tenant_currency=currency)
        if c.booking_id is not None and await work.bookings.get(c.tenant_id, c.booking_id) is None:
            raise InvalidArgument.of("booking_id", "no such booking")
        order = Order(
            id=uuid.uuid4(),
            tenant_id=c.tenant_id,
            customer_id=c.customer_id,
            items=items,
            currency=currency,
            booking_id=c.booking_id,
            request_id=c.request_id or None,
            created_at=now,
            updated_at=now,
        )
        if not await work.orders.add(order):
            # placed concurrently with the same request id: that one wins
            await work.rollback()
            existing = await work.orders.by_request_id(c.tenant_id, c.request_id)
            assert existing is not None
            return existing
        work.emit(order_event(subjects.BILLING_ORDER_PLACED, order, events.order_placed(order)))
        await work.commit()
    return order


async def _locked(work: BillingUnitOfWork, tenant_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = await work.orders.get(tenant_id, order_id, for_update=True)
    return NotFound.unless(order, f"order {order_id} not found")


async def cancel_order(
    *, tenant_id: uuid.UUID, order_id: uuid.UUID, reason: str, uow: UowFactory
) -> Order:
    now = datetime.now(UTC)
    async with uow() as work:
        order = await _locked(work, tenant_id, order_id)
        order.cancel(reason[:2000], now)
        await work.orders.update(order)
        work.emit(
            order_event(subjects.BILLING_ORDER_CANCELLED, order, events.order_cancelled(order))
        )
        await work.commit()
    return order


async def get_order(*, tenant_id: uuid.UUID, order_id: uuid.UUID, uow: UowFactory) -> Order:
    async with uow() as work:
        order = await work.orders.get(tenant_id, order_id)
    return NotFound.unless(order, f"order {order_id} not found")


async def list_orders(
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    statuses: tuple[OrderStatus, ...],
    limit: int,
    cursor: str,
    uow: UowFactory,
) -> Page:
    limit = page_limit(limit)
    async with uow() as work:
        return await work.orders.list(
            tenant_id, customer_id=customer_id, statuses=statuses, limit=limit, cursor=cursor
        )

"""Customer value: recomputed in the transaction of every change that moves it, and published
as billing.customer_value.changed (the customer service's read model and lifecycle follow)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.events import Event

from billing.adapters import events
from billing.domain.value import CustomerValue, customer_value
from billing.service_layer.unit_of_work import BillingUnitOfWork

UowFactory = Callable[[], BillingUnitOfWork]


async def compute(
    work: BillingUnitOfWork, tenant_id: uuid.UUID, customer_id: uuid.UUID, now: datetime
) -> CustomerValue:
    currency = await work.settings.currency(tenant_id)
    bookings = await work.bookings.involving(tenant_id, customer_id)
    payments = await work.payments.of_customer(tenant_id, customer_id)
    invoices = await work.invoices.of_customer(tenant_id, customer_id)
    booking_of_invoice = await work.invoices.booking_of(
        tenant_id, {p.invoice_id for p in payments if p.invoice_id}
    )
    return customer_value(
        customer_id,
        currency=currency,
        bookings=bookings,
        payments=payments,
        invoices=invoices,
        booking_of_invoice=booking_of_invoice,
        now=now,
    )


async def publish_values(
    work: BillingUnitOfWork, tenant_id: uuid.UUID, customer_ids: Iterable[uuid.UUID]
) -> None:
    """Recompute and emit the figures of each customer (locked in a fixed order: no deadlock
    between two changes touching the same customers)."""
    for customer_id in sorted(set(customer_ids)):
        await work.lock_customer(tenant_id, customer_id)
        now = datetime.now(UTC)
        value = await compute(work, tenant_id, customer_id, now)
        work.emit(
            Event(
                subjects.BILLING_CUSTOMER_VALUE_CHANGED,
                tenant_id,
                str(customer_id),
                events.customer_value_changed(value),
                occurred_at=now,
            )
        )


async def get_customer_value(
    *, tenant_id: uuid.UUID, customer_id: uuid.UUID, uow: UowFactory
) -> CustomerValue:
    async with uow() as work:
        return await compute(work, tenant_id, customer_id, datetime.now(UTC))

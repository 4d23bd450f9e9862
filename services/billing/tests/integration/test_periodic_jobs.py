"""Overdue invoices and subscription renewals: each exactly once per invoice / period, also
when the jobs run twice or in parallel."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from billing.adapters.tables import invoices, kit
from billing.service_layer.invoices import mark_overdue
from billing.service_layer.subscriptions import renew_subscriptions
from billing.testing import new_id, ts, usd
from moodline.billing.v1 import billing_pb2 as pb

pytestmark = pytest.mark.integration


async def _outbox_subjects(service, aggregate_ids: set[str]) -> list[str]:
    async with service.container.engine.connect() as conn:
        rows = await conn.execute(sa.select(kit.outbox.c.subject, kit.outbox.c.envelope))
    from moodline.events.v1 import envelope_pb2

    out = []
    for subject, raw in rows:
        envelope = envelope_pb2.EventEnvelope.FromString(raw)
        if envelope.aggregate_id in aggregate_ids:
            out.append(subject)
    return out


async def test_open_invoices_past_due_turn_overdue_once(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    past = await stub.CreateInvoice(
        pb.CreateInvoiceRequest(
            customer_id=customer,
            items=[pb.LineItem(description="Repair", quantity=1, unit_price=usd(9_000))],
            due_at=ts(datetime.now(UTC) - timedelta(days=1)),
        ),
        metadata=tenant,
    )
    future = await stub.CreateInvoice(
        pb.CreateInvoiceRequest(
            customer_id=customer,
            items=[pb.LineItem(description="Service", quantity=1, unit_price=usd(1_000))],
            due_at=ts(datetime.now(UTC) + timedelta(days=1)),
        ),
        metadata=tenant,
    )
    uow = billing_service.container.uow
    await asyncio.gather(*(mark_overdue(uow=uow) for _ in range(3)))
    await mark_overdue(uow=uow)
    got = await stub.GetInvoice(pb.GetInvoiceRequest(id=past.id), metadata=tenant)
    assert got.status == pb.INVOICE_STATUS_OVERDUE
    assert (await stub.GetInvoice(pb.GetInvoiceRequest(id=future.id), metadata=tenant)).status == (
        pb.INVOICE_STATUS_UNPAID
    )
    subjects = await _outbox_subjects(billing_service, {past.id, future.id})
    assert subjects.count("billing.invoice.overdue") == 1
    value = await stub.GetCustomerValue(
        pb.GetCustomerValueRequest(customer_id=customer), metadata=tenant
    )
    assert value.overdue_invoices_count == 1 and value.outstanding.amount_minor == 10_000


async def test_subscriptions_renew_once_per_period_with_an_invoice(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    start = datetime.now(UTC) - timedelta(days=15)
    sub = await stub.CreateSubscription(
        pb.CreateSubscriptionRequest(
            customer_id=customer,
            plan_name="Weekly blow-dry",
            price=usd(2_500),
            interval=pb.SUBSCRIPTION_INTERVAL_WEEKLY,
            start_at=ts(start),
        ),
        metadata=tenant,
    )
    uow = billing_service.container.uow
    # two periods ended (day 7 and day 14): parallel and repeated runs bill each exactly once
    for _ in range(3):
        await asyncio.gather(*(renew_subscriptions(uow=uow) for _ in range(3)))
    async with billing_service.container.engine.connect() as conn:
        periods = (
            await conn.execute(
                sa.select(invoices.c.period_start, invoices.c.number, invoices.c.total_minor)
                .where(invoices.c.subscription_id == uuid.UUID(sub.id))
                .order_by(invoices.c.period_start)
            )
        ).all()
    assert [p.period_start for p in periods] == [
        start + timedelta(days=7),
        start + timedelta(days=14),
    ]
    assert {p.total_minor for p in periods} == {2_500}
    renewed = await stub.GetSubscription(pb.GetSubscriptionRequest(id=sub.id), metadata=tenant)
    assert renewed.current_period_end.ToDatetime(tzinfo=UTC) == start + timedelta(days=21)
    assert (await _outbox_subjects(billing_service, {sub.id})).count(
        "billing.subscription.renewed"
    ) == 2

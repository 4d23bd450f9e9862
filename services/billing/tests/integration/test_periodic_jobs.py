"""Overdue invoices and subscription renewals: each exactly once per invoice / period, also
when the jobs run twice or in parallel; renewal invoices charged through the subscription's
payment provider, with dunning (past due, retries) when a charge fails."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa
from billing.adapters.tables import invoices, kit
from billing.domain.subscriptions import RETRY_AFTER
from billing.service_layer.invoices import mark_overdue
from billing.service_layer.providers import PROVIDERS, Charge, ChargeOutcome, ChargeResult
from billing.service_layer.subscriptions import Charged, charge_renewals, renew_subscriptions
from billing.testing import new_id, ts, usd
from moodline.billing.v1 import billing_pb2 as pb
from moodline_kit.grpc.status import field_violations

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


class CardOnFile:
    """The payment processor's side of the boundary (a test double: no processor is wired up
    in this repository): declines the customers in `declined`, takes each idempotency key's
    money once, and can be made unreachable."""

    name = "testcard"

    def __init__(self) -> None:
        self.declined: set[str] = set()
        self.down = False
        self.taken: dict[str, int] = {}
        self.calls = 0

    def parse_event(self, body: bytes):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    async def charge(self, charge: Charge) -> ChargeResult:
        self.calls += 1
        if self.down:
            raise ConnectionError("processor unreachable")
        if str(charge.customer_id) in self.declined:
            return ChargeResult(
                ChargeOutcome.FAILED,
                f"ch_{charge.idempotency_key}",
                failure_code="card_declined",
                failure_message="Your card was declined.",
            )
        self.taken.setdefault(charge.idempotency_key, charge.amount_minor)
        return ChargeResult(ChargeOutcome.SUCCEEDED, f"ch_{charge.idempotency_key}")


@pytest.fixture
def card(monkeypatch) -> CardOnFile:
    provider = CardOnFile()
    monkeypatch.setitem(PROVIDERS, provider.name, provider)
    return provider


async def _monthly(stub, tenant, customer, *, provider, days_ago=35, price=2_500):
    return await stub.CreateSubscription(
        pb.CreateSubscriptionRequest(
            customer_id=customer,
            plan_name="Monthly membership",
            price=usd(price),
            interval=pb.SUBSCRIPTION_INTERVAL_MONTHLY,
            start_at=ts(datetime.now(UTC) - timedelta(days=days_ago)),
            provider=provider,
        ),
        metadata=tenant,
    )


async def _renewal_invoices(service, sub_id: str) -> list:
    async with service.container.engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(invoices).where(invoices.c.subscription_id == uuid.UUID(sub_id))
            )
        ).all()


async def test_renewal_charges_the_invoice_through_the_provider_once(billing_service, tenant, card):
    stub = billing_service.stub
    customer = new_id()
    sub = await _monthly(stub, tenant, customer, provider="testcard")
    uow = billing_service.container.uow
    # the beat job (renew, then charge), run repeatedly and in parallel
    for _ in range(2):
        await asyncio.gather(*(renew_subscriptions(uow=uow) for _ in range(3)))
        await asyncio.gather(*(charge_renewals(uow=uow) for _ in range(3)))
    [invoice] = await _renewal_invoices(billing_service, sub.id)
    assert invoice.status == "paid" and invoice.amount_paid_minor == 2_500
    assert card.taken == {f"{invoice.id}/0": 2_500} and card.calls == 1
    paid = await stub.ListPayments(pb.ListPaymentsRequest(customer_id=customer), metadata=tenant)
    [payment] = paid.payments
    assert (payment.status, payment.provider, payment.invoice_id, payment.subscription_id) == (
        pb.PAYMENT_STATUS_SUCCEEDED,
        "testcard",
        str(invoice.id),
        sub.id,
    )
    got = await stub.GetSubscription(pb.GetSubscriptionRequest(id=sub.id), metadata=tenant)
    assert got.status == pb.SUBSCRIPTION_STATUS_ACTIVE and not got.HasField("next_charge_at")
    value = await stub.GetCustomerValue(
        pb.GetCustomerValueRequest(customer_id=customer), metadata=tenant
    )
    assert value.lifetime_value.amount_minor == 2_500 and value.outstanding.amount_minor == 0
    subjects = await _outbox_subjects(billing_service, {sub.id, str(invoice.id), payment.id})
    assert subjects.count("billing.payment.succeeded") == 1
    assert subjects.count("billing.invoice.paid") == 1


async def test_a_declined_renewal_is_past_due_retried_and_recovers(billing_service, tenant, card):
    stub = billing_service.stub
    customer = new_id()
    card.declined.add(customer)
    sub = await _monthly(stub, tenant, customer, provider="testcard")
    uow = billing_service.container.uow
    now = datetime.now(UTC)
    await renew_subscriptions(uow=uow, now=now)
    first = await charge_renewals(uow=uow, now=now)
    assert first.failed == 1
    past_due = await stub.GetSubscription(pb.GetSubscriptionRequest(id=sub.id), metadata=tenant)
    assert past_due.status == pb.SUBSCRIPTION_STATUS_PAST_DUE and past_due.failed_charges == 1
    retry_at = past_due.next_charge_at.ToDatetime(tzinfo=UTC)
    assert retry_at == now + RETRY_AFTER[0]
    # the failure is recorded (the customer's At Risk signal) and the invoice stays owed
    failed = await stub.ListPayments(
        pb.ListPaymentsRequest(customer_id=customer, statuses=[pb.PAYMENT_STATUS_FAILED]),
        metadata=tenant,
    )
    [failure] = failed.payments
    assert failure.failure_code == "card_declined" and failure.subscription_id == sub.id
    value = await stub.GetCustomerValue(
        pb.GetCustomerValueRequest(customer_id=customer), metadata=tenant
    )
    assert value.recent_failed_payments_count == 1 and value.outstanding.amount_minor == 2_500
    assert "billing.payment.failed" in await _outbox_subjects(billing_service, {failure.id})
    # nothing is tried before the retry time
    assert await charge_renewals(uow=uow, now=retry_at - timedelta(seconds=1)) == Charged()
    # the card works again: the retry (a new attempt key) takes the money, dunning ends
    card.declined.clear()
    assert (await charge_renewals(uow=uow, now=retry_at)).succeeded == 1
    [invoice] = await _renewal_invoices(billing_service, sub.id)
    assert invoice.status == "paid"
    assert card.taken == {f"{invoice.id}/1": 2_500}
    recovered = await stub.GetSubscription(pb.GetSubscriptionRequest(id=sub.id), metadata=tenant)
    assert recovered.status == pb.SUBSCRIPTION_STATUS_ACTIVE and recovered.failed_charges == 0


async def test_an_unreachable_provider_is_asked_again_without_counting_a_failure(
    billing_service, tenant, card
):
    stub = billing_service.stub
    customer = new_id()
    sub = await _monthly(stub, tenant, customer, provider="testcard")
    uow = billing_service.container.uow
    now = datetime.now(UTC)
    await renew_subscriptions(uow=uow, now=now)
    card.down = True
    assert (await charge_renewals(uow=uow, now=now)).provider_down == 1
    waiting = await stub.GetSubscription(pb.GetSubscriptionRequest(id=sub.id), metadata=tenant)
    assert waiting.status == pb.SUBSCRIPTION_STATUS_ACTIVE and waiting.failed_charges == 0
    assert (
        list(
            (
                await stub.ListPayments(
                    pb.ListPaymentsRequest(customer_id=customer), metadata=tenant
                )
            ).payments
        )
        == []
    )
    card.down = False
    later = waiting.next_charge_at.ToDatetime(tzinfo=UTC)
    assert (await charge_renewals(uow=uow, now=later)).succeeded == 1


async def test_manual_renewals_wait_for_staff_and_a_payment_ends_dunning(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    sub = await _monthly(stub, tenant, customer, provider="")
    assert sub.provider == "manual"
    uow = billing_service.container.uow
    await renew_subscriptions(uow=uow)
    assert (await charge_renewals(uow=uow)).not_collected >= 1
    [invoice] = await _renewal_invoices(billing_service, sub.id)
    assert invoice.status == "open"
    got = await stub.GetSubscription(pb.GetSubscriptionRequest(id=sub.id), metadata=tenant)
    assert not got.HasField("next_charge_at")
    await stub.RecordPayment(
        pb.RecordPaymentRequest(
            customer_id=customer,
            invoice_id=str(invoice.id),
            amount=usd(2_500),
            status=pb.PAYMENT_STATUS_SUCCEEDED,
            method=pb.PAYMENT_METHOD_CASH,
            provider="manual",
            provider_payment_id=new_id(),
        ),
        metadata=tenant,
    )
    [invoice] = await _renewal_invoices(billing_service, sub.id)
    assert invoice.status == "paid"


async def test_a_subscription_names_a_known_provider(billing_service, tenant):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _monthly(billing_service.stub, tenant, new_id(), provider="stripe")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(caught.value)] == ["provider"]

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from billing.testing import booking_request, new_id, ts, usd
from moodline.billing.v1 import billing_pb2 as pb
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration


def invoice_request(customer_id, *, price=5_000, tax=500, draft=False, currency="USD"):
    return pb.CreateInvoiceRequest(
        customer_id=customer_id,
        items=[
            pb.LineItem(description="Boiler service", quantity=2, unit_price=usd(price, currency))
        ],
        tax=usd(tax, currency),
        due_at=ts(datetime.now(UTC) + timedelta(days=14)),
        draft=draft,
    )


def payment(customer_id, amount, *, invoice_id="", booking_id="", key=None, failed=False):
    return pb.RecordPaymentRequest(
        customer_id=customer_id,
        invoice_id=invoice_id,
        booking_id=booking_id,
        amount=usd(amount),
        status=pb.PAYMENT_STATUS_FAILED if failed else pb.PAYMENT_STATUS_SUCCEEDED,
        method=pb.PAYMENT_METHOD_CASH,
        provider="manual",
        provider_payment_id=key or str(uuid.uuid4()),
    )


async def test_invoice_totals_and_gap_free_numbers_under_concurrency(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    draft = await stub.CreateInvoice(invoice_request(customer, draft=True), metadata=tenant)
    assert draft.status == pb.INVOICE_STATUS_DRAFT and draft.number == ""
    assert (draft.subtotal.amount_minor, draft.tax.amount_minor, draft.total.amount_minor) == (
        10_000,
        500,
        10_500,
    )
    created = await asyncio.gather(
        *(stub.CreateInvoice(invoice_request(customer), metadata=tenant) for _ in range(10))
    )
    issued = await stub.IssueInvoice(pb.IssueInvoiceRequest(id=draft.id), metadata=tenant)
    numbers = sorted([i.number for i in created] + [issued.number])
    assert numbers == [f"INV-{n:06d}" for n in range(1, 12)]
    assert issued.status == pb.INVOICE_STATUS_UNPAID


async def test_payments_settle_an_invoice_and_refunds_are_bounded(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    invoice = await stub.CreateInvoice(invoice_request(customer), metadata=tenant)
    first = await stub.RecordPayment(payment(customer, 500, invoice_id=invoice.id), metadata=tenant)
    with pytest.raises(grpc.aio.AioRpcError) as over:
        await stub.RecordPayment(payment(customer, 10_001, invoice_id=invoice.id), metadata=tenant)
    assert [v.field for v in field_violations(over.value)] == ["amount_minor"]
    await stub.RecordPayment(payment(customer, 10_000, invoice_id=invoice.id), metadata=tenant)
    paid = await stub.GetInvoice(pb.GetInvoiceRequest(id=invoice.id), metadata=tenant)
    assert paid.status == pb.INVOICE_STATUS_PAID and paid.amount_due.amount_minor == 0
    with pytest.raises(grpc.aio.AioRpcError) as too_much:
        await stub.RefundPayment(
            pb.RefundPaymentRequest(id=first.id, amount=usd(501), idempotency_key="r1"),
            metadata=tenant,
        )
    assert [v.field for v in field_violations(too_much.value)] == ["amount_minor"]
    part = await stub.RefundPayment(
        pb.RefundPaymentRequest(id=first.id, amount=usd(200), idempotency_key="r1"), metadata=tenant
    )
    again = await stub.RefundPayment(
        pb.RefundPaymentRequest(id=first.id, amount=usd(200), idempotency_key="r1"), metadata=tenant
    )
    assert part.status == again.status == pb.PAYMENT_STATUS_PARTIALLY_REFUNDED
    assert again.refunded_amount.amount_minor == 200
    rest = await stub.RefundPayment(
        pb.RefundPaymentRequest(id=first.id, idempotency_key="r2"), metadata=tenant
    )
    assert rest.status == pb.PAYMENT_STATUS_REFUNDED and rest.refunded_amount.amount_minor == 500
    value = await stub.GetCustomerValue(
        pb.GetCustomerValueRequest(customer_id=customer), metadata=tenant
    )
    # invoice revenue (not tied to a booking) counts net of refunds; one purchase
    assert value.lifetime_value.amount_minor == 10_000
    assert value.purchases_count == 1 and value.total_paid.amount_minor == 10_000


async def test_a_payment_is_recorded_once_per_provider_id(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    results = await asyncio.gather(
        *(
            stub.RecordPayment(payment(customer, 700, key="till-42"), metadata=tenant)
            for _ in range(5)
        )
    )
    assert len({p.id for p in results}) == 1
    page = await stub.ListPayments(pb.ListPaymentsRequest(customer_id=customer), metadata=tenant)
    assert len(page.payments) == 1


async def test_void_invoice_takes_no_payment(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    invoice = await stub.CreateInvoice(invoice_request(customer), metadata=tenant)
    voided = await stub.VoidInvoice(
        pb.VoidInvoiceRequest(id=invoice.id, reason="typo"), metadata=tenant
    )
    assert voided.status == pb.INVOICE_STATUS_VOID and voided.number == invoice.number
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.RecordPayment(payment(customer, 100, invoice_id=invoice.id), metadata=tenant)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(bad.value)] == ["invoice_id"]
    page = await stub.ListPayments(pb.ListPaymentsRequest(customer_id=customer), metadata=tenant)
    assert list(page.payments) == []


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        (-5, "USD", "amount_minor"),
        (0, "USD", "amount_minor"),
        (100, "ABC", "currency"),
        (100, "EUR", "currency"),
    ],
)
async def test_bad_payments_name_the_field(billing_service, tenant, amount, currency, field):
    request = payment(new_id(), 1)
    request.amount.CopyFrom(usd(amount, currency))
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await billing_service.stub.RecordPayment(request, metadata=tenant)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in [v.field for v in field_violations(bad.value)]


async def test_tenant_currency_is_enforced_and_fixed_once_used(billing_service, tenant):
    stub = billing_service.stub
    await stub.UpdateBillingSettings(
        pb.UpdateBillingSettingsRequest(currency="EUR"), metadata=tenant
    )
    euro = await stub.CreateBooking(booking_request(new_id(), currency="EUR"), metadata=tenant)
    assert euro.price.currency == "EUR"
    with pytest.raises(grpc.aio.AioRpcError) as fixed:
        await stub.UpdateBillingSettings(
            pb.UpdateBillingSettingsRequest(currency="USD"), metadata=tenant
        )
    assert fixed.value.code() == grpc.StatusCode.ABORTED


async def test_a_quote_converts_once_into_an_issued_invoice(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    quote = await stub.CreateQuote(
        pb.CreateQuoteRequest(
            customer_id=customer,
            items=[pb.LineItem(description="New tap", quantity=1, unit_price=usd(12_000))],
            tax=usd(1_200),
        ),
        metadata=tenant,
    )
    assert quote.number == "Q-000001" and quote.total.amount_minor == 13_200
    converted, again = [
        await stub.ConvertQuote(pb.ConvertQuoteRequest(id=quote.id), metadata=tenant)
        for _ in range(2)
    ]
    assert converted.status == pb.QUOTE_STATUS_CONVERTED
    assert converted.invoice_id == again.invoice_id
    invoice = await stub.GetInvoice(pb.GetInvoiceRequest(id=converted.invoice_id), metadata=tenant)
    assert invoice.quote_id == quote.id and invoice.total.amount_minor == 13_200
    assert invoice.status == pb.INVOICE_STATUS_UNPAID


async def test_payment_on_a_booking_cannot_exceed_its_price(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    b = await stub.CreateBooking(
        booking_request(customer, price=3_000, confirm=True), metadata=tenant
    )
    await stub.RecordPayment(payment(customer, 2_000, booking_id=b.id), metadata=tenant)
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.RecordPayment(payment(customer, 1_001, booking_id=b.id), metadata=tenant)
    assert [v.field for v in field_violations(bad.value)] == ["amount_minor"]

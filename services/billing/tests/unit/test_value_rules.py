import uuid
from datetime import UTC, datetime, timedelta

from billing.domain.bookings import Booking, BookingStatus, PartyMember
from billing.domain.invoices import Invoice, InvoiceStatus, LineItem
from billing.domain.payments import Payment, PaymentMethod, PaymentStatus
from billing.domain.value import customer_value

NOW = datetime(2027, 1, 5, 9, tzinfo=UTC)
T = uuid.uuid4()


def booking(customer, price, status, party=()) -> Booking:
    return Booking(
        id=uuid.uuid4(),
        tenant_id=T,
        customer_id=customer,
        service_id=None,
        service_name="",
        staff_id=None,
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        price_minor=price,
        currency="USD",
        status=status,
        party=list(party),
        confirmed_at=NOW,
        created_at=NOW,
    )


def payment(
    customer, amount, *, booking_id=None, invoice_id=None, refunded=0, failed=False, at=NOW
):
    return Payment(
        id=uuid.uuid4(),
        tenant_id=T,
        customer_id=customer,
        amount_minor=amount,
        currency="USD",
        status=PaymentStatus.FAILED
        if failed
        else (PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.SUCCEEDED),
        method=PaymentMethod.CARD,
        provider="manual",
        provider_payment_id=str(uuid.uuid4()),
        booking_id=booking_id,
        invoice_id=invoice_id,
        refunded_minor=refunded,
        created_at=at,
    )


def value(customer, bookings=(), payments=(), invoices=(), booking_of_invoice=None):
    return customer_value(
        customer,
        currency="USD",
        bookings=list(bookings),
        payments=list(payments),
        invoices=list(invoices),
        booking_of_invoice=booking_of_invoice or {},
        now=NOW,
    )


def test_only_confirmed_and_completed_bookings_count():
    ann = uuid.uuid4()
    bs = [
        booking(ann, 10_000, BookingStatus.CONFIRMED),
        booking(ann, 20_000, BookingStatus.COMPLETED),
        booking(ann, 40_000, BookingStatus.PENDING),
        booking(ann, 80_000, BookingStatus.CANCELLED),
        booking(ann, 90_000, BookingStatus.NO_SHOW),
    ]
    v = value(ann, bs)
    assert (v.ltv_minor, v.bookings_count, v.purchases_count, v.aov_minor) == (30_000, 2, 2, 15_000)
    assert v.last_purchase_at == NOW


def test_party_shares_count_for_the_member_and_refunds_of_counted_bookings_subtract():
    ann, ben = uuid.uuid4(), uuid.uuid4()
    b = booking(ann, 30_000, BookingStatus.CONFIRMED, [PartyMember(ben, "", 10_000)])
    paid = payment(ann, 30_000, booking_id=b.id, refunded=5_000)
    assert value(ann, [b], [paid]).ltv_minor == 15_000
    assert value(ben, [b]).ltv_minor == 10_000
    # the booking no longer counts: its refund does not subtract a second time
    b.status = BookingStatus.CANCELLED
    assert value(ann, [b], [paid]).ltv_minor == 0
    assert value(ann, [b], [paid]).total_paid_minor == 25_000


def test_invoice_payments_not_tied_to_bookings_are_purchases_net_of_refunds():
    ann = uuid.uuid4()
    inv = uuid.uuid4()
    ps = [payment(ann, 6_000, invoice_id=inv), payment(ann, 4_000, invoice_id=inv, refunded=1_000)]
    v = value(ann, payments=ps)
    assert (v.ltv_minor, v.purchases_count) == (9_000, 1)


def test_invoice_of_a_booking_is_the_booking_revenue():
    ann = uuid.uuid4()
    b = booking(ann, 8_000, BookingStatus.CONFIRMED)
    inv = uuid.uuid4()
    v = value(ann, [b], [payment(ann, 8_000, invoice_id=inv)], booking_of_invoice={inv: b.id})
    assert (v.ltv_minor, v.purchases_count) == (8_000, 1)


def test_failures_outstanding_and_overdue_feed_at_risk():
    ann = uuid.uuid4()
    ps = [
        payment(ann, 100, failed=True),
        payment(ann, 100, failed=True, at=NOW - timedelta(days=120)),
    ]
    overdue = Invoice(
        id=uuid.uuid4(),
        tenant_id=T,
        customer_id=ann,
        items=[LineItem("x", 1, 5_000)],
        tax_minor=0,
        currency="USD",
        due_at=NOW,
        status=InvoiceStatus.OVERDUE,
        amount_paid_minor=1_000,
    )
    v = value(ann, payments=ps, invoices=[overdue])
    assert (v.recent_failed_payments_count, v.overdue_invoices_count, v.outstanding_minor) == (
        1,
        1,
        4_000,
    )
    assert v.ltv_minor == 0 and v.purchases_count == 0 and v.aov_minor == 0

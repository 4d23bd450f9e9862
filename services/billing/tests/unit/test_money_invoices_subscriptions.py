import uuid
from datetime import UTC, datetime, timedelta

import pytest
from billing.domain.invoices import Invoice, InvoiceStatus, LineItem, check_items, format_number
from billing.domain.money import check_amount, is_currency
from billing.domain.payments import Payment, PaymentMethod, PaymentStatus
from billing.domain.subscriptions import Interval, Subscription, SubscriptionStatus
from moodline_kit.errors import Conflict, InvalidArgument

NOW = datetime(2027, 1, 31, 9, tzinfo=UTC)


def test_currencies_are_iso_4217_codes():
    assert is_currency("USD") and is_currency("JPY") and is_currency("EUR")
    assert not is_currency("usd") and not is_currency("XXQ") and not is_currency("")


def test_amount_checks_name_the_field_and_the_sibling_currency():
    assert check_amount("amount_minor", 1, "USD", tenant_currency="USD") == []
    fields = [v.field for v in check_amount("tax_minor", -1, "GBP", tenant_currency="USD")]
    assert fields == ["tax_minor", "currency"]
    nested = check_amount("price.amount_minor", 0, "USD", tenant_currency="USD", positive=True)
    assert [v.field for v in nested] == ["price.amount_minor"]


def invoice(**kw) -> Invoice:
    return Invoice(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        items=[LineItem("Tap", 2, 1_250), LineItem("Call-out", 1, 4_000)],
        tax_minor=650,
        currency="USD",
        due_at=NOW,
        **kw,
    )


def test_invoice_totals_and_lifecycle():
    i = invoice()
    assert (i.subtotal_minor, i.total_minor, i.amount_due_minor) == (6_500, 7_150, 0)
    i.issue(format_number("INV", 7), NOW)
    assert i.number == "INV-000007" and i.amount_due_minor == 7_150
    with pytest.raises(InvalidArgument):
        i.check_payable(7_151)
    assert not i.apply_payment(7_000, NOW)
    assert i.apply_payment(150, NOW) and i.status is InvoiceStatus.PAID
    with pytest.raises(Conflict):
        i.void("late", NOW)


def test_overdue_once_and_void_refuses_payments():
    i = invoice(status=InvoiceStatus.OPEN)
    assert i.mark_overdue(NOW) and not i.mark_overdue(NOW)
    i.void("dup", NOW)
    with pytest.raises(InvalidArgument) as bad:
        i.check_payable(1)
    assert bad.value.violations[0].field == "invoice_id"


def test_line_items_are_validated():
    fields = {
        v.field
        for v in check_items(
            [LineItem("", 0, -1)], tax_minor=0, currency="USD", tenant_currency="USD"
        )
    }
    assert fields == {"items[0].description", "items[0].quantity", "items[0].unit_price_minor"}
    assert [v.field for v in check_items([], 0, "USD", tenant_currency="USD")] == ["items"]


def test_refunds_are_bounded_by_what_was_paid():
    p = Payment(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        amount_minor=1_000,
        currency="USD",
        status=PaymentStatus.SUCCEEDED,
        method=PaymentMethod.CASH,
        provider="manual",
        provider_payment_id="x",
    )
    assert p.refund(400, NOW) == 400 and p.status is PaymentStatus.PARTIALLY_REFUNDED
    with pytest.raises(InvalidArgument):
        p.refund(601, NOW)
    assert p.refund(None, NOW) == 600 and p.status is PaymentStatus.REFUNDED
    with pytest.raises(InvalidArgument):
        p.refund(1, NOW)
    p.status = PaymentStatus.FAILED
    with pytest.raises(Conflict):
        p.refund(1, NOW)


def subscription(interval=Interval.MONTHLY) -> Subscription:
    s = Subscription(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        plan_name="Massage club",
        price_minor=4_900,
        currency="USD",
        interval=interval,
        started_at=NOW,
        current_period_start=NOW,
        current_period_end=NOW,
    )
    s.current_period_end = s.period_after(NOW)
    return s


def test_monthly_periods_keep_the_anchor_day():
    s = subscription()
    assert s.current_period_end == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert s.renew(NOW) is None  # not due yet
    start = s.renew(datetime(2027, 3, 1, tzinfo=UTC))
    assert start == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert s.current_period_end == datetime(2027, 3, 31, 9, tzinfo=UTC)


def test_cancel_at_period_end_ends_instead_of_renewing():
    s = subscription(Interval.WEEKLY)
    s.cancel(at_period_end=True, now=NOW)
    assert s.status is SubscriptionStatus.ACTIVE
    assert s.renew(NOW + timedelta(days=8)) is None
    assert s.status is SubscriptionStatus.CANCELLED
    with pytest.raises(Conflict):
        s.cancel(at_period_end=False, now=NOW)

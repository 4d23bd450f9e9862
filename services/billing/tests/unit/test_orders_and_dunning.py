import uuid
from datetime import UTC, datetime, timedelta

import pytest
from billing.domain.catalog import CatalogService
from billing.domain.orders import Order, OrderLine, OrderStatus, price_lines
from billing.domain.payments import Payment, PaymentMethod, PaymentStatus
from billing.domain.subscriptions import RETRY_AFTER, Interval, Subscription, SubscriptionStatus
from billing.domain.value import customer_value
from moodline_kit.errors import Conflict, InvalidArgument

NOW = datetime(2027, 1, 31, 9, tzinfo=UTC)
TENANT = uuid.uuid4()


def service(price=4_500, currency="USD", active=True) -> CatalogService:
    return CatalogService(uuid.uuid4(), TENANT, "Manicure", 45, price, currency, active, NOW)


def violations(call) -> set[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as caught:
        call()
    return {v.field for v in caught.value.violations}


def test_order_lines_take_name_and_price_from_the_catalogue():
    a, b = service(), service(1_250)
    lines = price_lines(
        [OrderLine(a.id, 1), OrderLine(b.id, 2)], {a.id: a, b.id: b}, tenant_currency="USD"
    )
    assert [(x.description, x.quantity, x.unit_price_minor, x.total_minor) for x in lines] == [
        ("Manicure", 1, 4_500, 4_500),
        ("Manicure", 2, 1_250, 2_500),
    ]
    assert [x.service_id for x in lines] == [a.id, b.id]


def test_bad_order_lines_are_reported_by_field():
    ok, retired, euro = service(), service(active=False), service(currency="EUR")
    catalogue = {s.id: s for s in (ok, retired, euro)}
    assert violations(lambda: price_lines([], catalogue, tenant_currency="USD")) == {"items"}
    assert violations(
        lambda: price_lines(
            [
                OrderLine(None, 1),
                OrderLine(uuid.uuid4(), 1),
                OrderLine(retired.id, 1),
                OrderLine(euro.id, 1),
                OrderLine(ok.id, 0),
            ],
            catalogue,
            tenant_currency="USD",
        )
    ) == {f"items[{i}].service_id" for i in range(4)} | {"items[4].quantity"}


def order(total=7_000) -> Order:
    s = service(total)
    return Order(
        uuid.uuid4(),
        TENANT,
        uuid.uuid4(),
        price_lines([OrderLine(s.id, 1)], {s.id: s}, tenant_currency="USD"),
        "USD",
    )


def test_an_order_is_paid_in_parts_refunded_and_only_cancelled_unpaid():
    o = order()
    o.check_payable(7_000)
    assert violations(lambda: o.check_payable(7_001)) == {"amount_minor"}
    assert not o.apply_payment(3_000, NOW) and o.amount_due_minor == 4_000
    with pytest.raises(Conflict):
        o.cancel("no", NOW)
    assert o.apply_payment(4_000, NOW) and o.status is OrderStatus.PAID
    assert o.amount_due_minor == 0 and o.paid_at == NOW
    assert violations(lambda: o.check_payable(1)) == {"order_id"}
    o.apply_refund(3_000, NOW)
    assert o.status is OrderStatus.PAID
    o.apply_refund(4_000, NOW)
    assert o.status is OrderStatus.REFUNDED and o.amount_paid_minor == 0
    unpaid = order()
    unpaid.cancel("changed mind", NOW)
    assert unpaid.status is OrderStatus.CANCELLED and unpaid.amount_due_minor == 0


def test_payments_on_one_order_are_one_purchase_in_the_customer_value():
    customer, order_id = uuid.uuid4(), uuid.uuid4()

    def pay(amount, refunded=0):  # type: ignore[no-untyped-def]
        return Payment(
            uuid.uuid4(), TENANT, customer, amount, "USD", PaymentStatus.SUCCEEDED,
            PaymentMethod.CARD, "manual", str(uuid.uuid4()), order_id=order_id,
            refunded_minor=refunded, created_at=NOW,
        )  # fmt: skip

    value = customer_value(
        customer,
        currency="USD",
        bookings=[],
        payments=[pay(3_000), pay(4_000, refunded=1_000)],
        invoices=[],
        booking_of_invoice={},
        now=NOW,
    )
    assert (value.ltv_minor, value.purchases_count, value.aov_minor) == (6_000, 1, 6_000)


def subscription() -> Subscription:
    return Subscription(
        uuid.uuid4(), TENANT, uuid.uuid4(), "Monthly", 2_500, "USD", Interval.MONTHLY,
        NOW, NOW, NOW + timedelta(days=28), provider="testcard",
    )  # fmt: skip


def test_failed_renewal_charges_go_past_due_and_retry_on_the_dunning_schedule():
    s, invoice_id = subscription(), uuid.uuid4()
    s.charge_renewal(invoice_id, NOW)
    assert s.next_charge_at == NOW and s.charge_invoice_id == invoice_id
    at = NOW
    for n, delay in enumerate(RETRY_AFTER, start=1):
        s.charge_failed(at)
        assert s.status is SubscriptionStatus.PAST_DUE and s.failed_charges == n
        assert s.next_charge_at == at + delay
        at = s.next_charge_at
    s.charge_failed(at)
    assert s.next_charge_at is None and s.status is SubscriptionStatus.PAST_DUE
    # staff collect the invoice by hand: dunning ends
    assert not s.renewal_paid(uuid.uuid4())
    assert s.renewal_paid(invoice_id)
    assert s.status is SubscriptionStatus.ACTIVE and s.failed_charges == 0


def test_a_charge_that_succeeds_or_is_left_to_staff_ends_the_attempts():
    s = subscription()
    s.charge_renewal(uuid.uuid4(), NOW)
    s.charge_failed(NOW)
    s.charge_succeeded()
    assert (s.status, s.failed_charges, s.next_charge_at) == (SubscriptionStatus.ACTIVE, 0, None)
    s.charge_renewal(uuid.uuid4(), NOW)
    s.provider_unreachable(NOW)
    assert s.next_charge_at > NOW and s.failed_charges == 0
    s.charge_not_collected()
    assert s.next_charge_at is None and s.status is SubscriptionStatus.ACTIVE

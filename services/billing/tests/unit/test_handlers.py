"""The billing use cases on the in-memory unit of work (billing_fakes): the tenant's currency,
catalogue, bookings (priced from the catalogue, the staff slot, transitions moving the
customer's value), invoices (gap-free numbers, void, overdue once), quotes, orders (one per
request id), payments (once per provider id, applied to what they pay), refunds (once per
key), subscriptions (one invoice per period, charged with dunning) and signed webhooks."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from billing.adapters.repository import BookingFilter
from billing.domain.bookings import BookingStatus, PartyMember
from billing.domain.invoices import InvoiceStatus, LineItem, QuoteStatus
from billing.domain.orders import OrderLine, OrderStatus
from billing.domain.payments import PaymentMethod, PaymentStatus
from billing.domain.subscriptions import Interval, SubscriptionStatus
from billing.domain.webhooks import sign
from billing.service_layer import (
    bookings,
    catalog,
    customer_data,
    invoices,
    orders,
    subscriptions,
    webhooks,
)
from billing.service_layer.payments import (
    RecordPayment,
    RefundPayment,
    list_payments,
    record_payment,
    refund_payment,
)
from billing.service_layer.providers import PROVIDERS, Charge, ChargeOutcome, ChargeResult
from billing.service_layer.value import get_customer_value
from billing_fakes import FakeBillingUnitOfWork
from moodline.events.v1 import subjects
from moodline_kit.errors import Conflict, InvalidArgument, NotFound, Unauthenticated

TENANT = uuid.uuid4()
NOW = datetime.now(UTC)


@pytest.fixture
def uow() -> FakeBillingUnitOfWork:
    return FakeBillingUnitOfWork()


async def service(uow, price=5_000, minutes=60):  # type: ignore[no-untyped-def]
    return await catalog.create_service(
        tenant_id=TENANT, name="Cut", duration_minutes=minutes, price_minor=price,
        currency="USD", uow=uow,
    )  # fmt: skip


async def staff(uow, name="Sam"):  # type: ignore[no-untyped-def]
    return await catalog.create_staff_member(
        tenant_id=TENANT, name=name, colour="", user_id="", uow=uow
    )


async def book(uow, customer, *, at=NOW + timedelta(days=1), **kw):  # type: ignore[no-untyped-def]
    command = bookings.CreateBooking(
        tenant_id=TENANT, customer_id=customer, starts_at=at, ends_at=kw.pop("ends_at", None),
        currency="USD", **kw,
    )  # fmt: skip
    return await bookings.create_booking(command=command, uow=uow)


def pay(customer, amount, pid, **kw):  # type: ignore[no-untyped-def]
    return RecordPayment(
        tenant_id=TENANT, customer_id=customer, amount_minor=amount, currency="USD",
        method=PaymentMethod.CASH, provider="manual", provider_payment_id=pid, **kw,
    )  # fmt: skip


async def invoice(uow, customer, amount=10_000, **kw):  # type: ignore[no-untyped-def]
    command = invoices.CreateInvoice(
        tenant_id=TENANT, customer_id=customer, items=(LineItem("Repair", 1, amount),),
        currency="USD", **kw,
    )  # fmt: skip
    return await invoices.create_invoice(command=command, uow=uow)


def values(uow):  # type: ignore[no-untyped-def]
    """The customer figures published, in order: (customer, ltv)."""
    return [
        (e.payload.customer_id, e.payload.value.lifetime_value.amount_minor)
        for e in uow.published
        if e.subject == subjects.BILLING_CUSTOMER_VALUE_CHANGED
    ]


async def test_the_currency_is_fixed_once_an_amount_is_recorded(uow):
    assert await catalog.set_currency(tenant_id=TENANT, currency="EUR", uow=uow) == "EUR"
    with pytest.raises(InvalidArgument):
        await catalog.set_currency(tenant_id=TENANT, currency="euros", uow=uow)
    with pytest.raises(InvalidArgument, match="currency"):
        await service(uow)  # USD in a EUR tenant
    await catalog.set_currency(tenant_id=TENANT, currency="USD", uow=uow)
    cut = await service(uow)
    with pytest.raises(Conflict):
        await catalog.set_currency(tenant_id=TENANT, currency="EUR", uow=uow)
    assert [s.id for s in await catalog.list_services(tenant_id=TENANT, uow=uow)] == [cut.id]
    assert await catalog.get_currency(tenant_id=TENANT, uow=uow) == "USD"


async def test_a_booking_is_priced_from_the_catalogue_and_holds_its_staff_slot(uow):
    cut, sam = await service(uow), await staff(uow)
    ann, bob = uuid.uuid4(), uuid.uuid4()
    booked = await book(uow, ann, service_id=cut.id, staff_id=sam.id)
    assert (booked.price_minor, booked.ends_at - booked.starts_at) == (5_000, timedelta(hours=1))
    assert booked.service_name == "Cut" and booked.status is BookingStatus.PENDING
    with pytest.raises(Conflict, match="overlapping"):
        await book(uow, bob, at=booked.starts_at + timedelta(minutes=30), service_id=cut.id,
                   staff_id=sam.id)  # fmt: skip
    later = await book(uow, bob, at=booked.ends_at, service_id=cut.id, staff_id=sam.id)
    with pytest.raises(InvalidArgument, match="service_id"):
        await book(uow, bob, service_id=uuid.uuid4())
    with pytest.raises(InvalidArgument, match="ends_at"):
        await book(uow, bob, price_minor=100)
    page = await bookings.list_bookings(
        tenant_id=TENANT, filters=BookingFilter(staff_id=sam.id), limit=1, cursor="", uow=uow
    )
    rest = await bookings.list_bookings(
        tenant_id=TENANT, filters=BookingFilter(staff_id=sam.id), limit=1,
        cursor=page.next_cursor, uow=uow,
    )  # fmt: skip
    assert [b.id for b in page.items + rest.items] == [booked.id, later.id]
    assert uow.subjects() == [subjects.BILLING_BOOKING_CREATED] * 2


async def test_booking_transitions_move_the_value_of_everyone_in_the_party(uow):
    ann, guest = uuid.uuid4(), uuid.uuid4()
    party = (PartyMember(guest, "Gus", 2_000),)
    booked = await book(uow, ann, ends_at=NOW + timedelta(days=1, hours=1), price_minor=5_000,
                        party=party)  # fmt: skip
    assert values(uow) == []  # a pending booking counts for nobody
    await bookings.transition_booking(
        tenant_id=TENANT, booking_id=booked.id, action="confirm", uow=uow
    )
    assert sorted(values(uow)) == sorted([(str(ann), 3_000), (str(guest), 2_000)])
    done = await bookings.transition_booking(
        tenant_id=TENANT, booking_id=booked.id, action="complete", uow=uow
    )
    assert done.status is BookingStatus.COMPLETED and len(values(uow)) == 2  # still counted
    with pytest.raises(Conflict):
        await bookings.transition_booking(
            tenant_id=TENANT, booking_id=booked.id, action="cancel", uow=uow
        )
    assert uow.subjects()[-1] == subjects.BILLING_BOOKING_COMPLETED
    figures = await get_customer_value(tenant_id=TENANT, customer_id=guest, uow=uow)
    assert (figures.ltv_minor, figures.bookings_count) == (2_000, 1)
    with pytest.raises(NotFound):
        await bookings.get_booking(tenant_id=uuid.uuid4(), booking_id=booked.id, uow=uow)


async def test_invoices_get_gap_free_numbers_are_paid_voided_and_go_overdue_once(uow):
    ann = uuid.uuid4()
    draft = await invoice(uow, ann, draft=True)
    first = await invoice(uow, ann, due_at=NOW - timedelta(days=1))
    issued = await invoices.issue_invoice(tenant_id=TENANT, invoice_id=draft.id, uow=uow)
    assert (draft.number, first.number, issued.number) == ("", "INV-000001", "INV-000002")
    with pytest.raises(InvalidArgument, match="amount due"):
        await record_payment(command=pay(ann, 10_001, "p0", invoice_id=issued.id), uow=uow)
    await record_payment(command=pay(ann, 10_000, "p1", invoice_id=issued.id), uow=uow)
    paid = await invoices.get_invoice(tenant_id=TENANT, invoice_id=issued.id, uow=uow)
    assert paid.status is InvoiceStatus.PAID and subjects.BILLING_INVOICE_PAID in uow.subjects()
    assert await invoices.mark_overdue(uow=uow) == 1
    assert await invoices.mark_overdue(uow=uow) == 0
    overdue = await invoices.get_invoice(tenant_id=TENANT, invoice_id=first.id, uow=uow)
    assert overdue.status is InvoiceStatus.OVERDUE
    voided = await invoices.void_invoice(tenant_id=TENANT, invoice_id=first.id, reason="x", uow=uow)
    assert voided.status is InvoiceStatus.VOID
    figures = await get_customer_value(tenant_id=TENANT, customer_id=ann, uow=uow)
    assert (figures.total_paid_minor, figures.outstanding_minor) == (10_000, 0)
    listed = await invoices.list_invoices(
        tenant_id=TENANT, customer_id=ann, statuses=(InvoiceStatus.PAID,), limit=10, cursor="",
        uow=uow,
    )  # fmt: skip
    assert [i.id for i in listed.items] == [issued.id]


async def test_a_quote_converts_once_into_an_issued_invoice(uow):
    ann = uuid.uuid4()
    quote = await invoices.create_quote(
        command=invoices.CreateQuote(TENANT, ann, (LineItem("Paint", 2, 1_500),), "USD"), uow=uow
    )
    assert quote.number == "Q-000001"
    converted = await invoices.convert_quote(
        tenant_id=TENANT, quote_id=quote.id, due_at=None, uow=uow
    )
    again = await invoices.convert_quote(tenant_id=TENANT, quote_id=quote.id, due_at=None, uow=uow)
    assert converted.status is QuoteStatus.CONVERTED and again.invoice_id == converted.invoice_id
    [made] = uow.store.invoices.values()
    assert (made.id, made.total_minor, made.number) == (converted.invoice_id, 3_000, "INV-000001")
    with pytest.raises(Conflict):
        await invoices.decline_quote(tenant_id=TENANT, quote_id=quote.id, uow=uow)


async def test_an_order_is_placed_once_per_request_paid_and_refunded(uow):
    cut = await service(uow, price=2_500)
    ann = uuid.uuid4()
    command = orders.PlaceOrder(TENANT, ann, (OrderLine(cut.id, 2),), request_id="req-1")
    placed = await orders.place_order(command=command, uow=uow)
    assert (await orders.place_order(command=command, uow=uow)).id == placed.id
    assert placed.total_minor == 5_000 and len(uow.store.orders) == 1
    payment, created = await record_payment(
        command=pay(ann, 5_000, "p1", order_id=placed.id), uow=uow
    )
    repeat, again = await record_payment(command=pay(ann, 5_000, "p1", order_id=placed.id), uow=uow)
    assert created and not again and repeat.id == payment.id
    assert (await orders.get_order(tenant_id=TENANT, order_id=placed.id, uow=uow)).status is (
        OrderStatus.PAID
    )
    refund = RefundPayment(TENANT, payment.id, 2_000, "r1")
    refunded, done = await refund_payment(command=refund, uow=uow)
    _, repeated = await refund_payment(command=refund, uow=uow)
    assert done and not repeated and refunded.status is PaymentStatus.PARTIALLY_REFUNDED
    with pytest.raises(InvalidArgument, match="left to refund"):
        await refund_payment(command=RefundPayment(TENANT, payment.id, 3_001, "r2"), uow=uow)
    assert uow.subjects().count(subjects.BILLING_PAYMENT_REFUNDED) == 1
    assert values(uow)[-1] == (str(ann), 3_000)


async def test_a_booking_takes_payments_up_to_its_price(uow):
    ann = uuid.uuid4()
    booked = await book(uow, ann, ends_at=NOW + timedelta(days=1, hours=1), price_minor=4_000,
                        confirm=True)  # fmt: skip
    await record_payment(command=pay(ann, 3_000, "p1", booking_id=booked.id), uow=uow)
    with pytest.raises(InvalidArgument, match=r"left to pay on the booking \(1000\)"):
        await record_payment(command=pay(ann, 1_001, "p2", booking_id=booked.id), uow=uow)
    with pytest.raises(InvalidArgument, match="one of"):
        await record_payment(
            command=pay(ann, 1, "p3", booking_id=booked.id, invoice_id=uuid.uuid4()), uow=uow
        )
    page = await list_payments(
        tenant_id=TENANT, customer_id=ann, statuses=(), limit=10, cursor="", uow=uow
    )
    assert [p.provider_payment_id for p in page.items] == ["p1"]


class Card:
    """A provider that fails the first `failing` charges; keeps every key it was asked."""

    name = "card"

    def __init__(self, failing: int) -> None:
        self.failing = failing
        self.keys: list[str] = []

    async def charge(self, charge: Charge) -> ChargeResult:
        self.keys.append(charge.idempotency_key)
        if len(self.keys) <= self.failing:
            return ChargeResult(
                ChargeOutcome.FAILED, f"ch_{len(self.keys)}", failure_code="declined"
            )
        return ChargeResult(ChargeOutcome.SUCCEEDED, f"ch_{len(self.keys)}")


async def test_a_subscription_renews_once_per_period_and_is_charged_with_dunning(uow, monkeypatch):
    card = Card(failing=1)
    monkeypatch.setitem(PROVIDERS, "card", card)
    ann = uuid.uuid4()
    start = NOW - timedelta(days=8)
    sub = await subscriptions.create_subscription(
        command=subscriptions.CreateSubscription(
            tenant_id=TENANT, customer_id=ann, plan_name="Gold", price_minor=1_000,
            currency="USD", interval=Interval.WEEKLY, start_at=start, provider="card",
        ),
        uow=uow,
    )  # fmt: skip
    assert sub.current_period_end == start + timedelta(weeks=1)
    assert await subscriptions.renew_subscriptions(uow=uow, now=NOW) == 1
    assert await subscriptions.renew_subscriptions(uow=uow, now=NOW) == 0
    [renewal] = uow.store.invoices.values()
    assert (renewal.subscription_id, renewal.total_minor) == (sub.id, 1_000)
    first = await subscriptions.charge_renewals(uow=uow, providers={"card": card}, now=NOW)
    assert first == subscriptions.Charged(failed=1)
    stored = await subscriptions.get_subscription(tenant_id=TENANT, subscription_id=sub.id, uow=uow)
    assert stored.status is SubscriptionStatus.PAST_DUE and stored.next_charge_at > NOW
    retry_at = stored.next_charge_at
    second = await subscriptions.charge_renewals(uow=uow, providers={"card": card}, now=retry_at)
    assert second == subscriptions.Charged(succeeded=1)
    assert card.keys == [f"{renewal.id}/0", f"{renewal.id}/1"]
    stored = await subscriptions.get_subscription(tenant_id=TENANT, subscription_id=sub.id, uow=uow)
    assert stored.status is SubscriptionStatus.ACTIVE and stored.next_charge_at is None
    assert uow.store.invoices[renewal.id].status is InvoiceStatus.PAID
    cancelled = await subscriptions.cancel_subscription(
        tenant_id=TENANT, subscription_id=sub.id, at_period_end=False, reason="moving", uow=uow
    )
    assert cancelled.status is SubscriptionStatus.CANCELLED
    with pytest.raises(Conflict):
        await subscriptions.cancel_subscription(
            tenant_id=TENANT, subscription_id=sub.id, at_period_end=False, reason="", uow=uow
        )


async def test_a_signed_webhook_is_applied_once_and_a_bad_signature_stores_nothing(uow):
    endpoint = await webhooks.create_endpoint(tenant_id=TENANT, provider_name="manual", uow=uow)
    again = await webhooks.create_endpoint(tenant_id=TENANT, provider_name="manual", uow=uow)
    assert again.id == endpoint.id and again.secret != endpoint.secret
    ann = uuid.uuid4()
    body = json.dumps(
        {"id": "evt_1", "type": "payment.succeeded",
         "data": {"payment_id": "pay_1", "customer_id": str(ann), "amount_minor": 700,
                  "currency": "USD"}}
    ).encode()  # fmt: skip
    now = int(time.time())

    def delivery(signature: str) -> webhooks.Delivery:
        return webhooks.Delivery("manual", str(endpoint.id), now, signature, body)

    with pytest.raises(Unauthenticated):
        await webhooks.ingest(delivery=delivery(sign(endpoint.secret, now, body)), uow=uow,
                              tolerance=300)  # fmt: skip
    good = delivery(sign(again.secret, now, body))
    first = await webhooks.ingest(delivery=good, uow=uow, tolerance=300)
    replay = await webhooks.ingest(delivery=good, uow=uow, tolerance=300)
    assert first.applied and first.payment is not None and not replay.applied
    assert len(uow.store.payments) == 1 and uow.store.webhook_events == {(endpoint.id, "evt_1")}
    refund = json.dumps(
        {"id": "evt_2", "type": "payment.refunded", "data": {"payment_id": "pay_1",
                                                             "amount_minor": 200}}
    ).encode()  # fmt: skip
    signed = webhooks.Delivery("manual", str(endpoint.id), now, sign(again.secret, now, refund),
                               refund)  # fmt: skip
    for _ in range(2):
        await webhooks.ingest(delivery=signed, uow=uow, tolerance=300)
    [payment] = uow.store.payments.values()
    assert (payment.refunded_minor, payment.status) == (200, PaymentStatus.PARTIALLY_REFUNDED)


async def test_a_reschedule_keeps_the_staff_slot_rule_and_says_when_it_moved(uow):
    cut, sam = await service(uow), await staff(uow)
    first = await book(uow, uuid.uuid4(), service_id=cut.id, staff_id=sam.id)
    second = await book(uow, uuid.uuid4(), at=first.ends_at, service_id=cut.id, staff_id=sam.id)

    async def move(booking, **changes):  # type: ignore[no-untyped-def]
        command = bookings.UpdateBooking(TENANT, booking.id, changes)
        return await bookings.update_booking(command=command, uow=uow)

    with pytest.raises(Conflict, match="overlapping"):
        await move(second, starts_at=first.starts_at, ends_at=first.ends_at)
    moved = await move(second, starts_at=second.starts_at + timedelta(hours=2),
                       ends_at=second.ends_at + timedelta(hours=2))  # fmt: skip
    assert moved.starts_at == first.ends_at + timedelta(hours=2)
    assert uow.subjects()[-1] == subjects.BILLING_BOOKING_RESCHEDULED
    with pytest.raises(InvalidArgument, match="cannot be changed"):
        await move(first, status="confirmed")
    await bookings.transition_booking(
        tenant_id=TENANT, booking_id=first.id, action="cancel", reason="ill", uow=uow
    )
    with pytest.raises(Conflict, match="no longer change"):
        await move(first, notes="too late")


async def test_an_order_is_cancelled_only_while_nothing_is_paid_on_it(uow):
    cut = await service(uow, price=2_500)
    ann = uuid.uuid4()
    unpaid, paid = [
        await orders.place_order(command=orders.PlaceOrder(TENANT, ann, (OrderLine(cut.id, 1),)),
                                 uow=uow)
        for _ in range(2)
    ]  # fmt: skip
    await record_payment(command=pay(ann, 1_000, "p1", order_id=paid.id), uow=uow)
    with pytest.raises(Conflict, match="refund them"):
        await orders.cancel_order(tenant_id=TENANT, order_id=paid.id, reason="", uow=uow)
    cancelled = await orders.cancel_order(
        tenant_id=TENANT, order_id=unpaid.id, reason="changed mind", uow=uow
    )
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.cancellation_reason
    assert uow.subjects()[-1] == subjects.BILLING_ORDER_CANCELLED
    listed = await orders.list_orders(
        tenant_id=TENANT, customer_id=ann, statuses=(OrderStatus.CANCELLED,), limit=5, cursor="",
        uow=uow,
    )  # fmt: skip
    assert [o.id for o in listed.items] == [unpaid.id]


async def test_a_merge_moves_everything_to_the_survivor_and_an_erasure_blanks_free_text(uow):
    gone, kept, friend = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    own = await book(uow, gone, ends_at=NOW + timedelta(days=1, hours=1), price_minor=3_000,
                     confirm=True, notes="allergic to nuts", location="home")  # fmt: skip
    guest = await book(uow, friend, ends_at=NOW + timedelta(days=2, hours=1), price_minor=2_000,
                       at=NOW + timedelta(days=2), party=(PartyMember(gone, "Gone", 500),),
                       confirm=True)  # fmt: skip
    await record_payment(command=pay(gone, 3_000, "p1", booking_id=own.id), uow=uow)
    await invoice(uow, gone, amount=700)
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.reassign(work, TENANT, gone, kept)
        await work.commit()
    assert {r.customer_id for r in uow.store.payments.values()} == {kept}
    assert {i.customer_id for i in uow.store.invoices.values()} == {kept}
    assert uow.store.bookings[own.id].customer_id == kept
    assert [m.customer_id for m in uow.store.bookings[guest.id].party] == [kept]
    assert values(uow)[-1] == (str(kept), 3_500)  # the survivor's figures, republished
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.erase(work, TENANT, kept)
        await work.commit()
    erased = uow.store.bookings[own.id]
    assert (erased.notes, erased.location, erased.price_minor) == ("", "", 3_000)
    assert [m.name for m in uow.store.bookings[guest.id].party] == [""]
    [payment] = uow.store.payments.values()
    assert payment.provider_payment_id == f"erased:{payment.id}" and payment.amount_minor == 3_000


async def pages(uow, listing, customer, statuses=(), tenant=TENANT):  # type: ignore[no-untyped-def]
    """Every page of `listing` at one row a page: the ids in page order, one list per page."""
    found, cursor = [], ""
    while True:
        page = await listing(
            tenant_id=tenant, customer_id=customer, statuses=statuses, limit=1, cursor=cursor,
            uow=uow,
        )  # fmt: skip
        found.append([row.id for row in page.items])
        if not page.next_cursor:
            return found
        cursor = page.next_cursor


async def test_quotes_and_subscriptions_list_by_customer_and_status_in_pages(uow):
    ann, bob = uuid.uuid4(), uuid.uuid4()
    quotes = [
        await invoices.create_quote(
            command=invoices.CreateQuote(TENANT, who, (LineItem("Paint", 1, 1_000),), "USD"),
            uow=uow,
        )
        for who in (ann, ann, bob)
    ]
    await invoices.decline_quote(tenant_id=TENANT, quote_id=quotes[0].id, uow=uow)
    listed = await pages(uow, invoices.list_quotes, ann)
    assert len(listed) == 2 and {q for [q] in listed} == {quotes[0].id, quotes[1].id}
    assert await pages(uow, invoices.list_quotes, None, (QuoteStatus.DECLINED,)) == [[quotes[0].id]]
    assert await pages(uow, invoices.list_quotes, None, tenant=uuid.uuid4()) == [[]]

    async def subscribe(customer, plan):  # type: ignore[no-untyped-def]
        return await subscriptions.create_subscription(
            command=subscriptions.CreateSubscription(
                tenant_id=TENANT, customer_id=customer, plan_name=plan, price_minor=1_000,
                currency="USD", interval=Interval.MONTHLY, start_at=NOW, provider="manual",
            ),
            uow=uow,
        )  # fmt: skip

    gold, silver, _ = [await subscribe(ann, "Gold"), await subscribe(ann, "Silver"),
                       await subscribe(bob, "Gold")]  # fmt: skip
    await subscriptions.cancel_subscription(
        tenant_id=TENANT, subscription_id=silver.id, at_period_end=False, reason="", uow=uow
    )
    listed = await pages(uow, subscriptions.list_subscriptions, ann)
    assert len(listed) == 2 and {s for [s] in listed} == {gold.id, silver.id}
    active = (SubscriptionStatus.ACTIVE,)
    assert await pages(uow, subscriptions.list_subscriptions, ann, active) == [[gold.id]]


async def test_a_staff_member_is_read_by_id_in_its_own_tenant_only(uow):
    sam = await staff(uow, "Sam")
    got = await catalog.get_staff_member(tenant_id=TENANT, staff_id=sam.id, uow=uow)
    assert (got.id, got.name) == (sam.id, "Sam")
    with pytest.raises(NotFound):
        await catalog.get_staff_member(tenant_id=TENANT, staff_id=uuid.uuid4(), uow=uow)
    with pytest.raises(NotFound):
        await catalog.get_staff_member(tenant_id=uuid.uuid4(), staff_id=sam.id, uow=uow)

"""Payment use cases: record (idempotent on provider + provider payment id), refund
(idempotent on the refund's key), list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound
from moodline_kit.events import Event
from moodline_kit.paging import Page

from billing.adapters import events
from billing.domain.bookings import BookingStatus
from billing.domain.listing import page_limit
from billing.domain.money import check_amount
from billing.domain.payments import MAX_KEY, Payment, PaymentMethod, PaymentStatus
from billing.domain.subscriptions import Subscription
from billing.service_layer.invoices import invoice_event
from billing.service_layer.orders import order_event
from billing.service_layer.providers import provider
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.service_layer.value import UowFactory, publish_values


@dataclass(frozen=True)
class RecordPayment:
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    amount_minor: int
    currency: str
    method: PaymentMethod
    provider: str
    provider_payment_id: str
    status: PaymentStatus = PaymentStatus.SUCCEEDED
    booking_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    failure_code: str = ""
    failure_message: str = ""
    order_id: uuid.UUID | None = None


def _payment_event(p: Payment) -> Event:
    if p.status is PaymentStatus.FAILED:
        return Event(
            subjects.BILLING_PAYMENT_FAILED, p.tenant_id, str(p.id), events.payment_failed(p)
        )
    return Event(
        subjects.BILLING_PAYMENT_SUCCEEDED, p.tenant_id, str(p.id), events.payment_succeeded(p)
    )


async def _check_target(work: BillingUnitOfWork, c: RecordPayment) -> None:
    """What the payment is applied to exists and takes it (422 naming the field otherwise)."""
    targets = [n for n in ("booking_id", "invoice_id", "order_id") if getattr(c, n) is not None]
    if len(targets) > 1:
        raise InvalidArgument.of(targets[-1], f"give one of {', '.join(targets)}, not several")
    collected = c.status is not PaymentStatus.FAILED
    if c.booking_id is not None:
        booking = await work.bookings.get(c.tenant_id, c.booking_id, for_update=True)
        if booking is None:
            raise InvalidArgument.of("booking_id", "no such booking")
        if booking.status in (BookingStatus.CANCELLED, BookingStatus.NO_SHOW):
            raise InvalidArgument.of("booking_id", f"booking is {booking.status.value}")
        if collected:
            left = booking.price_minor - await work.payments.collected_on_booking(
                c.tenant_id, c.booking_id
            )
            if c.amount_minor > left:
                raise InvalidArgument.of(
                    "amount_minor", f"exceeds what is left to pay on the booking ({left})"
                )
    if c.invoice_id is not None:
        invoice = await work.invoices.get(c.tenant_id, c.invoice_id, for_update=True)
        if invoice is None:
            raise InvalidArgument.of("invoice_id", "no such invoice")
        invoice.check_payable(c.amount_minor if collected else 0)
    if c.order_id is not None:
        order = await work.orders.get(c.tenant_id, c.order_id, for_update=True)
        if order is None:
            raise InvalidArgument.of("order_id", "no such order")
        order.check_payable(c.amount_minor if collected else 0)


async def record_payment(*, command: RecordPayment, uow: UowFactory) -> tuple[Payment, bool]:
    """(payment, created); a repeat of (provider, provider_payment_id) returns the stored
    payment and changes nothing."""
    c = command
    async with uow() as work:
        payment, created = await record(work, c, datetime.now(UTC))
        if payment is None:
            # recorded concurrently by another request: that one wins, this one is a repeat
            await work.rollback()
            payment = await work.payments.by_provider_id(
                c.tenant_id, c.provider, c.provider_payment_id
            )
            assert payment is not None
        if created:
            await work.commit()
    return payment, created


async def record(
    work: BillingUnitOfWork, c: RecordPayment, now: datetime
) -> tuple[Payment | None, bool]:
    """Record the payment inside `work` (the caller commits): applied to its booking, invoice
    or order, events emitted, the payer's figures recomputed. (payment, True) when written now;
    (stored payment, False) for a repeat of (provider, provider_payment_id); (None, False) when
    another transaction recorded it concurrently (nothing written)."""
    provider(c.provider)
    v: list[FieldViolation] = []
    if not 1 <= len(c.provider_payment_id) <= MAX_KEY:
        v.append(FieldViolation("provider_payment_id", f"required, 1..{MAX_KEY} characters"))
    if c.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
        v.append(FieldViolation("status", "succeeded or failed"))
    existing = await work.payments.by_provider_id(c.tenant_id, c.provider, c.provider_payment_id)
    if existing is not None:
        return existing, False
    v += check_amount(
        "amount_minor",
        c.amount_minor,
        c.currency,
        tenant_currency=await work.settings.currency(c.tenant_id),
        positive=True,
    )
    if v:
        raise InvalidArgument.of_all(v)
    subscription = await _lock_subscription_of(work, c)
    await _check_target(work, c)
    payment = Payment(
        id=uuid.uuid4(),
        tenant_id=c.tenant_id,
        customer_id=c.customer_id,
        amount_minor=c.amount_minor,
        currency=c.currency,
        status=c.status,
        method=c.method,
        provider=c.provider,
        provider_payment_id=c.provider_payment_id,
        invoice_id=c.invoice_id,
        order_id=c.order_id,
        booking_id=c.booking_id,
        subscription_id=c.subscription_id,
        failure_code=c.failure_code if c.status is PaymentStatus.FAILED else "",
        failure_message=c.failure_message if c.status is PaymentStatus.FAILED else "",
        created_at=now,
        updated_at=now,
    )
    if not await work.payments.add(payment):
        return None, False
    work.emit(_payment_event(payment))
    if payment.invoice_id is not None and payment.status is PaymentStatus.SUCCEEDED:
        invoice = await work.invoices.get(c.tenant_id, payment.invoice_id, for_update=True)
        assert invoice is not None
        settled = invoice.apply_payment(payment.amount_minor, now)
        await work.invoices.update(invoice)
        if settled:
            work.emit(
                invoice_event(subjects.BILLING_INVOICE_PAID, invoice, events.invoice_paid(invoice))
            )
            if subscription is not None and subscription.renewal_paid(invoice.id):
                await work.subscriptions.update(subscription)
    if payment.order_id is not None and payment.status is PaymentStatus.SUCCEEDED:
        order = await work.orders.get(c.tenant_id, payment.order_id, for_update=True)
        assert order is not None
        if order.apply_payment(payment.amount_minor, now):
            work.emit(order_event(subjects.BILLING_ORDER_PAID, order, events.order_paid(order)))
        await work.orders.update(order)
    await publish_values(work, c.tenant_id, {payment.customer_id})
    return payment, True


async def _lock_subscription_of(work: BillingUnitOfWork, c: RecordPayment) -> Subscription | None:
    """The subscription whose renewal invoice this pays, locked before the invoice (the renewal
    job locks in that order too, so the two never deadlock)."""
    if c.invoice_id is None:
        return None
    invoice = await work.invoices.get(c.tenant_id, c.invoice_id)
    if invoice is None or invoice.subscription_id is None:
        return None
    return await work.subscriptions.get(c.tenant_id, invoice.subscription_id, for_update=True)


@dataclass(frozen=True)
class RefundPayment:
    tenant_id: uuid.UUID
    payment_id: uuid.UUID
    # None: everything not yet refunded.
    amount_minor: int | None
    idempotency_key: str
    reason: str = ""


async def refund_payment(*, command: RefundPayment, uow: UowFactory) -> tuple[Payment, bool]:
    """(payment, refunded now); a repeat of the idempotency key refunds nothing."""
    c = command
    if not 1 <= len(c.idempotency_key) <= MAX_KEY:
        raise InvalidArgument.of("idempotency_key", f"required, 1..{MAX_KEY} characters")
    now = datetime.now(UTC)
    async with uow() as work:
        payment = await work.payments.get(c.tenant_id, c.payment_id, for_update=True)
        if payment is None:
            raise NotFound(f"payment {c.payment_id} not found")
        if await work.payments.refund_used(payment.id, c.idempotency_key):
            return payment, False
        refunded = payment.refund(c.amount_minor, now)
        await work.payments.add_refund(
            c.tenant_id,
            payment.id,
            amount_minor=refunded,
            reason=c.reason,
            idempotency_key=c.idempotency_key,
            now=now,
        )
        await work.payments.update(payment)
        if payment.order_id is not None:
            order = await work.orders.get(c.tenant_id, payment.order_id, for_update=True)
            if order is not None:
                order.apply_refund(refunded, now)
                await work.orders.update(order)
        work.emit(
            Event(
                subjects.BILLING_PAYMENT_REFUNDED,
                c.tenant_id,
                str(payment.id),
                events.payment_refunded(payment, refunded),
            )
        )
        await publish_values(work, c.tenant_id, {payment.customer_id})
        await work.commit()
    return payment, True


async def get_payment(*, tenant_id: uuid.UUID, payment_id: uuid.UUID, uow: UowFactory) -> Payment:
    async with uow() as work:
        payment = await work.payments.get(tenant_id, payment_id)
    return NotFound.unless(payment, f"payment {payment_id} not found")


async def list_payments(
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    statuses: tuple[PaymentStatus, ...],
    limit: int,
    cursor: str,
    uow: UowFactory,
) -> Page:
    limit = page_limit(limit)
    async with uow() as work:
        return await work.payments.list(
            tenant_id, customer_id=customer_id, statuses=statuses, limit=limit, cursor=cursor
        )

"""A customer's value figures (LTV, purchases, AOV...), from the facts billing holds.

LTV = revenue of the confirmed and completed bookings attributed to the customer (their part of
bookings they made, their share of bookings they were a party member of)
    + what they paid that is not tied to a booking (orders, invoices, standalone payments), net
      of refunds
    - refunds of their payments on bookings that still count.
A refund of a payment on a cancelled booking changes nothing: that booking's revenue already
left LTV. LTV never goes below 0 (a payer refunded more than their own share of a party
booking).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.domain.bookings import Booking
from billing.domain.invoices import Invoice, InvoiceStatus
from billing.domain.payments import COLLECTED, Payment, PaymentStatus

RECENT_FAILURES = timedelta(days=90)


@dataclass(frozen=True)
class CustomerValue:
    customer_id: uuid.UUID
    currency: str
    ltv_minor: int = 0
    bookings_count: int = 0
    purchases_count: int = 0
    aov_minor: int = 0
    total_paid_minor: int = 0
    outstanding_minor: int = 0
    overdue_invoices_count: int = 0
    recent_failed_payments_count: int = 0
    first_purchase_at: datetime | None = None
    last_purchase_at: datetime | None = None


def customer_value(
    customer_id: uuid.UUID,
    *,
    currency: str,
    bookings: list[Booking],
    payments: list[Payment],
    invoices: list[Invoice],
    booking_of_invoice: dict[uuid.UUID, uuid.UUID],
    now: datetime,
) -> CustomerValue:
    """`bookings`: those the customer booked or is a party member of; `payments` and
    `invoices`: the customer's; `booking_of_invoice`: invoice id -> booking id for the invoices
    the payments refer to that bill a booking."""
    counted = {b.id: b for b in bookings if b.counted}
    ltv = sum(b.attributions().get(customer_id, 0) for b in counted.values())
    purchase_times = [b.confirmed_at or b.created_at for b in counted.values()]
    purchases = len(counted)
    non_booking_purchases: set[uuid.UUID] = set()
    total_paid = 0
    failed_recently = 0
    for p in payments:
        if p.status is PaymentStatus.FAILED:
            if p.created_at is not None and now - p.created_at <= RECENT_FAILURES:
                failed_recently += 1
            continue
        if p.status not in COLLECTED:
            continue
        total_paid += p.net_minor
        booking_id = p.booking_id or (
            booking_of_invoice.get(p.invoice_id) if p.invoice_id else None
        )
        if booking_id is not None:
            if booking_id in counted:
                ltv -= p.refunded_minor
            continue
        ltv += p.net_minor
        if p.net_minor > 0:
            key = p.order_id or p.invoice_id or p.id  # one purchase, however many payments
            if key not in non_booking_purchases:
                non_booking_purchases.add(key)
                purchase_times.append(p.created_at)
    purchases += len(non_booking_purchases)
    ltv = max(ltv, 0)
    times = [t for t in purchase_times if t is not None]
    return CustomerValue(
        customer_id=customer_id,
        currency=currency,
        ltv_minor=ltv,
        bookings_count=len(counted),
        purchases_count=purchases,
        aov_minor=ltv // purchases if purchases else 0,
        total_paid_minor=total_paid,
        outstanding_minor=sum(i.amount_due_minor for i in invoices),
        overdue_invoices_count=sum(1 for i in invoices if i.status is InvoiceStatus.OVERDUE),
        recent_failed_payments_count=failed_recently,
        first_purchase_at=min(times, default=None),
        last_purchase_at=max(times, default=None),
    )

"""Domain objects -> the payloads of the events billing emits (moodline.events.v1.billing).
The service layer picks the subject and emits; what goes on the wire is built here."""

from __future__ import annotations

from datetime import datetime

from moodline.events.v1 import billing_pb2 as events
from moodline_kit.timestamps import to_proto

from billing.adapters.proto import (
    booking_to_proto,
    invoice_to_proto,
    money,
    order_to_proto,
    payment_to_proto,
    subscription_to_proto,
    value_to_proto,
)
from billing.domain.bookings import Booking
from billing.domain.invoices import Invoice
from billing.domain.orders import Order
from billing.domain.payments import Payment
from billing.domain.subscriptions import Subscription
from billing.domain.value import CustomerValue


def booking_created(b: Booking) -> events.BookingCreated:
    return events.BookingCreated(customer_id=str(b.customer_id), booking=booking_to_proto(b))


def booking_confirmed(b: Booking) -> events.BookingConfirmed:
    return events.BookingConfirmed(customer_id=str(b.customer_id), booking=booking_to_proto(b))


def booking_rescheduled(b: Booking, previous_start: datetime) -> events.BookingRescheduled:
    return events.BookingRescheduled(
        customer_id=str(b.customer_id),
        booking=booking_to_proto(b),
        previous_start_time=to_proto(previous_start),
    )


def booking_cancelled(b: Booking, *, was_confirmed: bool) -> events.BookingCancelled:
    return events.BookingCancelled(
        customer_id=str(b.customer_id), booking=booking_to_proto(b), was_confirmed=was_confirmed
    )


def booking_completed(b: Booking) -> events.BookingCompleted:
    return events.BookingCompleted(customer_id=str(b.customer_id), booking=booking_to_proto(b))


def booking_no_showed(b: Booking) -> events.BookingNoShowed:
    return events.BookingNoShowed(customer_id=str(b.customer_id), booking=booking_to_proto(b))


def order_placed(o: Order) -> events.OrderPlaced:
    return events.OrderPlaced(customer_id=str(o.customer_id), order=order_to_proto(o))


def order_paid(o: Order) -> events.OrderPaid:
    return events.OrderPaid(customer_id=str(o.customer_id), order=order_to_proto(o))


def order_cancelled(o: Order) -> events.OrderCancelled:
    return events.OrderCancelled(
        customer_id=str(o.customer_id), order=order_to_proto(o), reason=o.cancellation_reason
    )


def invoice_issued(i: Invoice) -> events.InvoiceIssued:
    return events.InvoiceIssued(customer_id=str(i.customer_id), invoice=invoice_to_proto(i))


def invoice_paid(i: Invoice) -> events.InvoicePaid:
    return events.InvoicePaid(customer_id=str(i.customer_id), invoice=invoice_to_proto(i))


def invoice_overdue(i: Invoice) -> events.InvoiceOverdue:
    return events.InvoiceOverdue(customer_id=str(i.customer_id), invoice=invoice_to_proto(i))


def invoice_voided(i: Invoice) -> events.InvoiceVoided:
    return events.InvoiceVoided(customer_id=str(i.customer_id), invoice=invoice_to_proto(i))


def payment_succeeded(p: Payment) -> events.PaymentSucceeded:
    return events.PaymentSucceeded(customer_id=str(p.customer_id), payment=payment_to_proto(p))


def payment_failed(p: Payment) -> events.PaymentFailed:
    return events.PaymentFailed(customer_id=str(p.customer_id), payment=payment_to_proto(p))


def payment_refunded(p: Payment, refunded_minor: int) -> events.PaymentRefunded:
    return events.PaymentRefunded(
        customer_id=str(p.customer_id),
        payment=payment_to_proto(p),
        refund_amount=money(refunded_minor, p.currency),
    )


def subscription_started(s: Subscription) -> events.SubscriptionStarted:
    return events.SubscriptionStarted(
        customer_id=str(s.customer_id), subscription=subscription_to_proto(s)
    )


def subscription_renewed(s: Subscription, invoice: Invoice) -> events.SubscriptionRenewed:
    return events.SubscriptionRenewed(
        customer_id=str(s.customer_id),
        subscription=subscription_to_proto(s),
        invoice=invoice_to_proto(invoice),
    )


def subscription_cancelled(s: Subscription, reason: str) -> events.SubscriptionCancelled:
    return events.SubscriptionCancelled(
        customer_id=str(s.customer_id), subscription=subscription_to_proto(s), reason=reason
    )


def customer_value_changed(v: CustomerValue) -> events.CustomerValueChanged:
    return events.CustomerValueChanged(customer_id=str(v.customer_id), value=value_to_proto(v))

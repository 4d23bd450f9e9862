"""NATS consumers: translate BILLING and CUSTOMER events into the earning use cases' commands
(service_layer/earning.py). No rule here beyond reading the envelope."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from moodline.events.v1 import billing_pb2, customer_pb2, envelope_pb2
from moodline_kit.events import unpack

from loyalty.domain import events
from loyalty.domain.commands import EarnForPayment, EarnForVisit, EnrolImported, ReverseForRefund
from loyalty.service_layer import earning
from loyalty.service_layer.ledger import Clock, utc_now
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork

SUBJECTS = {
    "BILLING": (events.PAYMENT_SUCCEEDED, events.PAYMENT_REFUNDED, events.BOOKING_COMPLETED),
    "CUSTOMER": (events.CUSTOMER_DELETED, events.CUSTOMERS_IMPORTED),
}


def payment_earning(
    event: billing_pb2.PaymentSucceeded | billing_pb2.PaymentRefunded,
) -> EarnForPayment:
    payment = event.payment
    return EarnForPayment(
        customer_id=event.customer_id or payment.customer_id,
        payment_id=payment.id,
        amount_minor=payment.amount.amount_minor,
        currency=payment.amount.currency,
    )


def visit_earning(event: billing_pb2.BookingCompleted) -> EarnForVisit:
    return EarnForVisit(event.customer_id or event.booking.customer_id, event.booking.id)


def refund_reversal(event: billing_pb2.PaymentRefunded) -> ReverseForRefund:
    refunded = event.payment.refunded_amount.amount_minor or event.refund_amount.amount_minor
    return ReverseForRefund(payment_earning(event), refunded)


def import_enrolment(event: customer_pb2.CustomersImported) -> EnrolImported:
    return EnrolImported(
        import_id=event.import_id,
        program_id=event.loyalty_program_id,
        customer_ids=(*event.created_ids, *event.updated_ids),
    )


def make_handler(clock: Clock = utc_now) -> Callable:
    async def on_event(envelope: envelope_pb2.EventEnvelope, uow: LoyaltyUnitOfWork) -> None:
        tenant = uuid.UUID(envelope.tenant_id)
        now = clock()
        if envelope.type == events.PAYMENT_SUCCEEDED:
            paid = payment_earning(unpack(envelope, billing_pb2.PaymentSucceeded))
            await earning.earn_for_payment(uow, tenant, paid, now)
        elif envelope.type == events.PAYMENT_REFUNDED:
            refunded = refund_reversal(unpack(envelope, billing_pb2.PaymentRefunded))
            await earning.reverse_for_refund(uow, tenant, refunded, now)
        elif envelope.type == events.BOOKING_COMPLETED:
            visit = visit_earning(unpack(envelope, billing_pb2.BookingCompleted))
            await earning.earn_for_visit(uow, tenant, visit, now)
        elif envelope.type == events.CUSTOMER_DELETED:
            deleted = unpack(envelope, customer_pb2.CustomerDeleted)
            await earning.erase_customer(uow, tenant, uuid.UUID(deleted.customer_id), now)
        elif envelope.type == events.CUSTOMERS_IMPORTED:
            imported = import_enrolment(unpack(envelope, customer_pb2.CustomersImported))
            await earning.enrol_imported(uow, tenant, imported, now)

    return on_event

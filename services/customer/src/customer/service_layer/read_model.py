"""Keeping the read model (LTV, bookings, interactions, last contact, channel, sentiment) and
the timeline fresh from other services' events. Each runs inside the consumer's unit of work,
together with the processed-event marker (so a redelivery changes nothing)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from google.protobuf.json_format import MessageToDict
from moodline.billing.v1 import billing_pb2
from moodline.conversation.v1 import conversation_pb2
from moodline.events.v1 import billing_pb2 as billing_events
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2
from moodline_kit.events import unpack
from moodline_kit.timestamps import from_proto, or_else

from customer.domain import read_model
from customer.domain.model import Customer
from customer.service_layer import lifecycle
from customer.service_layer.unit_of_work import CustomerUnitOfWork

log = logging.getLogger(__name__)


def channel_name(value: int) -> str:
    name = conversation_pb2.Channel.Name(value) if value else ""
    return name.removeprefix("CHANNEL_").lower() if value else ""


def _label(value: int) -> str:
    return sentiment_pb2.SentimentLabel.Name(value).removeprefix("SENTIMENT_LABEL_").lower()


def _trend(value: int) -> str:
    if not value:
        return ""
    return sentiment_pb2.SentimentTrend.Name(value).removeprefix("SENTIMENT_TREND_").lower()


def _money(m: billing_pb2.Money) -> str:
    return f"{m.amount_minor / 100:.2f} {m.currency}".strip()


async def _customer(
    work: CustomerUnitOfWork, envelope: envelope_pb2.EventEnvelope, customer_id: str
) -> Customer | None:
    try:
        ident = uuid.UUID(customer_id)
    except ValueError:
        ident = None
    found = (
        await work.customers.get(uuid.UUID(envelope.tenant_id), ident, for_update=True, full=False)
        if ident
        else None
    )
    if found is None:  # deleted, or another tenant's id: nothing to keep
        log.info(
            "event about an unknown customer; skipped",
            extra={"type": envelope.type, "customer_id": customer_id},
        )
    return found


async def _timeline(
    work: CustomerUnitOfWork,
    customer: Customer,
    envelope: envelope_pb2.EventEnvelope,
    kind: str,
    summary: str,
    payload,  # type: ignore[no-untyped-def]
    occurred_at: datetime | None = None,
) -> None:
    await work.customers.add_timeline(
        customer.tenant_id,
        customer.id,
        kind=kind,
        type=envelope.type,
        summary=summary,
        data={"event_id": envelope.event_id, **MessageToDict(payload)},
        occurred_at=occurred_at or from_proto(envelope.occurred_at),
    )


async def _save(work: CustomerUnitOfWork, customer: Customer) -> None:
    await lifecycle.reevaluate(work, customer)
    await work.customers.save(customer, expected_version=None, contacts_changed=False)


async def on_event(envelope: envelope_pb2.EventEnvelope, work: CustomerUnitOfWork) -> None:
    handler = HANDLERS.get(envelope.type)
    if handler is None:
        log.debug("event type not used by the customer read model", extra={"type": envelope.type})
        return
    await handler(envelope, work)


async def message_received(envelope: envelope_pb2.EventEnvelope, work: CustomerUnitOfWork) -> None:
    event = unpack(envelope, conversation_events.MessageReceived)
    customer = await _customer(work, envelope, event.customer_id)
    if customer is None:
        return
    sent = or_else(event.sent_at, from_proto(envelope.occurred_at))
    read_model.record_contact(customer.read, sent)
    channel = channel_name(event.channel)
    direction = conversation_pb2.Direction.Name(event.direction).removeprefix("DIRECTION_")
    await _timeline(
        work,
        customer,
        envelope,
        "message",
        f"{direction.lower()} {channel}: {event.text[:160]}",
        event,
        sent,
    )
    await _save(work, customer)


async def conversation_opened(
    envelope: envelope_pb2.EventEnvelope, work: CustomerUnitOfWork
) -> None:
    event = unpack(envelope, conversation_events.ConversationOpened)
    customer = await _customer(work, envelope, event.customer_id)
    if customer is None:
        return
    started = or_else(event.started_at, from_proto(envelope.occurred_at))
    channel = channel_name(event.channel)
    read_model.record_interaction(customer.read, channel, started)
    await _timeline(work, customer, envelope, "conversation", f"{channel} conversation", event)
    await _save(work, customer)


async def conversation_closed(
    envelope: envelope_pb2.EventEnvelope, work: CustomerUnitOfWork
) -> None:
    event = unpack(envelope, conversation_events.ConversationClosed)
    customer = await _customer(work, envelope, event.customer_id)
    if customer is None:
        return
    ended = or_else(event.ended_at, from_proto(envelope.occurred_at))
    summary = f"{channel_name(event.channel)} conversation closed"
    if event.HasField("csat"):
        summary += f", CSAT {event.csat}"
    if event.topic:
        summary += f": {event.topic}"
    await _timeline(work, customer, envelope, "conversation", summary, event, ended)


async def customer_value_changed(
    envelope: envelope_pb2.EventEnvelope, work: CustomerUnitOfWork
) -> None:
    event = unpack(envelope, billing_events.CustomerValueChanged)
    customer = await _customer(work, envelope, event.customer_id)
    if customer is None:
        return
    value = event.value
    applied = read_model.record_value(
        customer.read,
        as_of=from_proto(envelope.occurred_at),
        ltv_minor=value.lifetime_value.amount_minor,
        currency=value.lifetime_value.currency,
        bookings_count=value.bookings_count,
        purchases_count=value.purchases_count,
        aov_minor=value.average_order_value.amount_minor,
        last_purchase_at=(
            from_proto(value.last_purchase_at) if value.HasField("last_purchase_at") else None
        ),
    )
    if not applied:
        log.info(
            "customer value older than the figures on the row; ignored",
            extra={"event_id": envelope.event_id, "customer_id": event.customer_id},
        )
        return
    await _save(work, customer)


def _billing_summary(envelope: envelope_pb2.EventEnvelope, event) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    kind = envelope.type.split(".")[1]
    verb = envelope.type.split(".")[2].replace("_", " ")
    if kind == "booking":
        b = event.booking
        return "booking", f"Booking {verb}: {b.service_name or b.id} ({_money(b.price)})"
    if kind == "invoice":
        i = event.invoice
        return "invoice", f"Invoice {i.number or i.id} {verb}: {_money(i.total)}"
    p = event.payment
    amount = _money(event.refund_amount) if envelope.type.endswith("refunded") else _money(p.amount)
    return "payment", f"Payment {verb}: {amount}"


async def billing_fact(envelope: envelope_pb2.EventEnvelope, work: CustomerUnitOfWork) -> None:
    """Bookings, payments and overdue/paid invoices go on the timeline; their value arrives in
    customer_value.changed. A failed payment or an overdue invoice marks the customer At Risk
    until a payment made after it succeeds (or the invoice is paid)."""
    event = unpack(envelope, BILLING_TYPES[envelope.type])
    customer = await _customer(work, envelope, event.customer_id)
    if customer is None:
        return
    kind, summary = _billing_summary(envelope, event)
    await _timeline(work, customer, envelope, kind, summary, event)
    at = from_proto(envelope.occurred_at)
    if envelope.type in (subjects.BILLING_PAYMENT_FAILED, subjects.BILLING_INVOICE_OVERDUE):
        read_model.record_payment_failed(customer.read, at)
        await _save(work, customer)
    elif envelope.type in (subjects.BILLING_PAYMENT_SUCCEEDED, subjects.BILLING_INVOICE_PAID):
        read_model.record_payment_succeeded(customer.read, at)
        await _save(work, customer)


async def sentiment_changed(envelope: envelope_pb2.EventEnvelope, work: CustomerUnitOfWork) -> None:
    event = unpack(envelope, sentiment_events.CustomerSentimentChanged)
    customer = await _customer(work, envelope, event.customer_id)
    if customer is None:
        return
    s = event.sentiment
    label = _label(s.label) if s.label else ""
    changed = read_model.record_sentiment(
        customer.read,
        label=label,
        score=s.score,
        emotions={
            "frustration": s.emotions.frustration,
            "satisfaction": s.emotions.satisfaction,
            "confusion": s.emotions.confusion,
            "urgency": s.emotions.urgency,
        },
        trend=_trend(s.trend),
    )
    if changed:
        summary = f"Sentiment now {label}" + (f": {event.explanation}" if event.explanation else "")
        await _timeline(work, customer, envelope, "sentiment", summary, event)
    await _save(work, customer)


BILLING_TYPES = {
    subjects.BILLING_BOOKING_CONFIRMED: billing_events.BookingConfirmed,
    subjects.BILLING_BOOKING_CANCELLED: billing_events.BookingCancelled,
    subjects.BILLING_PAYMENT_SUCCEEDED: billing_events.PaymentSucceeded,
    subjects.BILLING_PAYMENT_FAILED: billing_events.PaymentFailed,
    subjects.BILLING_PAYMENT_REFUNDED: billing_events.PaymentRefunded,
    subjects.BILLING_INVOICE_OVERDUE: billing_events.InvoiceOverdue,
    subjects.BILLING_INVOICE_PAID: billing_events.InvoicePaid,
}

HANDLERS = {
    subjects.CONVERSATION_MESSAGE_RECEIVED: message_received,
    subjects.CONVERSATION_CONVERSATION_OPENED: conversation_opened,
    subjects.CONVERSATION_CONVERSATION_CLOSED: conversation_closed,
    subjects.BILLING_CUSTOMER_VALUE_CHANGED: customer_value_changed,
    subjects.SENTIMENT_CUSTOMER_CHANGED: sentiment_changed,
    **dict.fromkeys(BILLING_TYPES, billing_fact),
}
# Subscriptions: stream -> subjects this service reads.
SUBJECTS = {
    "CONVERSATION": [
        subjects.CONVERSATION_MESSAGE_RECEIVED,
        subjects.CONVERSATION_CONVERSATION_OPENED,
        subjects.CONVERSATION_CONVERSATION_CLOSED,
    ],
    "BILLING": [subjects.BILLING_CUSTOMER_VALUE_CHANGED, *BILLING_TYPES],
    "SENTIMENT": [subjects.SENTIMENT_CUSTOMER_CHANGED],
}

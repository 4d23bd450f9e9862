"""NATS consumers: translate CONVERSATION, BILLING and SENTIMENT events into the read model's
calls (service_layer/read_model.py), and the merge participants' answers into the operation's
steps (service_layer/merges.py). No rule here beyond reading the envelope.

The read model consumes a fetched batch in one transaction (the kit's BatchIdempotentConsumer:
one marker statement and one commit per batch, not a transaction per event). Every event of the
batch is read first; one that cannot be read is logged and left out (one at a time it was
nak'ed until JetStream gave up on it), so it cannot hold up the others. Then each call is made in
delivery order under its event's tenant, the customers they change locked once and saved once
for the batch (read_model.Held); a database error fails the batch, which is redelivered whole and
applied once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from functools import partial

from google.protobuf.json_format import MessageToDict
from moodline.billing.v1 import billing_pb2
from moodline.conversation.v1 import conversation_pb2
from moodline.events.v1 import billing_pb2 as billing_events
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2
from moodline_kit import customer_data, tenancy
from moodline_kit.events import unpack
from moodline_kit.timestamps import from_proto, or_else

from customer.domain.read_model import Value
from customer.service_layer import merges, read_model
from customer.service_layer.read_model import Fact, Sentiment
from customer.service_layer.unit_of_work import CustomerUnitOfWork

log = logging.getLogger(__name__)

Envelope = envelope_pb2.EventEnvelope
# A read-model call of one event, ready to be made in the batch's unit of work.
Apply = Callable[[CustomerUnitOfWork], Awaitable[None]]


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


def _fact(envelope: Envelope, event) -> Fact:  # type: ignore[no-untyped-def]
    return Fact(
        tenant_id=uuid.UUID(envelope.tenant_id),
        customer_id=event.customer_id,
        type=envelope.type,
        event_id=envelope.event_id,
        occurred_at=from_proto(envelope.occurred_at),
        data=MessageToDict(event),
    )


async def on_events(envelopes: Sequence[Envelope], work: CustomerUnitOfWork) -> None:
    calls: list[tuple[uuid.UUID, Apply]] = []
    for envelope in envelopes:
        read = HANDLERS.get(envelope.type)
        if read is None:
            log.debug("event type not used by the read model", extra={"type": envelope.type})
            continue
        try:
            calls.append((uuid.UUID(envelope.tenant_id), read(envelope)))
        except Exception:
            log.exception(
                "unreadable event; left out",
                extra={"event_id": envelope.event_id, "type": envelope.type},
            )
    held = read_model.Held()  # each customer locked once and saved once for the batch
    for tenant, call in calls:
        token = tenancy.set_tenant(tenant)
        try:
            await call(work, held=held)
        finally:
            tenancy.reset_tenant(token)
    await held.save_all(work)


def message_received(envelope: Envelope) -> Apply:
    event = unpack(envelope, conversation_events.MessageReceived)
    direction = conversation_pb2.Direction.Name(event.direction).removeprefix("DIRECTION_")
    return partial(
        read_model.message_received,
        fact=_fact(envelope, event),
        sent_at=or_else(event.sent_at, from_proto(envelope.occurred_at)),
        channel=channel_name(event.channel),
        direction=direction.lower(),
        text=event.text,
    )


def conversation_opened(envelope: Envelope) -> Apply:
    event = unpack(envelope, conversation_events.ConversationOpened)
    return partial(
        read_model.conversation_opened,
        fact=_fact(envelope, event),
        started_at=or_else(event.started_at, from_proto(envelope.occurred_at)),
        channel=channel_name(event.channel),
    )


def conversation_closed(envelope: Envelope) -> Apply:
    event = unpack(envelope, conversation_events.ConversationClosed)
    return partial(
        read_model.conversation_closed,
        fact=_fact(envelope, event),
        ended_at=or_else(event.ended_at, from_proto(envelope.occurred_at)),
        channel=channel_name(event.channel),
        csat=event.csat if event.HasField("csat") else None,
        topic=event.topic,
    )


def customer_value_changed(envelope: Envelope) -> Apply:
    event = unpack(envelope, billing_events.CustomerValueChanged)
    v = event.value
    value = Value(
        ltv_minor=v.lifetime_value.amount_minor,
        currency=v.lifetime_value.currency,
        bookings_count=v.bookings_count,
        purchases_count=v.purchases_count,
        aov_minor=v.average_order_value.amount_minor,
        last_purchase_at=from_proto(v.last_purchase_at) if v.HasField("last_purchase_at") else None,
    )
    return partial(read_model.customer_value_changed, fact=_fact(envelope, event), value=value)


def _billing_summary(envelope: Envelope, event) -> tuple[str, str]:  # type: ignore[no-untyped-def]
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


def billing_fact(envelope: Envelope) -> Apply:
    event = unpack(envelope, BILLING_TYPES[envelope.type])
    kind, summary = _billing_summary(envelope, event)
    return partial(
        read_model.billing_fact,
        fact=_fact(envelope, event),
        kind=kind,
        summary=summary,
        payment_failed=envelope.type in PAYMENT_FAILED,
        payment_succeeded=envelope.type in PAYMENT_SUCCEEDED,
    )


def sentiment_changed(envelope: Envelope) -> Apply:
    event = unpack(envelope, sentiment_events.CustomerSentimentChanged)
    s = event.sentiment
    sentiment = Sentiment(
        label=_label(s.label) if s.label else "",
        score=s.score,
        emotions={
            "frustration": s.emotions.frustration,
            "satisfaction": s.emotions.satisfaction,
            "confusion": s.emotions.confusion,
            "urgency": s.emotions.urgency,
        },
        trend=_trend(s.trend),
        explanation=event.explanation,
    )
    return partial(read_model.sentiment_changed, fact=_fact(envelope, event), sentiment=sentiment)


BILLING_TYPES = {
    subjects.BILLING_BOOKING_CONFIRMED: billing_events.BookingConfirmed,
    subjects.BILLING_BOOKING_CANCELLED: billing_events.BookingCancelled,
    subjects.BILLING_PAYMENT_SUCCEEDED: billing_events.PaymentSucceeded,
    subjects.BILLING_PAYMENT_FAILED: billing_events.PaymentFailed,
    subjects.BILLING_PAYMENT_REFUNDED: billing_events.PaymentRefunded,
    subjects.BILLING_INVOICE_OVERDUE: billing_events.InvoiceOverdue,
    subjects.BILLING_INVOICE_PAID: billing_events.InvoicePaid,
}
# Which billing facts mark the customer At Risk, and which end it.
PAYMENT_FAILED = frozenset({subjects.BILLING_PAYMENT_FAILED, subjects.BILLING_INVOICE_OVERDUE})
PAYMENT_SUCCEEDED = frozenset({subjects.BILLING_PAYMENT_SUCCEEDED, subjects.BILLING_INVOICE_PAID})

HANDLERS: dict[str, Callable[[Envelope], Apply]] = {
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


# --- the merge and erasure saga: each participant's answer (service_layer/merges.step_done) ---
ANSWERS = {
    stream.upper(): customer_data.answer_subjects(stream) for stream in customer_data.PARTICIPANTS
}
ANSWER_SUBJECTS = frozenset(subject for pair in ANSWERS.values() for subject in pair)


async def on_answer(envelope: Envelope, work: CustomerUnitOfWork) -> None:
    if envelope.type not in ANSWER_SUBJECTS:
        return  # a NATS server before 2.10 ignores a consumer's filter_subjects
    answer = unpack(envelope, customer_data.payload_type(envelope.type))
    try:
        operation_id = uuid.UUID(answer.operation_id)  # type: ignore[attr-defined]
    except ValueError:
        return
    await merges.step_done(
        work,
        tenant_id=uuid.UUID(envelope.tenant_id),
        operation_id=operation_id,
        service=envelope.type.split(".", 1)[0],
        now=datetime.now(UTC),
    )

"""Events as their producing services publish them (EventEnvelope), for the tests of the
services that consume them: a message, a day of one customer across services, and an event
whose payload cannot be read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.billing.v1 import billing_pb2
from moodline.conversation.v1 import conversation_pb2
from moodline.events.v1 import billing_pb2 as billing_events
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2
from moodline_kit.events import Event, to_envelope

Envelope = envelope_pb2.EventEnvelope
DIRECTIONS = {True: conversation_pb2.DIRECTION_INBOUND, False: conversation_pb2.DIRECTION_OUTBOUND}


def ts(when: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(when)
    return out


def envelope(
    tenant_id: uuid.UUID | str, subject: str, payload: Message, at: datetime | None = None
) -> Envelope:
    """`payload` (with a `customer_id`) published by its service at `at` (now if not given)."""
    extra = {"occurred_at": at} if at is not None else {}
    tenant = uuid.UUID(str(tenant_id))
    event = Event(subject, tenant, payload.customer_id, payload, **extra)  # type: ignore[attr-defined]
    return to_envelope(event, source=subject.split(".")[0])


def message_received(
    tenant_id: uuid.UUID | str,
    customer_id: str,
    n: int = 0,
    *,
    at: datetime | None = None,
    inbound: bool = True,
) -> Envelope:
    """The customer's n-th SMS ("message n") of one conversation, sent at `at`."""
    payload = conversation_events.MessageReceived(
        message_id=f"m{n}-{uuid.uuid4().hex[:8]}",
        conversation_id="c1",
        customer_id=customer_id,
        channel=conversation_pb2.CHANNEL_SMS,
        direction=DIRECTIONS[inbound],
        text=f"message {n}",
    )
    if at is not None:
        payload.sent_at.CopyFrom(ts(at))
    return envelope(tenant_id, subjects.CONVERSATION_MESSAGE_RECEIVED, payload, at)


def unreadable(event: Envelope) -> Envelope:
    """`event` with a payload that is not its type (a consumer cannot read it)."""
    bad = Envelope()
    bad.CopyFrom(event)
    bad.event_id = str(uuid.uuid4())
    bad.payload.value = b"\xff\xff\xff"
    return bad


def customer_day(
    tenant_id: uuid.UUID | str, customer_id: str, start: datetime | None = None
) -> list[Envelope]:
    """A conversation opened and three messages, a purchase worth VIP ($1,500 over three), a
    failed payment (At Risk) then a paid one, the same sentiment twice (only the first is a new
    label): a second apart from `start` (five minutes ago if not given), in this order."""
    start = start or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)

    def at(seconds: int) -> datetime:
        return start + timedelta(seconds=seconds)

    usd = billing_pb2.Money(amount_minor=150_000, currency="USD")
    value = billing_pb2.CustomerValue(
        lifetime_value=usd, bookings_count=3, purchases_count=3, average_order_value=usd
    )
    payment = billing_pb2.Payment(amount=billing_pb2.Money(amount_minor=500, currency="USD"))
    happy = sentiment_events.CustomerSentimentChanged(
        customer_id=customer_id,
        sentiment=sentiment_pb2.Sentiment(label=sentiment_pb2.SENTIMENT_LABEL_HAPPY, score=0.9),
        explanation="thanked us",
    )
    opened = conversation_events.ConversationOpened(
        customer_id=customer_id, channel=conversation_pb2.CHANNEL_SMS, started_at=ts(at(0))
    )
    return [
        envelope(tenant_id, subjects.CONVERSATION_CONVERSATION_OPENED, opened, at(0)),
        *(message_received(tenant_id, customer_id, n, at=at(n)) for n in range(3)),
        envelope(
            tenant_id,
            subjects.BILLING_CUSTOMER_VALUE_CHANGED,
            billing_events.CustomerValueChanged(customer_id=customer_id, value=value),
            at(4),
        ),
        envelope(
            tenant_id,
            subjects.BILLING_PAYMENT_FAILED,
            billing_events.PaymentFailed(customer_id=customer_id, payment=payment),
            at(5),
        ),
        envelope(
            tenant_id,
            subjects.BILLING_PAYMENT_SUCCEEDED,
            billing_events.PaymentSucceeded(customer_id=customer_id, payment=payment),
            at(6),
        ),
        envelope(tenant_id, subjects.SENTIMENT_CUSTOMER_CHANGED, happy, at(7)),
        envelope(tenant_id, subjects.SENTIMENT_CUSTOMER_CHANGED, happy, at(8)),
    ]

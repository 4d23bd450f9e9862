"""The events workflows trigger on: subject -> payload type, and a payload as plain facts."""

from __future__ import annotations

from typing import Any

from moodline.events.v1 import (
    billing_pb2,
    conversation_pb2,
    customer_pb2,
    envelope_pb2,
    sentiment_pb2,
)
from moodline_kit.events import unpack

from automation.adapters.proto import facts_of

PAYLOADS: dict[str, type] = {
    "customer.customer.created": customer_pb2.CustomerCreated,
    "customer.stage.changed": customer_pb2.CustomerStageChanged,
    "customer.status.changed": customer_pb2.CustomerStatusChanged,
    "customer.folder.changed": customer_pb2.CustomerFolderChanged,
    "customer.tag.added": customer_pb2.CustomerTagAdded,
    "sentiment.customer.changed": sentiment_pb2.CustomerSentimentChanged,
    "conversation.message.received": conversation_pb2.MessageReceived,
    "billing.payment.succeeded": billing_pb2.PaymentSucceeded,
    "billing.payment.failed": billing_pb2.PaymentFailed,
    "billing.booking.confirmed": billing_pb2.BookingConfirmed,
    "billing.booking.cancelled": billing_pb2.BookingCancelled,
    "billing.invoice.overdue": billing_pb2.InvoiceOverdue,
}
# stream -> the subjects this service consumes from it
STREAMS: dict[str, list[str]] = {}
for _subject in PAYLOADS:
    STREAMS.setdefault(_subject.split(".", 1)[0], []).append(_subject)


def payload_facts(envelope: envelope_pb2.EventEnvelope) -> dict[str, Any] | None:
    kind = PAYLOADS.get(envelope.type)
    if kind is None:
        return None
    return facts_of(unpack(envelope, kind))

"""The events workflows trigger on: subject -> payload type, and a payload as plain facts."""

from __future__ import annotations

from typing import Any

from moodline.events.v1 import (
    billing_pb2,
    conversation_pb2,
    customer_pb2,
    envelope_pb2,
    sentiment_pb2,
    subjects,
)
from moodline_kit.events import unpack

from automation.adapters.proto import facts_of

PAYLOADS: dict[str, type] = {
    subjects.CUSTOMER_CUSTOMER_CREATED: customer_pb2.CustomerCreated,
    subjects.CUSTOMER_STAGE_CHANGED: customer_pb2.CustomerStageChanged,
    subjects.CUSTOMER_STATUS_CHANGED: customer_pb2.CustomerStatusChanged,
    subjects.CUSTOMER_FOLDER_CHANGED: customer_pb2.CustomerFolderChanged,
    subjects.CUSTOMER_TAG_ADDED: customer_pb2.CustomerTagAdded,
    subjects.SENTIMENT_CUSTOMER_CHANGED: sentiment_pb2.CustomerSentimentChanged,
    subjects.CONVERSATION_MESSAGE_RECEIVED: conversation_pb2.MessageReceived,
    subjects.BILLING_PAYMENT_SUCCEEDED: billing_pb2.PaymentSucceeded,
    subjects.BILLING_PAYMENT_FAILED: billing_pb2.PaymentFailed,
    subjects.BILLING_BOOKING_CONFIRMED: billing_pb2.BookingConfirmed,
    subjects.BILLING_BOOKING_CANCELLED: billing_pb2.BookingCancelled,
    subjects.BILLING_INVOICE_OVERDUE: billing_pb2.InvoiceOverdue,
}
# stream (CUSTOMER, SENTIMENT, ...) -> the subjects this service consumes from it
STREAMS: dict[str, tuple[str, ...]] = {}
for _subject in PAYLOADS:
    _stream = _subject.split(".", 1)[0].upper()
    STREAMS[_stream] = (*STREAMS.get(_stream, ()), _subject)


def payload_facts(envelope: envelope_pb2.EventEnvelope) -> dict[str, Any] | None:
    kind = PAYLOADS.get(envelope.type)
    if kind is None:
        return None
    return facts_of(unpack(envelope, kind))

"""Domain events -> moodline.events.v1.EventEnvelope, and back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import Message
from moodline.events.v1 import envelope_pb2

from moodline_kit.telemetry import inject_context


@dataclass(frozen=True)
class Event:
    """A fact to publish: `subject` is `<service>.<entity>.<past-tense-verb>`."""

    subject: str
    tenant_id: uuid.UUID
    aggregate_id: str
    payload: Message
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def to_envelope(
    event: Event, *, source: str, trace_context: Mapping[str, str] | None = None
) -> envelope_pb2.EventEnvelope:
    """`trace_context`: the current span's (injected here) unless given, so that a caller
    enveloping many events under one span injects it once."""
    payload = any_pb2.Any()
    payload.Pack(event.payload)
    occurred = timestamp_pb2.Timestamp()
    occurred.FromDatetime(event.occurred_at)
    return envelope_pb2.EventEnvelope(
        event_id=str(event.event_id),
        type=event.subject,
        tenant_id=str(event.tenant_id),
        occurred_at=occurred,
        trace_context=inject_context() if trace_context is None else trace_context,
        payload=payload,
        source=source,
        aggregate_id=event.aggregate_id,
    )


def unpack(envelope: envelope_pb2.EventEnvelope, message_type: type[Message]) -> Message:
    message = message_type()
    if not envelope.payload.Unpack(message):
        raise ValueError(
            f"event {envelope.event_id} ({envelope.type}) does not carry {message_type.__name__}"
        )
    return message

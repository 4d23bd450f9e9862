"""NATS consumers: every event a workflow can trigger on (adapters/events.py), read off its
envelope as plain facts and handed to service_layer/triggers.py. No rule here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from moodline.events.v1 import envelope_pb2

from automation.adapters.events import STREAMS, payload_facts
from automation.domain.run import Budget
from automation.domain.triggers import FireTriggers
from automation.service_layer import triggers
from automation.service_layer.unit_of_work import AutomationUnitOfWork

__all__ = ["STREAMS", "on_event"]


async def on_event(
    envelope: envelope_pb2.EventEnvelope, uow: AutomationUnitOfWork, *, budget: Budget
) -> None:
    payload = payload_facts(envelope)
    if payload is None:
        return
    event = FireTriggers(uuid.UUID(envelope.tenant_id), envelope.event_id, envelope.type, payload)
    await triggers.fire_triggers(uow, event, budget=budget, now=datetime.now(UTC))

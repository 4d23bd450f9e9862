"""NATS consumers: every event a workflow can trigger on (adapters/events.py), read off its
envelope as plain facts and handed to service_layer/triggers.py. No rule here.

The trigger consumer takes a fetched batch in one transaction (the kit's BatchIdempotentConsumer:
one marker statement and one commit per batch, not a transaction per event). Every event of the
batch is read first; one whose payload cannot be read is logged and left out (one at a time it
was nak'ed until JetStream gave up on it), so it cannot hold up the others. A database error
fails the batch, which is redelivered whole and applied once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from moodline.events.v1 import envelope_pb2

from automation.adapters.events import STREAMS, payload_facts
from automation.domain.run import Budget
from automation.domain.triggers import FireTriggers
from automation.service_layer import triggers
from automation.service_layer.unit_of_work import AutomationUnitOfWork

__all__ = ["STREAMS", "on_event", "on_events"]

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


async def on_event(
    envelope: envelope_pb2.EventEnvelope, uow: AutomationUnitOfWork, *, budget: Budget
) -> None:
    """One event: a batch of one."""
    await on_events([envelope], uow, budget=budget)


async def on_events(
    envelopes: Sequence[envelope_pb2.EventEnvelope],
    uow: AutomationUnitOfWork,
    *,
    budget: Budget,
) -> None:
    events: list[FireTriggers] = []
    for envelope in envelopes:
        try:
            payload = payload_facts(envelope)
        except Exception:
            log.exception(
                "unreadable event; left out",
                extra={"event_id": envelope.event_id, "type": envelope.type},
            )
            continue
        if payload is not None:
            tenant = uuid.UUID(envelope.tenant_id)  # the kit read it before
            events.append(FireTriggers(tenant, envelope.event_id, envelope.type, payload))
    await triggers.fire_triggers_in_batch(uow, events, budget=budget, clock=_now)

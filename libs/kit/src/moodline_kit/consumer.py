"""Idempotent event consumer: a durable JetStream pull consumer whose handler runs inside a unit
of work together with a processed-event marker; the message is acked only after commit, so an
event is applied exactly once even when it is delivered more than once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from moodline.events.v1 import envelope_pb2
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from opentelemetry import trace
from sqlalchemy.dialects.postgresql import insert

from moodline_kit import tenancy
from moodline_kit.db import KitTables
from moodline_kit.metrics import EVENTS_CONSUMED
from moodline_kit.telemetry import extract_context
from moodline_kit.uow import UnitOfWork

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

Handler = Callable[[envelope_pb2.EventEnvelope, UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    durable: str  # `<consumer-service>-<purpose>`, e.g. "customer-read-model"
    stream: str  # e.g. "CONVERSATION"
    subjects: Sequence[str]  # e.g. ["conversation.message.received"]
    handler: Handler


class IdempotentConsumer:
    def __init__(
        self,
        js: JetStreamContext,
        uow_factory: Callable[[], UnitOfWork],
        tables: KitTables,
        subscription: Subscription,
        *,
        batch_size: int = 64,
        fetch_timeout: float = 1.0,
        ack_wait: float = 30.0,
        max_deliver: int = 20,
    ) -> None:
        self._js = js
        self._uow_factory = uow_factory
        self._processed = tables.processed_events
        self._sub = subscription
        self._batch_size = batch_size
        self._fetch_timeout = fetch_timeout
        self._config = ConsumerConfig(
            durable_name=subscription.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait,
            max_deliver=max_deliver,
            filter_subjects=list(subscription.subjects),
        )

    async def run(self) -> None:
        psub = (
            await self._js.pull_subscribe_bind(durable=self._sub.durable, stream=self._sub.stream)
            if await self._exists()
            else await self._create()
        )
        while True:
            try:
                msgs = await psub.fetch(self._batch_size, timeout=self._fetch_timeout)
            except (FetchTimeoutError, TimeoutError):
                continue
            for msg in msgs:
                await self.handle(msg)

    async def _exists(self) -> bool:
        try:
            await self._js.consumer_info(self._sub.stream, self._sub.durable)
            return True
        except Exception:
            return False

    async def _create(self):  # type: ignore[no-untyped-def]
        await self._js.add_consumer(self._sub.stream, config=self._config)
        return await self._js.pull_subscribe_bind(
            durable=self._sub.durable, stream=self._sub.stream
        )

    async def handle(self, msg: Msg) -> None:
        try:
            envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
            event_id = uuid.UUID(envelope.event_id)
            tenant = uuid.UUID(envelope.tenant_id)
        except Exception:
            log.error("undecodable event; terminating it", extra={"subject": msg.subject})
            EVENTS_CONSUMED.labels(self._sub.durable, "poison").inc()
            await msg.term()
            return
        ctx = extract_context(envelope.trace_context)
        with tracer.start_as_current_span(
            f"{envelope.type} process", context=ctx, kind=trace.SpanKind.CONSUMER
        ) as span:
            span.set_attribute("messaging.message.id", envelope.event_id)
            span.set_attribute("messaging.consumer.group.name", self._sub.durable)
            token = tenancy.set_tenant(tenant)
            try:
                applied = await self._apply(envelope, event_id)
            except Exception as exc:
                span.record_exception(exc)
                log.exception(
                    "event handler failed; will be redelivered",
                    extra={"event_id": envelope.event_id, "type": envelope.type},
                )
                EVENTS_CONSUMED.labels(self._sub.durable, "failed").inc()
                await msg.nak(delay=min(2.0 * (msg.metadata.num_delivered or 1), 30.0))
                return
            finally:
                tenancy.reset_tenant(token)
            span.set_attribute("moodline.duplicate", not applied)
            EVENTS_CONSUMED.labels(self._sub.durable, "applied" if applied else "duplicate").inc()
        await msg.ack()

    async def _apply(self, envelope: envelope_pb2.EventEnvelope, event_id: uuid.UUID) -> bool:
        async with self._uow_factory() as uow:
            marked = await uow.session.execute(
                insert(self._processed)
                .values(consumer=self._sub.durable, event_id=event_id)
                .on_conflict_do_nothing()
                .returning(sa.literal(1))
            )
            if marked.first() is None:
                return False  # already applied: a redelivery
            await self._sub.handler(envelope, uow)
            await uow.commit()
            return True


async def run_all(consumers: Sequence[IdempotentConsumer]) -> None:
    await asyncio.gather(*(c.run() for c in consumers))

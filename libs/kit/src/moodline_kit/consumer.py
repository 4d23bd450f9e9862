"""Idempotent event consumer: a durable JetStream pull consumer whose handler runs inside a unit
of work together with a processed-event marker; the message is acked only after commit, so an
event is applied exactly once even when it is delivered more than once."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
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
from moodline_kit.metrics import CONSUMER_PENDING, EVENTS_CONSUMED
from moodline_kit.telemetry import extract_context
from moodline_kit.uow import UnitOfWork

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

Handler = Callable[[envelope_pb2.EventEnvelope, UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Consumes:
    """A durable consumer a service declares (its `Service.consumes`): the Helm chart's
    jetstream.consumers declare the same stream, name and filter subjects (a test checks)."""

    stream: str  # e.g. "CONVERSATION"
    durable: str  # `<consumer-service>-<purpose>`
    subjects: tuple[str, ...]  # constants of moodline.events.v1.subjects


@dataclass(frozen=True)
class Subscription:
    durable: str  # `<consumer-service>-<purpose>`, e.g. "customer-read-model"
    stream: str  # e.g. "CONVERSATION"
    subjects: Sequence[str]  # e.g. ["conversation.message.received"]
    handler: Handler


class _DurableConsumer:
    """What both consumers share: the durable pull consumer's configuration and binding."""

    def __init__(
        self,
        js: JetStreamContext,
        uow_factory: Callable[[], UnitOfWork],
        tables: KitTables,
        subscription: Subscription | BatchSubscription,
        *,
        batch_size: int,
        fetch_timeout: float,
        ack_wait: float,
        max_deliver: int,
        deliver_policy: DeliverPolicy,
        max_ack_pending: int | None = None,
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
            deliver_policy=deliver_policy,
            ack_wait=ack_wait,
            max_deliver=max_deliver,
            max_ack_pending=max_ack_pending,
            filter_subjects=list(subscription.subjects),
        )

    @property
    def config(self) -> ConsumerConfig:
        """The JetStream consumer this consumer creates when it does not exist yet."""
        return self._config

    @property
    def stream(self) -> str:
        return self._sub.stream

    async def _bind(self):  # type: ignore[no-untyped-def]
        """Pull subscription on the durable, creating the consumer if it does not exist yet."""
        try:
            await self._js.consumer_info(self._sub.stream, self._sub.durable)
        except Exception:
            await self._js.add_consumer(self._sub.stream, config=self._config)
        return await self._js.pull_subscribe_bind(
            durable=self._sub.durable, stream=self._sub.stream
        )


class IdempotentConsumer(_DurableConsumer):
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
        deliver_policy: DeliverPolicy = DeliverPolicy.ALL,
    ) -> None:
        super().__init__(
            js,
            uow_factory,
            tables,
            subscription,
            batch_size=batch_size,
            fetch_timeout=fetch_timeout,
            ack_wait=ack_wait,
            max_deliver=max_deliver,
            deliver_policy=deliver_policy,
        )

    async def run(self) -> None:
        psub = await self._bind()
        while True:
            try:
                msgs = await psub.fetch(self._batch_size, timeout=self._fetch_timeout)
            except (FetchTimeoutError, TimeoutError):
                CONSUMER_PENDING.labels(self._sub.durable).set(0)
                continue
            record_lag(self._sub.durable, msgs)
            for msg in msgs:
                await self.handle(msg)

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


def record_lag(durable: str, msgs: Sequence[Msg]) -> None:
    """Consumer lag from the metadata JetStream sends with every message (no extra request)."""
    if msgs:
        try:
            pending = msgs[-1].metadata.num_pending
        except Exception:  # not a JetStream message (a test double)
            return
        CONSUMER_PENDING.labels(durable).set(pending or 0)


async def run_all(consumers: Sequence[IdempotentConsumer]) -> None:
    await asyncio.gather(*(c.run() for c in consumers))


# --- Batched consumption ----------------------------------------------------------------------
# One transaction per fetched batch instead of one per message: the processed-event markers of
# the whole batch are inserted by one statement (which also filters out what was applied
# before), the handler sees every new event at once (one model call, bulk inserts), the unit of
# work commits once and only then is each message acked. A failed batch is nak'ed as a whole and
# nothing of it is committed, so every event is still applied exactly once.

BatchHandler = Callable[[Sequence[envelope_pb2.EventEnvelope], UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class BatchSubscription:
    durable: str
    stream: str
    subjects: Sequence[str]
    # Gets only events not applied before, in delivery order; events of several tenants may be
    # mixed (each envelope names its tenant). A batch can be larger than the consumer's
    # batch_size: nats-py's fetch also returns every message already queued for the
    # subscription (late deliveries of an expired pull request).
    handler: BatchHandler


def _links(envelopes: Iterable[envelope_pb2.EventEnvelope]) -> list[trace.Link]:
    """The batch span links the traces of the other events it carries (the first is its parent)."""
    contexts = (
        trace.get_current_span(extract_context(e.trace_context)).get_span_context()
        for e in envelopes
    )
    return [trace.Link(c) for c in contexts if c.is_valid]


class BatchIdempotentConsumer(_DurableConsumer):
    def __init__(
        self,
        js: JetStreamContext,
        uow_factory: Callable[[], UnitOfWork],
        tables: KitTables,
        subscription: BatchSubscription,
        *,
        batch_size: int = 256,
        fetch_timeout: float = 1.0,
        ack_wait: float = 30.0,
        max_deliver: int = 20,
        max_ack_pending: int = 1000,
        wait_until_ready: Callable[[], Awaitable[None]] | None = None,
        deliver_policy: DeliverPolicy = DeliverPolicy.ALL,
    ) -> None:
        """`wait_until_ready` is awaited before every fetch: while a dependency of the handler
        is known to be down (an open circuit breaker), messages stay in JetStream undelivered
        instead of being delivered, failed and counted against `max_deliver`.

        A handler error that carries `retry_after` (seconds) means "a dependency is down or
        slow", not "this batch is bad": the batch is then kept (its messages reported in
        progress so JetStream does not redeliver them) and tried again after `retry_after` and
        `wait_until_ready`, for as long as the outage lasts. Such an outage therefore never
        consumes `max_deliver` deliveries (naking with a delay would: a long outage would
        exhaust them and JetStream would silently stop delivering the messages). Any other
        error naks the batch whole with a growing delay (2 s per delivery, at most 30 s). A slow
        batch is reported in progress every ack_wait/3. On cancellation (shutdown) an unfinished
        batch is nak'ed at once so another replica takes it."""
        super().__init__(
            js,
            uow_factory,
            tables,
            subscription,
            batch_size=batch_size,
            fetch_timeout=fetch_timeout,
            ack_wait=ack_wait,
            max_deliver=max_deliver,
            deliver_policy=deliver_policy,
            max_ack_pending=max_ack_pending,
        )
        self._wait_until_ready = wait_until_ready

    async def run(self) -> None:
        psub = await self._bind()
        errors = 0
        while True:
            if self._wait_until_ready is not None:
                await self._wait_until_ready()
            try:
                msgs = await psub.fetch(self._batch_size, timeout=self._fetch_timeout)
            except (FetchTimeoutError, TimeoutError):
                _raise_if_cancelling()
                CONSUMER_PENDING.labels(self._sub.durable).set(0)
                continue
            except Exception as exc:
                _raise_if_cancelling()
                # NATS reconnecting, JetStream briefly unavailable: keep the loop (a crashed
                # loop would only be restarted after a growing delay).
                errors += 1
                log.warning(
                    "fetch failed; retrying",
                    extra={"durable": self._sub.durable, "error": repr(exc)},
                )
                await asyncio.sleep(min(0.1 * 2**errors, 5.0))
                continue
            errors = 0
            record_lag(self._sub.durable, msgs)
            try:
                await self.handle_batch(msgs)
            except Exception as exc:  # e.g. an ack lost to a disconnect: redelivered, deduped
                log.warning(
                    "batch not settled", extra={"durable": self._sub.durable, "error": repr(exc)}
                )

    async def handle_batch(self, msgs: Sequence[Msg]) -> None:
        decoded: list[tuple[Msg, envelope_pb2.EventEnvelope, uuid.UUID]] = []
        for msg in msgs:
            try:
                envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
                event_id = uuid.UUID(envelope.event_id)
                uuid.UUID(envelope.tenant_id)
            except Exception:
                log.error("undecodable event; terminating it", extra={"subject": msg.subject})
                EVENTS_CONSUMED.labels(self._sub.durable, "poison").inc()
                await msg.term()
                continue
            decoded.append((msg, envelope, event_id))
        if not decoded:
            return
        first = decoded[0][1]
        with tracer.start_as_current_span(
            f"{self._sub.durable} process batch",
            context=extract_context(first.trace_context),
            kind=trace.SpanKind.CONSUMER,
            links=_links(e for _, e, _ in decoded[1:33]),
        ) as span:
            span.set_attribute("messaging.batch.message_count", len(decoded))
            span.set_attribute("messaging.consumer.group.name", self._sub.durable)
            msgs = [m for m, _, _ in decoded]
            held = 0
            # While the batch is worked on (a slow handler, a kept batch), JetStream is told so
            # every ack_wait/3: it neither redelivers it nor counts another delivery.
            heartbeat = asyncio.ensure_future(self._in_progress(msgs))
            try:
                while True:
                    try:
                        applied = await self._apply(decoded)
                        break
                    except Exception as exc:
                        span.record_exception(exc)
                        EVENTS_CONSUMED.labels(self._sub.durable, "failed").inc(len(decoded))
                        retry_after = getattr(exc, "retry_after", None)
                        if retry_after is None:
                            log.warning(
                                "batch handler failed; the batch will be redelivered",
                                extra={"error": repr(exc), "size": len(decoded)},
                            )
                            for msg in msgs:
                                attempt = msg.metadata.num_delivered or 1
                                await msg.nak(delay=min(2.0 * attempt, 30.0))
                            return
                        held += 1
                        log.warning(
                            "dependency unavailable; keeping the batch and retrying",
                            extra={"error": repr(exc), "size": len(decoded), "attempt": held},
                        )
                        await asyncio.sleep(max(0.0, min(float(retry_after), 60.0)))
                        if self._wait_until_ready is not None:
                            await self._wait_until_ready()
            except asyncio.CancelledError:
                await _nak_all(msgs)
                raise
            finally:
                heartbeat.cancel()
            span.set_attribute("moodline.applied", applied)
            span.set_attribute("moodline.held", held)
        EVENTS_CONSUMED.labels(self._sub.durable, "applied").inc(applied)
        if len(decoded) - applied:
            EVENTS_CONSUMED.labels(self._sub.durable, "duplicate").inc(len(decoded) - applied)
        for msg, _, _ in decoded:
            await msg.ack()

    async def _in_progress(self, msgs: Sequence[Msg]) -> None:
        interval = max(0.5, min(self._config.ack_wait or 30.0, 30.0) / 3)
        while True:
            await asyncio.sleep(interval)
            for msg in msgs:
                try:
                    await msg.in_progress()
                except Exception:
                    return

    async def _apply(
        self, decoded: Sequence[tuple[Msg, envelope_pb2.EventEnvelope, uuid.UUID]]
    ) -> int:
        unique: dict[uuid.UUID, envelope_pb2.EventEnvelope] = {}
        for _, envelope, event_id in decoded:
            unique.setdefault(event_id, envelope)
        async with self._uow_factory() as uow:
            # One statement marks the batch and tells which events are new: a marker that
            # exists (applied earlier, or concurrently by a replica that committed first) is
            # not returned.
            # (the ids as one array parameter: one fixed statement whatever the batch size)
            marked = await uow.session.execute(
                _mark_batch(self._processed),
                {"consumer": self._sub.durable, "event_ids": list(unique)},
            )
            new_ids = set(marked.scalars())
            if not new_ids:
                return 0
            await self._sub.handler([e for i, e in unique.items() if i in new_ids], uow)
            await uow.commit()
            return len(new_ids)


@functools.cache
def _mark_batch(processed: sa.Table) -> sa.TextClause:
    return sa.text(
        f"INSERT INTO {processed.name} (consumer, event_id) "
        "SELECT CAST(:consumer AS TEXT), unnest(CAST(:event_ids AS UUID[])) "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    ).columns(processed.c.event_id)


async def _nak_all(msgs: Sequence[Msg]) -> None:
    """Give an unfinished batch back at once (shutdown): another consumer may take it."""
    for msg in msgs:
        try:
            await msg.nak()
        except Exception:
            pass


def _raise_if_cancelling() -> None:
    """Python 3.11's asyncio.wait_for (inside nats' fetch) can turn a cancellation that races
    with its timeout into a TimeoutError; a loop that continues on timeouts would then never
    stop. The task still knows it was asked to cancel."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError

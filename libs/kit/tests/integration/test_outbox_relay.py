"""The outbox relay and its batch publisher: a batch returns only once JetStream stored every
message, in order; a refused message or a missing ack fails the batch, and the relay then
leaves the rows unpublished (attempts counted) for the next try."""

import asyncio
import uuid

import nats
import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2
from moodline_kit import nats as kit_nats
from moodline_kit.db import kit_tables, new_metadata, session_factory
from moodline_kit.events import Event
from moodline_kit.nats import JetStreamBatchPublisher, Outgoing
from moodline_kit.outbox import OutboxRelay
from moodline_kit.uow import UnitOfWork
from nats.errors import NoRespondersError
from nats.js.errors import BadRequestError
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

metadata = new_metadata()
kit = kit_tables(metadata)


@pytest.fixture
async def stream(infra_urls):
    service = f"kitrelay{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(infra_urls.nats_url)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, kit_nats.StreamSpec(service))
    try:
        yield nc, js, service
    finally:
        await js.delete_stream(service.upper())
        await nc.close()


@pytest.fixture
async def engine(database_factory):
    """A database holding the kit's outbox table."""
    engine = create_async_engine(await database_factory("relay"))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _stored(js, stream: str) -> list[bytes]:
    info = await js.stream_info(stream)
    return [
        (await js.get_msg(stream, seq)).data
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def test_a_batch_returns_when_every_message_is_stored_in_order(stream):
    nc, js, service = stream
    publisher = JetStreamBatchPublisher(nc)
    first = [
        Outgoing(f"{service}.thing.done", f"m{i}".encode(), {"Nats-Msg-Id": f"id{i}"})
        for i in range(300)
    ]
    await publisher.publish(first)
    assert await _stored(js, service.upper()) == [f"m{i}".encode() for i in range(300)]
    # A republished batch (same ids: the relay retrying after a lost ack) is acked as
    # duplicates and stored once; the batches after it keep working.
    await publisher.publish(first[:10])
    await publisher.publish([Outgoing(f"{service}.thing.done", b"last", {})])
    stored = await _stored(js, service.upper())
    assert len(stored) == 301 and stored[-1] == b"last"


async def test_a_refused_message_fails_the_batch(stream):
    nc, _, service = stream
    publisher = JetStreamBatchPublisher(nc)
    ok = Outgoing(f"{service}.thing.done", b"x", {})
    with pytest.raises(NoRespondersError):  # no stream captures the subject
        await publisher.publish([ok, Outgoing(f"nostream{service}.x", b"x", {})])
    wrong_stream = {"Nats-Expected-Stream": "NOT_THIS_ONE"}
    with pytest.raises(BadRequestError):  # JetStream's own error answer
        await publisher.publish([ok, Outgoing(ok.subject, b"y", wrong_stream)])
    await publisher.publish([ok])  # the publisher is still usable


async def test_a_missing_ack_times_out(stream):
    nc, _, service = stream
    publisher = JetStreamBatchPublisher(nc, ack_timeout=0.5)
    silent = await nc.subscribe(f"silent{service}.x")  # a responder that never acks
    try:
        with pytest.raises(TimeoutError):
            await publisher.publish([Outgoing(f"silent{service}.x", b"x", {})])
    finally:
        await silent.unsubscribe()


async def test_the_relay_publishes_committed_events_and_keeps_refused_ones(engine, stream):
    nc, js, service = stream
    tenant = uuid.uuid4()

    def created(subject: str, i: int) -> Event:
        return Event(
            subject,
            tenant,
            f"c{i}",
            customer_events.CustomerCreated(customer=customer_pb2.Customer(id=f"c{i}")),
        )

    relay = OutboxRelay(engine, kit, nc, batch_size=50, publish_timeout=5)
    async with UnitOfWork(session_factory(engine), kit, source="test") as uow:
        for i in range(120):
            uow.emit(created(f"{service}.customer.created", i))
        await uow.commit()
    assert [await relay.publish_pending() for _ in range(4)] == [50, 50, 20, 0]
    stored = await _stored(js, service.upper())
    assert len(stored) == 120
    async with UnitOfWork(session_factory(engine), kit, source="test") as uow:
        uow.emit(created(f"nostream{service}.customer.created", 0))
        await uow.commit()
    for _ in range(2):
        with pytest.raises(NoRespondersError):
            await relay.publish_pending()
    async with engine.connect() as conn:
        left = (
            await conn.execute(
                sa.select(kit.outbox.c.subject, kit.outbox.c.attempts).where(
                    kit.outbox.c.published_at.is_(None)
                )
            )
        ).all()
    assert left == [(f"nostream{service}.customer.created", 2)]


async def test_concurrent_batches_are_told_apart(stream):
    nc, js, service = stream
    publisher = JetStreamBatchPublisher(nc)
    batches = [
        [Outgoing(f"{service}.thing.done", f"{b}-{i}".encode(), {}) for i in range(50)]
        for b in range(4)
    ]
    await asyncio.gather(*(publisher.publish(b) for b in batches))
    assert len(await _stored(js, service.upper())) == 200


async def test_events_carry_the_trace_context_of_the_span_that_committed_them(engine, stream):
    """A commit injects its span's context once for all its events: envelope and NATS headers."""
    nc, js, service = stream
    tracer = TracerProvider().get_tracer("test")
    tenant = uuid.uuid4()
    trace_ids = []
    for batch in range(2):
        with tracer.start_as_current_span(f"work{batch}") as span:
            trace_ids.append(format(span.get_span_context().trace_id, "032x"))
            async with UnitOfWork(session_factory(engine), kit, source="test") as uow:
                for i in range(3):
                    uow.emit(
                        Event(
                            f"{service}.customer.created",
                            tenant,
                            f"c{batch}-{i}",
                            customer_events.CustomerCreated(),
                        )
                    )
                await uow.commit()
    relay = OutboxRelay(engine, kit, nc, publish_timeout=5)
    assert await relay.publish_pending() == 6
    info = await js.stream_info(service.upper())
    stored = [
        await js.get_msg(service.upper(), seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]
    for n, msg in enumerate(stored):
        trace_id = trace_ids[n // 3]
        envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
        assert trace_id in envelope.trace_context["traceparent"]
        assert trace_id in msg.headers["traceparent"]

"""The batched idempotent consumer applies each event once (one transaction per batch, markers
in one statement), acks only after commit, redelivers a failed batch whole, and does not fetch
while its dependency is down."""

import asyncio
import uuid

import nats
import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import customer_pb2 as customer_events
from moodline_kit import nats as kit_nats
from moodline_kit.consumer import BatchIdempotentConsumer, BatchSubscription
from moodline_kit.db import kit_tables, new_metadata, session_factory
from moodline_kit.events import Event, to_envelope, unpack
from moodline_kit.uow import UnitOfWork
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

metadata = new_metadata()
kit = kit_tables(metadata)
applied = sa.Table(
    "applied_batch",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("customer_id", sa.Text, nullable=False),
)


class Transient(Exception):
    retry_after = 0.1


class Outage(Exception):
    retry_after = 0.3


async def _until(predicate, seconds=30.0):
    for _ in range(int(seconds / 0.1)):
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_batches_apply_each_event_once_despite_duplicates_and_failures(
    database_factory, infra_urls
):
    url = await database_factory("batchconsumer")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    service = f"kitbatch{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(infra_urls.nats_url)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, kit_nats.StreamSpec(service))
    failures = {"left": 2}
    batch_sizes: list[int] = []
    ready = asyncio.Event()

    async def handler(envelopes, uow):
        if failures["left"]:
            failures["left"] -= 1
            raise Transient("dependency down")
        batch_sizes.append(len(envelopes))
        rows = [
            {
                "tenant_id": uuid.UUID(e.tenant_id),
                "customer_id": unpack(e, customer_events.CustomerCreated).customer.id,
            }
            for e in envelopes
        ]
        await uow.session.execute(applied.insert(), rows)

    consumer = BatchIdempotentConsumer(
        js,
        lambda: UnitOfWork(session_factory(engine), kit, source="test"),
        kit,
        BatchSubscription(
            f"{service}-test", service.upper(), [f"{service}.customer.created"], handler
        ),
        batch_size=50,
        fetch_timeout=0.2,
        wait_until_ready=ready.wait,
    )
    tenant = uuid.uuid4()
    events = [
        Event(
            f"{service}.customer.created",
            tenant,
            f"c{i}",
            customer_events.CustomerCreated(customer=customer_pb2.Customer(id=f"c{i}")),
        )
        for i in range(120)
    ]
    for event in events:
        data = to_envelope(event, source="test").SerializeToString()
        # Same event twice without de-duplication headers: a redelivery the broker can't see.
        await js.publish(event.subject, data)
        await js.publish(event.subject, data)
    task = asyncio.create_task(consumer.run())

    async def count() -> int:
        async with engine.connect() as conn:
            return await conn.scalar(sa.select(sa.func.count()).select_from(applied))

    async def drained() -> bool:
        info = await js.consumer_info(service.upper(), f"{service}-test")
        return await count() == 120 and info.num_pending == 0 and info.num_ack_pending == 0

    try:
        await asyncio.sleep(0.5)
        info = await js.consumer_info(service.upper(), f"{service}-test")
        # Not ready: nothing was delivered.
        assert info.delivered.stream_seq == 0 and info.num_pending == 240
        ready.set()
        assert await _until(drained)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(applied.c.customer_id))).scalars().all()
            markers = await conn.scalar(
                sa.select(sa.func.count()).select_from(kit.processed_events)
            )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await js.delete_stream(service.upper())
        await nc.close()
        await engine.dispose()
    assert sorted(rows) == sorted(f"c{i}" for i in range(120))
    assert markers == 120
    assert max(batch_sizes) > 1  # really batched


async def test_a_long_dependency_outage_does_not_use_up_deliveries(database_factory, infra_urls):
    """A handler failing with `retry_after` (its dependency is down) keeps the batch: with
    max_deliver=2 and ten failures, naking would have exhausted the deliveries and JetStream
    would have dropped the messages; kept, every event is applied once, delivered once."""
    url = await database_factory("batchconsumer_outage")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    service = f"kitbatch{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(infra_urls.nats_url)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, kit_nats.StreamSpec(service))
    failures = {"left": 10}
    waits = {"n": 0}

    async def handler(envelopes, uow):
        if failures["left"]:
            failures["left"] -= 1
            raise Outage("dependency down")
        await uow.session.execute(
            applied.insert(),
            [
                {
                    "tenant_id": uuid.UUID(e.tenant_id),
                    "customer_id": unpack(e, customer_events.CustomerCreated).customer.id,
                }
                for e in envelopes
            ],
        )

    async def wait_until_ready():
        waits["n"] += 1

    durable = f"{service}-outage"
    consumer = BatchIdempotentConsumer(
        js,
        lambda: UnitOfWork(session_factory(engine), kit, source="test"),
        kit,
        BatchSubscription(durable, service.upper(), [f"{service}.customer.created"], handler),
        batch_size=50,
        fetch_timeout=0.2,
        ack_wait=1.5,  # shorter than the outage: kept alive by in-progress acks
        max_deliver=2,
        wait_until_ready=wait_until_ready,
    )
    tenant = uuid.uuid4()
    for i in range(30):
        event = Event(
            f"{service}.customer.created",
            tenant,
            f"c{i}",
            customer_events.CustomerCreated(customer=customer_pb2.Customer(id=f"c{i}")),
        )
        await js.publish(event.subject, to_envelope(event, source="test").SerializeToString())

    async def count() -> int:
        async with engine.connect() as conn:
            return await conn.scalar(sa.select(sa.func.count()).select_from(applied))

    async def drained() -> bool:
        try:
            info = await js.consumer_info(service.upper(), durable)
        except nats.js.errors.NotFoundError:
            return False  # not created yet
        return await count() == 30 and info.num_pending == 0 and info.num_ack_pending == 0

    task = asyncio.create_task(consumer.run())
    try:
        assert await _until(drained)
        info = await js.consumer_info(service.upper(), durable)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await js.delete_stream(service.upper())
        await nc.close()
        await engine.dispose()
    assert failures["left"] == 0  # the outage (10 x 0.3 s) outlasted ack_wait
    assert info.num_redelivered == 0  # kept, not redelivered
    assert waits["n"] >= 10  # readiness awaited before every retry

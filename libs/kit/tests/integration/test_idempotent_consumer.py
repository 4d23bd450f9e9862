"""The idempotent consumer applies each event once, acks only after commit, and survives
redelivery and handler failures."""

import asyncio
import uuid

import nats
import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import customer_pb2 as customer_events
from moodline_kit import nats as kit_nats
from moodline_kit import tenancy
from moodline_kit.consumer import IdempotentConsumer, Subscription
from moodline_kit.db import kit_tables, new_metadata, session_factory
from moodline_kit.events import Event, to_envelope, unpack
from moodline_kit.uow import UnitOfWork
from nats.js.errors import NotFoundError
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

metadata = new_metadata()
kit = kit_tables(metadata)
applied = sa.Table(
    "applied",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
    sa.Column("customer_id", sa.Text, nullable=False),
)


async def test_each_event_is_applied_once_despite_redelivery_and_failures(
    database_factory, infra_urls
):
    url = await database_factory("consumer")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    service = f"kittest{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(infra_urls.nats_url)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, kit_nats.StreamSpec(service))
    failures = {"left": 2}
    seen_tenants = []

    async def handler(envelope, uow):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("transient failure")
        created = unpack(envelope, customer_events.CustomerCreated)
        seen_tenants.append(tenancy.current_tenant())
        await uow.session.execute(
            applied.insert().values(
                tenant_id=uuid.UUID(envelope.tenant_id), customer_id=created.customer.id
            )
        )

    consumer = IdempotentConsumer(
        js,
        lambda: UnitOfWork(session_factory(engine), kit, source="test"),
        kit,
        Subscription(f"{service}-test", service.upper(), [f"{service}.customer.created"], handler),
        fetch_timeout=0.2,
    )
    tenant = uuid.uuid4()
    events = [
        Event(
            f"{service}.customer.created",
            tenant,
            f"c{i}",
            customer_events.CustomerCreated(customer=customer_pb2.Customer(id=f"c{i}")),
        )
        for i in range(5)
    ]
    for event in events:
        data = to_envelope(event, source="test").SerializeToString()
        # Same event twice without de-duplication headers: a redelivery the broker can't see.
        await js.publish(event.subject, data)
        await js.publish(event.subject, data)
    task = asyncio.create_task(consumer.run())
    try:
        for _ in range(150):
            async with engine.connect() as conn:
                count = await conn.scalar(sa.select(sa.func.count()).select_from(applied))
            try:
                info = await js.consumer_info(service.upper(), f"{service}-test")
            except NotFoundError:  # consumer.run() has not created its consumer yet
                await asyncio.sleep(0.2)
                continue
            if count == 5 and info.num_pending == 0 and info.num_ack_pending == 0:
                break
            await asyncio.sleep(0.2)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(applied.c.customer_id))).scalars().all()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await js.delete_stream(service.upper())
        await nc.close()
        await engine.dispose()
    assert sorted(rows) == [f"c{i}" for i in range(5)]
    assert set(seen_tenants) == {tenant}

"""NATS stops while customers are created: creation still succeeds, and once NATS is back every
event is published exactly once (outbox + Nats-Msg-Id de-duplication)."""

import asyncio

import nats
import pytest
import sqlalchemy as sa
from customer.testing import migrate
from grpc_health.v1 import health_pb2, health_pb2_grpc
from moodline.customer.v1 import customer_pb2 as pb
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2
from moodline_kit.events import unpack

pytestmark = pytest.mark.integration


async def stream_events(nats_url: str) -> list[envelope_pb2.EventEnvelope]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("customer.customer.created", stream="CUSTOMER")
        out = []
        while True:
            try:
                msgs = await sub.fetch(100, timeout=1)
            except TimeoutError:
                return out
            for m in msgs:
                out.append(envelope_pb2.EventEnvelope.FromString(m.data))
                await m.ack()
    finally:
        await nc.close()


async def wait_until(predicate, limit_s=30.0):
    deadline = asyncio.get_running_loop().time() + limit_s
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def test_customers_created_during_a_nats_outage_are_published_once(
    database_factory, private_nats, tenant, start_customer_service
):
    url = await database_factory("outage")
    await migrate(url)
    nats_url = f"nats://127.0.0.1:{private_nats.port}"
    async with start_customer_service(url, nats_url) as service:
        before = await service.stub.CreateCustomer(
            pb.CreateCustomerRequest(first_name="Before"), metadata=tenant
        )
        engine = service.container.engine

        async def unpublished() -> int:
            async with engine.connect() as conn:
                return await conn.scalar(
                    sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                )

        async def drained():
            return await unpublished() == 0

        await wait_until(drained)
        private_nats.stop()
        health = health_pb2_grpc.HealthStub(service.channel)

        async def not_ready():
            reply = await health.Check(health_pb2.HealthCheckRequest())
            return reply.status == health_pb2.HealthCheckResponse.NOT_SERVING

        await wait_until(not_ready)  # readiness is honest about NATS
        during = [
            await service.stub.CreateCustomer(
                pb.CreateCustomerRequest(first_name=f"During{i}"), metadata=tenant
            )
            for i in range(10)
        ]
        assert await unpublished() == 10
        private_nats.start()
        await wait_until(drained)
        # Force a re-publication of everything, as after a crash between publish and commit:
        async with engine.begin() as conn:
            await conn.execute(sa.text("UPDATE outbox SET published_at = NULL"))
        await wait_until(drained)

    events = await stream_events(nats_url)
    ids = [unpack(e, customer_events.CustomerCreated).customer.id for e in events]
    expected = {before.id, *(c.id for c in during)}
    assert sorted(ids) == sorted(expected)  # every one, none twice
    assert len({e.event_id for e in events}) == len(events)

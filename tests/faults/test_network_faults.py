"""Network faults between a service and its PostgreSQL and NATS: a TCP proxy on each link adds
latency, swallows traffic, resets every connection. The service's deadlines, pool pings,
reconnects and outbox retries must do their job: calls either succeed or fail fast within their
deadline, the service serves again as soon as the link heals, and every committed change is on
JetStream exactly once."""

from __future__ import annotations

import asyncio
import time

import grpc
import nats
import pytest
import sqlalchemy as sa
from customer.testing import migrate, running_customer_service
from moodline.customer.v1 import customer_pb2 as pb
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2
from moodline_devkit.testing.proxy import FaultyProxy
from moodline_kit.events import unpack
from sqlalchemy.engine import make_url

pytestmark = [pytest.mark.integration, pytest.mark.faults]

DEADLINE_S = 2.0


async def _created_events(nats_url: str) -> list[str]:
    nc = await nats.connect(nats_url)
    try:
        sub = await nc.jetstream().pull_subscribe("customer.customer.created", stream="CUSTOMER")
        ids = []
        while True:
            try:
                msgs = await sub.fetch(200, timeout=1)
            except TimeoutError:
                return ids
            for m in msgs:
                envelope = envelope_pb2.EventEnvelope.FromString(m.data)
                ids.append(unpack(envelope, customer_events.CustomerCreated).customer.id)
                await m.ack()
    finally:
        await nc.close()


async def _until(predicate, limit_s: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not await predicate():
        assert time.monotonic() - started < limit_s, f"not within {limit_s}s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_latency_black_holes_and_resets_lose_and_double_nothing(
    database_factory, private_nats, tenant
):
    url = await database_factory("netfaults")
    await migrate(url)
    pg_url = make_url(url)
    async with (
        FaultyProxy(pg_url.host or "127.0.0.1", pg_url.port or 5432) as pg,
        FaultyProxy("127.0.0.1", private_nats.port) as js,
    ):
        via_pg = pg_url.set(port=pg.port).render_as_string(hide_password=False)
        via_js = f"nats://127.0.0.1:{js.port}"
        async with running_customer_service(via_pg, via_js) as service:
            created: list[str] = []
            outcomes: dict[str, int] = {}

            async def create(label: str, deadline: float = DEADLINE_S) -> bool:
                try:
                    c = await service.stub.CreateCustomer(
                        pb.CreateCustomerRequest(first_name=label),
                        metadata=tenant,
                        timeout=deadline,
                    )
                except grpc.aio.AioRpcError as exc:
                    outcomes[exc.code().name] = outcomes.get(exc.code().name, 0) + 1
                    return False
                created.append(c.id)
                outcomes["OK"] = outcomes.get("OK", 0) + 1
                return True

            async def serving() -> bool:
                return await create("probe")

            # 1. Latency on both links: slower, still within the deadline.
            pg.latency_s, js.latency_s = 0.02, 0.1
            for i in range(10):
                assert await create(f"slow{i}")
            pg.heal()
            js.heal()

            # 2. NATS connections reset over and over, then swallowed: writes do not depend on
            #    NATS (the outbox holds the events), so they all succeed.
            for i in range(10):
                js.reset_all()
                assert await create(f"reset{i}")
                await asyncio.sleep(0.2)
            js.blackhole = True
            for i in range(5):
                assert await create(f"blackhole{i}")
            js.heal()
            js.reset_all()  # the swallowed connection is dead; the client reconnects

            # 3. PostgreSQL stalls: a call fails with DEADLINE_EXCEEDED at its deadline
            #    instead of hanging; once the link heals the service serves within a second.
            pg.latency_s = 5.0
            started = time.monotonic()
            assert not await create("stalled", deadline=1.0)
            assert time.monotonic() - started < 1.5
            assert outcomes.get("DEADLINE_EXCEEDED") == 1
            pg.heal()
            pg.reset_all()
            assert await _until(serving, 5) < 2.0

            # 4. PostgreSQL connections reset under the pool: the next call pings, reconnects.
            pg.reset_all()
            assert await _until(serving, 5) < 1.0

            # 5. PostgreSQL refuses connections for a while: calls fail (no hang), then serve.
            pg.refusing = True
            pg.reset_all()
            started = time.monotonic()
            assert not await create("refused")
            assert time.monotonic() - started < DEADLINE_S + 0.5
            pg.heal()
            assert await _until(serving, 10) < 3.0

            engine = service.container.engine

            async def drained() -> bool:
                async with engine.connect() as conn:
                    left = await conn.scalar(
                        sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                    )
                return left == 0

            await _until(drained, 30)
            async with engine.connect() as conn:
                stored = set(
                    (await conn.execute(sa.text("SELECT id::text FROM customers"))).scalars()
                )

    assert js.connections_seen > 1 and pg.connections_seen > 1  # both reconnected
    published = await _created_events(f"nats://127.0.0.1:{private_nats.port}")
    assert set(created) <= stored  # every success committed
    assert sorted(published) == sorted(stored)  # every committed customer on the stream, once
    print(f"\nnetwork faults: {outcomes}")

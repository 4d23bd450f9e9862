"""Run a real loyalty service (gRPC server, outbox relay, consumers) inside a test's event loop.
Used by this service's integration tests and by the gateway's."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import nats
from moodline.loyalty.v1 import loyalty_pb2_grpc
from moodline_kit import migrations
from moodline_kit import nats as kit_nats
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from loyalty import bootstrap
from loyalty.config import LoyaltySettings
from loyalty.entrypoints.cli import MIGRATIONS
from loyalty.service_layer import earning
from loyalty.service_layer.ledger import Clock, utc_now


@dataclass
class RunningService:
    container: bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: loyalty_pb2_grpc.LoyaltyServiceStub


async def migrate(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)


@contextlib.asynccontextmanager
async def running_loyalty_service(
    database_url: str, nats_url: str, *, clock: Clock = utc_now, db_pool_size: int = 4
) -> AsyncIterator[RunningService]:
    """`db_pool_size`: 4 in tests (the shared test PostgreSQL has few connections to spare:
    requests queue on the pool); benchmarks give it more."""
    suffix = uuid.uuid4().hex[:10]
    settings = LoyaltySettings(
        database_url=database_url,
        nats_url=nats_url,
        grpc_port=free_port(),
        readiness_interval=0.2,
        shutdown_grace=1.0,
        db_pool_size=db_pool_size,
        earn_consumer=f"loyalty-earn-test-{suffix}",
        customer_consumer=f"loyalty-customers-test-{suffix}",
    )
    durable = {"BILLING": settings.earn_consumer, "CUSTOMER": settings.customer_consumer}
    # Private consumers that start at "now" and are deleted afterwards, so test sessions
    # sharing one NATS never split, or replay, each other's events.
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for spec in bootstrap.UPSTREAM_STREAMS:
        await kit_nats.ensure_stream(js, spec)
        await js.add_consumer(
            spec.name,
            config=ConsumerConfig(
                durable_name=durable[spec.name],
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.NEW,
                ack_wait=30,
                max_deliver=20,
                filter_subjects=list(earning.SUBJECTS[spec.name]),
            ),
        )
    container = await bootstrap.build(settings, clock=clock)
    stop = asyncio.Event()
    task = asyncio.create_task(grpc_server.run(bootstrap.grpc_app(container), stop=stop))
    address = f"127.0.0.1:{settings.grpc_port}"
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), 10)
    try:
        yield RunningService(
            container, address, channel, loyalty_pb2_grpc.LoyaltyServiceStub(channel)
        )
    finally:
        await channel.close()
        stop.set()
        await asyncio.wait_for(task, 60)
        for spec in bootstrap.UPSTREAM_STREAMS:
            with contextlib.suppress(Exception):
                await js.delete_consumer(spec.name, durable[spec.name])
        await nc.close()


class FrozenClock:
    """A clock tests move by hand: `clock.now = ...` or `clock.advance(days=30)`."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

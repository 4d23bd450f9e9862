"""Composition root: engine, NATS, unit of work, relay, consumers and the servicer are built
here, at start-up (never at import time)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from moodline.loyalty.v1 import loyalty_pb2, loyalty_pb2_grpc
from moodline_kit import nats as kit_nats
from moodline_kit.consumer import IdempotentConsumer, Subscription
from moodline_kit.db import check_database, create_engine, session_factory
from moodline_kit.grpc.server import GrpcApp, ServiceRegistration
from moodline_kit.logging import configure_logging
from moodline_kit.outbox import OutboxRelay
from moodline_kit.telemetry import configure_tracing
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.adapters.tables import kit
from loyalty.config import LoyaltySettings
from loyalty.entrypoints.grpc_servicer import LoyaltyServicer
from loyalty.service_layer import earning
from loyalty.service_layer.ledger import Clock, utc_now
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork

SERVICE = "loyalty"
STREAM = kit_nats.StreamSpec(SERVICE)
# Streams this service reads; each is declared here too (the producer may not run yet).
UPSTREAM_STREAMS = [kit_nats.StreamSpec(name.lower()) for name in earning.SUBJECTS]


@dataclass
class Container:
    settings: LoyaltySettings
    engine: AsyncEngine
    nc: Client
    relay: OutboxRelay
    uow: partial[LoyaltyUnitOfWork]
    consumers: list[IdempotentConsumer]
    clock: Clock


def unit_of_work(
    engine: AsyncEngine, relay: OutboxRelay | None = None
) -> partial[LoyaltyUnitOfWork]:
    return partial(
        LoyaltyUnitOfWork,
        session_factory(engine),
        kit,
        source=SERVICE,
        on_commit=relay.wake if relay else None,
    )


async def build(settings: LoyaltySettings, *, clock: Clock = utc_now) -> Container:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    nc = await kit_nats.connect(settings.nats_url, name=SERVICE)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, STREAM)
    for upstream in UPSTREAM_STREAMS:
        await kit_nats.ensure_stream(js, upstream)
    relay = OutboxRelay(engine, kit, nc)
    uow = unit_of_work(engine, relay)
    durable = {"BILLING": settings.earn_consumer, "CUSTOMER": settings.customer_consumer}
    handler = earning.make_handler(clock)
    consumers = [
        IdempotentConsumer(js, uow, kit, Subscription(durable[stream], stream, subjects, handler))
        for stream, subjects in earning.SUBJECTS.items()
    ]
    return Container(settings, engine, nc, relay, uow, consumers, clock)


def grpc_app(container: Container) -> GrpcApp:
    async def database_ready() -> None:
        await check_database(container.engine)

    async def nats_ready() -> None:
        kit_nats.check_connected(container.nc)

    async def close_nats() -> None:
        try:
            await asyncio.wait_for(container.nc.drain(), 3)
        except Exception:
            await container.nc.close()

    async def close_database() -> None:
        await container.engine.dispose()

    return GrpcApp(
        name=SERVICE,
        port=container.settings.grpc_port,
        services=[
            ServiceRegistration(
                loyalty_pb2_grpc.add_LoyaltyServiceServicer_to_server,
                LoyaltyServicer(container.uow, clock=container.clock),
                loyalty_pb2.DESCRIPTOR.services_by_name["LoyaltyService"].full_name,
            )
        ],
        readiness_checks={"database": database_ready, "nats": nats_ready},
        background=[container.relay.run, *(c.run for c in container.consumers)],
        on_shutdown=[close_nats, close_database],
        readiness_interval=container.settings.readiness_interval,
        shutdown_grace=container.settings.shutdown_grace,
        metrics_port=container.settings.metrics_port,
    )


def configure_process(settings: LoyaltySettings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings)

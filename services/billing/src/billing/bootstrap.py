"""Composition root: engine, NATS, unit of work, relay and servicer are built here, at start-up
(never at import time)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from moodline.billing.v1 import billing_pb2, billing_pb2_grpc
from moodline_kit import nats as kit_nats
from moodline_kit.db import check_database, create_engine, session_factory
from moodline_kit.grpc.server import GrpcApp, ServiceRegistration
from moodline_kit.logging import configure_logging
from moodline_kit.outbox import OutboxRelay
from moodline_kit.telemetry import configure_tracing
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.tables import kit
from billing.config import BillingSettings
from billing.entrypoints.grpc_servicer import BillingServicer
from billing.service_layer.unit_of_work import BillingUnitOfWork

SERVICE = "billing"
STREAM = kit_nats.StreamSpec(SERVICE)
FULL_NAME = billing_pb2.DESCRIPTOR.services_by_name["BillingService"].full_name
# Webhook deliveries carry no tenant metadata: the signing endpoint names the tenant.
TENANTLESS = frozenset({f"/{FULL_NAME}/IngestProviderEvent"})


@dataclass
class Container:
    settings: BillingSettings
    engine: AsyncEngine
    nc: Client
    relay: OutboxRelay
    uow: partial[BillingUnitOfWork]


async def build(settings: BillingSettings) -> Container:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    nc = await kit_nats.connect(settings.nats_url, name=SERVICE)
    await kit_nats.ensure_stream(nc.jetstream(), STREAM)
    relay = OutboxRelay(engine, kit, nc)
    uow = partial(
        BillingUnitOfWork, session_factory(engine), kit, source=SERVICE, on_commit=relay.wake
    )
    return Container(settings, engine, nc, relay, uow)


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

    servicer = BillingServicer(
        container.uow, webhook_tolerance=container.settings.webhook_tolerance_seconds
    )
    return GrpcApp(
        name=SERVICE,
        port=container.settings.grpc_port,
        services=[
            ServiceRegistration(
                billing_pb2_grpc.add_BillingServiceServicer_to_server, servicer, FULL_NAME
            )
        ],
        readiness_checks={"database": database_ready, "nats": nats_ready},
        background=[container.relay.run],
        on_shutdown=[close_nats, close_database],
        readiness_interval=container.settings.readiness_interval,
        shutdown_grace=container.settings.shutdown_grace,
        metrics_port=container.settings.metrics_port,
        tenantless_methods=TENANTLESS,
    )


def configure_process(settings: BillingSettings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings)

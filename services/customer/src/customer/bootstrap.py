"""Composition root: engines, NATS, unit of work, relay and servicers are built here, at start-up
(never at import time)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit import nats as kit_nats
from moodline_kit.consumer import IdempotentConsumer, Subscription
from moodline_kit.db import check_database, create_engine, session_factory
from moodline_kit.grpc.server import GrpcApp, ServiceRegistration
from moodline_kit.logging import configure_logging
from moodline_kit.outbox import OutboxRelay
from moodline_kit.telemetry import configure_tracing
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from customer.adapters.conversation_client import ConversationSearch
from customer.adapters.tables import kit
from customer.config import CustomerSettings
from customer.entrypoints.grpc_servicer import CustomerServicer
from customer.service_layer import read_model
from customer.service_layer.unit_of_work import CustomerUnitOfWork

SERVICE = "customer"
STREAM = kit_nats.StreamSpec(SERVICE)
# Streams this service reads; each is declared here too (the producer may not run yet).
UPSTREAM_STREAMS = [kit_nats.StreamSpec(name.lower()) for name in read_model.SUBJECTS]


@dataclass
class Container:
    settings: CustomerSettings
    engine: AsyncEngine
    nc: Client
    relay: OutboxRelay
    uow: partial[CustomerUnitOfWork]
    # Units of work without a transaction, for the list and the stats: each is one statement
    # (two at most, read independently), so BEGIN and ROLLBACK were two of its four round trips.
    reads_engine: AsyncEngine
    reads: partial[CustomerUnitOfWork]
    consumers: list[IdempotentConsumer]
    message_search: ConversationSearch | None


async def build(settings: CustomerSettings) -> Container:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    nc = await kit_nats.connect(settings.nats_url, name=SERVICE)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, STREAM)
    for upstream in UPSTREAM_STREAMS:
        await kit_nats.ensure_stream(js, upstream)
    relay = OutboxRelay(engine, kit, nc)
    uow = partial(
        CustomerUnitOfWork, session_factory(engine), kit, source=SERVICE, on_commit=relay.wake
    )
    # List and stats reads: single statements (AUTOCOMMIT: no BEGIN/ROLLBACK), every one run
    # through `retry_if_disconnected` in the servicer, so no ping at checkout.
    reads_engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=False,
    )
    reads = partial(CustomerUnitOfWork, session_factory(reads_engine), kit, source=SERVICE)
    consumers = [
        IdempotentConsumer(
            js,
            uow,
            kit,
            Subscription(
                durable=settings.read_model_consumer,  # declared per stream by the chart
                stream=stream,
                subjects=subjects,
                handler=read_model.on_event,  # type: ignore[arg-type]
            ),
        )
        for stream, subjects in read_model.SUBJECTS.items()
    ]
    search = (
        ConversationSearch(settings.conversation_addr, timeout=settings.conversation_search_timeout)
        if settings.conversation_addr
        else None
    )
    return Container(settings, engine, nc, relay, uow, reads_engine, reads, consumers, search)


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
        await container.reads_engine.dispose()

    return GrpcApp(
        name=SERVICE,
        port=container.settings.grpc_port,
        host=container.settings.grpc_host,
        reflection=container.settings.grpc_reflection,
        services=[
            ServiceRegistration(
                customer_pb2_grpc.add_CustomerServiceServicer_to_server,
                CustomerServicer(
                    container.uow, reads=container.reads, message_search=container.message_search
                ),
                customer_pb2.DESCRIPTOR.services_by_name["CustomerService"].full_name,
            )
        ],
        readiness_checks={"database": database_ready, "nats": nats_ready},
        background=[container.relay.run, *(c.run for c in container.consumers)],
        on_shutdown=[close_nats, close_database],
        readiness_interval=container.settings.readiness_interval,
        shutdown_grace=container.settings.shutdown_grace,
        metrics_port=container.settings.metrics_port,
    )


def configure_process(settings: CustomerSettings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings)

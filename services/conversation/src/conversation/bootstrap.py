"""Composition root: engines, NATS, the customer-service channel, unit of work, relay and
servicers are built here, at start-up (never at import time)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

import grpc
from moodline.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from moodline_kit import nats as kit_nats
from moodline_kit.consumer import IdempotentConsumer, Subscription
from moodline_kit.db import check_database, create_engine, session_factory
from moodline_kit.grpc.client import create_channel
from moodline_kit.grpc.server import GrpcApp, ServiceRegistration
from moodline_kit.logging import configure_logging
from moodline_kit.outbox import OutboxRelay
from moodline_kit.telemetry import configure_tracing
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from conversation.adapters.customers import GrpcCustomerDirectory
from conversation.adapters.tables import kit
from conversation.config import ConversationSettings
from conversation.entrypoints.grpc_servicer import ConversationServicer
from conversation.service_layer import customer_events
from conversation.service_layer.unit_of_work import ConversationUnitOfWork

SERVICE = "conversation"
STREAM = kit_nats.StreamSpec(SERVICE)
CUSTOMER_STREAM = kit_nats.StreamSpec("customer")


@dataclass
class Container:
    settings: ConversationSettings
    engine: AsyncEngine
    nc: Client
    relay: OutboxRelay
    uow: partial[ConversationUnitOfWork]
    customer_channel: grpc.aio.Channel
    customers: GrpcCustomerDirectory
    consumers: list[IdempotentConsumer]


async def build(settings: ConversationSettings) -> Container:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    nc = await kit_nats.connect(settings.nats_url, name=SERVICE)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, STREAM)
    await kit_nats.ensure_stream(js, CUSTOMER_STREAM)
    relay = OutboxRelay(engine, kit, nc)
    uow = partial(
        ConversationUnitOfWork, session_factory(engine), kit, source=SERVICE, on_commit=relay.wake
    )
    channel = create_channel(settings.customer_addr, default_timeout=settings.customer_timeout)
    directory = GrpcCustomerDirectory(channel, settings_ttl=settings.tenant_settings_ttl)
    consumers = [
        IdempotentConsumer(
            js,
            uow,
            kit,
            Subscription(
                durable=settings.contacts_consumer,
                stream=CUSTOMER_STREAM.name,
                subjects=customer_events.SUBJECTS,
                handler=customer_events.on_customer_event,  # type: ignore[arg-type]
            ),
        )
    ]
    return Container(settings, engine, nc, relay, uow, channel, directory, consumers)


def grpc_app(container: Container) -> GrpcApp:
    async def database_ready() -> None:
        await check_database(container.engine)

    async def nats_ready() -> None:
        kit_nats.check_connected(container.nc)

    async def close_customer_channel() -> None:
        await container.customer_channel.close()

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
        host=container.settings.grpc_host,
        reflection=container.settings.grpc_reflection,
        services=[
            ServiceRegistration(
                conversation_pb2_grpc.add_ConversationServiceServicer_to_server,
                ConversationServicer(
                    container.uow,
                    container.customers,
                    resolve_concurrency=container.settings.resolve_concurrency,
                ),
                conversation_pb2.DESCRIPTOR.services_by_name["ConversationService"].full_name,
            )
        ],
        readiness_checks={"database": database_ready, "nats": nats_ready},
        background=[container.relay.run, *(c.run for c in container.consumers)],
        on_shutdown=[close_customer_channel, close_nats, close_database],
        readiness_interval=container.settings.readiness_interval,
        shutdown_grace=container.settings.shutdown_grace,
        metrics_port=container.settings.metrics_port,
    )


def configure_process(settings: ConversationSettings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings)

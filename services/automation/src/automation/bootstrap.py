"""Composition root: engine, NATS, channels to the customer and conversation services, the
run queue, unit of work, consumers, runner and servicer are built here, at start-up (never at
import time) — in the gRPC process and, separately, in each Celery worker process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import grpc
import httpx
from moodline.automation.v1 import automation_pb2, automation_pb2_grpc
from moodline_kit import nats as kit_nats
from moodline_kit.consumer import IdempotentConsumer, Subscription
from moodline_kit.db import check_database, create_engine, session_factory
from moodline_kit.grpc.client import create_channel
from moodline_kit.grpc.server import GrpcApp, ServiceRegistration
from moodline_kit.logging import configure_logging
from moodline_kit.outbox import OutboxRelay
from moodline_kit.telemetry import configure_tracing
from nats.aio.client import Client
from nats.js.api import DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncEngine

from automation.adapters.effects import ServiceEffects
from automation.adapters.events import STREAMS
from automation.adapters.locks import PgRunLocks
from automation.adapters.queue import CeleryRunQueue, celery_app
from automation.adapters.tables import kit
from automation.config import AutomationSettings
from automation.domain.run import Budget
from automation.entrypoints.grpc_servicer import AutomationServicer
from automation.service_layer import triggers
from automation.service_layer.runner import Runner
from automation.service_layer.unit_of_work import AutomationUnitOfWork

SERVICE = "automation"
STREAM = kit_nats.StreamSpec(SERVICE)


@dataclass
class Effects:
    """What actions and dry runs call: channels to the other services and an HTTP client."""

    customer_channel: grpc.aio.Channel
    conversation_channel: grpc.aio.Channel
    http: httpx.AsyncClient
    effects: ServiceEffects

    async def close(self) -> None:
        await self.customer_channel.close()
        await self.conversation_channel.close()
        await self.http.aclose()


def build_effects(settings: AutomationSettings) -> Effects:
    customer = create_channel(settings.customer_addr, default_timeout=settings.call_timeout)
    conversation = create_channel(settings.conversation_addr, default_timeout=settings.call_timeout)
    http = httpx.AsyncClient(timeout=settings.webhook_timeout)
    return Effects(
        customer,
        conversation,
        http,
        ServiceEffects(customer, conversation, http, webhook_secret=settings.webhook_secret),
    )


def budget(settings: AutomationSettings) -> Budget:
    return Budget(max_runs=settings.max_runs_per_customer_per_hour, window=timedelta(hours=1))


@dataclass
class Container:
    settings: AutomationSettings
    engine: AsyncEngine
    nc: Client
    relay: OutboxRelay
    uow: partial[AutomationUnitOfWork]
    queue: CeleryRunQueue
    outside: Effects
    consumers: list[IdempotentConsumer]


async def build(settings: AutomationSettings) -> Container:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    nc = await kit_nats.connect(settings.nats_url, name=SERVICE)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, STREAM)
    for stream in STREAMS:
        await kit_nats.ensure_stream(js, kit_nats.StreamSpec(stream))
    relay = OutboxRelay(engine, kit, nc)
    queue = CeleryRunQueue(celery_app(settings))
    uow = partial(
        AutomationUnitOfWork,
        session_factory(engine),
        kit,
        source=SERVICE,
        on_commit=relay.wake,
        enqueue=queue.enqueue,
    )
    start = DeliverPolicy.ALL if settings.consumer_start == "all" else DeliverPolicy.NEW
    consumers = [
        IdempotentConsumer(
            js,
            uow,
            kit,
            Subscription(
                durable=settings.trigger_consumer,
                stream=kit_nats.StreamSpec(stream).name,
                subjects=subjects,
                handler=partial(triggers.on_event, budget=budget(settings)),  # type: ignore[arg-type]
            ),
            deliver_policy=start,
        )
        for stream, subjects in STREAMS.items()
    ]
    return Container(settings, engine, nc, relay, uow, queue, build_effects(settings), consumers)


def grpc_app(container: Container) -> GrpcApp:
    settings = container.settings

    async def database_ready() -> None:
        await check_database(container.engine)

    async def nats_ready() -> None:
        kit_nats.check_connected(container.nc)

    async def close_channels() -> None:
        await container.outside.close()

    async def close_nats() -> None:
        try:
            await asyncio.wait_for(container.nc.drain(), 3)
        except Exception:
            await container.nc.close()

    async def close_database() -> None:
        await container.engine.dispose()

    return GrpcApp(
        name=SERVICE,
        port=settings.grpc_port,
        services=[
            ServiceRegistration(
                automation_pb2_grpc.add_AutomationServiceServicer_to_server,
                AutomationServicer(
                    container.uow,
                    container.outside.effects,
                    budget=budget(settings),
                    allow_http_webhooks=settings.allow_http_webhooks,
                ),
                automation_pb2.DESCRIPTOR.services_by_name["AutomationService"].full_name,
            )
        ],
        readiness_checks={"database": database_ready, "nats": nats_ready},
        background=[container.relay.run, *(c.run for c in container.consumers)],
        on_shutdown=[close_channels, close_nats, close_database],
        readiness_interval=settings.readiness_interval,
        shutdown_grace=settings.shutdown_grace,
        metrics_port=settings.metrics_port,
    )


@dataclass
class Worker:
    """What one Celery worker process executes runs with (built on its first task, after
    the fork)."""

    engine: AsyncEngine
    uow: partial[AutomationUnitOfWork]
    outside: Effects
    runner: Runner
    queue: CeleryRunQueue


def build_worker(settings: AutomationSettings, queue: CeleryRunQueue) -> Worker:
    # The run lock holds one connection while a run executes; the steps use others.
    engine = create_engine(settings.database_url, pool_size=max(3, settings.db_pool_size))
    uow = partial(
        AutomationUnitOfWork, session_factory(engine), kit, source=SERVICE, enqueue=queue.enqueue
    )
    outside = build_effects(settings)
    runner = Runner(
        uow,
        outside.effects,
        PgRunLocks(engine),
        max_step_attempts=settings.max_step_attempts,
        retry_base=settings.retry_base_seconds,
        retry_max=settings.retry_max_seconds,
        pause_after_effect=settings.pause_after_effect,
    )
    return Worker(engine, uow, outside, runner, queue)


def configure_process(settings: AutomationSettings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings)

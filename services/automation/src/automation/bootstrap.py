"""Composition root: the kit's runtime plus the automation service's own pieces (channels to
the customer and conversation services, the run queue, the trigger consumers, the servicer) —
in the gRPC process, and separately in each Celery worker process (`build_worker`). Nothing is
built at import time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import grpc
import httpx
from moodline.automation.v1 import automation_pb2, automation_pb2_grpc
from moodline_kit import bootstrap, customer_data
from moodline_kit.consumer import Consumes
from moodline_kit.db import create_engine
from moodline_kit.grpc.client import create_channel
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of
from sqlalchemy.ext.asyncio import AsyncEngine

from automation.adapters.effects import ServiceEffects
from automation.adapters.locks import PgRunLocks
from automation.adapters.queue import CeleryRunQueue, celery_app
from automation.adapters.tables import kit
from automation.config import AutomationSettings
from automation.domain.run import Budget
from automation.entrypoints import consumers
from automation.entrypoints.grpc_servicer import AutomationServicer
from automation.service_layer import customer_data as participation
from automation.service_layer.runner import Runner
from automation.service_layer.unit_of_work import AutomationUnitOfWork

NAME = "automation"
# One durable consumer, this name, on each stream a trigger comes from.
TRIGGERS = tuple(
    Consumes(stream, "automation-triggers", subjects)
    for stream, subjects in consumers.STREAMS.items()
)
CUSTOMER_DATA = customer_data.consumes(NAME)


@dataclass
class Outside:
    """What actions and dry runs call: channels to the other services and an HTTP client."""

    customer_channel: grpc.aio.Channel
    conversation_channel: grpc.aio.Channel
    http: httpx.AsyncClient
    effects: ServiceEffects

    async def close(self) -> None:
        await self.customer_channel.close()
        await self.conversation_channel.close()
        await self.http.aclose()


def build_outside(settings: AutomationSettings) -> Outside:
    customer = create_channel(settings.customer_addr, default_timeout=settings.call_timeout)
    conversation = create_channel(settings.conversation_addr, default_timeout=settings.call_timeout)
    http = httpx.AsyncClient(timeout=settings.webhook_timeout)
    effects = ServiceEffects(customer, conversation, http, webhook_secret=settings.webhook_secret)
    return Outside(customer, conversation, http, effects)


def budget(settings: AutomationSettings) -> Budget:
    return Budget(max_runs=settings.max_runs_per_customer_per_hour, window=timedelta(hours=1))


@dataclass
class Container(bootstrap.Runtime):
    outside: Outside | None = None
    queue: CeleryRunQueue | None = None


async def build(settings: AutomationSettings) -> Container:
    runtime = await bootstrap.start(
        settings, NAME, kit, AutomationUnitOfWork, (*TRIGGERS, CUSTOMER_DATA)
    )
    queue = CeleryRunQueue(celery_app(settings))
    # Runs created in a transaction are queued on Celery after its commit.
    runtime.uow = partial(runtime.uow, enqueue=queue.enqueue)
    # A fetched batch of trigger events in one transaction (consumers.on_events).
    handler = partial(consumers.on_events, budget=budget(settings))
    for consumes in TRIGGERS:
        runtime.consume_batches(consumes, handler)  # type: ignore[arg-type]
    runtime.consume(CUSTOMER_DATA, customer_data.handler(participation.CUSTOMER_DATA))
    return runtime.into(Container, outside=build_outside(settings), queue=queue)


def grpc_app(container: Container) -> GrpcApp:
    assert container.outside is not None
    settings = container.settings
    servicer = AutomationServicer(
        container.uow,
        container.outside.effects,
        budget=budget(settings),
        allow_http_webhooks=settings.allow_http_webhooks,
    )
    return bootstrap.grpc_app(
        container,
        [bootstrap.register(servicer, automation_pb2, automation_pb2_grpc)],
        closers=[container.outside.close],
    )


@dataclass
class Worker:
    """What one Celery worker process executes runs with (built on its first task, after
    the fork, inside the process's event loop)."""

    engine: AsyncEngine
    uow: partial[AutomationUnitOfWork]
    outside: Outside
    runner: Runner

    async def close(self) -> None:
        await self.outside.close()
        await self.engine.dispose()


def build_worker(settings: AutomationSettings, queue: CeleryRunQueue) -> Worker:
    # The run lock holds one connection while a run executes; the steps use others.
    engine = create_engine(settings.database_url, pool_size=max(3, settings.db_pool_size))
    uow = bootstrap.unit_of_work_on(engine, kit, AutomationUnitOfWork, NAME, enqueue=queue.enqueue)
    outside = build_outside(settings)
    runner = Runner(
        uow,
        outside.effects,
        PgRunLocks(engine),
        max_step_attempts=settings.max_step_attempts,
        retry_base=settings.retry_base_seconds,
        retry_max=settings.retry_max_seconds,
        pause_after_effect=settings.pause_after_effect,
    )
    return Worker(engine, uow, outside, runner)


SERVICE = Service(
    name=NAME,
    settings=AutomationSettings,
    build=build,
    grpc_app=grpc_app,
    migrations=migrations_of(__file__),
    celery="automation.entrypoints.celery_app:create_app",
    consumes=(*TRIGGERS, CUSTOMER_DATA),
)

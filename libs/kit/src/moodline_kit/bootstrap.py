"""What every service's composition root shares: the database engine, NATS and its streams, the
outbox relay, the unit-of-work factory, consumers, readiness and shutdown.

A service's `bootstrap.py` calls `start()` for the runtime, adds only its own pieces (servicer,
consumers, clients) and hands them to `grpc_app()`. Nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from types import ModuleType
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncEngine

from moodline_kit import nats as kit_nats
from moodline_kit.config import GrpcServiceSettings
from moodline_kit.consumer import (
    BatchHandler,
    BatchIdempotentConsumer,
    BatchSubscription,
    Consumes,
    Handler,
    IdempotentConsumer,
    Subscription,
)
from moodline_kit.db import KitTables, check_database, create_engine, session_factory
from moodline_kit.grpc.server import GrpcApp, ReadinessCheck, ServiceRegistration
from moodline_kit.logging import configure_logging
from moodline_kit.outbox import OutboxRelay
from moodline_kit.telemetry import configure_tracing
from moodline_kit.uow import UnitOfWork

Job = Callable[[], Awaitable[None]]
C = TypeVar("C", bound="Runtime")

DELIVER: dict[str, DeliverPolicy] = {"all": DeliverPolicy.ALL, "new": DeliverPolicy.NEW}


@dataclass
class Runtime:
    """The parts every service has. A service's Container subclasses it and adds its own."""

    name: str
    settings: Any  # the service's GrpcServiceSettings subclass
    tables: KitTables
    engine: AsyncEngine
    nc: Client
    relay: OutboxRelay
    uow: partial[Any]
    consumers: list[IdempotentConsumer | BatchIdempotentConsumer] = field(default_factory=list)
    # The relay and each consumer's loop(s); grpc_app runs them in the background.
    background: list[Job] = field(default_factory=list)
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
    # Run at shutdown in this order, after the service's own closers: NATS, then engines.
    closers: list[Job] = field(default_factory=list)

    @property
    def js(self) -> JetStreamContext:
        return self.nc.jetstream()

    def into(self, cls: type[C], **extra: Any) -> C:
        """This runtime as the service's Container subclass, with its own fields."""
        return cls(**{f.name: getattr(self, f.name) for f in fields(Runtime)}, **extra)

    def engine_for_reads(self) -> AsyncEngine:
        """A second engine for single-statement reads (AUTOCOMMIT: no BEGIN/ROLLBACK round
        trips; no ping at checkout, so reads go through `retry_if_disconnected`)."""
        engine = create_engine(
            self.settings.database_url,
            pool_size=self.settings.db_pool_size,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
        )
        self.closers.append(engine.dispose)
        return engine

    def consume(
        self, declared: Consumes, handler: Handler, *, durable: str = "", **options: Any
    ) -> IdempotentConsumer:
        """A durable consumer of what `declared` names (`durable` overrides its name, from a
        setting), run by the app and created by the test harness before anything is published."""
        subscription = Subscription(
            self._name(declared, durable), declared.stream, declared.subjects, handler
        )
        consumer = IdempotentConsumer(
            self.js, self.uow, self.tables, subscription, deliver_policy=self._deliver(), **options
        )
        self.consumers.append(consumer)
        self.background.append(consumer.run)
        return consumer

    def consume_batches(
        self,
        declared: Consumes,
        handler: BatchHandler,
        *,
        durable: str = "",
        concurrency: int = 1,
        **options: Any,
    ) -> BatchIdempotentConsumer:
        """As `consume`, a batch at a time; `concurrency` loops fetch from the one durable."""
        subscription = BatchSubscription(
            self._name(declared, durable), declared.stream, declared.subjects, handler
        )
        consumer = BatchIdempotentConsumer(
            self.js, self.uow, self.tables, subscription, deliver_policy=self._deliver(), **options
        )
        self.consumers.append(consumer)
        self.background.extend([consumer.run] * max(1, concurrency))
        return consumer

    def _name(self, declared: Consumes, durable: str) -> str:
        return f"{durable or declared.durable}{self.settings.consumer_suffix}"

    def _deliver(self) -> DeliverPolicy:
        return DELIVER[self.settings.consumer_start]


async def start(
    settings: GrpcServiceSettings,
    name: str,
    tables: KitTables,
    unit_of_work: type[UnitOfWork],
    consumes: Sequence[Consumes] = (),
) -> Runtime:
    """Engine, NATS (its own stream and the streams it `consumes` from declared, since their
    producers may not run yet), outbox relay and the unit-of-work factory."""
    reads_from = sorted({c.stream.lower() for c in consumes} - {name})
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    nc = await kit_nats.connect(settings.nats_url, name=name)
    js = nc.jetstream()
    for service in (name, *reads_from):
        await kit_nats.ensure_stream(js, kit_nats.StreamSpec(service))
    relay = OutboxRelay(engine, tables, nc)
    uow = unit_of_work_on(engine, tables, unit_of_work, name, on_commit=relay.wake)

    async def database_ready() -> None:
        await check_database(engine)

    async def nats_ready() -> None:
        kit_nats.check_connected(nc)

    async def close_nats() -> None:
        try:
            await asyncio.wait_for(nc.drain(), 3)
        except Exception:
            await nc.close()

    return Runtime(
        name=name,
        settings=settings,
        tables=tables,
        engine=engine,
        nc=nc,
        relay=relay,
        uow=uow,
        readiness={"database": database_ready, "nats": nats_ready},
        background=[relay.run],
        closers=[close_nats, engine.dispose],
    )


def unit_of_work_on(
    engine: AsyncEngine,
    tables: KitTables,
    unit_of_work: type[UnitOfWork],
    source: str,
    **extra: Any,
) -> partial[Any]:
    """The unit-of-work factory on `engine`: the service's (with the relay's wake-up), a
    second engine's, a Celery task's or worker's (a service's `bootstrap.units_of_work`)."""
    return partial(unit_of_work, session_factory(engine), tables, source=source, **extra)


def register(servicer: object, pb2: ModuleType, pb2_grpc: ModuleType) -> ServiceRegistration:
    """The registration of a servicer of the one gRPC service that `pb2` defines."""
    (service,) = pb2.DESCRIPTOR.services_by_name.values()
    add = getattr(pb2_grpc, f"add_{service.name}Servicer_to_server")
    return ServiceRegistration(add, servicer, service.full_name)


def grpc_app(
    runtime: Runtime,
    services: Sequence[ServiceRegistration],
    *,
    background: Sequence[Job] = (),
    readiness: dict[str, ReadinessCheck] | None = None,
    closers: Sequence[Job] = (),
    tenantless_methods: frozenset[str] = frozenset(),
) -> GrpcApp:
    """The gRPC app: the relay and every consumer run in the background; readiness is the
    database, NATS and `readiness`; the service's `closers` run before NATS and the engines.
    `tenantless_methods`: full names of RPCs called without tenant metadata."""
    settings = runtime.settings
    return GrpcApp(
        name=runtime.name,
        port=settings.grpc_port,
        host=settings.grpc_host,
        reflection=settings.grpc_reflection,
        services=services,
        readiness_checks={**runtime.readiness, **(readiness or {})},
        background=[*runtime.background, *background],
        on_shutdown=[*closers, *runtime.closers],
        readiness_interval=settings.readiness_interval,
        shutdown_grace=settings.shutdown_grace,
        metrics_port=settings.metrics_port,
        tenantless_methods=tenantless_methods,
    )


def configure_process(settings: GrpcServiceSettings | Any) -> None:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings)


@contextlib.asynccontextmanager
async def engine_for_task(settings: Any):  # type: ignore[no-untyped-def]
    """A one-connection engine for one Celery task run (built after fork, disposed after)."""
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        yield engine
    finally:
        await engine.dispose()

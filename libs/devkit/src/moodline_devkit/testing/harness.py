"""Run a real service (gRPC server, outbox relay, consumers) inside a test's event loop.

Its durable consumers are private to the run (`-test-<random>` suffix), start at "now" and are
created before the service answers, so test sessions sharing one NATS never split or replay
each other's events, and nothing published after start-up is missed; they are deleted after.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import grpc
import nats
from moodline_kit import migrations
from moodline_kit.grpc import server as grpc_server
from moodline_kit.service import Service

from moodline_devkit.infra import free_port

Stub = TypeVar("Stub")


@dataclass
class RunningService(Generic[Stub]):
    container: Any  # the service's bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: Stub


async def migrate(service: Service, database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, service.migrations, database_url)


@contextlib.asynccontextmanager
async def running_service(
    service: Service,
    stub: Callable[[grpc.aio.Channel], Stub],
    *,
    database_url: str,
    nats_url: str,
    **overrides: Any,
) -> AsyncIterator[RunningService[Stub]]:
    suffix = f"-test-{uuid.uuid4().hex[:10]}"
    settings = service.settings(
        **{
            "database_url": database_url,
            "nats_url": nats_url,
            "grpc_port": free_port(),
            "readiness_interval": 0.2,
            "shutdown_grace": 1.0,
            "consumer_start": "new",
            "consumer_suffix": suffix,
            **overrides,
        }
    )
    container = await service.build(settings)
    js = container.js
    for consumer in container.consumers:
        with contextlib.suppress(Exception):
            await js.add_consumer(consumer.stream, config=consumer.config)
    stop = asyncio.Event()
    task = asyncio.create_task(grpc_server.run(service.grpc_app(container), stop=stop))
    address = f"127.0.0.1:{settings.grpc_port}"
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), 10)
    try:
        yield RunningService(container, address, channel, stub(channel))
    finally:
        await channel.close()
        stop.set()
        try:
            await asyncio.wait_for(task, 60)
        finally:
            if settings.consumer_suffix == suffix:
                await _delete_consumers(nats_url, container.consumers)


async def _delete_consumers(nats_url: str, consumers: list[Any]) -> None:
    nc = await nats.connect(nats_url)
    try:
        for consumer in consumers:
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_consumer(consumer.stream, consumer.config.durable_name)
    finally:
        await nc.close()


def runner(
    service: Service | Callable[[], Service],
    stub: Callable[[grpc.aio.Channel], Stub],
    *positional: str,
) -> Callable[..., contextlib.AbstractAsyncContextManager[RunningService[Stub]]]:
    """`running_<name>_service(database_url, nats_url, *positional settings, **settings)` of
    one service (`service` may be a function giving it, looked up at each start)."""

    def run(
        database_url: str, nats_url: str, *args: Any, **overrides: Any
    ) -> contextlib.AbstractAsyncContextManager[RunningService[Stub]]:
        chosen = service if isinstance(service, Service) else service()
        settings = dict(zip(positional, args, strict=True)) | overrides
        return running_service(
            chosen, stub, database_url=database_url, nats_url=nats_url, **settings
        )

    return run


def migrator(service: Service) -> Callable[[str], Awaitable[None]]:
    """`migrate(database_url)` of one service."""

    async def run(database_url: str) -> None:
        await migrate(service, database_url)

    return run

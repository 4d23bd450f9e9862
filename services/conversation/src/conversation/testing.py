"""Run a real conversation service (gRPC server + outbox relay) inside a test's event loop.
Used by this service's integration tests, the gateway's and the benchmark."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from moodline.conversation.v1 import conversation_pb2_grpc
from moodline_kit import migrations
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server

from conversation import bootstrap
from conversation.config import ConversationSettings
from conversation.entrypoints.cli import MIGRATIONS


@dataclass
class RunningService:
    container: bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: conversation_pb2_grpc.ConversationServiceStub


async def migrate(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)


@contextlib.asynccontextmanager
async def running_conversation_service(
    database_url: str, nats_url: str, customer_addr: str, **overrides: object
) -> AsyncIterator[RunningService]:
    settings = ConversationSettings(
        database_url=database_url,
        nats_url=nats_url,
        customer_addr=customer_addr,
        grpc_port=free_port(),
        readiness_interval=0.2,
        **overrides,
    )
    container = await bootstrap.build(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(grpc_server.run(bootstrap.grpc_app(container), stop=stop))
    address = f"127.0.0.1:{settings.grpc_port}"
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), 10)
    try:
        yield RunningService(
            container, address, channel, conversation_pb2_grpc.ConversationServiceStub(channel)
        )
    finally:
        await channel.close()
        stop.set()
        await asyncio.wait_for(task, 30)

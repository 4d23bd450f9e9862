"""Run a real conversation service (gRPC server + outbox relay) inside a test's event loop.
Used by this service's integration tests, the gateway's and the benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import nats
from moodline.conversation.v1 import conversation_pb2_grpc
from moodline_kit import migrations
from moodline_kit import nats as kit_nats
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from conversation import bootstrap
from conversation.config import ConversationSettings
from conversation.entrypoints.cli import MIGRATIONS
from conversation.service_layer import customer_events


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
        **{"contacts_consumer": f"conversation-contacts-test-{uuid.uuid4().hex[:10]}", **overrides},
    )
    # A private CUSTOMER-stream consumer that starts at "now" and is deleted afterwards, so
    # concurrent test sessions on one NATS never split (or replay) each other's events.
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, bootstrap.CUSTOMER_STREAM)
    await js.add_consumer(
        bootstrap.CUSTOMER_STREAM.name,
        config=ConsumerConfig(
            durable_name=settings.contacts_consumer,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.NEW,
            ack_wait=30,
            max_deliver=20,
            filter_subjects=customer_events.SUBJECTS,
        ),
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
        try:
            await asyncio.wait_for(task, 30)
        finally:
            with contextlib.suppress(Exception):
                await js.delete_consumer(bootstrap.CUSTOMER_STREAM.name, settings.contacts_consumer)
            await nc.close()

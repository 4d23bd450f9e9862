"""Run a real customer service (gRPC server + outbox relay) inside a test's event loop.
Used by this service's integration tests and by the gateway's."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import nats
from moodline.customer.v1 import customer_pb2_grpc
from moodline_kit import migrations
from moodline_kit import nats as kit_nats
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from customer import bootstrap
from customer.config import CustomerSettings
from customer.entrypoints.cli import MIGRATIONS
from customer.service_layer import read_model


@dataclass
class RunningService:
    container: bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: customer_pb2_grpc.CustomerServiceStub


async def migrate(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)


@contextlib.asynccontextmanager
async def running_customer_service(
    database_url: str, nats_url: str, **overrides: object
) -> AsyncIterator[RunningService]:
    settings = CustomerSettings(
        database_url=database_url,
        nats_url=nats_url,
        grpc_port=free_port(),
        readiness_interval=0.2,
        shutdown_grace=1.0,
        read_model_consumer=f"customer-read-model-test-{uuid.uuid4().hex[:10]}",
        **overrides,  # type: ignore[arg-type]
    )
    # Private read-model consumers that start at "now" and are deleted afterwards, so test
    # sessions sharing one NATS never split, or replay, each other's events.
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for spec in bootstrap.UPSTREAM_STREAMS:
        await kit_nats.ensure_stream(js, spec)
        await js.add_consumer(
            spec.name,
            config=ConsumerConfig(
                durable_name=settings.read_model_consumer,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.NEW,
                ack_wait=30,
                max_deliver=20,
                filter_subjects=list(read_model.SUBJECTS[spec.name]),
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
            container, address, channel, customer_pb2_grpc.CustomerServiceStub(channel)
        )
    finally:
        await channel.close()
        stop.set()
        await asyncio.wait_for(task, 60)
        for spec in bootstrap.UPSTREAM_STREAMS:
            with contextlib.suppress(Exception):
                await js.delete_consumer(spec.name, settings.read_model_consumer)
        await nc.close()

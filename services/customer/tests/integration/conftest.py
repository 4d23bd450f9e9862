"""A real customer service (gRPC server, PostgreSQL, NATS JetStream) in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
import pytest_asyncio
from moodline.customer.v1 import customer_pb2_grpc

from moodline_kit import migrations
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server

from customer import bootstrap
from customer.config import CustomerSettings
from customer.entrypoints.cli import MIGRATIONS

pytestmark = pytest.mark.integration


@dataclass
class RunningService:
    container: bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: customer_pb2_grpc.CustomerServiceStub
    stop: asyncio.Event
    task: asyncio.Task


@contextlib.asynccontextmanager
async def running_customer_service(database_url: str, nats_url: str) -> AsyncIterator[RunningService]:
    settings = CustomerSettings(database_url=database_url, nats_url=nats_url,
                                grpc_port=free_port(), readiness_interval=0.2)
    container = await bootstrap.build(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(grpc_server.run(bootstrap.grpc_app(container), stop=stop))
    address = f"127.0.0.1:{settings.grpc_port}"
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), 10)
    try:
        yield RunningService(container, address, channel,
                             customer_pb2_grpc.CustomerServiceStub(channel), stop, task)
    finally:
        await channel.close()
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def customer_database(database_factory) -> str:
    url = await database_factory("customer")
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, url)
    return url


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def customer_service(customer_database, infra_urls) -> AsyncIterator[RunningService]:
    async with running_customer_service(customer_database, infra_urls.nats_url) as service:
        yield service


@pytest.fixture
def start_customer_service():
    """`async with start_customer_service(database_url, nats_url) as service: ...`"""
    return running_customer_service


@pytest.fixture
def tenant() -> tuple[tuple[str, str], ...]:
    """Metadata of a brand-new tenant, so tests never see each other's data."""
    return (("moodline-tenant-id", str(uuid.uuid4())),)

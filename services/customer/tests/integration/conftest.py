"""A real customer service (gRPC server, PostgreSQL, NATS JetStream) in the test's event loop."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from customer.testing import RunningService, migrate, running_customer_service
from moodline_kit.grpc.client import tenant_metadata


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def customer_database(database_factory) -> str:
    url = await database_factory("customer")
    await migrate(url)
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
    return tenant_metadata(str(uuid.uuid4()))

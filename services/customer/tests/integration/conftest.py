"""A real customer service (gRPC server, PostgreSQL, NATS JetStream) in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from customer.bootstrap import SERVICE
from customer.testing import RunningService, running_customer_service


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def customer_database(migrated_database) -> str:
    return await migrated_database(SERVICE)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def customer_service(customer_database, infra_urls) -> AsyncIterator[RunningService]:
    async with running_customer_service(customer_database, infra_urls.nats_url) as service:
        yield service


@pytest.fixture
def start_customer_service():
    """`async with start_customer_service(database_url, nats_url) as service: ...`"""
    return running_customer_service

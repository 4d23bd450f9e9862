"""A real billing service (gRPC server, PostgreSQL, NATS JetStream) in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from billing.bootstrap import SERVICE
from billing.testing import RunningService, running_billing_service


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def billing_database(migrated_database) -> str:
    return await migrated_database(SERVICE)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def billing_service(billing_database, infra_urls) -> AsyncIterator[RunningService]:
    async with running_billing_service(billing_database, infra_urls.nats_url) as service:
        yield service

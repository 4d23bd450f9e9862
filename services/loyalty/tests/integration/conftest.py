"""A real loyalty service (gRPC server, PostgreSQL, NATS JetStream) in the test's event loop,
on a clock the tests move by hand."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from loyalty.testing import FrozenClock, RunningService, migrate, running_loyalty_service
from moodline_kit.grpc.client import tenant_metadata


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def loyalty_database(database_factory) -> str:
    url = await database_factory("loyalty")
    await migrate(url)
    return url


@pytest.fixture(scope="session")
def clock() -> FrozenClock:
    return FrozenClock()


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def loyalty_service(loyalty_database, infra_urls, clock) -> AsyncIterator[RunningService]:
    async with running_loyalty_service(
        loyalty_database, infra_urls.nats_url, clock=clock
    ) as service:
        yield service


@pytest.fixture
def tenant() -> tuple[tuple[str, str], ...]:
    """Metadata of a brand-new tenant, so tests never see each other's data."""
    return tenant_metadata(str(uuid.uuid4()))

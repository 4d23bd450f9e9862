"""A real sentiment service on real PostgreSQL, NATS JetStream and tritonserver (CPU)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from moodline_devkit.testing.plugin import own_nats
from sentiment.testing import (
    RunningService,
    TritonServer,
    migrate,
    running_sentiment_service,
    triton_available,
)


@pytest.fixture(scope="session")
def triton() -> Iterator[TritonServer]:
    if not triton_available():
        pytest.skip("no Triton model repository / serve venv (make -C ml-serving venv-serve ...)")
    server = TritonServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def sentiment_database(database_factory) -> str:
    url = await database_factory("sentiment")
    await migrate(url)
    return url


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """The sentiment tests' own NATS server: the session-wide sentiment service would otherwise
    score (and publish customer sentiment for) every message other test modules publish."""
    with own_nats() as server:
        yield f"nats://127.0.0.1:{server.port}"


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def sentiment_service(sentiment_database, nats_url, triton) -> AsyncIterator[RunningService]:
    async with running_sentiment_service(sentiment_database, nats_url, triton.grpc_addr) as service:
        yield service

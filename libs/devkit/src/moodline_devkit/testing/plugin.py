"""The `moodline` pytest plugin: session-wide real infrastructure and per-test helpers."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from moodline_kit.auth import ensure_local_keys
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.service import Service

from moodline_devkit import infra
from moodline_devkit.testing.databases import create_database, drop_database
from moodline_devkit.testing.harness import migrate
from moodline_devkit.testing.servers import InfraUrls, ManagedServer, provide_infra, unique_name


@pytest.fixture(scope="session")
def infra_urls() -> Iterator[InfraUrls]:
    with provide_infra() as urls:
        yield urls


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def database_factory(infra_urls: InfraUrls) -> AsyncIterator[Callable]:
    """`await database_factory("customer")` -> URL of a fresh database dropped after the run."""
    created: list[str] = []

    async def make(prefix: str) -> str:
        name = unique_name(f"test_{prefix}")
        created.append(name)
        return await create_database(infra_urls.database_url, name)

    yield make
    for name in created:
        with contextlib.suppress(Exception):
            await drop_database(infra_urls.database_url, name)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def migrated_database(database_factory: Callable) -> Callable:
    """`await migrated_database(SERVICE)` -> URL of a fresh database at the service's head."""

    async def make(service: Service) -> str:
        url = await database_factory(service.name)
        await migrate(service, url)
        return url

    return make


@pytest.fixture
def tenant() -> tuple[tuple[str, str], ...]:
    """gRPC metadata of a brand-new tenant, so tests never see each other's data: its id and
    a credential for it signed with the session's key set (docs/trust.md), valid 15 minutes
    (a test on a loaded machine outlives the 60 s of a production service token)."""
    return tenant_metadata(str(uuid.uuid4()), ttl=900.0)


@contextlib.contextmanager
def own_nats() -> Iterator[ManagedServer]:
    """A NATS server (JetStream on disk) that nothing else in the test session talks to:
    stoppable and restartable, and no session-wide consumer sees its events."""
    root = Path(tempfile.mkdtemp(prefix="moodline-nats-"))
    server = ManagedServer(infra.nats(root / "js", infra.free_port()), root / "nats.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def private_nats() -> Iterator[ManagedServer]:
    """A NATS server of the test's own (JetStream on disk) that the test may stop and restart."""
    with own_nats() as server:
        yield server


def pytest_configure(config: pytest.Config) -> None:
    """A key set for this test session, unless one is given: services started by the tests
    verify with it, and `tenant_metadata` (tests calling services directly) signs with it."""
    ensure_local_keys()

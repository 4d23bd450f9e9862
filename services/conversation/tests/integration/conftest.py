"""The real customer service and a real conversation service (gRPC servers, PostgreSQL, NATS
JetStream) in the test's event loop."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from conversation.testing import RunningService, running_conversation_service
from conversation.testing import migrate as migrate_conversation
from customer.testing import RunningService as RunningCustomerService
from customer.testing import migrate as migrate_customer
from customer.testing import running_customer_service


@dataclass
class Services:
    customer: RunningCustomerService
    conversation: RunningService
    conversation_database: str


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def services(database_factory, infra_urls) -> AsyncIterator[Services]:
    customer_db = await database_factory("conv_customer")
    conversation_db = await database_factory("conversation")
    await migrate_customer(customer_db)
    await migrate_conversation(conversation_db)
    async with (
        running_customer_service(customer_db, infra_urls.nats_url) as customer,
        running_conversation_service(
            conversation_db, infra_urls.nats_url, customer.address
        ) as conversation,
    ):
        yield Services(customer, conversation, conversation_db)


class Spy:
    """Counts the calls the conversation service makes to the customer service (and keeps the
    requests of each method)."""

    def __init__(self, stub: object) -> None:
        self._stub = stub
        self.calls: Counter[str] = Counter()
        self.requests: dict[str, list] = defaultdict(list)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        method = getattr(self._stub, name)

        async def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls[name] += 1
            self.requests[name].append(args[0] if args else kwargs.get("request"))
            return await method(*args, **kwargs)

        return call


@pytest.fixture
def spy(services, monkeypatch) -> Spy:
    directory = services.conversation.container.customers
    spy = Spy(directory._stub)
    monkeypatch.setattr(directory, "_stub", spy)
    return spy

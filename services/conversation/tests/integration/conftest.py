"""The real customer service and a real conversation service (gRPC servers, PostgreSQL, NATS
JetStream) in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

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

"""A real conversation service in a test's event loop (the devkit's harness); used by this
service's integration tests, the gateway's and the benchmark."""

from __future__ import annotations

from typing import Any

from moodline.conversation.v1.conversation_pb2_grpc import ConversationServiceStub
from moodline_devkit.testing.harness import RunningService, running_service
from moodline_devkit.testing.harness import migrate as _migrate

from conversation.bootstrap import SERVICE

__all__ = ["RunningService", "migrate", "running_conversation_service"]


async def migrate(database_url: str) -> None:
    await _migrate(SERVICE, database_url)


def running_conversation_service(  # type: ignore[no-untyped-def]
    database_url: str, nats_url: str, customer_addr: str, **overrides: Any
):
    return running_service(
        SERVICE,
        ConversationServiceStub,
        database_url=database_url,
        nats_url=nats_url,
        customer_addr=customer_addr,
        **overrides,
    )

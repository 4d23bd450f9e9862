"""A real conversation service in a test's event loop (the devkit's harness); used by this
service's integration tests, the gateway's and the benchmark:
`running_conversation_service(database_url, nats_url, customer_addr, **settings)`."""

from __future__ import annotations

from moodline.conversation.v1.conversation_pb2_grpc import ConversationServiceStub
from moodline_devkit.testing.harness import RunningService, migrator, runner

from conversation.bootstrap import SERVICE

__all__ = ["RunningService", "migrate", "running_conversation_service"]

migrate = migrator(SERVICE)
running_conversation_service = runner(SERVICE, ConversationServiceStub, "customer_addr")

"""Composition root: the kit's runtime plus the conversation service's own pieces (the
customer-service channel and directory, the contacts consumer and the servicer), built at
start-up (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from moodline.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from moodline_kit import bootstrap
from moodline_kit.consumer import Consumes
from moodline_kit.grpc.client import create_channel
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of

from conversation.adapters.customers import GrpcCustomerDirectory
from conversation.adapters.tables import kit
from conversation.config import ConversationSettings
from conversation.entrypoints.grpc_servicer import ConversationServicer
from conversation.service_layer import customer_events
from conversation.service_layer.unit_of_work import ConversationUnitOfWork

NAME = "conversation"
CONTACTS = Consumes("CUSTOMER", "conversation-contacts", tuple(customer_events.SUBJECTS))


@dataclass
class Container(bootstrap.Runtime):
    customer_channel: grpc.aio.Channel | None = None
    customers: GrpcCustomerDirectory | None = None


async def build(settings: ConversationSettings) -> Container:
    runtime = await bootstrap.start(settings, NAME, kit, ConversationUnitOfWork, [CONTACTS])
    handler = customer_events.on_customer_event
    runtime.consume(CONTACTS, handler, durable=settings.contacts_consumer)  # type: ignore[arg-type]
    channel = create_channel(settings.customer_addr, default_timeout=settings.customer_timeout)
    directory = GrpcCustomerDirectory(channel, settings_ttl=settings.tenant_settings_ttl)
    return runtime.into(Container, customer_channel=channel, customers=directory)


def grpc_app(container: Container) -> GrpcApp:
    assert container.customer_channel is not None
    concurrency = container.settings.resolve_concurrency
    servicer = ConversationServicer(
        container.uow, container.customers, resolve_concurrency=concurrency
    )
    registration = bootstrap.register(servicer, conversation_pb2, conversation_pb2_grpc)
    closers = [container.customer_channel.close]
    return bootstrap.grpc_app(container, [registration], closers=closers)


SERVICE = Service(
    NAME, ConversationSettings, build, grpc_app, migrations_of(__file__), consumes=(CONTACTS,)
)

"""Composition root: the kit's runtime plus the conversation service's own pieces (the
customer-service channel and directory, the contacts consumer and the servicer), built at
start-up (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from moodline.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from moodline_kit import bootstrap
from moodline_kit.consumer import Consumes, Subscription
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
    runtime = await bootstrap.start(
        settings,
        name=NAME,
        tables=kit,
        unit_of_work=ConversationUnitOfWork,
        reads_from=["customer"],
    )
    runtime.consumer(
        Subscription(
            durable=settings.contacts_consumer,
            stream=CONTACTS.stream,
            subjects=CONTACTS.subjects,
            handler=customer_events.on_customer_event,  # type: ignore[arg-type]
        )
    )
    channel = create_channel(settings.customer_addr, default_timeout=settings.customer_timeout)
    directory = GrpcCustomerDirectory(channel, settings_ttl=settings.tenant_settings_ttl)
    return runtime.into(Container, customer_channel=channel, customers=directory)


def grpc_app(container: Container) -> GrpcApp:
    assert container.customer_channel is not None
    servicer = ConversationServicer(
        container.uow,
        container.customers,
        resolve_concurrency=container.settings.resolve_concurrency,
    )
    return bootstrap.grpc_app(
        container,
        [bootstrap.register(servicer, conversation_pb2, conversation_pb2_grpc)],
        closers=[container.customer_channel.close],
    )


SERVICE = Service(
    name=NAME,
    settings=ConversationSettings,
    build=build,
    grpc_app=grpc_app,
    migrations=migrations_of(__file__),
    consumes=(CONTACTS,),
)

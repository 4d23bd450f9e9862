"""Composition root: the kit's runtime plus the conversation service's own pieces (the
customer-service channel and directory, the contacts consumer and the servicer), built at
start-up (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import httpx
from moodline.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from moodline_kit import bootstrap, customer_data
from moodline_kit.consumer import Consumes
from moodline_kit.grpc.client import create_channel
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of

from conversation.adapters.channels import ChannelAdapter, HttpProviderAdapter, SmtpEmailAdapter
from conversation.adapters.customers import GrpcCustomerDirectory
from conversation.adapters.tables import kit
from conversation.config import ConversationSettings
from conversation.domain.model import Channel
from conversation.entrypoints import consumers
from conversation.entrypoints.grpc_servicer import ConversationServicer
from conversation.service_layer import customer_data as participation
from conversation.service_layer.outbound import Dispatcher
from conversation.service_layer.unit_of_work import ConversationUnitOfWork

NAME = "conversation"
CONTACTS = Consumes("CUSTOMER", "conversation-contacts", tuple(consumers.SUBJECTS))
CUSTOMER_DATA = customer_data.consumes(NAME)


@dataclass
class Container(bootstrap.Runtime):
    customer_channel: grpc.aio.Channel | None = None
    customers: GrpcCustomerDirectory | None = None
    http: httpx.AsyncClient | None = None
    dispatcher: Dispatcher | None = None


async def build(settings: ConversationSettings) -> Container:
    runtime = await bootstrap.start(
        settings, NAME, kit, ConversationUnitOfWork, [CONTACTS, CUSTOMER_DATA]
    )
    handler = consumers.on_customer_event
    runtime.consume(CONTACTS, handler, durable=settings.contacts_consumer)  # type: ignore[arg-type]
    runtime.consume(CUSTOMER_DATA, customer_data.handler(participation.CUSTOMER_DATA))
    channel = create_channel(settings.customer_addr, default_timeout=settings.customer_timeout)
    directory = GrpcCustomerDirectory(channel, settings_ttl=settings.tenant_settings_ttl)
    http = httpx.AsyncClient(timeout=settings.provider_timeout)
    dispatcher = Dispatcher(runtime.uow, channel_adapters(settings, http))
    runtime.background.append(dispatcher.run)
    return runtime.into(
        Container, customer_channel=channel, customers=directory, http=http, dispatcher=dispatcher
    )


def channel_adapters(
    settings: ConversationSettings, http: httpx.AsyncClient
) -> dict[str, ChannelAdapter]:
    """E-mail over SMTP; SMS and WhatsApp through the HTTP provider when one is configured."""
    adapters: dict[str, ChannelAdapter] = {
        Channel.EMAIL.value: SmtpEmailAdapter(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
        )
    }
    if settings.provider_base_url:
        for channel in (Channel.SMS, Channel.WHATSAPP):
            adapters[channel.value] = HttpProviderAdapter(
                http,
                base_url=settings.provider_base_url,
                api_key=settings.provider_api_key,
                callback_url=settings.provider_callback_url,
                channel=channel,
            )
    return adapters


def grpc_app(container: Container) -> GrpcApp:
    assert container.customer_channel is not None
    assert container.http is not None and container.dispatcher is not None
    servicer = ConversationServicer(
        container.uow,
        container.customers,  # type: ignore[arg-type]
        resolve_concurrency=container.settings.resolve_concurrency,
        callback_secret=container.settings.provider_callback_secret,
        on_queued=container.dispatcher.wake,
    )
    return bootstrap.grpc_app(
        container,
        [bootstrap.register(servicer, conversation_pb2, conversation_pb2_grpc)],
        closers=[container.customer_channel.close, container.http.aclose],
    )


SERVICE = Service(
    NAME,
    ConversationSettings,
    build,
    grpc_app,
    migrations_of(__file__),
    consumes=(CONTACTS, CUSTOMER_DATA),
)

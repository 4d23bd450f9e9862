"""Composition root: the kit's runtime plus the customer service's own pieces (read-model
consumers, the reads engine, the conversation search client and the servicer), built at start-up
(never at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit import bootstrap
from moodline_kit.consumer import Consumes, Subscription
from moodline_kit.db import session_factory
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of
from sqlalchemy.ext.asyncio import AsyncEngine

from customer.adapters.conversation_client import ConversationSearch
from customer.adapters.tables import kit
from customer.config import CustomerSettings
from customer.entrypoints.grpc_servicer import CustomerServicer
from customer.service_layer import read_model
from customer.service_layer.unit_of_work import CustomerUnitOfWork

NAME = "customer"
CONSUMES = tuple(
    Consumes(stream, "customer-read-model", tuple(subjects))
    for stream, subjects in read_model.SUBJECTS.items()
)


@dataclass
class Container(bootstrap.Runtime):
    # Units of work without a transaction, for the list and the stats: each is one statement
    # (two at most, read independently), so BEGIN and ROLLBACK were two of its four round trips.
    reads_engine: AsyncEngine | None = None
    reads: partial[CustomerUnitOfWork] | None = None
    message_search: ConversationSearch | None = None


async def build(settings: CustomerSettings) -> Container:
    runtime = await bootstrap.start(
        settings,
        name=NAME,
        tables=kit,
        unit_of_work=CustomerUnitOfWork,
        reads_from=[c.stream.lower() for c in CONSUMES],
    )
    for consumes in CONSUMES:
        runtime.consumer(
            Subscription(
                durable=settings.read_model_consumer,  # declared per stream by the chart
                stream=consumes.stream,
                subjects=consumes.subjects,
                handler=read_model.on_event,  # type: ignore[arg-type]
            )
        )
    reads_engine = runtime.engine_for_reads()
    search = (
        ConversationSearch(settings.conversation_addr, timeout=settings.conversation_search_timeout)
        if settings.conversation_addr
        else None
    )
    return runtime.into(
        Container,
        reads_engine=reads_engine,
        reads=partial(CustomerUnitOfWork, session_factory(reads_engine), kit, source=NAME),
        message_search=search,
    )


def grpc_app(container: Container) -> GrpcApp:
    servicer = CustomerServicer(
        container.uow, reads=container.reads, message_search=container.message_search
    )
    search = container.message_search
    return bootstrap.grpc_app(
        container,
        [bootstrap.register(servicer, customer_pb2, customer_pb2_grpc)],
        closers=[search.close] if search else [],
    )


SERVICE = Service(
    name=NAME,
    settings=CustomerSettings,
    build=build,
    grpc_app=grpc_app,
    migrations=migrations_of(__file__),
    celery="customer.entrypoints.celery_app:create_app",
    consumes=CONSUMES,
)

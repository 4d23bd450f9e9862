"""Composition root: the kit's runtime plus the customer service's own pieces (read-model
consumers, the reads engine, the conversation search client and the servicer), built at start-up
(never at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from moodline.customer.v1 import customer_pb2, customer_pb2_grpc, dataops_pb2, dataops_pb2_grpc
from moodline_kit import bootstrap
from moodline_kit.consumer import Consumes
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of
from sqlalchemy.ext.asyncio import AsyncEngine

from customer.adapters.conversation_client import ConversationSearch
from customer.adapters.job_queue import JobQueue
from customer.adapters.tables import kit
from customer.config import CustomerSettings
from customer.entrypoints import consumers
from customer.entrypoints.dataops_servicer import DataOpsServicer
from customer.entrypoints.grpc_servicer import CustomerServicer
from customer.service_layer.unit_of_work import CustomerUnitOfWork

NAME = "customer"
# One read-model durable per upstream stream (the chart declares each).
READ_MODEL = tuple(
    Consumes(stream, "customer-read-model", tuple(subjects))
    for stream, subjects in consumers.SUBJECTS.items()
)
# Each participant's answers to merges and erasures complete the operation's steps.
OPERATIONS = tuple(
    Consumes(stream, "customer-operations", answers)
    for stream, answers in consumers.ANSWERS.items()
)
CONSUMES = READ_MODEL + OPERATIONS


@dataclass
class Container(bootstrap.Runtime):
    # Units of work without a transaction, for the list and the stats: each is one statement
    # (two at most, read independently), so BEGIN and ROLLBACK were two of its four round trips.
    reads_engine: AsyncEngine | None = None
    reads: partial[CustomerUnitOfWork] | None = None
    message_search: ConversationSearch | None = None
    jobs: JobQueue | None = None


def units_of_work(engine: AsyncEngine) -> partial[CustomerUnitOfWork]:
    """Units of work on a second engine: the reads' and a Celery job's (the running
    service's relay publishes what they write to the outbox)."""
    return bootstrap.unit_of_work_on(engine, kit, CustomerUnitOfWork, NAME)


async def build(settings: CustomerSettings) -> Container:
    runtime = await bootstrap.start(settings, NAME, kit, CustomerUnitOfWork, CONSUMES)
    for consumes in READ_MODEL:
        runtime.consume_batches(
            consumes,
            consumers.on_events,  # type: ignore[arg-type]
            durable=settings.read_model_consumer,
        )
    for consumes in OPERATIONS:
        runtime.consume(consumes, consumers.on_answer)  # type: ignore[arg-type]
    reads_engine = runtime.engine_for_reads()
    reads = units_of_work(reads_engine)
    search = None
    if settings.conversation_addr:
        timeout = settings.conversation_search_timeout
        search = ConversationSearch(settings.conversation_addr, timeout=timeout)
    from customer.entrypoints.celery_app import celery_app

    jobs = JobQueue(celery_app(settings), settings.jobs_queue)
    return runtime.into(
        Container, reads_engine=reads_engine, reads=reads, message_search=search, jobs=jobs
    )


def grpc_app(container: Container) -> GrpcApp:
    search = container.message_search
    servicer = CustomerServicer(container.uow, reads=container.reads, message_search=search)
    registration = bootstrap.register(servicer, customer_pb2, customer_pb2_grpc)
    assert container.jobs is not None
    settings: CustomerSettings = container.settings  # type: ignore[assignment]
    dataops = DataOpsServicer(
        container.uow, container.jobs, max_import_bytes=settings.max_import_bytes
    )
    registrations = [registration, bootstrap.register(dataops, dataops_pb2, dataops_pb2_grpc)]
    return bootstrap.grpc_app(container, registrations, closers=[search.close] if search else [])


CELERY = "customer.entrypoints.celery_app:create_app"
SERVICE = Service(
    NAME, CustomerSettings, build, grpc_app, migrations_of(__file__), CELERY, CONSUMES
)

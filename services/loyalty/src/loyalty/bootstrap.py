"""Composition root: the kit's runtime plus the loyalty service's own pieces (the earn / erase
consumers and the servicer), built at start-up (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from moodline.loyalty.v1 import loyalty_pb2, loyalty_pb2_grpc
from moodline_kit import bootstrap, customer_data
from moodline_kit.consumer import Consumes
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.adapters.tables import kit
from loyalty.config import LoyaltySettings
from loyalty.entrypoints import consumers
from loyalty.entrypoints.grpc_servicer import LoyaltyServicer
from loyalty.service_layer import customer_data as participation
from loyalty.service_layer.ledger import Clock, utc_now
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork

NAME = "loyalty"
DURABLES = {"BILLING": "loyalty-earn", "CUSTOMER": "loyalty-customers"}
EARNING = tuple(
    Consumes(stream, DURABLES[stream], subjects) for stream, subjects in consumers.SUBJECTS.items()
)
CUSTOMER_DATA = customer_data.consumes(NAME)
CONSUMES = (*EARNING, CUSTOMER_DATA)


@dataclass
class Container(bootstrap.Runtime):
    clock: Clock = utc_now


def units_of_work(engine: AsyncEngine) -> partial[LoyaltyUnitOfWork]:
    """Units of work on a Celery task's engine (the running service's relay publishes what
    they write to the outbox)."""
    return bootstrap.unit_of_work_on(engine, kit, LoyaltyUnitOfWork, NAME)


async def build(settings: LoyaltySettings, *, clock: Clock = utc_now) -> Container:
    """`clock`: what "now" is for expiry dates and entries (tests pass a frozen one)."""
    runtime = await bootstrap.start(settings, NAME, kit, LoyaltyUnitOfWork, CONSUMES)
    durable = {"BILLING": settings.earn_consumer, "CUSTOMER": settings.customer_consumer}
    handler = consumers.make_handler(clock)
    for consumes in EARNING:
        runtime.consume(consumes, handler, durable=durable[consumes.stream])
    runtime.consume(CUSTOMER_DATA, customer_data.handler(participation.CUSTOMER_DATA))
    return runtime.into(Container, clock=clock)


def grpc_app(container: Container) -> GrpcApp:
    servicer = LoyaltyServicer(container.uow, clock=container.clock)
    return bootstrap.grpc_app(
        container, [bootstrap.register(servicer, loyalty_pb2, loyalty_pb2_grpc)]
    )


SERVICE = Service(
    name=NAME,
    settings=LoyaltySettings,
    build=build,
    grpc_app=grpc_app,
    migrations=migrations_of(__file__),
    celery="loyalty.entrypoints.celery_app:create_app",
    consumes=CONSUMES,
)

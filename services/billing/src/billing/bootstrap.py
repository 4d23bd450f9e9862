"""Composition root: the kit's runtime plus the billing servicer, built at start-up. Billing
publishes BILLING through the outbox and reads only merges and erasures from CUSTOMER."""

from __future__ import annotations

from functools import partial

from moodline.billing.v1 import billing_pb2, billing_pb2_grpc
from moodline_kit import bootstrap, customer_data
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.tables import kit
from billing.config import BillingSettings
from billing.entrypoints.grpc_servicer import BillingServicer
from billing.service_layer import customer_data as participation
from billing.service_layer.unit_of_work import BillingUnitOfWork

NAME = "billing"
FULL_NAME = billing_pb2.DESCRIPTOR.services_by_name["BillingService"].full_name
# Webhook deliveries carry no tenant metadata: the signing endpoint names the tenant.
TENANTLESS = frozenset({f"/{FULL_NAME}/IngestProviderEvent"})
CUSTOMER_DATA = customer_data.consumes(NAME)


def units_of_work(engine: AsyncEngine) -> partial[BillingUnitOfWork]:
    """Units of work on a Celery task's engine (the running service's relay publishes what
    they write to the outbox)."""
    return bootstrap.unit_of_work_on(engine, kit, BillingUnitOfWork, NAME)


async def build(settings: BillingSettings) -> bootstrap.Runtime:
    runtime = await bootstrap.start(settings, NAME, kit, BillingUnitOfWork, [CUSTOMER_DATA])
    runtime.consume(CUSTOMER_DATA, customer_data.handler(participation.CUSTOMER_DATA))
    return runtime


def grpc_app(container: bootstrap.Runtime) -> GrpcApp:
    servicer = BillingServicer(
        container.uow, webhook_tolerance=container.settings.webhook_tolerance_seconds
    )
    return bootstrap.grpc_app(
        container,
        [bootstrap.register(servicer, billing_pb2, billing_pb2_grpc)],
        tenantless_methods=TENANTLESS,
    )


SERVICE = Service(
    name=NAME,
    settings=BillingSettings,
    build=build,
    grpc_app=grpc_app,
    migrations=migrations_of(__file__),
    celery="billing.entrypoints.celery_app:create_app",
    consumes=(CUSTOMER_DATA,),
)

"""Run a real billing service (gRPC server + outbox relay) inside a test's event loop.
Used by this service's integration tests and by the gateway's."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf import timestamp_pb2
from moodline.billing.v1 import billing_pb2 as pb
from moodline.billing.v1 import billing_pb2_grpc
from moodline_kit import migrations
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server

from billing import bootstrap
from billing.config import BillingSettings
from billing.entrypoints.cli import MIGRATIONS


@dataclass
class RunningService:
    container: bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: billing_pb2_grpc.BillingServiceStub


async def migrate(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)


@contextlib.asynccontextmanager
async def running_billing_service(
    database_url: str, nats_url: str, **settings: object
) -> AsyncIterator[RunningService]:
    config = BillingSettings(
        database_url=database_url,
        nats_url=nats_url,
        grpc_port=free_port(),
        readiness_interval=0.2,
        shutdown_grace=1.0,
        # a good neighbour on a shared test PostgreSQL (at most 8 connections)
        db_pool_size=4,
        **settings,  # type: ignore[arg-type]
    )
    container = await bootstrap.build(config)
    stop = asyncio.Event()
    task = asyncio.create_task(grpc_server.run(bootstrap.grpc_app(container), stop=stop))
    address = f"127.0.0.1:{config.grpc_port}"
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), 10)
    try:
        yield RunningService(
            container, address, channel, billing_pb2_grpc.BillingServiceStub(channel)
        )
    finally:
        await channel.close()
        stop.set()
        await asyncio.wait_for(task, 60)


# ---------------------------------------------------------------- request builders for tests

BASE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def ts(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value)
    return out


def usd(amount_minor: int, currency: str = "USD") -> pb.Money:
    return pb.Money(amount_minor=amount_minor, currency=currency)


async def staff(stub, tenant, name="Mia") -> str:
    return (
        await stub.CreateStaffMember(pb.CreateStaffMemberRequest(name=name), metadata=tenant)
    ).id


def booking_request(
    customer_id: str,
    *,
    staff_id: str = "",
    start: datetime = BASE,
    minutes: int = 60,
    price: int = 10_000,
    currency: str = "USD",
    party: list[pb.PartyMember] | None = None,
    confirm: bool = False,
) -> pb.CreateBookingRequest:
    return pb.CreateBookingRequest(
        booking=pb.Booking(
            customer_id=customer_id,
            staff_id=staff_id,
            start_time=ts(start),
            end_time=ts(start + timedelta(minutes=minutes)),
            price=usd(price, currency),
            party_members=party or [],
        ),
        confirm=confirm,
    )


def new_id() -> str:
    return str(uuid.uuid4())

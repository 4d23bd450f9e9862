"""A real billing service in a test's event loop (the devkit's harness), and request builders;
used by this service's integration tests, the gateway's and the benchmarks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from moodline.billing.v1 import billing_pb2 as pb
from moodline.billing.v1.billing_pb2_grpc import BillingServiceStub
from moodline_devkit.testing.harness import RunningService, running_service
from moodline_devkit.testing.harness import migrate as _migrate
from moodline_kit.timestamps import to_proto

from billing.bootstrap import SERVICE

__all__ = ["RunningService", "migrate", "running_billing_service"]


async def migrate(database_url: str) -> None:
    await _migrate(SERVICE, database_url)


def running_billing_service(database_url: str, nats_url: str, **overrides: Any):  # type: ignore[no-untyped-def]
    # a good neighbour on a shared test PostgreSQL: at most 8 connections
    overrides.setdefault("db_pool_size", 4)
    return running_service(
        SERVICE, BillingServiceStub, database_url=database_url, nats_url=nats_url, **overrides
    )


# ---------------------------------------------------------------- request builders for tests

BASE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


ts = to_proto  # what the tests write timestamps with


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

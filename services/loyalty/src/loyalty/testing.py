"""A real loyalty service in a test's event loop (the devkit's harness), on a clock the test
may freeze; used by this service's integration tests, the gateway's and the benchmark."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from moodline.loyalty.v1.loyalty_pb2_grpc import LoyaltyServiceStub
from moodline_devkit.testing.harness import RunningService, running_service
from moodline_devkit.testing.harness import migrate as _migrate

from loyalty.bootstrap import SERVICE, build
from loyalty.service_layer.ledger import Clock, utc_now

__all__ = ["FrozenClock", "RunningService", "migrate", "running_loyalty_service"]


async def migrate(database_url: str) -> None:
    await _migrate(SERVICE, database_url)


def running_loyalty_service(  # type: ignore[no-untyped-def]
    database_url: str, nats_url: str, *, clock: Clock = utc_now, **overrides: Any
):
    """`overrides`: settings; db_pool_size defaults to 4 (the shared test PostgreSQL has few
    connections to spare: requests queue on the pool)."""
    service = dataclasses.replace(SERVICE, build=partial(build, clock=clock))
    return running_service(
        service,
        LoyaltyServiceStub,
        database_url=database_url,
        nats_url=nats_url,
        **{"db_pool_size": 4, **overrides},
    )


class FrozenClock:
    """A clock tests move by hand: `clock.now = ...` or `clock.advance(days=30)`."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

"""A real customer service in a test's event loop (the devkit's harness); used by this
service's integration tests, the gateway's and the benchmarks."""

from __future__ import annotations

import dataclasses
from typing import Any

from moodline.customer.v1.customer_pb2_grpc import CustomerServiceStub
from moodline_devkit.testing.harness import RunningService, running_service
from moodline_devkit.testing.harness import migrate as _migrate

from customer.bootstrap import SERVICE
from customer.config import CustomerSettings

__all__ = ["RunningService", "migrate", "running_customer_service"]


async def migrate(database_url: str) -> None:
    await _migrate(SERVICE, database_url)


def running_customer_service(database_url: str, nats_url: str, **overrides: Any):  # type: ignore[no-untyped-def]
    # The settings class is looked up here, so a test may swap it (e.g. to add a search).
    service = dataclasses.replace(SERVICE, settings=CustomerSettings)
    return running_service(
        service, CustomerServiceStub, database_url=database_url, nats_url=nats_url, **overrides
    )

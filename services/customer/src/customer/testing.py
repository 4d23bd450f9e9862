"""A real customer service in a test's event loop (the devkit's harness); used by this
service's integration tests, the gateway's and the benchmarks."""

from __future__ import annotations

import dataclasses

from moodline.customer.v1.customer_pb2_grpc import CustomerServiceStub
from moodline_devkit.testing.harness import RunningService, migrator, runner

from customer.bootstrap import SERVICE
from customer.config import CustomerSettings

__all__ = ["RunningService", "migrate", "running_customer_service"]

migrate = migrator(SERVICE)
# The settings class is looked up at each start, so a test may swap it (e.g. to add a search).
running_customer_service = runner(
    lambda: dataclasses.replace(SERVICE, settings=CustomerSettings), CustomerServiceStub
)

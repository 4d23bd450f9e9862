"""A real customer service in a test's event loop (the devkit's harness); used by this
service's integration tests, the gateway's and the benchmarks."""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
from pathlib import Path

from moodline.customer.v1.customer_pb2_grpc import CustomerServiceStub
from moodline_devkit.testing import workers
from moodline_devkit.testing.harness import RunningService, migrator, runner
from moodline_devkit.testing.workers import settings_env

from customer.bootstrap import SERVICE
from customer.config import CustomerSettings

__all__ = ["RunningService", "celery_worker", "migrate", "running_customer_service"]

migrate = migrator(SERVICE)
# The settings class is looked up at each start, so a test may swap it (e.g. to add a search).
running_customer_service = runner(
    lambda: dataclasses.replace(SERVICE, settings=CustomerSettings), CustomerServiceStub
)


WORKER_SETTINGS = (
    *("database_url", "nats_url", "redis_url", "jobs_queue"),
    *("import_batch_size", "import_pause_seconds", "import_sweep_seconds"),
)


def worker_env(settings: CustomerSettings, **extra: str) -> dict[str, str]:
    return settings_env(settings, WORKER_SETTINGS, **extra)


def celery_worker(
    settings: CustomerSettings, log: Path, *, beat: bool = False, **env: str
) -> contextlib.AbstractContextManager[subprocess.Popen]:
    """A real Celery worker process (`moodline-customer worker`, solo pool) on the settings'
    queue (give each test session a queue of its own); with `beat`, the import sweep runs in
    it. `env` overrides settings of the worker only (e.g. IMPORT_PAUSE_SECONDS)."""
    return workers.celery_worker(
        "customer", settings.jobs_queue, worker_env(settings, **env), log, beat=beat
    )

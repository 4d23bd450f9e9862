"""A real customer service in a test's event loop (the devkit's harness); used by this
service's integration tests, the gateway's and the benchmarks."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from moodline.customer.v1.customer_pb2_grpc import CustomerServiceStub
from moodline_devkit.testing.harness import RunningService, migrator, runner

from customer.bootstrap import SERVICE
from customer.config import CustomerSettings

__all__ = ["RunningService", "celery_worker", "migrate", "running_customer_service"]

migrate = migrator(SERVICE)
# The settings class is looked up at each start, so a test may swap it (e.g. to add a search).
running_customer_service = runner(
    lambda: dataclasses.replace(SERVICE, settings=CustomerSettings), CustomerServiceStub
)


def worker_env(settings: CustomerSettings, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "NATS_URL": settings.nats_url,
        "REDIS_URL": settings.redis_url,
        "JOBS_QUEUE": settings.jobs_queue,
        "IMPORT_BATCH_SIZE": str(settings.import_batch_size),
        "IMPORT_PAUSE_SECONDS": str(settings.import_pause_seconds),
        "IMPORT_SWEEP_SECONDS": str(settings.import_sweep_seconds),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return {**env, **extra}


@contextlib.contextmanager
def celery_worker(
    settings: CustomerSettings, log: Path, *, beat: bool = False, **env: str
) -> Iterator[subprocess.Popen]:
    """A real Celery worker process (`moodline-customer worker`, solo pool) on the settings'
    queue (give each test session a queue of its own); with `beat`, the import sweep runs in
    it. `env` overrides settings of the worker only (e.g. IMPORT_PAUSE_SECONDS)."""
    argv = [
        str(Path(sys.executable).parent / "moodline-customer"),
        "worker",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--pool=solo",
        f"--queues={settings.jobs_queue}",
        f"--hostname=customer-{uuid.uuid4().hex[:8]}@%h",
    ]
    if beat:
        argv += ["-B", f"--schedule={log.parent / f'beat-{uuid.uuid4().hex[:6]}'}"]
    out = open(log, "ab")
    proc = subprocess.Popen(argv, env=worker_env(settings, **env), stdout=out, stderr=out)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()

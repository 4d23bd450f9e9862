"""Celery worker/beat of the customer service, built from the settings by `create_app` (nothing
at import time): the periodic jobs (lifecycle inactivity, outbox purge), and the import and
export jobs the gRPC service queues.

Run: `moodline-customer worker` and `moodline-customer beat` (the kit's CLI), or
`celery -A customer.entrypoints.celery_app:app worker` (the module builds `app` on first use).
Jobs are acked late (kit): a worker lost mid-import leaves its task to be redelivered, and at
start-up (and every `IMPORT_SWEEP_SECONDS` from beat) the worker queues every unfinished import
again; an import resumes after its last committed chunk, under a lock only one worker holds.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_shutdown, worker_ready
from moodline_kit.bootstrap import engine_for_task
from moodline_kit.celery import (
    add_outbox_purge,
    app_on_first_use,
    create_celery_app,
    run_in_unit_of_work,
)

from customer import bootstrap
from customer.adapters.imports_repository import job_lock
from customer.adapters.job_queue import RUN_EXPORT, RUN_IMPORT, JobQueue
from customer.adapters.tables import kit
from customer.config import CustomerSettings
from customer.service_layer import exports, imports
from customer.service_layer.lifecycle import run_inactivity_rules

RESUME_IMPORTS = "customer.resume_imports"
BEAT_SCHEDULE = {
    "lifecycle-inactivity": {
        "task": "customer.lifecycle_inactivity",
        "schedule": crontab(hour=3, minute=15),
    },
}


def celery_app(settings: CustomerSettings) -> Celery:
    """The app (also what the gRPC service sends jobs with): this service's queue."""
    app = create_celery_app("customer", settings)
    app.conf.update(task_default_queue=settings.jobs_queue, task_ignore_result=True)
    return app


class _Process:
    """One event loop and one engine per worker process, built on first use (after the fork)
    and reused by every job the process runs."""

    def __init__(self, settings: CustomerSettings) -> None:
        self.settings = settings
        self.loop: asyncio.AbstractEventLoop | None = None
        self._engine: Any = None
        self._engine_context: Any = None

    def run(self, coro):  # type: ignore[no-untyped-def]
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
        return self.loop.run_until_complete(coro)

    def engine(self):  # type: ignore[no-untyped-def]
        if self._engine is None:
            self._engine_context = engine_for_task(self.settings)
            self._engine = self.run(self._engine_context.__aenter__())
        return self._engine

    def uow(self):  # type: ignore[no-untyped-def]
        return bootstrap.units_of_work(self.engine())

    def close(self, **_: object) -> None:
        if self._engine_context is not None:
            self.run(self._engine_context.__aexit__(None, None, None))
            self._engine = self._engine_context = None


def create_app(settings: CustomerSettings) -> Celery:
    app = celery_app(settings)
    app.conf.beat_schedule = {
        **BEAT_SCHEDULE,
        "resume-imports": {
            "task": RESUME_IMPORTS,
            "schedule": timedelta(seconds=settings.import_sweep_seconds),
        },
    }
    add_outbox_purge(app, "customer", settings, kit)
    process = _Process(settings)
    worker_process_shutdown.connect(process.close, weak=False)
    queue = JobQueue(app, settings.jobs_queue)

    @app.task(name="customer.lifecycle_inactivity")
    def lifecycle_inactivity(batch_size: int = 500) -> int:
        """Daily: idle 90+ days -> At Risk, 180+ days -> Churned (batched; events via the
        outbox, published by the running service's relay). Returns how many changed stage."""
        return run_in_unit_of_work(
            settings,
            bootstrap.units_of_work,
            lambda uow: run_inactivity_rules(uow=uow, batch_size=batch_size),
        )

    @app.task(name=RUN_IMPORT, acks_late=True)
    def run_import(tenant_id: str, import_id: str) -> str:
        """Run or resume one import to its end (its final status; "busy" when another worker
        holds it)."""
        return process.run(
            imports.execute_import(
                tenant_id=uuid.UUID(tenant_id),
                import_id=uuid.UUID(import_id),
                uow=process.uow(),
                job_lock=job_lock(process.engine()),
                batch_size=settings.import_batch_size,
                pause_between_chunks=settings.import_pause_seconds,
                process_from_rows=settings.import_validation_process_rows,
            )
        )

    @app.task(name=RESUME_IMPORTS)
    def resume_imports() -> int:
        """Queue every queued or running import again (those a lost worker left behind)."""

        def enqueue(tenant_id: uuid.UUID, import_id: uuid.UUID) -> None:
            queue.send(RUN_IMPORT, tenant_id, import_id)

        return process.run(imports.resume_unfinished(uow=process.uow(), enqueue=enqueue))

    @app.task(name=RUN_EXPORT, acks_late=True)
    def run_export(tenant_id: str, export_id: str) -> str:
        """Write one export's file (its final status)."""
        return process.run(
            exports.execute_export(
                tenant_id=uuid.UUID(tenant_id),
                export_id=uuid.UUID(export_id),
                uow=process.uow(),
                job_lock=job_lock(process.engine(), "export"),
                ttl=timedelta(seconds=settings.export_ttl_seconds),
            )
        )

    @worker_ready.connect(weak=False)
    def _resume_on_start(**_: object) -> None:
        app.send_task(RESUME_IMPORTS, queue=settings.jobs_queue)

    return app


__getattr__ = app_on_first_use(__name__, create_app, CustomerSettings)

"""The automation Celery worker (executes runs) and beat (the sweeper, the outbox purge).

Run: `celery -A automation.entrypoints.celery_app:app worker` and `... beat`.
Tasks are acked late with prefetch 1: a worker that dies mid-run leaves its task unacked, and
Redis redelivers it after the visibility timeout; the beat sweeper re-queues the run sooner.
Either way the runner resumes from the step log (see service_layer/runner.py).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_shutdown
from moodline_kit.outbox import purge_published

from automation import bootstrap
from automation.adapters.queue import EXECUTE_RUN, SWEEP, CeleryRunQueue, celery_app
from automation.adapters.tables import kit
from automation.config import AutomationSettings
from automation.service_layer import runs
from automation.service_layer.runner import RetryLater, fail_run

settings = AutomationSettings()
app = celery_app(settings)
queue = CeleryRunQueue(app)


class _Process:
    """One event loop and one set of connections per worker process, built on first use
    (after the fork), reused by every task the process runs."""

    loop: asyncio.AbstractEventLoop | None = None
    worker: bootstrap.Worker | None = None

    def run(self, coro):  # type: ignore[no-untyped-def]
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
        return self.loop.run_until_complete(coro)

    def get(self) -> bootstrap.Worker:
        if self.worker is None:
            # gRPC channels belong to the loop they are created in: build inside it.
            async def build() -> bootstrap.Worker:
                return bootstrap.build_worker(settings, queue)

            self.worker = self.run(build())
        return self.worker

    def close(self) -> None:
        if self.worker is not None and self.loop is not None:
            self.loop.run_until_complete(self.worker.outside.close())
            self.loop.run_until_complete(self.worker.engine.dispose())


process = _Process()


@worker_process_shutdown.connect(weak=False)
def _close(**_: object) -> None:
    process.close()


@app.task(name=EXECUTE_RUN, bind=True, acks_late=True, max_retries=None)
def execute_run(self, tenant_id: str, run_id: str) -> str:  # type: ignore[no-untyped-def]
    """Execute (or resume) one run. A step's transient failure comes back as a retry of this
    task with exponential backoff (the runner counts attempts and fails the run at the
    limit)."""
    tenant, run = uuid.UUID(tenant_id), uuid.UUID(run_id)

    def give_up(reason: str) -> str:
        process.run(fail_run(uow=process.get().uow, tenant_id=tenant, run_id=run, reason=reason))
        return "failed"

    try:
        outcome = process.run(process.get().runner.execute(tenant, run))
    except SoftTimeLimitExceeded:
        return give_up(f"stopped by the time limit ({settings.task_soft_time_limit} s)")
    except Exception as exc:  # a bug or an outage outside any step: back off, then give up
        if self.request.retries >= settings.max_step_attempts:
            return give_up(f"gave up after {self.request.retries + 1} attempts: {exc!r}")
        delay = min(
            settings.retry_max_seconds, settings.retry_base_seconds * 2**self.request.retries
        )
        raise self.retry(countdown=delay, exc=exc) from exc
    if isinstance(outcome, RetryLater):
        raise self.retry(countdown=outcome.delay, exc=RuntimeError(outcome.reason))
    return str(outcome)


@app.task(name=SWEEP)
def sweep() -> int:
    """Queue due waits and runs without progress (lost messages, dead workers)."""
    worker = process.get()
    return process.run(
        runs.sweep(
            uow=worker.uow,
            enqueue=queue.enqueue,
            stale=timedelta(seconds=settings.stale_after),
        )
    )


@app.task(name="automation.purge_published_outbox")
def purge_published_outbox(older_than_hours: int = 24) -> int:
    return process.run(
        purge_published(process.get().engine, kit, older_than=timedelta(hours=older_than_hours))
    )

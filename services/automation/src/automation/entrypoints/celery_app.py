"""The automation Celery worker (executes runs) and beat (the sweeper, the outbox purge), built
from the settings by `create_app` (nothing at import time).

Run: `moodline-automation worker` / `moodline-automation beat` (the kit's CLI), or
`celery -A automation.entrypoints.celery_app:app worker`.
Tasks are acked late with prefetch 1: a worker that dies mid-run leaves its task unacked, and
Redis redelivers it after the visibility timeout; the beat sweeper re-queues the run sooner.
Either way the runner resumes from the step log (see service_layer/runner.py).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_shutdown
from moodline_kit.celery import add_outbox_purge, app_on_first_use

from automation import bootstrap
from automation.adapters.queue import EXECUTE_RUN, SWEEP, CeleryRunQueue, celery_app
from automation.adapters.tables import kit
from automation.config import AutomationSettings
from automation.service_layer import runs
from automation.service_layer.runner import RetryLater, fail_run


class _Process:
    """One event loop and one set of connections per worker process, built on first use
    (after the fork), reused by every task the process runs."""

    def __init__(self, settings: AutomationSettings, queue: CeleryRunQueue) -> None:
        self.settings = settings
        self.queue = queue
        self.loop: asyncio.AbstractEventLoop | None = None
        self.worker: bootstrap.Worker | None = None

    def run(self, coro):  # type: ignore[no-untyped-def]
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
        return self.loop.run_until_complete(coro)

    def get(self) -> bootstrap.Worker:
        if self.worker is None:
            # gRPC channels belong to the loop they are created in: build inside it.
            async def build() -> bootstrap.Worker:
                return bootstrap.build_worker(self.settings, self.queue)

            self.worker = self.run(build())
        return self.worker

    def close(self, **_: object) -> None:
        if self.worker is not None:
            self.run(self.worker.close())
            self.worker = None


def create_app(settings: AutomationSettings) -> Celery:
    app = celery_app(settings)
    queue = CeleryRunQueue(app)
    process = _Process(settings, queue)
    worker_process_shutdown.connect(process.close, weak=False)

    @app.task(name=EXECUTE_RUN, bind=True, acks_late=True, max_retries=None)
    def execute_run(self, tenant_id: str, run_id: str) -> str:  # type: ignore[no-untyped-def]
        """Execute (or resume) one run. A step's transient failure comes back as a retry of
        this task with exponential backoff (the runner counts attempts and fails the run at
        the limit)."""
        tenant, run = uuid.UUID(tenant_id), uuid.UUID(run_id)

        def give_up(reason: str) -> str:
            worker = process.get()
            process.run(fail_run(uow=worker.uow, tenant_id=tenant, run_id=run, reason=reason))
            return "failed"

        try:
            outcome = process.run(process.get().runner.execute(tenant, run))
        except SoftTimeLimitExceeded:
            return give_up(f"stopped by the time limit ({settings.task_soft_time_limit} s)")
        except Exception as exc:  # a bug or an outage outside any step: back off, give up
            tries = self.request.retries
            if tries >= settings.max_step_attempts:
                return give_up(f"gave up after {tries + 1} attempts: {exc!r}")
            delay = min(settings.retry_max_seconds, settings.retry_base_seconds * 2**tries)
            raise self.retry(countdown=delay, exc=exc) from exc
        if isinstance(outcome, RetryLater):
            raise self.retry(countdown=outcome.delay, exc=RuntimeError(outcome.reason))
        return str(outcome)

    @app.task(name=SWEEP)
    def sweep() -> int:
        """Queue due waits and runs without progress (lost messages, dead workers)."""
        worker = process.get()
        stale = timedelta(seconds=settings.stale_after)
        return process.run(runs.sweep(uow=worker.uow, enqueue=queue.enqueue, stale=stale))

    add_outbox_purge(app, "automation", settings, kit)
    return app


__getattr__ = app_on_first_use(__name__, create_app, AutomationSettings)

"""The run queue: Celery on Redis. The gRPC service (triggers, manual runs, retries) and the
beat sweeper enqueue `automation.execute_run`; the worker executes it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from celery import Celery
from moodline_kit.celery import create_celery_app, send_task

from automation.config import AutomationSettings

EXECUTE_RUN = "automation.execute_run"
SWEEP = "automation.sweep"


def celery_app(settings: AutomationSettings) -> Celery:
    """acks_late + prefetch 1 + reject on worker loss (kit), this service's queue, time
    limits, and the Redis visibility timeout after which a dead worker's task is redelivered."""
    app = create_celery_app("automation", settings)
    app.conf.update(
        task_default_queue=settings.celery_queue,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        task_ignore_result=True,
    )
    app.conf.beat_schedule = {
        "sweep-runs": {"task": SWEEP, "schedule": timedelta(seconds=settings.sweep_interval)},
    }
    return app


class CeleryRunQueue:
    def __init__(self, app: Celery) -> None:
        self._app = app
        self._queue = app.conf.task_default_queue

    def enqueue_now(self, tenant_id: uuid.UUID, run_id: uuid.UUID, *, countdown: float = 0) -> None:
        send_task(
            self._app,
            EXECUTE_RUN,
            args=[str(tenant_id), str(run_id)],
            queue=self._queue,
            countdown=countdown or None,
        )

    async def enqueue(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> None:
        # send_task is blocking Redis I/O: off the event loop.
        await asyncio.to_thread(self.enqueue_now, tenant_id, run_id)

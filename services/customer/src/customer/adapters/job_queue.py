"""The queue of import and export jobs: Celery on Redis (the customer worker runs them).

The gRPC service queues a job after the transaction that made it runnable commits; a job
queued twice is harmless (each runs under its own lock and resumes from its committed state)."""

from __future__ import annotations

import asyncio
import uuid

from celery import Celery
from moodline_kit.celery import send_task

RUN_IMPORT = "customer.run_import"
RUN_EXPORT = "customer.run_export"


class JobQueue:
    def __init__(self, app: Celery, queue: str) -> None:
        self._app = app
        self._queue = queue

    def send(self, task: str, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        send_task(self._app, task, args=[str(tenant_id), str(job_id)], queue=self._queue)

    async def enqueue(self, task: str, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        # send_task is blocking Redis I/O: off the event loop.
        await asyncio.to_thread(self.send, task, tenant_id, job_id)

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from moodline_kit.uow import UnitOfWork

from automation.adapters.customer_data import CustomerDataRepository
from automation.adapters.repository import RunRepository, TaskRepository, WorkflowRepository

log = logging.getLogger(__name__)

Enqueue = Callable[[uuid.UUID, uuid.UUID], Awaitable[None]]


class AutomationUnitOfWork(UnitOfWork):
    """Runs created in the transaction are handed to the run queue (Celery) after commit. A
    hand-over that fails leaves the run pending; the sweeper enqueues it later."""

    workflows: WorkflowRepository
    runs: RunRepository
    tasks: TaskRepository
    customer_data: CustomerDataRepository

    def __init__(self, *args: Any, enqueue: Enqueue | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._enqueue = enqueue
        self._to_enqueue: list[tuple[uuid.UUID, uuid.UUID]] = []

    def _start(self) -> None:
        self.workflows = WorkflowRepository(self.session)
        self.runs = RunRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.customer_data = CustomerDataRepository(self.session)
        self._to_enqueue = []

    def dispatch(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> None:
        self._to_enqueue.append((tenant_id, run_id))

    async def commit(self) -> None:
        await super().commit()
        queued, self._to_enqueue = self._to_enqueue, []
        if self._enqueue is None:
            return
        for tenant_id, run_id in queued:
            try:
                await self._enqueue(tenant_id, run_id)
            except Exception:
                log.warning("run not enqueued; the sweeper will", extra={"run_id": str(run_id)})

    async def rollback(self) -> None:
        self._to_enqueue = []
        await super().rollback()

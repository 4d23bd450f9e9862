"""Runs and their step log. A run executes its workflow's definition as it was when the run
was created; each step's row is written before its action runs, so a run resumed after a
worker died knows which step was in flight (and repeats it with the same idempotency key).
No I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


MAX_KEY = 128  # a manual run's idempotency key
FINAL = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED, RunStatus.CANCELLED)


class StepStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    WAITING = "waiting"


DONE_STEPS = (StepStatus.SUCCEEDED, StepStatus.SKIPPED)


@dataclass
class Step:
    index: int
    action_id: str
    type: str
    status: StepStatus
    attempts: int
    detail: str
    started_at: datetime | None
    finished_at: datetime | None


@dataclass
class Run:
    id: uuid.UUID
    tenant_id: uuid.UUID
    workflow_id: uuid.UUID
    workflow_name: str
    workflow_version: int
    # The workflow's conditions and actions when the run was created.
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    customer_id: uuid.UUID
    trigger_type: str
    trigger_event_id: str
    # The triggering event's payload (conditions read it as `event.*`).
    event: dict[str, Any]
    started_by: str
    status: RunStatus
    error: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    resume_at: datetime | None = None
    idempotency_key: str = ""
    steps: list[Step] = field(default_factory=list)

    def step(self, index: int) -> Step | None:
        return next((s for s in self.steps if s.index == index), None)

    def next_index(self) -> int:
        """The first step not yet done (a wait step is done once its time has come)."""
        for index in range(len(self.actions)):
            s = self.step(index)
            if s is None or s.status not in DONE_STEPS:
                return index
        return len(self.actions)


def idempotency_key(run_id: uuid.UUID, index: int) -> str:
    """What each action passes to the service it calls: the same on every try of the step."""
    return f"run:{run_id}:step:{index}"


@dataclass(frozen=True)
class Budget:
    """Loop protection at run time: at most `max_runs` runs per customer in `window` (all
    workflows together). Cycles are refused when workflows are saved; this stops what no
    static check sees (e.g. a webhook whose receiver changes the customer)."""

    max_runs: int = 30
    window: timedelta = timedelta(hours=1)

"""Executes a run, step by step, with a step log keyed by (run, step).

Each step's row is committed *before* its action runs; the action carries the idempotency key
`run:<run>:step:<index>` to the service it calls (or, for a task, is written in the same
transaction as the step's success). So a worker that dies mid-step leaves a `running` step, and
whoever resumes the run repeats that step with the same key: the action takes effect once.
Steps already succeeded are never repeated. Only one worker executes a run at a time (a
PostgreSQL advisory lock held for the execution, released by the database if the worker dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from moodline_kit import tenancy
from moodline_kit.errors import DomainError
from moodline_kit.events import Event
from moodline_kit.templating import render

from automation.adapters import proto
from automation.adapters.effects import ActionFailed, Effects, Transient
from automation.domain import events as subjects
from automation.domain.conditions import describe, evaluate, profile_facts
from automation.domain.customers import CustomerProfile
from automation.domain.run import FINAL, Run, RunStatus, Step, StepStatus, idempotency_key
from automation.domain.tasks import Task, TaskStatus
from automation.domain.workflow import wait_duration
from automation.service_layer.unit_of_work import AutomationUnitOfWork

log = logging.getLogger(__name__)

UowFactory = Callable[[], AutomationUnitOfWork]
FIELDS = {
    "set_stage": ("lifecycle_stage", "stage"),
    "set_status": ("call_status", "status"),
    "set_folder": ("folder", "folder"),
}


class RunLocks(Protocol):
    def hold(self, run_id: uuid.UUID) -> contextlib.AbstractAsyncContextManager[bool]:
        """Held while a worker executes the run; False when another worker holds it."""
        ...


@dataclass(frozen=True)
class RetryLater:
    """A step met a transient failure: execute the run again after `delay` seconds."""

    delay: float
    reason: str


@dataclass(frozen=True)
class _Wait:
    until: datetime


@dataclass(frozen=True)
class _Done:
    status: StepStatus
    detail: str


class Runner:
    def __init__(
        self,
        uow: UowFactory,
        effects: Effects,
        locks: RunLocks,
        *,
        max_step_attempts: int = 8,
        retry_base: float = 2.0,
        retry_max: float = 300.0,
        pause_after_effect: float = 0.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow
        self._effects = effects
        self._locks = locks
        self._max_attempts = max_step_attempts
        self._retry_base = retry_base
        self._retry_max = retry_max
        # Seconds between a step's effect and its recorded success: 0 in production; the
        # crash test widens the window in which a killed worker leaves a step half-done.
        self._pause = pause_after_effect
        self._now = clock

    async def execute(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> RunStatus | RetryLater | None:
        """Runs (or resumes) the run as far as it can go now. None: nothing to do (unknown,
        finished, not due yet, or held by another worker)."""
        async with self._locks.hold(run_id) as held:
            if not held:
                return None
            token = tenancy.set_tenant(tenant_id)
            try:
                return await self._execute(tenant_id, run_id)
            finally:
                tenancy.reset_tenant(token)

    async def _load(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> Run | None:
        async with self._uow() as u:
            return await u.runs.get(tenant_id, run_id)

    async def _save(self, run: Run, *steps: Step, finish: bool = False) -> None:
        now = self._now()
        async with self._uow() as u:
            for step in steps:
                await u.runs.save_step(run, step)
            await u.runs.update(run, now)
            if finish:
                await u.workflows.touch(run.tenant_id, run.workflow_id, now)
                u.emit(
                    Event(
                        subject=subjects.RUN_COMPLETED,
                        tenant_id=run.tenant_id,
                        aggregate_id=str(run.id),
                        payload=proto.run_completed(run),
                        occurred_at=now,
                    )
                )
            await u.commit()

    async def _finish(self, run: Run, status: RunStatus, error: str, *steps: Step) -> RunStatus:
        run.status, run.error = status, error
        run.finished_at, run.resume_at = self._now(), None
        await self._save(run, *steps, finish=True)
        return status

    async def _execute(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> RunStatus | RetryLater | None:
        run = await self._load(tenant_id, run_id)
        if run is None or run.status in FINAL:
            return None
        now = self._now()
        if run.status is RunStatus.WAITING and run.resume_at and run.resume_at > now:
            return None
        first_start = not run.steps
        run.status, run.started_at, run.resume_at = RunStatus.RUNNING, run.started_at or now, None
        await self._save(run)
        try:
            customer = await self._effects.customer(str(run.customer_id))
        except Transient as exc:
            return self._retry(1, str(exc))
        except DomainError as exc:
            return await self._finish(run, RunStatus.FAILED, f"customer: {exc}")
        if first_start and run.conditions:
            known = profile_facts(customer, run.event)
            failed = [o for o in evaluate(run.conditions, known) if not o.holds]
            if failed:
                return await self._finish(run, RunStatus.SKIPPED, describe(failed[0]))
        for index in range(run.next_index(), len(run.actions)):
            action = run.actions[index]
            step = run.step(index) or Step(
                index,
                str(action.get("id", "")),
                str(action["type"]),
                StepStatus.RUNNING,
                0,
                "",
                None,
                None,
            )
            if step.status is StepStatus.WAITING:  # the wait is over
                step.status, step.finished_at = StepStatus.SUCCEEDED, self._now()
                await self._save(run, step)
                run.steps = [s for s in run.steps if s.index != index] + [step]
                continue
            if step.attempts >= self._max_attempts:
                step.status, step.finished_at = StepStatus.FAILED, self._now()
                step.detail = f"gave up after {step.attempts} attempts: {step.detail}"
                return await self._finish(
                    run, RunStatus.FAILED, f"step {index + 1} ({step.type}): {step.detail}", step
                )
            step.status, step.attempts = StepStatus.RUNNING, step.attempts + 1
            step.started_at, step.finished_at = step.started_at or self._now(), None
            await self._save(run, step)  # the step log entry, before the effect
            try:
                outcome = await self._perform(run, index, action, customer, step)
            except Transient as exc:
                step.detail = str(exc)
                await self._save(run, step)
                return self._retry(step.attempts, str(exc))
            except (ActionFailed, DomainError) as exc:
                step.status, step.detail, step.finished_at = (
                    StepStatus.FAILED,
                    str(exc),
                    self._now(),
                )
                return await self._finish(
                    run, RunStatus.FAILED, f"step {index + 1} ({step.type}): {exc}", step
                )
            if isinstance(outcome, _Wait):
                step.status, step.detail = StepStatus.WAITING, f"until {outcome.until.isoformat()}"
                run.status, run.resume_at = RunStatus.WAITING, outcome.until
                await self._save(run, step)
                return RunStatus.WAITING
            if outcome is not None:  # None: the step recorded its own outcome (create_task)
                if self._pause:
                    await asyncio.sleep(self._pause)
                step.status, step.detail, step.finished_at = (
                    outcome.status,
                    outcome.detail,
                    self._now(),
                )
                await self._save(run, step)
        return await self._finish(run, RunStatus.SUCCEEDED, "")

    def _retry(self, attempt: int, reason: str) -> RetryLater:
        delay = min(self._retry_max, self._retry_base * 2 ** max(0, attempt - 1))
        return RetryLater(delay, reason)

    async def _perform(
        self, run: Run, index: int, action: dict[str, Any], customer: CustomerProfile, step: Step
    ) -> _Done | _Wait | None:
        kind = action["type"]
        key = idempotency_key(run.id, index)
        cid = str(run.customer_id)
        if kind == "send_message":
            sent = await self._effects.send_message(
                customer_id=cid, action=action, author_id=str(run.workflow_id), key=key
            )
            return _Done(StepStatus.SUCCEEDED if sent.sent else StepStatus.SKIPPED, sent.detail)
        if kind in ("add_tag", "remove_tag"):
            tag = str(action["tag"])
            add, remove = ([tag], []) if kind == "add_tag" else ([], [tag])
            await self._effects.modify_tags(cid, add=add, remove=remove)
            return _Done(StepStatus.SUCCEEDED, f"{'added' if add else 'removed'} tag {tag}")
        if kind in FIELDS:
            field, key_name = FIELDS[kind]
            await self._effects.update_customer(cid, field, str(action[key_name]))
            return _Done(StepStatus.SUCCEEDED, f"{field} set to {action[key_name]}")
        if kind == "create_task":
            await self._create_task(run, index, action, customer, step)
            return None
        if kind == "webhook":
            body = webhook_body(run, action, customer)
            status = await self._effects.webhook(
                url=action["url"], body=body, key=key, tenant_id=str(run.tenant_id)
            )
            return _Done(StepStatus.SUCCEEDED, f"POST {action['url']} answered {status}")
        if kind == "wait":
            return _Wait(self._now() + wait_duration(action))
        raise ActionFailed(f"unknown action {kind}")

    async def _create_task(
        self, run: Run, index: int, action: dict[str, Any], customer: CustomerProfile, step: Step
    ) -> None:
        """The task and the step's success in one transaction (a repeat finds its task)."""
        now = self._now()
        task = planned_task(run, action, customer, now)
        async with self._uow() as u:
            stored, created = await u.tasks.add(task, run_step=index)
            step.status, step.finished_at = StepStatus.SUCCEEDED, now
            step.detail = f"task {stored.id} for {stored.owner_id or 'nobody (no worker assigned)'}"
            await u.runs.save_step(run, step)
            if created:
                u.emit(
                    Event(
                        subject=subjects.TASK_CREATED,
                        tenant_id=run.tenant_id,
                        aggregate_id=str(stored.id),
                        payload=proto.task_created(stored),
                        occurred_at=now,
                    )
                )
            await u.commit()


def planned_task(
    run: Run, action: dict[str, Any], customer: CustomerProfile, now: datetime
) -> Task:
    values = customer.values
    owner = str(action.get("owner_id") or (customer.workers[0] if customer.workers else ""))
    hours = action.get("due_in_hours")
    return Task(
        id=uuid.uuid4(),
        tenant_id=run.tenant_id,
        customer_id=run.customer_id,
        title=render(str(action["title"]), values, field="title"),
        description=render(str(action.get("description", "")), values, field="description"),
        owner_id=owner,
        due_at=now + timedelta(hours=float(hours)) if hours is not None else None,
        status=TaskStatus.OPEN,
        priority=str(action.get("priority", "normal")),
        created_by="",
        run_id=run.id,
        created_at=now,
        updated_at=now,
    )


def webhook_body(run: Run, action: dict[str, Any], customer: CustomerProfile) -> bytes:
    if action.get("body_template"):
        return render(str(action["body_template"]), customer.values).encode()
    return json.dumps(
        {
            "workflow_id": str(run.workflow_id),
            "workflow_name": run.workflow_name,
            "run_id": str(run.id),
            "trigger": run.trigger_type,
            "customer": {k.removeprefix("customer."): v for k, v in customer.values.items()},
            "event": run.event,
        },
        default=str,
    ).encode()


class NoLocks:
    """For unit tests: every run is free."""

    @contextlib.asynccontextmanager
    async def hold(self, run_id: uuid.UUID) -> AsyncIterator[bool]:
        yield True


async def fail_run(
    *, uow: UowFactory, tenant_id: uuid.UUID, run_id: uuid.UUID, reason: str
) -> None:
    """Celery gave up on the run (time limit or retries exhausted)."""
    now = datetime.now(UTC)
    async with uow() as u:
        run = await u.runs.get(tenant_id, run_id, lock=True)
        if run is None or run.status in FINAL:
            return
        run.status, run.error, run.finished_at = RunStatus.FAILED, reason, now
        await u.runs.update(run, now)
        u.emit(
            Event(
                subject=subjects.RUN_COMPLETED,
                tenant_id=tenant_id,
                aggregate_id=str(run_id),
                payload=proto.run_completed(run),
                occurred_at=now,
            )
        )
        await u.commit()

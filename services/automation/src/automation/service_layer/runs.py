"""Run use cases: run by hand, read, list, retry; the sweeper that re-queues runs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from moodline_kit.errors import InvalidArgument, NotFound, PreconditionFailed
from moodline_kit.tenancy import current_tenant

from automation.domain.run import MAX_KEY, Budget, Run, RunStatus, StepStatus
from automation.service_layer.triggers import start_run
from automation.service_layer.unit_of_work import AutomationUnitOfWork
from automation.service_layer.workflows import page_size, parse_id

UowFactory = Callable[[], AutomationUnitOfWork]


async def run_automation(
    *,
    workflow_id: str,
    customer_id: str,
    key: str,
    started_by: str,
    uow: UowFactory,
    budget: Budget,
) -> Run:
    """A run by hand ("Run automation" on a profile): conditions are still checked; the
    cool-down does not apply; the loop budget does."""
    tenant = current_tenant()
    wid, cid = parse_id(workflow_id, "workflow_id"), parse_id(customer_id, "customer_id")
    if len(key) > MAX_KEY:
        raise InvalidArgument.of("idempotency_key", f"must be at most {MAX_KEY} characters")
    async with uow() as u:
        if key:
            found = await u.runs.find_by_key(tenant, key)
            if found is not None:
                return found
        workflow = await u.workflows.get(tenant, wid)
        if workflow is None:
            raise NotFound(f"workflow {workflow_id} not found")
        workflow.cooldown_seconds = 0
        run = await start_run(
            u,
            workflow=workflow,
            customer_id=cid,
            trigger_type="manual",
            event_id="",
            event={},
            budget=budget,
            now=datetime.now(UTC),
            started_by=started_by,
            idempotency_key=key,
        )
        if run is None:  # a concurrent call with the same key won
            await u.rollback()
            found = await u.runs.find_by_key(tenant, key)
            if found is None:
                raise PreconditionFailed("the run could not be started; try again")
            return found
        await u.commit()
    return run


async def get_run(*, ident: str, uow: UowFactory) -> Run:
    async with uow() as u:
        found = await u.runs.get(current_tenant(), parse_id(ident))
    return NotFound.unless(found, f"run {ident} not found")


async def list_runs(
    *,
    workflow_id: str,
    customer_id: str,
    statuses: list[RunStatus],
    size: int,
    token: str,
    uow: UowFactory,
) -> tuple[list[Run], str]:
    tenant = current_tenant()
    workflow = parse_id(workflow_id, "workflow_id") if workflow_id else None
    async with uow() as u:
        runs, next_token = await u.runs.page(
            tenant,
            workflow_id=workflow,
            customer_id=parse_id(customer_id, "customer_id") if customer_id else None,
            statuses=statuses,
            size=page_size(size),
            token=token,
        )
        # the runs of a deleted workflow stay readable; an unknown (or another tenant's)
        # workflow is not found rather than an empty history
        if workflow is not None and not runs and not token:
            if await u.workflows.get(tenant, workflow) is None:
                raise NotFound(f"workflow {workflow_id} not found")
        return runs, next_token


async def retry_run(*, ident: str, uow: UowFactory) -> Run:
    """A failed run goes again from its failed step; the steps that succeeded stay done."""
    tenant = current_tenant()
    async with uow() as u:
        run = await u.runs.get(tenant, parse_id(ident), lock=True)
        if run is None:
            raise NotFound(f"run {ident} not found")
        if run.status is not RunStatus.FAILED:
            raise PreconditionFailed(f"only a failed run can be retried; this one is {run.status}")
        failed = [s.index for s in run.steps if s.status is StepStatus.FAILED]
        if failed:
            await u.runs.delete_steps_from(run, min(failed))
            run.steps = [s for s in run.steps if s.index < min(failed)]
        run.status, run.error, run.finished_at = RunStatus.PENDING, "", None
        await u.runs.update(run, datetime.now(UTC))
        u.dispatch(tenant, run.id)
        await u.commit()
    return run


async def sweep(
    *,
    uow: UowFactory,
    enqueue: Callable[[uuid.UUID, uuid.UUID], Awaitable[None]],
    stale: timedelta,
    limit: int = 500,
) -> int:
    """Queue every run that should be running and may not be: pending or running without
    progress for `stale` (its message was lost, or its worker died), and waits that are due.
    Returns how many were queued."""
    async with uow() as u:
        due = await u.runs.due(now=datetime.now(UTC), stale=stale, limit=limit)
    for tenant, run_id in due:
        await enqueue(tenant, run_id)
    return len(due)


__all__ = ["Budget", "get_run", "list_runs", "retry_run", "run_automation", "sweep"]

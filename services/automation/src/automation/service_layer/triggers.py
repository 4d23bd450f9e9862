"""Events -> runs (entrypoints/consumers.py turns each event into `FireTriggers`). For every
enabled workflow an event fires: the per-customer cool-down and
the loop budget are checked, and a pending run is stored (one per workflow and event, in the
same transaction as the consumer's processed-event marker) and queued after commit.

The trigger consumer hands over a fetched batch at once (`fire_triggers_in_batch`, one
transaction): each event is evaluated in delivery order exactly as it would be alone (its own
`now`; the cool-downs and budgets see the runs of the events before it, in the same
transaction), so a customer's runs start in the same order. The enabled workflows are read
once per tenant and trigger set for the batch instead of once per event."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from moodline_kit import tenancy

from automation.domain.run import Budget, Run, RunStatus
from automation.domain.triggers import Fired, FireTriggers, fired_by, matches
from automation.domain.workflow import Workflow
from automation.service_layer.unit_of_work import AutomationUnitOfWork

log = logging.getLogger(__name__)


def firing(event: FireTriggers) -> list[Fired]:
    """What `event` fires; ValueError when a customer id it names is not one."""
    fired = fired_by(event.subject, event.payload)
    for f in fired:
        uuid.UUID(f.customer_id)
    return fired


async def fire_triggers_in_batch(
    uow: AutomationUnitOfWork,
    events: Sequence[FireTriggers],
    *,
    budget: Budget,
    clock: Callable[[], datetime],
) -> None:
    """`events` in delivery order. An event that names a customer id that is not one is logged
    and left out (alone it failed on every delivery); the rest are applied."""
    readable: list[tuple[FireTriggers, list[Fired]]] = []
    for event in events:
        try:
            fired = firing(event)
        except ValueError:
            log.error(
                "event names a customer id that is not one; left out",
                extra={"event_id": event.event_id, "type": event.subject},
            )
            continue
        if fired:
            readable.append((event, fired))
    enabled: dict[tuple[uuid.UUID, tuple[str, ...]], list[Workflow]] = {}
    for event, fired in readable:
        key = (event.tenant_id, tuple(sorted({f.trigger for f in fired})))
        if key not in enabled:
            enabled[key] = await uow.workflows.enabled(event.tenant_id, list(key[1]))
        token = tenancy.set_tenant(event.tenant_id)
        try:
            await _start_runs(uow, event, fired, enabled[key], budget, clock())
        finally:
            tenancy.reset_tenant(token)


async def _start_runs(
    uow: AutomationUnitOfWork,
    event: FireTriggers,
    fired: Sequence[Fired],
    candidates: Sequence[Workflow],
    budget: Budget,
    now: datetime,
) -> None:
    for workflow in candidates:
        for f in fired:
            if not matches(workflow.trigger, f):
                continue
            await start_run(
                uow,
                workflow=workflow,
                customer_id=uuid.UUID(f.customer_id),
                trigger_type=f.trigger,
                event_id=event.event_id,
                event=event.payload,
                budget=budget,
                now=now,
            )


async def start_run(
    uow: AutomationUnitOfWork,
    *,
    workflow: Any,
    customer_id: uuid.UUID,
    trigger_type: str,
    event_id: str,
    event: dict[str, Any],
    budget: Budget,
    now: datetime,
    started_by: str = "",
    idempotency_key: str = "",
) -> Run | None:
    """The run an event starts, or None when the cool-down swallowed it (or a run with the
    same trigger event or idempotency key exists)."""
    if workflow.cooldown_seconds and not await uow.runs.claim_cooldown(
        workflow.tenant_id,
        workflow.id,
        customer_id,
        now=now,
        cooldown=timedelta(seconds=workflow.cooldown_seconds),
    ):
        log.info(
            "cool-down: workflow not run again",
            extra={"workflow_id": str(workflow.id), "customer_id": str(customer_id)},
        )
        return None
    recent = await uow.runs.recent_count(workflow.tenant_id, customer_id, now - budget.window)
    over = recent >= budget.max_runs
    run = workflow.new_run(
        customer_id,
        now=now,
        trigger_type=trigger_type,
        trigger_event_id=event_id,
        event=event,
        started_by=started_by,
        idempotency_key=idempotency_key,
        status=RunStatus.SKIPPED if over else RunStatus.PENDING,
        error=(
            f"loop protection: {recent} automation runs for this customer in the last "
            f"{int(budget.window.total_seconds() // 60)} minutes"
            if over
            else ""
        ),
        finished_at=now if over else None,
    )
    if not await uow.runs.add(run):
        return None
    if not over:
        uow.dispatch(run.tenant_id, run.id)
    return run

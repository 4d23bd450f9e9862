"""Workflow use cases: create, read, update, delete, dry-run."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moodline_kit.errors import InvalidArgument, NotFound, PreconditionFailed
from moodline_kit.tenancy import current_tenant

from automation.adapters.effects import Effects
from automation.domain.conditions import Outcome, evaluate, profile_facts
from automation.domain.customers import CustomerProfile
from automation.domain.run import Run, idempotency_key
from automation.domain.workflow import (
    DEFAULT_COOLDOWN,
    Workflow,
    require_no_cycle,
    validate_definition,
    wait_duration,
    with_action_ids,
)
from automation.service_layer.runner import planned_task
from automation.service_layer.unit_of_work import AutomationUnitOfWork

UowFactory = Callable[[], AutomationUnitOfWork]
CHANGEABLE = (
    "name",
    "description",
    "enabled",
    "trigger",
    "conditions",
    "actions",
    "cooldown_seconds",
)


def parse_id(value: str, name: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidArgument.of(name, "is not an id") from exc


def page_size(value: int) -> int:
    if value < 0 or value > 200:
        raise InvalidArgument.of("page_size", "must be 1..200")
    return value or 50


@dataclass
class WorkflowDraft:
    name: str
    description: str = ""
    enabled: bool = False
    trigger: dict[str, Any] = field(default_factory=dict)
    conditions: list[Any] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    cooldown_seconds: int | None = None


async def _check_and_store(
    u: AutomationUnitOfWork, w: Workflow, *, allow_http_webhooks: bool, new: bool
) -> None:
    validate_definition(
        name=w.name,
        trigger=w.trigger,
        conditions=w.conditions,
        actions=w.actions,
        cooldown_seconds=w.cooldown_seconds,
        allow_http_webhooks=allow_http_webhooks,
    )
    w.actions = with_action_ids(w.actions)
    await u.workflows.lock_tenant(w.tenant_id)
    if w.enabled:
        require_no_cycle(w, await u.workflows.enabled(w.tenant_id))
    if new:
        await u.workflows.add(w)
    else:
        await u.workflows.save(w)


async def create_workflow(
    *, draft: WorkflowDraft, uow: UowFactory, allow_http_webhooks: bool = False
) -> Workflow:
    now = datetime.now(UTC)
    w = Workflow(
        id=uuid.uuid4(),
        tenant_id=current_tenant(),
        name=draft.name.strip(),
        description=draft.description,
        enabled=draft.enabled,
        trigger=draft.trigger,
        conditions=draft.conditions,
        actions=draft.actions,
        cooldown_seconds=DEFAULT_COOLDOWN
        if draft.cooldown_seconds is None
        else draft.cooldown_seconds,
        version=1,
        created_at=now,
        updated_at=now,
    )
    async with uow() as u:
        await _check_and_store(u, w, allow_http_webhooks=allow_http_webhooks, new=True)
        await u.commit()
    return w


async def get_workflow(*, ident: str, uow: UowFactory) -> Workflow:
    async with uow() as u:
        found = await u.workflows.get(current_tenant(), parse_id(ident))
    return NotFound.unless(found, f"workflow {ident} not found")


async def list_workflows(
    *, trigger_type: str, enabled_only: bool, size: int, token: str, uow: UowFactory
) -> tuple[list[Workflow], str]:
    async with uow() as u:
        return await u.workflows.page(
            current_tenant(),
            trigger_type=trigger_type,
            enabled_only=enabled_only,
            size=page_size(size),
            token=token,
        )


async def update_workflow(
    *,
    ident: str,
    draft: WorkflowDraft,
    mask: list[str],
    expected_version: int,
    uow: UowFactory,
    allow_http_webhooks: bool = False,
) -> Workflow:
    unknown = [m for m in mask if m not in CHANGEABLE]
    if unknown or not mask:
        raise InvalidArgument.of(
            "update_mask", f"name the fields to change, of: {', '.join(CHANGEABLE)}"
        )
    async with uow() as u:
        w = await u.workflows.get(current_tenant(), parse_id(ident), lock=True)
        if w is None:
            raise NotFound(f"workflow {ident} not found")
        if expected_version and expected_version != w.version:
            raise PreconditionFailed(f"workflow {ident} is at version {w.version}")
        for name in mask:
            value = getattr(draft, name)
            if name == "cooldown_seconds" and value is None:
                value = DEFAULT_COOLDOWN
            setattr(w, name, value.strip() if name == "name" else value)
        w.version += 1
        w.updated_at = datetime.now(UTC)
        await _check_and_store(u, w, allow_http_webhooks=allow_http_webhooks, new=False)
        await u.commit()
    return w


async def delete_workflow(*, ident: str, uow: UowFactory) -> None:
    tenant = current_tenant()
    key = parse_id(ident)
    async with uow() as u:
        if not await u.workflows.delete(tenant, key):
            raise NotFound(f"workflow {ident} not found")
        await u.runs.cancel_waiting(tenant, key, datetime.now(UTC))
        await u.commit()


@dataclass(frozen=True)
class PlannedStep:
    action_id: str
    type: str
    detail: str
    would_skip: bool = False


@dataclass(frozen=True)
class DryRun:
    conditions_hold: bool
    conditions: list[Outcome]
    steps: list[PlannedStep]


async def dry_run(*, ident: str, customer_id: str, uow: UowFactory, effects: Effects) -> DryRun:
    """What the workflow would do for this customer now; nothing is changed or sent."""
    w = await get_workflow(ident=ident, uow=uow)
    parse_id(customer_id, "customer_id")
    customer = await effects.customer(customer_id)
    known = profile_facts(customer, {})
    outcomes = evaluate(w.conditions, known)
    holds = all(o.holds for o in outcomes)
    steps: list[PlannedStep] = []
    if holds:
        now = datetime.now(UTC)
        probe = w.new_run(uuid.UUID(customer_id), now=now, trigger_type="manual")
        for index, action in enumerate(w.actions):
            steps.append(await _plan(probe, index, action, customer, effects, now))
    return DryRun(holds, outcomes, steps)


async def _plan(
    run: Run,
    index: int,
    action: dict[str, Any],
    customer: CustomerProfile,
    effects: Effects,
    now: datetime,
) -> PlannedStep:
    kind, aid = action["type"], str(action.get("id", ""))
    if kind == "send_message":
        sent = await effects.send_message(
            customer_id=str(run.customer_id),
            action=action,
            author_id=str(run.workflow_id),
            key=idempotency_key(run.id, index),
            dry_run=True,
        )
        return PlannedStep(aid, kind, sent.detail, would_skip=not sent.sent)
    if kind == "create_task":
        task = planned_task(run, action, customer, now)
        due = f", due {task.due_at.isoformat()}" if task.due_at else ""
        return PlannedStep(aid, kind, f"task {task.title!r} for {task.owner_id or 'nobody'}{due}")
    if kind in ("add_tag", "remove_tag"):
        verb = "add" if kind == "add_tag" else "remove"
        return PlannedStep(aid, kind, f"{verb} tag {action['tag']}")
    if kind == "set_stage":
        return PlannedStep(aid, kind, f"set stage to {action['stage']}")
    if kind == "set_status":
        return PlannedStep(aid, kind, f"set call status to {action['status']}")
    if kind == "set_folder":
        return PlannedStep(aid, kind, f"move to folder {action['folder']}")
    if kind == "webhook":
        return PlannedStep(aid, kind, f"POST {action['url']} (signed)")
    return PlannedStep(aid, kind, f"wait {wait_duration(action)}")

"""Task / follow-up use cases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from moodline_kit.errors import InvalidArgument, NotFound
from moodline_kit.events import Event
from moodline_kit.tenancy import current_tenant

from automation.adapters import proto
from automation.domain import events as subjects
from automation.domain.tasks import CHANGEABLE, Task, TaskStatus, validate
from automation.service_layer.unit_of_work import AutomationUnitOfWork
from automation.service_layer.workflows import page_size, parse_id

UowFactory = Callable[[], AutomationUnitOfWork]


@dataclass
class TaskDraft:
    customer_id: str = ""
    title: str = ""
    description: str = ""
    owner_id: str = ""
    due_at: datetime | None = None
    status: TaskStatus | None = None
    priority: str = "normal"
    created_by: str = ""


def _event(subject: str, task: Task, payload: object) -> Event:
    return Event(
        subject=subject,
        tenant_id=task.tenant_id,
        aggregate_id=str(task.id),
        payload=payload,  # type: ignore[arg-type]
        occurred_at=task.updated_at,
    )


async def create_task(*, draft: TaskDraft, uow: UowFactory) -> Task:
    now = datetime.now(UTC)
    task = Task(
        id=uuid.uuid4(),
        tenant_id=current_tenant(),
        customer_id=parse_id(draft.customer_id, "customer_id") if draft.customer_id else None,
        title=draft.title.strip(),
        description=draft.description,
        owner_id=draft.owner_id.strip(),
        due_at=draft.due_at,
        status=TaskStatus.OPEN,
        priority=draft.priority or "normal",
        created_by=draft.created_by,
        run_id=None,
        created_at=now,
        updated_at=now,
    )
    validate(task)
    async with uow() as u:
        await u.tasks.add(task)
        u.emit(_event(subjects.TASK_CREATED, task, proto.task_created(task)))
        await u.commit()
    return task


async def get_task(*, ident: str, uow: UowFactory) -> Task:
    async with uow() as u:
        found = await u.tasks.get(current_tenant(), parse_id(ident))
    return NotFound.unless(found, f"task {ident} not found")


async def list_tasks(
    *,
    customer_id: str,
    owner_id: str,
    statuses: list[TaskStatus],
    due_before: datetime | None,
    size: int,
    token: str,
    uow: UowFactory,
) -> tuple[list[Task], str]:
    async with uow() as u:
        return await u.tasks.page(
            current_tenant(),
            customer_id=parse_id(customer_id, "customer_id") if customer_id else None,
            owner_id=owner_id,
            statuses=statuses,
            due_before=due_before,
            size=page_size(size),
            token=token,
        )


async def update_task(*, ident: str, draft: TaskDraft, mask: list[str], uow: UowFactory) -> Task:
    unknown = [m for m in mask if m not in CHANGEABLE]
    if unknown or not mask:
        raise InvalidArgument.of(
            "update_mask", f"name the fields to change, of: {', '.join(CHANGEABLE)}"
        )
    async with uow() as u:
        task = await u.tasks.get(current_tenant(), parse_id(ident), lock=True)
        if task is None:
            raise NotFound(f"task {ident} not found")
        now = datetime.now(UTC)
        became_done = False
        for name in mask:
            if name == "status":
                if draft.status is None:
                    raise InvalidArgument.of("status", "must be open, done or cancelled")
                became_done = task.change_status(draft.status, now)
            else:
                value = getattr(draft, name)
                setattr(task, name, value.strip() if isinstance(value, str) else value)
        task.updated_at = now
        validate(task)
        await u.tasks.save(task)
        if became_done:
            u.emit(_event(subjects.TASK_COMPLETED, task, proto.task_completed(task)))
        await u.commit()
    return task


async def delete_task(*, ident: str, uow: UowFactory) -> None:
    async with uow() as u:
        if not await u.tasks.delete(current_tenant(), parse_id(ident)):
            raise NotFound(f"task {ident} not found")
        await u.commit()

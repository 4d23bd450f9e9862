"""All automation queries live here. Every query is scoped by tenant_id, except the sweeper's
scan for unfinished runs, which serves every tenant (like the outbox relay)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from moodline_kit.paging import (
    decode_cursor,
    decode_time_key,
    encode_cursor,
    encode_time_key,
    malformed_cursor,
)
from moodline_kit.rows import from_row, values_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from automation.adapters.tables import cooldowns, run_steps, runs, tasks, workflows
from automation.domain.run import Run, RunStatus, Step, StepStatus
from automation.domain.tasks import Task, TaskStatus
from automation.domain.workflow import Workflow

w_, r_, s_, t_ = workflows.c, runs.c, run_steps.c, tasks.c


def _key(token: str, size: int) -> list[Any]:
    """A page token this repository wrote: a list of `size` values."""
    values = decode_cursor(token)
    if not isinstance(values, list) or len(values) != size:
        raise malformed_cursor()
    return values


def _workflow(row: sa.Row) -> Workflow:
    return from_row(Workflow, row)


def _step(row: sa.Row) -> Step:
    return from_row(Step, {**row._mapping, "index": row.step_index}, status=StepStatus)


def _run(row: sa.Row, steps: Sequence[Step] = ()) -> Run:
    ordered = sorted(steps, key=lambda s: s.index)
    return from_row(Run, {**row._mapping, "steps": ordered}, status=RunStatus)


def _task(row: sa.Row) -> Task:
    return from_row(Task, row, status=TaskStatus)


# What an insert writes of a run (its steps are rows of their own; it is not yet started).
_NEW_RUN = [f.name for f in fields(Run) if f.name not in {"steps", "started_at", "resume_at"}]
_RUN_PROGRESS = ["status", "error", "started_at", "finished_at", "resume_at"]
_WORKFLOW_CHANGES = [
    *("name", "description", "enabled", "trigger_type", "trigger", "conditions", "actions"),
    *("cooldown_seconds", "version", "updated_at"),
]
_TASK_CHANGES = [
    *("title", "description", "owner_id", "due_at", "status", "priority", "updated_at"),
    "completed_at",
]


class WorkflowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, w: Workflow) -> None:
        await self._session.execute(
            sa.insert(workflows).values(
                id=w.id,
                tenant_id=w.tenant_id,
                created_at=w.created_at,
                **values_of(w, _WORKFLOW_CHANGES),
            )
        )

    async def get(
        self, tenant_id: uuid.UUID, ident: uuid.UUID, *, lock: bool = False
    ) -> Workflow | None:
        stmt = sa.select(workflows).where(w_.tenant_id == tenant_id, w_.id == ident)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        return _workflow(row) if row else None

    async def save(self, w: Workflow) -> None:
        await self._session.execute(
            sa.update(workflows)
            .where(w_.tenant_id == w.tenant_id, w_.id == w.id)
            .values(**values_of(w, _WORKFLOW_CHANGES))
        )

    async def delete(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> bool:
        result = await self._session.execute(
            sa.delete(workflows).where(w_.tenant_id == tenant_id, w_.id == ident)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def enabled(
        self, tenant_id: uuid.UUID, trigger_types: Sequence[str] | None = None
    ) -> list[Workflow]:
        stmt = sa.select(workflows).where(w_.tenant_id == tenant_id, w_.enabled)
        if trigger_types is not None:
            stmt = stmt.where(w_.trigger_type.in_(list(trigger_types)))
        return [_workflow(r) for r in await self._session.execute(stmt)]

    async def lock_tenant(self, tenant_id: uuid.UUID) -> None:
        """Serialises workflow saves of one tenant, so two concurrent saves cannot each pass
        the cycle check and together form a cycle."""
        await self._session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"workflows|{tenant_id}")))
        )

    async def touch(self, tenant_id: uuid.UUID, ident: uuid.UUID, at: datetime) -> None:
        await self._session.execute(
            sa.update(workflows)
            .where(w_.tenant_id == tenant_id, w_.id == ident)
            .values(last_run_at=sa.func.greatest(w_.last_run_at, at))
        )

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        trigger_type: str,
        enabled_only: bool,
        size: int,
        token: str,
    ) -> tuple[list[Workflow], str]:
        stmt = sa.select(workflows).where(w_.tenant_id == tenant_id)
        if trigger_type:
            stmt = stmt.where(w_.trigger_type == trigger_type)
        if enabled_only:
            stmt = stmt.where(w_.enabled)
        if token:
            name, ident = _key(token, 2)
            stmt = stmt.where(sa.tuple_(w_.name, w_.id) > sa.tuple_(name, uuid.UUID(ident)))
        rows = list(await self._session.execute(stmt.order_by(w_.name, w_.id).limit(size + 1)))
        found = [_workflow(r) for r in rows[:size]]
        more = len(rows) > size
        return found, encode_cursor([found[-1].name, str(found[-1].id)]) if more else ""


class RunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, run: Run) -> bool:
        """False when the workflow already has a run for this trigger event or key."""
        stmt = (
            insert(runs)
            .values(**values_of(run, _NEW_RUN, updated_at=run.created_at))
            .on_conflict_do_nothing()
            .returning(r_.id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def get(
        self, tenant_id: uuid.UUID, ident: uuid.UUID, *, lock: bool = False
    ) -> Run | None:
        stmt = sa.select(runs).where(r_.tenant_id == tenant_id, r_.id == ident)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        steps = await self._session.execute(
            sa.select(run_steps).where(s_.tenant_id == tenant_id, s_.run_id == ident)
        )
        return _run(row, [_step(s) for s in steps])

    async def find_by_key(self, tenant_id: uuid.UUID, key: str) -> Run | None:
        row = (
            await self._session.execute(
                sa.select(runs.c.id).where(r_.tenant_id == tenant_id, r_.idempotency_key == key)
            )
        ).first()
        return await self.get(tenant_id, row.id) if row else None

    async def update(self, run: Run, now: datetime) -> None:
        await self._session.execute(
            sa.update(runs)
            .where(r_.tenant_id == run.tenant_id, r_.id == run.id)
            .values(**values_of(run, _RUN_PROGRESS, updated_at=now))
        )

    async def save_step(self, run: Run, step: Step) -> None:
        values = {
            "action_id": step.action_id,
            "type": step.type,
            "status": step.status.value,
            "attempts": step.attempts,
            "detail": step.detail,
            "started_at": step.started_at,
            "finished_at": step.finished_at,
        }
        await self._session.execute(
            insert(run_steps)
            .values(run_id=run.id, step_index=step.index, tenant_id=run.tenant_id, **values)
            .on_conflict_do_update(index_elements=[s_.run_id, s_.step_index], set_=values)
        )

    async def delete_steps_from(self, run: Run, index: int) -> None:
        await self._session.execute(
            sa.delete(run_steps).where(
                s_.tenant_id == run.tenant_id, s_.run_id == run.id, s_.step_index >= index
            )
        )

    async def recent_count(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, since: datetime
    ) -> int:
        return (
            await self._session.execute(
                sa.select(sa.func.count())
                .select_from(runs)
                .where(
                    r_.tenant_id == tenant_id,
                    r_.customer_id == customer_id,
                    r_.created_at >= since,
                    r_.status != RunStatus.SKIPPED.value,
                )
            )
        ).scalar_one()

    async def claim_cooldown(
        self,
        tenant_id: uuid.UUID,
        workflow_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        now: datetime,
        cooldown: timedelta,
    ) -> bool:
        """True (and the clock restarted) unless the workflow fired for the customer within
        the cool-down. One statement: concurrent events of a burst cannot both pass."""
        c = cooldowns.c
        stmt = (
            insert(cooldowns)
            .values(
                tenant_id=tenant_id, workflow_id=workflow_id, customer_id=customer_id, fired_at=now
            )
            .on_conflict_do_update(
                index_elements=[c.tenant_id, c.workflow_id, c.customer_id],
                set_={"fired_at": now},
                where=c.fired_at <= now - cooldown,
            )
            .returning(c.fired_at)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def cancel_waiting(
        self, tenant_id: uuid.UUID, workflow_id: uuid.UUID, now: datetime
    ) -> int:
        result = await self._session.execute(
            sa.update(runs)
            .where(
                r_.tenant_id == tenant_id,
                r_.workflow_id == workflow_id,
                r_.status.in_([RunStatus.WAITING.value, RunStatus.PENDING.value]),
            )
            .values(
                status=RunStatus.CANCELLED.value,
                error="workflow deleted",
                finished_at=now,
                updated_at=now,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def due(
        self, *, now: datetime, stale: timedelta, limit: int
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(tenant, run) of every run that should be running and may not be: queued or in
        flight without progress for `stale`, or waiting and due. Re-enqueueing one that is in
        fact running is harmless (the runner takes a per-run lock)."""
        rows = await self._session.execute(
            sa.select(r_.tenant_id, r_.id)
            .where(
                sa.or_(
                    sa.and_(
                        r_.status.in_([RunStatus.PENDING.value, RunStatus.RUNNING.value]),
                        r_.updated_at <= now - stale,
                    ),
                    sa.and_(r_.status == RunStatus.WAITING.value, r_.resume_at <= now),
                )
            )
            .order_by(r_.updated_at)
            .limit(limit)
        )
        return [(r.tenant_id, r.id) for r in rows]

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        workflow_id: uuid.UUID | None,
        customer_id: uuid.UUID | None,
        statuses: Sequence[RunStatus],
        size: int,
        token: str,
    ) -> tuple[list[Run], str]:
        stmt = sa.select(runs).where(r_.tenant_id == tenant_id)
        if workflow_id:
            stmt = stmt.where(r_.workflow_id == workflow_id)
        if customer_id:
            stmt = stmt.where(r_.customer_id == customer_id)
        if statuses:
            stmt = stmt.where(r_.status.in_([s.value for s in statuses]))
        if token:
            created, ident = decode_time_key(token)
            stmt = stmt.where(sa.tuple_(r_.created_at, r_.id) < sa.tuple_(created, ident))
        rows = list(
            await self._session.execute(
                stmt.order_by(r_.created_at.desc(), r_.id.desc()).limit(size + 1)
            )
        )[: size + 1]
        page = rows[:size]
        steps: dict[uuid.UUID, list[Step]] = {r.id: [] for r in page}
        if page:
            for s in await self._session.execute(
                sa.select(run_steps).where(s_.tenant_id == tenant_id, s_.run_id.in_(list(steps)))
            ):
                steps[s.run_id].append(_step(s))
        found = [_run(r, steps[r.id]) for r in page]
        more = len(rows) > size
        return found, encode_time_key(found[-1].created_at, found[-1].id) if more else ""


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, task: Task, *, run_step: int | None = None) -> tuple[Task, bool]:
        """A run's step adds its task once: a repeat returns the task it added before
        (and False)."""
        stmt = (
            insert(tasks)
            .values(**values_of(task, run_step=run_step))
            .on_conflict_do_nothing()
            .returning(tasks)
        )
        row = (await self._session.execute(stmt)).first()
        if row is not None:
            return _task(row), True
        existing = (
            await self._session.execute(
                sa.select(tasks).where(
                    t_.tenant_id == task.tenant_id,
                    t_.run_id == task.run_id,
                    t_.run_step == run_step,
                )
            )
        ).one()
        return _task(existing), False

    async def get(
        self, tenant_id: uuid.UUID, ident: uuid.UUID, *, lock: bool = False
    ) -> Task | None:
        stmt = sa.select(tasks).where(t_.tenant_id == tenant_id, t_.id == ident)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        return _task(row) if row else None

    async def save(self, task: Task) -> None:
        await self._session.execute(
            sa.update(tasks)
            .where(t_.tenant_id == task.tenant_id, t_.id == task.id)
            .values(**values_of(task, _TASK_CHANGES))
        )

    async def delete(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> bool:
        result = await self._session.execute(
            sa.delete(tasks).where(t_.tenant_id == tenant_id, t_.id == ident)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None,
        owner_id: str,
        statuses: Sequence[TaskStatus],
        due_before: datetime | None,
        size: int,
        token: str,
    ) -> tuple[list[Task], str]:
        """Earliest due first; tasks without a due date last (sorted as the far future)."""
        far = datetime(9999, 1, 1, tzinfo=datetime.now().astimezone().tzinfo)
        due = sa.func.coalesce(t_.due_at, far)
        stmt = sa.select(tasks, due.label("sort_due")).where(t_.tenant_id == tenant_id)
        if customer_id:
            stmt = stmt.where(t_.customer_id == customer_id)
        if owner_id:
            stmt = stmt.where(t_.owner_id == owner_id)
        if statuses:
            stmt = stmt.where(t_.status.in_([s.value for s in statuses]))
        if due_before is not None:
            stmt = stmt.where(t_.due_at < due_before)
        if token:
            at, ident = _key(token, 2)
            stmt = stmt.where(
                sa.tuple_(due, t_.id) > sa.tuple_(datetime.fromisoformat(at), uuid.UUID(ident))
            )
        rows = list(await self._session.execute(stmt.order_by(due, t_.id).limit(size + 1)))
        found = [_task(r) for r in rows[:size]]
        more = len(rows) > size
        token_out = (
            encode_cursor([rows[size - 1].sort_due.isoformat(), str(found[-1].id)]) if more else ""
        )
        return found, token_out

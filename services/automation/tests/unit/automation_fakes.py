"""In-memory automation repositories, a fake unit of work over them (runs it dispatches are
"queued" on commit, as the Celery hand-over is) and the other services' side of the actions
(`FakeEffects`): the trigger, run, workflow and task use cases and the runner run on these as
on PostgreSQL for what they use (one run per workflow and event or key, the cool-down claim)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from automation.adapters.customer_data import ERASED
from automation.adapters.effects import Sent
from automation.adapters.proto import customer_profile
from automation.domain.run import Run, RunStatus, Step
from automation.domain.tasks import Task
from automation.domain.workflow import Workflow
from moodline.customer.v1 import customer_pb2
from moodline_devkit.testing.fakes import FakeUnitOfWork, time_keyed_page
from moodline_kit.paging import decode_cursor, encode_cursor

FAR = datetime(9999, 1, 1, tzinfo=UTC)  # where tasks without a due date sort


@dataclass
class Store:
    workflows: dict[uuid.UUID, Workflow] = field(default_factory=dict)
    runs: dict[uuid.UUID, Run] = field(default_factory=dict)
    run_updated: dict[uuid.UUID, datetime] = field(default_factory=dict)
    tasks: dict[uuid.UUID, Task] = field(default_factory=dict)
    task_steps: dict[tuple[uuid.UUID | None, int], uuid.UUID] = field(default_factory=dict)
    cooldowns: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], datetime] = field(default_factory=dict)


def _mine(items: dict[uuid.UUID, Any], tenant_id: uuid.UUID, ident: uuid.UUID) -> Any:
    found = items.get(ident)
    return copy.deepcopy(found) if found is not None and found.tenant_id == tenant_id else None


class InMemoryWorkflows:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, w: Workflow) -> None:
        self._store.workflows[w.id] = copy.deepcopy(w)

    async def save(self, w: Workflow) -> None:
        await self.add(w)

    async def get(
        self, tenant_id: uuid.UUID, ident: uuid.UUID, *, lock: bool = False
    ) -> Workflow | None:
        return _mine(self._store.workflows, tenant_id, ident)

    async def delete(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> bool:
        found = await self.get(tenant_id, ident)
        return found is not None and self._store.workflows.pop(ident) is not None

    async def enabled(
        self, tenant_id: uuid.UUID, trigger_types: Sequence[str] | None = None
    ) -> list[Workflow]:
        return [
            copy.deepcopy(w)
            for w in self._store.workflows.values()
            if w.tenant_id == tenant_id
            and w.enabled
            and (trigger_types is None or w.trigger_type in trigger_types)
        ]

    async def lock_tenant(self, tenant_id: uuid.UUID) -> None:
        """One task at a time runs a use case here: nothing to serialise."""

    async def touch(self, tenant_id: uuid.UUID, ident: uuid.UUID, at: datetime) -> None:
        w = self._store.workflows[ident]
        w.last_run_at = max(filter(None, (w.last_run_at, at)))

    async def page(
        self, tenant_id: uuid.UUID, *, trigger_type: str, enabled_only: bool, size: int, token: str
    ) -> tuple[list[Workflow], str]:
        listed = sorted(
            (
                w
                for w in self._store.workflows.values()
                if w.tenant_id == tenant_id
                and trigger_type in ("", w.trigger_type)
                and (w.enabled or not enabled_only)
            ),
            key=lambda w: (w.name, str(w.id)),
        )
        if token:
            after = tuple(decode_cursor(token))
            listed = [w for w in listed if (w.name, str(w.id)) > after]
        more = len(listed) > size
        last = listed[size - 1] if more else None
        return listed[:size], encode_cursor([last.name, str(last.id)]) if last else ""


class InMemoryRuns:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, run: Run) -> bool:
        for other in self._store.runs.values():
            same_event = run.trigger_event_id and (other.workflow_id, other.trigger_event_id) == (
                run.workflow_id,
                run.trigger_event_id,
            )
            same_key = run.idempotency_key and (other.tenant_id, other.idempotency_key) == (
                run.tenant_id,
                run.idempotency_key,
            )
            if same_event or same_key:
                return False
        self._store.runs[run.id] = copy.deepcopy(run)
        self._store.run_updated[run.id] = run.created_at
        return True

    async def get(
        self, tenant_id: uuid.UUID, ident: uuid.UUID, *, lock: bool = False
    ) -> Run | None:
        found = _mine(self._store.runs, tenant_id, ident)
        if found is not None:
            found.steps.sort(key=lambda s: s.index)
        return found

    async def find_by_key(self, tenant_id: uuid.UUID, key: str) -> Run | None:
        ids = [r.id for r in self._store.runs.values() if r.idempotency_key == key]
        return await self.get(tenant_id, ids[0]) if ids else None

    async def update(self, run: Run, now: datetime) -> None:
        stored = self._store.runs[run.id]
        for name in ("status", "error", "started_at", "finished_at", "resume_at"):
            setattr(stored, name, getattr(run, name))
        self._store.run_updated[run.id] = now

    async def save_step(self, run: Run, step: Step) -> None:
        stored = self._store.runs[run.id]
        stored.steps = [s for s in stored.steps if s.index != step.index] + [copy.copy(step)]

    async def delete_steps_from(self, run: Run, index: int) -> None:
        stored = self._store.runs[run.id]
        stored.steps = [s for s in stored.steps if s.index < index]

    async def recent_count(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, since: datetime
    ) -> int:
        return sum(
            1
            for r in self._store.runs.values()
            if (r.tenant_id, r.customer_id) == (tenant_id, customer_id)
            and r.created_at >= since
            and r.status is not RunStatus.SKIPPED
        )

    async def claim_cooldown(self, *key: uuid.UUID, now: datetime, cooldown: timedelta) -> bool:
        """`key`: tenant, workflow, customer."""
        fired = self._store.cooldowns.get(key)
        if fired is not None and fired > now - cooldown:
            return False
        self._store.cooldowns[key] = now
        return True

    async def cancel_waiting(
        self, tenant_id: uuid.UUID, workflow_id: uuid.UUID, now: datetime
    ) -> int:
        waiting = (RunStatus.WAITING, RunStatus.PENDING)
        cancelled = 0
        for r in self._store.runs.values():
            if (r.tenant_id, r.workflow_id) == (tenant_id, workflow_id) and r.status in waiting:
                r.status, r.error, r.finished_at = RunStatus.CANCELLED, "workflow deleted", now
                cancelled += 1
        return cancelled

    async def due(
        self, *, now: datetime, stale: timedelta, limit: int
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        in_flight = (RunStatus.PENDING, RunStatus.RUNNING)
        found = [
            r
            for r in self._store.runs.values()
            if (r.status in in_flight and self._store.run_updated[r.id] <= now - stale)
            or (r.status is RunStatus.WAITING and r.resume_at and r.resume_at <= now)
        ]
        found.sort(key=lambda r: self._store.run_updated[r.id])
        return [(r.tenant_id, r.id) for r in found[:limit]]

    async def page(
        self, tenant_id: uuid.UUID, *, size: int, token: str, **only: Any
    ) -> tuple[list[Run], str]:
        """`only`: workflow_id, customer_id (None: any), statuses (empty: any)."""
        statuses = only.pop("statuses")
        listed = [
            copy.deepcopy(r)
            for r in self._store.runs.values()
            if r.tenant_id == tenant_id
            and all(value in (None, getattr(r, name)) for name, value in only.items())
            and (not statuses or r.status in statuses)
        ]
        return time_keyed_page(
            listed, lambda r: r.created_at, limit=size, cursor=token, descending=True
        )


class InMemoryTasks:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, task: Task, *, run_step: int | None = None) -> tuple[Task, bool]:
        if run_step is not None:
            known = self._store.task_steps.get((task.run_id, run_step))
            if known is not None:
                return copy.deepcopy(self._store.tasks[known]), False
            self._store.task_steps[(task.run_id, run_step)] = task.id
        self._store.tasks[task.id] = copy.deepcopy(task)
        return task, True

    async def get(
        self, tenant_id: uuid.UUID, ident: uuid.UUID, *, lock: bool = False
    ) -> Task | None:
        return _mine(self._store.tasks, tenant_id, ident)

    async def save(self, task: Task) -> None:
        self._store.tasks[task.id] = copy.deepcopy(task)

    async def delete(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> bool:
        found = await self.get(tenant_id, ident)
        return found is not None and self._store.tasks.pop(ident) is not None

    async def page(
        self, tenant_id: uuid.UUID, *, size: int, token: str, **only: Any
    ) -> tuple[list[Task], str]:
        """Earliest due first, undated last; `only`: customer_id, owner_id, statuses,
        due_before."""

        def key(t: Task) -> tuple[datetime, str]:
            return t.due_at or FAR, str(t.id)

        before = only["due_before"]
        listed = sorted(
            (
                t
                for t in self._store.tasks.values()
                if t.tenant_id == tenant_id
                and only["customer_id"] in (None, t.customer_id)
                and only["owner_id"] in ("", t.owner_id)
                and (not only["statuses"] or t.status in only["statuses"])
                and (before is None or (t.due_at is not None and t.due_at < before))
            ),
            key=key,
        )
        if token:
            at, ident = decode_cursor(token)
            listed = [t for t in listed if key(t) > (datetime.fromisoformat(at), ident)]
        more = len(listed) > size
        last = key(listed[size - 1]) if more else None
        return listed[:size], encode_cursor([last[0].isoformat(), last[1]]) if last else ""


class InMemoryCustomerData:
    """A merge moves runs and tasks to the survivor and keeps the later cool-down of the two;
    an erasure blanks the triggering events, step details, errors and task texts."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _of(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Any]:
        rows = [*self._store.runs.values(), *self._store.tasks.values()]
        return [r for r in rows if (r.tenant_id, r.customer_id) == (tenant_id, customer_id)]

    async def reassign(self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        for row in self._of(tenant_id, from_id):
            row.customer_id = to_id
        cooldowns = self._store.cooldowns
        for (tenant, workflow, customer), fired in list(cooldowns.items()):
            if (tenant, customer) == (tenant_id, from_id):
                survivor = (tenant, workflow, to_id)
                cooldowns[survivor] = max(fired, cooldowns.get(survivor, fired))
                del cooldowns[(tenant, workflow, customer)]

    async def erase(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        for row in self._of(tenant_id, customer_id):
            if isinstance(row, Run):
                row.event, row.error = {}, ""
                row.steps = [replace(s, detail="") for s in row.steps]
            else:
                row.title, row.description = ERASED, ""


class FakeAutomationUnitOfWork(FakeUnitOfWork):
    """`queued`: the (tenant, run) pairs handed to the run queue, after each commit."""

    workflows: InMemoryWorkflows
    runs: InMemoryRuns
    tasks: InMemoryTasks
    customer_data: InMemoryCustomerData

    def __init__(self) -> None:
        super().__init__(Store())
        self.queued: list[tuple[uuid.UUID, uuid.UUID]] = []
        self._dispatched: list[tuple[uuid.UUID, uuid.UUID]] = []

    def _start(self) -> None:
        self.workflows = InMemoryWorkflows(self.store)
        self.runs = InMemoryRuns(self.store)
        self.tasks = InMemoryTasks(self.store)
        self.customer_data = InMemoryCustomerData(self.store)
        self._dispatched = []

    def dispatch(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> None:
        self._dispatched.append((tenant_id, run_id))

    async def commit(self) -> None:
        await super().commit()
        self.queued += self._dispatched
        self._dispatched = []

    async def rollback(self) -> None:
        self._dispatched = []
        await super().rollback()


class FakeEffects:
    """The customer and conversation services as the actions meet them: messages are deduped
    on their key (as the conversation service does); `calls` lists what took effect."""

    def __init__(self, *, opted_out: bool = False, fail_tag: Exception | None = None) -> None:
        self.calls: list[tuple] = []
        self.keys: set[str] = set()
        self.opted_out = opted_out
        self.fail_tag = fail_tag
        self.customer_pb = customer_pb2.Customer(
            id=str(uuid.uuid4()), first_name="Ann", last_name="Lee", workers=["staff-1"]
        )

    async def customer(self, customer_id):  # type: ignore[no-untyped-def]
        return customer_profile(self.customer_pb)

    async def send_message(self, *, customer_id, action, author_id, key, dry_run=False):  # type: ignore[no-untyped-def]
        if self.opted_out:
            return Sent(False, "customer opted out of marketing")
        if key not in self.keys and not dry_run:  # the conversation service dedups on the key
            self.keys.add(key)
            self.calls.append(("mail", key))
        return Sent(True, "e-mail to ann@example.com")

    async def modify_tags(self, customer_id, *, add, remove):  # type: ignore[no-untyped-def]
        if self.fail_tag is not None:
            raise self.fail_tag
        self.calls.append(("tag", tuple(add)))

    async def update_customer(self, customer_id, field, value):  # type: ignore[no-untyped-def]
        self.calls.append(("update", field, value))

    async def webhook(self, **kw):  # type: ignore[no-untyped-def]
        return 200

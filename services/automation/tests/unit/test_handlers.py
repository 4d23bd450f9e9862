"""The automation use cases on the in-memory unit of work (automation_fakes): workflows (checks,
paging, versions, deletion cancelling waiting runs), events through the trigger consumer (one
run per workflow and event, the cool-down, the loop budget, queued only after commit), runs by
hand, retries and the sweeper, tasks, a dry run, and a triggered run executed to the end."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from automation.domain import events as subjects
from automation.domain.run import Budget, RunStatus, Step, StepStatus
from automation.domain.tasks import TaskStatus
from automation.entrypoints.consumers import on_event
from automation.service_layer import runs, tasks, workflows
from automation.service_layer.runner import NoLocks, Runner
from automation_fakes import FakeAutomationUnitOfWork, FakeEffects
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import subjects as all_subjects
from moodline_kit import tenancy
from moodline_kit.errors import InvalidArgument, NotFound, PreconditionFailed
from moodline_kit.events import Event, to_envelope

TENANT = uuid.uuid4()
BUDGET = Budget(max_runs=3, window=timedelta(hours=1))
TAG_VIP = {"type": "customer.tag_added", "to": "vip"}
ACTIONS = [
    {"type": "add_tag", "tag": "welcomed"},
    {"type": "create_task", "title": "Call {{customer.first_name}}", "due_in_hours": 2},
]


@pytest.fixture(autouse=True)
def tenant():  # type: ignore[no-untyped-def]
    token = tenancy.set_tenant(TENANT)
    yield
    tenancy.reset_tenant(token)


@pytest.fixture
def uow() -> FakeAutomationUnitOfWork:
    return FakeAutomationUnitOfWork()


async def workflow(uow, name="VIP welcome", *, trigger=TAG_VIP, cooldown=0, enabled=True, **kw):  # type: ignore[no-untyped-def]
    draft = workflows.WorkflowDraft(
        name=name,
        enabled=enabled,
        trigger=trigger,
        actions=kw.pop("actions", ACTIONS),
        cooldown_seconds=cooldown,
        **kw,
    )
    return await workflows.create_workflow(draft=draft, uow=uow)


async def tag_added(uow, customer, tag="vip", event_id=None):  # type: ignore[no-untyped-def]
    payload = customer_events.CustomerTagAdded(customer_id=str(customer), tag=tag)
    event = Event(all_subjects.CUSTOMER_TAG_ADDED, TENANT, str(customer), payload)
    envelope = to_envelope(event, source="customer")
    if event_id:
        envelope.event_id = event_id
    async with uow() as work:
        await on_event(envelope, work, budget=BUDGET)
        await work.commit()
    return envelope


async def test_workflows_are_checked_paged_by_name_versioned_and_deleted(uow):
    made = [await workflow(uow, name) for name in ("c", "a", "b")]
    first, token = await workflows.list_workflows(
        trigger_type="", enabled_only=False, size=2, token="", uow=uow
    )
    rest, end = await workflows.list_workflows(
        trigger_type="", enabled_only=False, size=2, token=token, uow=uow
    )
    assert [w.name for w in first + rest] == ["a", "b", "c"] and not end
    assert all(a.get("id") for a in made[0].actions)  # stable action ids
    with pytest.raises(InvalidArgument) as bad:
        await workflow(uow, " ", trigger={"type": "nothing"})
    assert {"name", "trigger.type"} <= {v.field for v in bad.value.violations}
    draft = workflows.WorkflowDraft(name="renamed")
    changed = await workflows.update_workflow(
        ident=str(made[0].id), draft=draft, mask=["name"], expected_version=1, uow=uow
    )
    assert changed.version == 2 and changed.name == "renamed"
    with pytest.raises(PreconditionFailed):
        await workflows.update_workflow(
            ident=str(made[0].id), draft=draft, mask=["name"], expected_version=1, uow=uow
        )
    with pytest.raises(InvalidArgument, match="update_mask"):
        await workflows.update_workflow(
            ident=str(made[0].id), draft=draft, mask=["version"], expected_version=0, uow=uow
        )
    await workflows.delete_workflow(ident=str(made[1].id), uow=uow)
    with pytest.raises(NotFound):
        await workflows.get_workflow(ident=str(made[1].id), uow=uow)


async def test_an_enabled_workflow_may_not_close_a_cycle(uow):
    await workflow(uow, "tag b on a", trigger={"type": "customer.tag_added", "to": "a"},
                   actions=[{"type": "add_tag", "tag": "b"}])  # fmt: skip
    with pytest.raises(InvalidArgument, match="trigger each other forever"):
        await workflow(uow, "tag a on b", trigger={"type": "customer.tag_added", "to": "b"},
                       actions=[{"type": "add_tag", "tag": "a"}])  # fmt: skip
    await workflow(uow, "tag a on b", trigger={"type": "customer.tag_added", "to": "b"},
                   actions=[{"type": "add_tag", "tag": "a"}], enabled=False)  # fmt: skip


async def test_an_event_starts_one_pending_run_per_workflow_queued_after_commit(uow):
    vip = await workflow(uow)
    await workflow(uow, "other tag", trigger={"type": "customer.tag_added", "to": "gold"})
    await workflow(uow, "off", enabled=False)
    customer = uuid.uuid4()
    envelope = await tag_added(uow, customer)
    [run] = uow.store.runs.values()
    assert (run.workflow_id, run.status, run.customer_id) == (vip.id, RunStatus.PENDING, customer)
    assert run.event == {"customer_id": str(customer), "tag": "vip"}
    assert uow.queued == [(TENANT, run.id)]
    await tag_added(uow, customer, event_id=envelope.event_id)  # redelivered
    assert len(uow.store.runs) == 1 and len(uow.queued) == 1
    await tag_added(uow, customer, tag="other")
    assert len(uow.store.runs) == 1


async def test_the_cool_down_swallows_a_burst_and_the_loop_budget_skips_runs(uow):
    await workflow(uow, "cooled", cooldown=600)
    customer = uuid.uuid4()
    await tag_added(uow, customer)
    await tag_added(uow, customer)
    assert len(uow.store.runs) == 1
    uow.store.workflows.clear()
    await workflow(uow, "hot", cooldown=0)
    for _ in range(3):
        await tag_added(uow, customer)
    statuses = sorted(r.status for r in uow.store.runs.values())
    assert statuses.count(RunStatus.PENDING) == 3 and statuses.count(RunStatus.SKIPPED) == 1
    [skipped] = [r for r in uow.store.runs.values() if r.status is RunStatus.SKIPPED]
    assert skipped.error.startswith("loop protection: 3 automation runs") and len(uow.queued) == 3


async def test_a_run_by_hand_is_idempotent_by_key_and_retried_from_its_failed_step(uow):
    w = await workflow(uow, cooldown=600)
    customer = str(uuid.uuid4())

    async def by_hand(key):  # type: ignore[no-untyped-def]
        return await runs.run_automation(
            workflow_id=str(w.id), customer_id=customer, key=key, started_by="ann", uow=uow,
            budget=BUDGET,
        )  # fmt: skip

    first = await by_hand("k1")
    assert (await by_hand("k1")).id == first.id and (await by_hand("k2")).id != first.id
    with pytest.raises(NotFound):
        await runs.run_automation(
            workflow_id=str(uuid.uuid4()), customer_id=customer, key="", started_by="", uow=uow,
            budget=BUDGET,
        )  # fmt: skip
    with pytest.raises(PreconditionFailed, match="only a failed run"):
        await runs.retry_run(ident=str(first.id), uow=uow)
    stored = uow.store.runs[first.id]
    now = datetime.now(UTC)
    stored.steps = [
        Step(0, "a1", "add_tag", StepStatus.SUCCEEDED, 1, "", now, now),
        Step(1, "a2", "create_task", StepStatus.FAILED, 3, "boom", now, now),
    ]
    stored.status, stored.error = RunStatus.FAILED, "step 2 (create_task): boom"
    retried = await runs.retry_run(ident=str(first.id), uow=uow)
    assert retried.status is RunStatus.PENDING and [s.index for s in retried.steps] == [0]
    assert uow.queued[-1] == (TENANT, first.id)
    listed, _ = await runs.list_runs(
        workflow_id=str(w.id), customer_id="", statuses=[RunStatus.PENDING], size=10, token="",
        uow=uow,
    )  # fmt: skip
    assert {r.id for r in listed} == set(uow.store.runs) and len(listed) == 2  # k1 and k2


async def test_the_sweeper_requeues_stale_runs_and_deleting_a_workflow_cancels_its_runs(uow):
    w = await workflow(uow)
    await tag_added(uow, uuid.uuid4())
    [run] = uow.store.runs.values()
    queued: list = []

    async def enqueue(tenant, run_id):  # type: ignore[no-untyped-def]
        queued.append(run_id)

    assert await runs.sweep(uow=uow, enqueue=enqueue, stale=timedelta(minutes=5)) == 0
    uow.store.run_updated[run.id] -= timedelta(minutes=6)
    assert await runs.sweep(uow=uow, enqueue=enqueue, stale=timedelta(minutes=5)) == 1
    assert queued == [run.id]
    await workflows.delete_workflow(ident=str(w.id), uow=uow)
    got = await runs.get_run(ident=str(run.id), uow=uow)
    assert got.status is RunStatus.CANCELLED and got.error == "workflow deleted"
    assert await runs.sweep(uow=uow, enqueue=enqueue, stale=timedelta(0)) == 0


async def test_tasks_are_listed_by_due_date_and_completing_one_is_an_event(uow):
    now = datetime.now(UTC)
    made = [
        await tasks.create_task(
            draft=tasks.TaskDraft(title=title, due_at=due, owner_id="staff-1"), uow=uow
        )
        for title, due in (("later", now + timedelta(days=2)), ("undated", None),
                           ("soon", now + timedelta(hours=1)))
    ]  # fmt: skip
    first, token = await tasks.list_tasks(
        customer_id="", owner_id="staff-1", statuses=[], due_before=None, size=2, token="", uow=uow
    )
    rest, _ = await tasks.list_tasks(
        customer_id="", owner_id="staff-1", statuses=[], due_before=None, size=2, token=token,
        uow=uow,
    )  # fmt: skip
    assert [t.title for t in first + rest] == ["soon", "later", "undated"]
    with pytest.raises(InvalidArgument):
        await tasks.create_task(draft=tasks.TaskDraft(title=" "), uow=uow)
    done = await tasks.update_task(
        ident=str(made[0].id), draft=tasks.TaskDraft(status=TaskStatus.DONE), mask=["status"],
        uow=uow,
    )  # fmt: skip
    assert done.completed_at is not None
    assert uow.subjects() == [subjects.TASK_CREATED] * 3 + [subjects.TASK_COMPLETED]
    await tasks.delete_task(ident=str(made[1].id), uow=uow)
    with pytest.raises(NotFound):
        await tasks.delete_task(ident=str(made[1].id), uow=uow)


async def test_a_dry_run_plans_every_step_and_changes_nothing(uow):
    w = await workflow(uow, actions=[*ACTIONS, {"type": "send_message", "channel": "email",
                                                "text": "hi"}])  # fmt: skip
    effects = FakeEffects()
    plan = await workflows.dry_run(
        ident=str(w.id), customer_id=str(uuid.uuid4()), uow=uow, effects=effects
    )
    assert plan.conditions_hold
    assert plan.steps[0].detail == "add tag welcomed"
    assert plan.steps[1].detail.startswith("task 'Call Ann' for staff-1, due ")
    assert plan.steps[2].detail == "e-mail to ann@example.com" and not plan.steps[2].would_skip
    assert effects.calls == [] and not uow.store.runs and not uow.store.tasks


async def test_a_triggered_run_executes_to_the_end_on_the_fakes(uow):
    await workflow(uow)
    await tag_added(uow, uuid.uuid4())
    [(tenant_id, run_id)] = uow.queued
    effects = FakeEffects()
    runner = Runner(uow, effects, NoLocks())
    assert await runner.execute(tenant_id, run_id) is RunStatus.SUCCEEDED
    assert effects.calls == [("tag", ("welcomed",))]
    [task] = uow.store.tasks.values()
    assert task.title == "Call Ann" and task.run_id == run_id
    assert uow.subjects()[-2:] == [subjects.TASK_CREATED, subjects.RUN_COMPLETED]
    assert uow.store.workflows[uow.store.runs[run_id].workflow_id].last_run_at is not None


async def test_a_merge_keeps_the_later_cool_down_and_an_erasure_blanks_what_quotes_the_person(
    uow,
):
    from automation.service_layer import customer_data

    w = await workflow(uow, cooldown=600)
    gone, kept = uuid.uuid4(), uuid.uuid4()
    await tag_added(uow, kept)
    await tag_added(uow, gone)  # the later of the two cool-downs
    await tasks.create_task(
        draft=tasks.TaskDraft(customer_id=str(gone), title="Call Gone about the leak"), uow=uow
    )
    later = uow.store.cooldowns[(TENANT, w.id, gone)]
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.reassign(work, TENANT, gone, kept)
        await work.commit()
    assert uow.store.cooldowns == {(TENANT, w.id, kept): later}
    assert {r.customer_id for r in uow.store.runs.values()} == {kept}
    await tag_added(uow, kept)
    assert len(uow.store.runs) == 2  # still cooling down after the merge
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.erase(work, TENANT, kept)
        await work.commit()
    assert all(r.event == {} for r in uow.store.runs.values())
    [task] = uow.store.tasks.values()
    assert (task.title, task.customer_id) == ("(erased)", kept)


async def test_a_run_celery_gave_up_on_fails_once_and_a_finished_run_stays_as_it_was(uow):
    from automation.service_layer.runner import fail_run

    await workflow(uow)
    await tag_added(uow, uuid.uuid4())
    [run] = uow.store.runs.values()
    reason = "stopped by the time limit (300 s)"
    await fail_run(uow=uow, tenant_id=TENANT, run_id=run.id, reason=reason)
    failed = await runs.get_run(ident=str(run.id), uow=uow)
    assert (failed.status, failed.error) == (RunStatus.FAILED, reason)
    assert failed.finished_at is not None
    assert uow.subjects()[-1] == subjects.RUN_COMPLETED
    published = len(uow.published)
    await fail_run(uow=uow, tenant_id=TENANT, run_id=run.id, reason="gave up again")
    await fail_run(uow=uow, tenant_id=uuid.uuid4(), run_id=run.id, reason="another tenant's")
    await fail_run(uow=uow, tenant_id=TENANT, run_id=uuid.uuid4(), reason="no such run")
    assert (await runs.get_run(ident=str(run.id), uow=uow)).error == reason
    assert len(uow.published) == published  # a final run is not failed again


async def test_a_task_is_read_by_its_id_in_its_own_tenant_only(uow):
    made = await tasks.create_task(
        draft=tasks.TaskDraft(title="Call back", owner_id="staff-1"), uow=uow
    )
    got = await tasks.get_task(ident=str(made.id), uow=uow)
    assert (got.id, got.title, got.owner_id, got.status) == (
        made.id, "Call back", "staff-1", TaskStatus.OPEN,
    )  # fmt: skip
    with pytest.raises(NotFound):
        await tasks.get_task(ident=str(uuid.uuid4()), uow=uow)
    with pytest.raises(InvalidArgument):
        await tasks.get_task(ident="not-a-uuid", uow=uow)
    token = tenancy.set_tenant(uuid.uuid4())
    try:
        with pytest.raises(NotFound):
            await tasks.get_task(ident=str(made.id), uow=uow)
    finally:
        tenancy.reset_tenant(token)

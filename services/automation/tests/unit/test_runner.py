"""The runner on fakes: the step log, idempotency keys, skips, failures, retries, waits."""

import uuid
from datetime import UTC, datetime, timedelta

from automation.adapters.effects import ActionFailed, Transient
from automation.domain.run import Run, RunStatus, Step, StepStatus
from automation.service_layer.runner import NoLocks, RetryLater, Runner
from automation_fakes import FakeEffects

TENANT = uuid.uuid4()


class FakeRepos:
    def __init__(self) -> None:
        self.runs: dict[uuid.UUID, Run] = {}
        self.tasks: dict[tuple, object] = {}
        self.events: list[str] = []


class FakeRuns:
    def __init__(self, repos: FakeRepos) -> None:
        self.r = repos

    async def get(self, tenant, ident, lock=False):  # type: ignore[no-untyped-def]
        run = self.r.runs.get(ident)
        if run is None:
            return None
        copy = Run(**{**run.__dict__, "steps": [Step(**s.__dict__) for s in run.steps]})
        return copy

    async def update(self, run, now):  # type: ignore[no-untyped-def]
        stored = self.r.runs[run.id]
        for name in ("status", "error", "started_at", "finished_at", "resume_at"):
            setattr(stored, name, getattr(run, name))

    async def save_step(self, run, step):  # type: ignore[no-untyped-def]
        stored = self.r.runs[run.id]
        stored.steps = [s for s in stored.steps if s.index != step.index] + [Step(**step.__dict__)]


class FakeTasks:
    def __init__(self, repos: FakeRepos) -> None:
        self.r = repos

    async def add(self, task, run_step=None):  # type: ignore[no-untyped-def]
        key = (task.run_id, run_step)
        if key in self.r.tasks:
            return self.r.tasks[key], False
        self.r.tasks[key] = task
        return task, True


class FakeWorkflows:
    async def touch(self, *args):  # type: ignore[no-untyped-def]
        pass


class FakeUow:
    def __init__(self, repos: FakeRepos) -> None:
        self.repos = repos
        self.runs, self.tasks, self.workflows = FakeRuns(repos), FakeTasks(repos), FakeWorkflows()
        self._pending: list[str] = []

    async def __aenter__(self):  # type: ignore[no-untyped-def]
        self._pending = []
        return self

    async def __aexit__(self, *exc):  # type: ignore[no-untyped-def]
        pass

    def emit(self, event) -> None:  # type: ignore[no-untyped-def]
        self._pending.append(event.subject)

    async def commit(self) -> None:
        self.repos.events += self._pending


def make(actions, *, steps=(), conditions=()):  # type: ignore[no-untyped-def]
    repos = FakeRepos()
    run = Run(
        id=uuid.uuid4(),
        tenant_id=TENANT,
        workflow_id=uuid.uuid4(),
        workflow_name="wf",
        workflow_version=1,
        conditions=list(conditions),
        actions=actions,
        customer_id=uuid.uuid4(),
        trigger_type="manual",
        trigger_event_id="",
        event={},
        started_by="",
        status=RunStatus.PENDING,
        error="",
        created_at=datetime.now(UTC),
        steps=list(steps),
    )
    repos.runs[run.id] = run
    return repos, run


def runner(repos, effects, **kw):  # type: ignore[no-untyped-def]
    return Runner(lambda: FakeUow(repos), effects, NoLocks(), **kw)


ACTIONS = [
    {"id": "a1", "type": "add_tag", "tag": "needs-attention"},
    {"id": "a2", "type": "send_message", "channel": "email", "text": "hi"},
    {"id": "a3", "type": "create_task", "title": "Call {{customer.first_name}}"},
]


async def test_a_run_executes_every_step_once_and_records_them() -> None:
    repos, run = make(ACTIONS)
    effects = FakeEffects()
    assert await runner(repos, effects).execute(TENANT, run.id) is RunStatus.SUCCEEDED
    stored = repos.runs[run.id]
    assert [s.status for s in sorted(stored.steps, key=lambda s: s.index)] == [
        StepStatus.SUCCEEDED
    ] * 3
    assert effects.calls == [("tag", ("needs-attention",)), ("mail", f"run:{run.id}:step:1")]
    [task] = repos.tasks.values()
    assert task.title == "Call Ann" and task.owner_id == "staff-1"
    assert repos.events == ["automation.task.created", "automation.run.completed"]
    # executing a finished run again does nothing
    assert await runner(repos, effects).execute(TENANT, run.id) is None


async def test_a_run_resumed_after_a_crash_repeats_only_the_half_done_step() -> None:
    now = datetime.now(UTC)
    done = Step(0, "a1", "add_tag", StepStatus.SUCCEEDED, 1, "", now, now)
    half = Step(1, "a2", "send_message", StepStatus.RUNNING, 1, "", now, None)
    repos, run = make(ACTIONS, steps=[done, half])
    repos.runs[run.id].status = RunStatus.RUNNING
    effects = FakeEffects()
    effects.keys.add(f"run:{run.id}:step:1")  # the crashed worker's e-mail got through
    assert await runner(repos, effects).execute(TENANT, run.id) is RunStatus.SUCCEEDED
    assert effects.calls == []  # no tag again, no second e-mail
    steps = sorted(repos.runs[run.id].steps, key=lambda s: s.index)
    assert [s.attempts for s in steps] == [1, 2, 1]
    assert len(repos.tasks) == 1


async def test_opted_out_message_is_skipped_with_the_reason_and_the_run_goes_on() -> None:
    repos, run = make(ACTIONS[1:2] + ACTIONS[:1])
    assert await runner(repos, FakeEffects(opted_out=True)).execute(TENANT, run.id) is (
        RunStatus.SUCCEEDED
    )
    first = next(s for s in repos.runs[run.id].steps if s.index == 0)
    assert first.status is StepStatus.SKIPPED
    assert first.detail == "customer opted out of marketing"


async def test_a_transient_failure_asks_for_a_retry_and_gives_up_at_the_limit() -> None:
    repos, run = make(ACTIONS[:1])
    effects = FakeEffects(fail_tag=Transient("customer service: UNAVAILABLE"))
    r = runner(repos, effects, max_step_attempts=2, retry_base=1.0)
    first = await r.execute(TENANT, run.id)
    assert isinstance(first, RetryLater) and first.delay == 1.0
    second = await r.execute(TENANT, run.id)
    assert isinstance(second, RetryLater) and second.delay == 2.0
    assert await r.execute(TENANT, run.id) is RunStatus.FAILED
    assert "gave up after 2 attempts" in repos.runs[run.id].error


async def test_a_permanent_failure_fails_the_run_naming_the_step() -> None:
    repos, run = make(ACTIONS)
    effects = FakeEffects(fail_tag=ActionFailed("customer service: INVALID_ARGUMENT tag"))
    assert await runner(repos, effects).execute(TENANT, run.id) is RunStatus.FAILED
    assert repos.runs[run.id].error == "step 1 (add_tag): customer service: INVALID_ARGUMENT tag"
    assert effects.calls == []


async def test_a_wait_pauses_the_run_until_its_time() -> None:
    clock = [datetime(2026, 12, 1, tzinfo=UTC)]
    repos, run = make([{"id": "a1", "type": "wait", "hours": 1}, ACTIONS[0]])
    effects = FakeEffects()
    r = runner(repos, effects, clock=lambda: clock[0])
    assert await r.execute(TENANT, run.id) is RunStatus.WAITING
    assert repos.runs[run.id].resume_at == clock[0] + timedelta(hours=1)
    assert await r.execute(TENANT, run.id) is None  # not due yet
    clock[0] += timedelta(hours=1, seconds=1)
    assert await r.execute(TENANT, run.id) is RunStatus.SUCCEEDED
    assert effects.calls == [("tag", ("needs-attention",))]


async def test_conditions_that_fail_skip_the_run() -> None:
    repos, run = make(
        ACTIONS, conditions=[{"field": "customer.first_name", "op": "eq", "value": "Bob"}]
    )
    effects = FakeEffects()
    assert await runner(repos, effects).execute(TENANT, run.id) is RunStatus.SKIPPED
    assert "customer.first_name eq 'Bob' did not hold (was Ann)" == repos.runs[run.id].error
    assert effects.calls == []

"""A Celery worker is killed (SIGKILL) in the middle of a run — after a step's effect, before
its success is recorded. After a new worker starts, the run completes and no action ran twice."""

import asyncio
import os
import signal

import pytest
from automation.adapters.queue import celery_app
from automation.testing import celery_worker
from moodline.automation.v1 import automation_pb2 as pb
from moodline.customer.v1 import customer_pb2

from .test_workflows_run import workflow

pytestmark = pytest.mark.integration


async def test_kill_9_mid_run_then_restart_completes_with_no_action_twice(
    stack, tenant, workflow_json
):
    subject = "Crash test for Ann Lee"
    body = workflow_json(
        trigger={"type": "manual"},
        actions=[
            {"type": "add_tag", "tag": "needs-attention"},
            {
                "type": "send_message",
                "channel": "email",
                "staff_email": "manager@example.com",
                "subject": "Crash test for {{customer.full_name}}",
                "text": "Please call back.",
            },
            {"type": "create_task", "title": "Call {{customer.first_name}}"},
        ],
    )
    created = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(body)), metadata=tenant
    )
    ann = await stack.customer_with(tenant, workers=("staff-3",))

    def mails() -> int:
        return sum(1 for m in stack.inbox.messages() if m["Subject"] == subject)

    # Runs that earlier tests started and no worker took (test_trigger_batches' add_tag runs)
    # wait in this session's queue; the doomed worker, 6 s a step, must take this run first.
    await asyncio.to_thread(celery_app(stack.settings).control.purge)
    # the first worker pauses 6 s between each step's effect and its recorded success
    with celery_worker(
        stack.settings, stack.logs / "worker-crash-1.log", PAUSE_AFTER_EFFECT="6"
    ) as doomed:
        run = await stack.stub.RunAutomation(
            pb.RunAutomationRequest(workflow_id=created.id, customer_id=ann.id), metadata=tenant
        )
        for _ in range(300):
            if mails():
                break
            await asyncio.sleep(0.1)
        assert mails() == 1, "the e-mail step never ran"
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    mid = await stack.stub.GetRun(pb.GetRunRequest(id=run.id), metadata=tenant)
    assert mid.status == pb.RUN_STATUS_RUNNING
    assert [s.status for s in mid.steps] == [pb.STEP_STATUS_SUCCEEDED, pb.STEP_STATUS_RUNNING]

    with celery_worker(stack.settings, stack.logs / "worker-crash-2.log", beat=True):
        done = await stack.wait_run(tenant, run.id, within=120)
    assert done.status == pb.RUN_STATUS_SUCCEEDED, done
    assert [s.status for s in done.steps] == [pb.STEP_STATUS_SUCCEEDED] * 3
    assert [s.attempts for s in done.steps] == [1, 2, 1]  # the half-done step ran again ...
    await asyncio.sleep(1)
    assert mails() == 1  # ... with its idempotency key: one e-mail
    profile = await stack.customer.stub.GetCustomer(
        customer_pb2.GetCustomerRequest(id=ann.id), metadata=tenant
    )
    assert list(profile.tags).count("needs-attention") == 1
    tasks = await stack.stub.ListTasks(pb.ListTasksRequest(customer_id=ann.id), metadata=tenant)
    assert len(tasks.tasks) == 1 and tasks.tasks[0].owner_id == "staff-3"

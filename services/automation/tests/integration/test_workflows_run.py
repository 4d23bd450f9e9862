"""Workflows triggered by real events on JetStream, executed by a real Celery worker, acting
through the real customer and conversation services (e-mail to a local SMTP inbox)."""

import asyncio
import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2, struct_pb2
from moodline.automation.v1 import automation_pb2 as pb
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2
from moodline_kit.grpc.client import tenant_metadata

pytestmark = pytest.mark.integration


def workflow(body: dict) -> pb.Workflow:
    def s(value: dict) -> struct_pb2.Struct:
        out = struct_pb2.Struct()
        out.update(value)
        return out

    out = pb.Workflow(
        name=body["name"],
        enabled=body.get("enabled", False),
        trigger=s(body["trigger"]),
        conditions=[s(c) for c in body.get("conditions", [])],
        actions=[s(a) for a in body.get("actions", [])],
    )
    if "cooldown_seconds" in body:
        out.cooldown_seconds = body["cooldown_seconds"]
    return out


def turned_frustrated(customer_id: str) -> sentiment_events.CustomerSentimentChanged:
    return sentiment_events.CustomerSentimentChanged(
        customer_id=customer_id,
        sentiment=sentiment_pb2.Sentiment(
            label=sentiment_pb2.SENTIMENT_LABEL_FRUSTRATED, score=-0.8
        ),
        previous_label=sentiment_pb2.SENTIMENT_LABEL_NEUTRAL,
    )


DEMO_ACTIONS = [
    {"type": "add_tag", "tag": "needs-attention"},
    {
        "type": "create_task",
        "title": "Call {{customer.full_name}} back",
        "due_in_hours": 4,
        "priority": "high",
    },
    {
        "type": "send_message",
        "channel": "email",
        "staff_email": "manager@example.com",
        "subject": "{{customer.full_name}} turned Frustrated",
        "template": "{{customer.full_name}} needs attention.",
    },
]


def mails_about(stack, name: str) -> list:
    return [m for m in stack.inbox.messages() if name in str(m["Subject"])]


async def test_frustrated_customer_gets_tag_task_and_manager_mail_once(
    stack, tenant, workflow_json
):
    from automation.testing import celery_worker

    created = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(workflow_json(actions=DEMO_ACTIONS))),
        metadata=tenant,
    )
    ann = await stack.customer_with(tenant, workers=("staff-7",))
    with celery_worker(stack.settings, stack.logs / "worker-demo.log"):
        event = turned_frustrated(ann.id)
        tenant_id = tenant[0][1]
        first = await stack.publish("sentiment.customer.changed", tenant_id, event)
        await stack.publish("sentiment.customer.changed", tenant_id, event, event_id=first)
        await stack.publish("sentiment.customer.changed", tenant_id, event)  # a burst: cool-down
        [run] = await stack.runs_of(tenant, created.id)
        run = await stack.wait_run(tenant, run.id)
    assert run.status == pb.RUN_STATUS_SUCCEEDED, run
    assert [s.status for s in run.steps] == [pb.STEP_STATUS_SUCCEEDED] * 3
    assert run.trigger_type == "sentiment.turned_frustrated" and run.trigger_event_id == first
    await asyncio.sleep(1)
    again = await stack.stub.ListRuns(pb.ListRunsRequest(workflow_id=created.id), metadata=tenant)
    assert len(again.runs) == 1  # redelivery and burst started nothing more

    profile = await stack.customer.stub.GetCustomer(
        customer_pb2.GetCustomerRequest(id=ann.id), metadata=tenant
    )
    assert list(profile.tags).count("needs-attention") == 1
    tasks = await stack.stub.ListTasks(pb.ListTasksRequest(customer_id=ann.id), metadata=tenant)
    [task] = tasks.tasks
    assert task.title == "Call Ann Lee back" and task.owner_id == "staff-7"
    assert task.priority == pb.TASK_PRIORITY_HIGH and task.run_id == run.id
    for _ in range(50):
        if mails_about(stack, "Ann Lee turned Frustrated"):
            break
        await asyncio.sleep(0.2)
    [mail] = mails_about(stack, "Ann Lee turned Frustrated")
    assert mail["To"] == "manager@example.com"


async def test_opted_out_customer_gets_no_message_and_the_history_says_why(
    stack, tenant, workflow_json
):
    from automation.testing import celery_worker

    body = workflow_json(
        trigger={"type": "manual"},
        actions=[
            {
                "type": "send_message",
                "channel": "email",
                "text": "Sorry! 20% off",
                "marketing": True,
            },
            {"type": "add_tag", "tag": "apology-offered"},
        ],
    )
    created = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(body)), metadata=tenant
    )
    ann = await stack.customer_with(tenant, marketing=False)
    before = len(stack.inbox.messages())
    with celery_worker(stack.settings, stack.logs / "worker-consent.log"):
        run = await stack.stub.RunAutomation(
            pb.RunAutomationRequest(
                workflow_id=created.id, customer_id=ann.id, idempotency_key="k1", started_by="u1"
            ),
            metadata=tenant,
        )
        same = await stack.stub.RunAutomation(
            pb.RunAutomationRequest(
                workflow_id=created.id, customer_id=ann.id, idempotency_key="k1"
            ),
            metadata=tenant,
        )
        assert same.id == run.id
        run = await stack.wait_run(tenant, run.id)
    assert run.status == pb.RUN_STATUS_SUCCEEDED
    message, tag = run.steps
    assert message.status == pb.STEP_STATUS_SKIPPED
    assert message.detail == "customer opted out of marketing"
    assert tag.status == pb.STEP_STATUS_SUCCEEDED
    assert run.started_by == "u1" and run.trigger_type == "manual"
    await asyncio.sleep(0.5)
    assert len(stack.inbox.messages()) == before


async def test_conditions_that_do_not_hold_skip_the_run_and_say_which(stack, tenant, workflow_json):
    from automation.testing import celery_worker

    body = workflow_json(
        trigger={"type": "manual"},
        conditions=[{"field": "customer.tags", "op": "contains", "value": "vip"}],
    )
    created = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(body)), metadata=tenant
    )
    ann = await stack.customer_with(tenant)
    with celery_worker(stack.settings, stack.logs / "worker-conditions.log"):
        run = await stack.stub.RunAutomation(
            pb.RunAutomationRequest(workflow_id=created.id, customer_id=ann.id), metadata=tenant
        )
        run = await stack.wait_run(tenant, run.id)
    assert run.status == pb.RUN_STATUS_SKIPPED and not run.steps
    assert "customer.tags contains 'vip' did not hold" in run.error


async def test_dry_run_says_what_would_happen_and_changes_nothing(stack, tenant, workflow_json):
    body = workflow_json(
        actions=[
            *DEMO_ACTIONS,
            {"type": "send_message", "channel": "sms", "text": "Hi"},
        ],
    )
    created = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(body)), metadata=tenant
    )
    ann = await stack.customer_with(tenant, workers=("staff-9",))
    before = len(stack.inbox.messages())
    plan = await stack.stub.DryRunWorkflow(
        pb.DryRunWorkflowRequest(workflow_id=created.id, customer_id=ann.id), metadata=tenant
    )
    assert plan.conditions_hold
    details = [s.detail for s in plan.steps]
    assert details[0] == "add tag needs-attention"
    assert details[1].startswith("task 'Call Ann Lee back' for staff-9")
    assert details[2] == "e-mail to manager@example.com: Ann Lee needs attention."
    assert plan.steps[3].would_skip and plan.steps[3].detail == "customer has no phone number"
    profile = await stack.customer.stub.GetCustomer(
        customer_pb2.GetCustomerRequest(id=ann.id), metadata=tenant
    )
    assert not profile.tags
    runs = await stack.stub.ListRuns(pb.ListRunsRequest(workflow_id=created.id), metadata=tenant)
    assert not runs.runs
    await asyncio.sleep(0.5)
    assert len(stack.inbox.messages()) == before


async def test_a_wait_survives_a_worker_restart(stack, tenant, workflow_json):
    from automation.testing import celery_worker

    body = workflow_json(
        trigger={"type": "manual"},
        actions=[{"type": "wait", "seconds": 2}, {"type": "add_tag", "tag": "waited"}],
    )
    created = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(body)), metadata=tenant
    )
    ann = await stack.customer_with(tenant)
    with celery_worker(stack.settings, stack.logs / "worker-wait-1.log"):
        run = await stack.stub.RunAutomation(
            pb.RunAutomationRequest(workflow_id=created.id, customer_id=ann.id), metadata=tenant
        )
        run = await stack.wait_run(tenant, run.id, statuses=(pb.RUN_STATUS_WAITING,))
    # the worker is gone while the run waits; a new one (with the beat sweeper) finishes it
    with celery_worker(stack.settings, stack.logs / "worker-wait-2.log", beat=True):
        run = await stack.wait_run(tenant, run.id)
    assert run.status == pb.RUN_STATUS_SUCCEEDED
    assert [s.status for s in run.steps] == [pb.STEP_STATUS_SUCCEEDED] * 2


async def test_a_failed_run_is_retried_from_its_failed_step(stack, tenant, workflow_json):
    from automation.testing import WebhookReceiver, celery_worker

    with WebhookReceiver(fail_first=1) as receiver:
        body = workflow_json(
            trigger={"type": "manual"},
            actions=[
                {"type": "add_tag", "tag": "before-webhook"},
                {"type": "webhook", "url": receiver.url},
            ],
        )
        created = await stack.stub.CreateWorkflow(
            pb.CreateWorkflowRequest(workflow=workflow(body)), metadata=tenant
        )
        ann = await stack.customer_with(tenant)
        with celery_worker(stack.settings, stack.logs / "worker-retry.log"):
            run = await stack.stub.RunAutomation(
                pb.RunAutomationRequest(workflow_id=created.id, customer_id=ann.id), metadata=tenant
            )
            run = await stack.wait_run(tenant, run.id)
            assert run.status == pb.RUN_STATUS_FAILED
            assert "webhook answered 400" in run.error
            retried = await stack.stub.RetryRun(pb.RetryRunRequest(id=run.id), metadata=tenant)
            assert retried.status == pb.RUN_STATUS_PENDING
            run = await stack.wait_run(tenant, run.id)
        assert run.status == pb.RUN_STATUS_SUCCEEDED
        assert run.steps[0].attempts == 1  # the tag step was not repeated
        assert len(receiver.requests) == 2
        signature = receiver.requests[-1]["headers"]["moodline-signature"]
        assert signature.startswith("t=") and ",v1=" in signature
    with pytest.raises(grpc.aio.AioRpcError) as not_failed:
        await stack.stub.RetryRun(pb.RetryRunRequest(id=run.id), metadata=tenant)
    assert not_failed.value.code() is grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"trigger": {"type": "customer.exploded"}}, "trigger.type"),
        ({"actions": [{"type": "teleport"}]}, "actions[0].type"),
        ({"actions": [{"type": "add_tag"}]}, "actions[0].tag"),
        ({"actions": [{"type": "create_task"}]}, "actions[0].title"),
        (
            {"conditions": [{"field": "customer.shoe_size", "op": "eq", "value": 9}]},
            "conditions[0].field",
        ),
        (
            {"conditions": [{"field": "customer.tags", "op": "gt", "value": "x"}]},
            "conditions[0].value",
        ),
        ({"actions": []}, "actions"),
    ],
)
async def test_invalid_workflows_are_refused_naming_the_reason(
    stack, tenant, workflow_json, change, reason
):
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stack.stub.CreateWorkflow(
            pb.CreateWorkflowRequest(workflow=workflow(workflow_json(**change))), metadata=tenant
        )
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert reason in bad.value.details()


async def test_a_cycle_of_workflows_is_refused(stack, tenant, workflow_json):
    a = workflow_json(
        name="A",
        trigger={"type": "customer.tag_added", "to": "x"},
        actions=[{"type": "add_tag", "tag": "y"}],
    )
    b = workflow_json(
        name="B",
        trigger={"type": "customer.tag_added", "to": "y"},
        actions=[{"type": "set_stage", "stage": "lead"}, {"type": "add_tag", "tag": "x"}],
    )
    await stack.stub.CreateWorkflow(pb.CreateWorkflowRequest(workflow=workflow(a)), metadata=tenant)
    with pytest.raises(grpc.aio.AioRpcError) as cycle:
        await stack.stub.CreateWorkflow(
            pb.CreateWorkflowRequest(workflow=workflow(b)), metadata=tenant
        )
    assert cycle.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "'B' → 'A' → 'B'" in cycle.value.details()
    # disabled, it may be saved; enabling it is refused
    b["enabled"] = False
    saved = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(b)), metadata=tenant
    )
    with pytest.raises(grpc.aio.AioRpcError) as enabling:
        await stack.stub.UpdateWorkflow(
            pb.UpdateWorkflowRequest(
                workflow=pb.Workflow(id=saved.id, enabled=True),
                update_mask=field_mask_pb2.FieldMask(paths=["enabled"]),
            ),
            metadata=tenant,
        )
    assert enabling.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_workflow_crud_and_tenant_isolation(stack, tenant, workflow_json):
    created = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=workflow(workflow_json(enabled=False))), metadata=tenant
    )
    assert created.version == 1 and created.cooldown_seconds == 600
    assert created.actions[0]["id"] == "a1"
    updated = await stack.stub.UpdateWorkflow(
        pb.UpdateWorkflowRequest(
            workflow=pb.Workflow(id=created.id, enabled=True),
            update_mask=field_mask_pb2.FieldMask(paths=["enabled"]),
            expected_version=1,
        ),
        metadata=tenant,
    )
    assert updated.enabled and updated.version == 2
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await stack.stub.UpdateWorkflow(
            pb.UpdateWorkflowRequest(
                workflow=pb.Workflow(id=created.id, name="x"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
                expected_version=1,
            ),
            metadata=tenant,
        )
    assert stale.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    other = tenant_metadata(str(uuid.uuid4()))
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await stack.stub.GetWorkflow(pb.GetWorkflowRequest(id=created.id), metadata=other)
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    listed = await stack.stub.ListWorkflows(pb.ListWorkflowsRequest(), metadata=tenant)
    assert [w.id for w in listed.workflows] == [created.id]
    await stack.stub.DeleteWorkflow(pb.DeleteWorkflowRequest(id=created.id), metadata=tenant)
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await stack.stub.GetWorkflow(pb.GetWorkflowRequest(id=created.id), metadata=tenant)
    assert gone.value.code() is grpc.StatusCode.NOT_FOUND


async def test_tasks_crud(stack, tenant):
    from google.protobuf.timestamp_pb2 import Timestamp

    due = Timestamp()
    due.FromSeconds(2_000_000_000)
    ann = await stack.customer_with(tenant)
    made = await stack.stub.CreateTask(
        pb.CreateTaskRequest(
            task=pb.Task(customer_id=ann.id, title="Follow up", owner_id="staff-1", due_at=due)
        ),
        metadata=tenant,
    )
    assert made.status == pb.TASK_STATUS_OPEN
    done = await stack.stub.UpdateTask(
        pb.UpdateTaskRequest(
            task=pb.Task(id=made.id, status=pb.TASK_STATUS_DONE),
            update_mask=field_mask_pb2.FieldMask(paths=["status"]),
        ),
        metadata=tenant,
    )
    assert done.status == pb.TASK_STATUS_DONE and done.HasField("completed_at")
    by_owner = await stack.stub.ListTasks(pb.ListTasksRequest(owner_id="staff-1"), metadata=tenant)
    assert [t.id for t in by_owner.tasks] == [made.id]
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stack.stub.CreateTask(pb.CreateTaskRequest(task=pb.Task(title=" ")), metadata=tenant)
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    await stack.stub.DeleteTask(pb.DeleteTaskRequest(id=made.id), metadata=tenant)
    left = await stack.stub.ListTasks(pb.ListTasksRequest(customer_id=ann.id), metadata=tenant)
    assert not left.tasks

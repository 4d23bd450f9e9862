"""gRPC entrypoint: translate requests into use cases, results into messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import grpc
from moodline.automation.v1 import automation_pb2 as pb
from moodline.automation.v1 import automation_pb2_grpc
from moodline_kit.errors import InvalidArgument
from moodline_kit.grpc.methods import emptied, paged, read, reads, rpc
from moodline_kit.timestamps import field_time

from automation.adapters.effects import Effects
from automation.adapters.proto import (
    PRIORITY_OF,
    RUN_STATUS_OF,
    TASK_STATUS_OF,
    from_struct,
    run_to_proto,
    struct,
    task_to_proto,
    workflow_to_proto,
)
from automation.domain.run import Budget
from automation.service_layer import runs, tasks, workflows
from automation.service_layer.tasks import TaskDraft
from automation.service_layer.workflows import UowFactory, WorkflowDraft


def _draft(w: pb.Workflow, *, trigger_given: bool) -> WorkflowDraft:
    return WorkflowDraft(
        name=w.name,
        description=w.description,
        enabled=w.enabled,
        trigger=from_struct(w.trigger) if trigger_given else {},
        conditions=[from_struct(c) for c in w.conditions],
        actions=[from_struct(a) for a in w.actions],
        cooldown_seconds=w.cooldown_seconds if w.HasField("cooldown_seconds") else None,
    )


def _task_draft(t: pb.Task, created_by: str = "") -> TaskDraft:
    if t.status and t.status not in TASK_STATUS_OF:
        raise InvalidArgument.of("status", "must be open, done or cancelled")
    if t.priority and t.priority not in PRIORITY_OF:
        raise InvalidArgument.of("priority", "must be low, normal or high")
    return TaskDraft(
        customer_id=t.customer_id,
        title=t.title,
        description=t.description,
        owner_id=t.owner_id,
        due_at=field_time(t, "due_at"),
        status=TASK_STATUS_OF.get(t.status),
        priority=PRIORITY_OF.get(t.priority, "normal"),
        created_by=created_by or t.created_by,
    )


def _statuses(known: Mapping[int, Any], what: str) -> Callable[[Any], list[Any]]:
    """A list request's `statuses`, each one this service knows."""

    def read(request: Any) -> list[Any]:
        if any(s not in known for s in request.statuses):
            raise InvalidArgument.of("statuses", f"unknown {what} status")
        return [known[s] for s in request.statuses]

    return read


class AutomationServicer(automation_pb2_grpc.AutomationServiceServicer):
    def __init__(
        self,
        uow: UowFactory,
        effects: Effects,
        *,
        budget: Budget,
        allow_http_webhooks: bool = False,
    ) -> None:
        self._uow = uow
        self._effects = effects
        self._budget = budget
        self._allow_http = allow_http_webhooks

    GetWorkflow = rpc(workflows.get_workflow, workflow_to_proto, tenant=False, ident=read("id"))
    ListWorkflows = rpc(
        workflows.list_workflows,
        paged(pb.ListWorkflowsResponse, "workflows", workflow_to_proto),
        tenant=False,
        **reads("trigger_type", "enabled_only"),
        size=read("page_size"),
        token=read("page_token"),
    )
    DeleteWorkflow = rpc(
        workflows.delete_workflow,
        emptied(pb.DeleteWorkflowResponse),
        tenant=False,
        ident=read("id"),
    )
    RunAutomation = rpc(
        runs.run_automation,
        run_to_proto,
        servicer=("budget",),
        tenant=False,
        **reads("workflow_id", "customer_id", "started_by"),
        key=read("idempotency_key"),
    )
    GetRun = rpc(runs.get_run, run_to_proto, tenant=False, ident=read("id"))
    RetryRun = rpc(runs.retry_run, run_to_proto, tenant=False, ident=read("id"))
    CreateTask = rpc(
        tasks.create_task, task_to_proto, tenant=False, draft=lambda r: _task_draft(r.task)
    )
    ListRuns = rpc(
        runs.list_runs,
        paged(pb.ListRunsResponse, "runs", run_to_proto),
        tenant=False,
        **reads("workflow_id", "customer_id"),
        statuses=_statuses(RUN_STATUS_OF, "run"),
        size=read("page_size"),
        token=read("page_token"),
    )
    ListTasks = rpc(
        tasks.list_tasks,
        paged(pb.ListTasksResponse, "tasks", task_to_proto),
        tenant=False,
        **reads("customer_id", "owner_id"),
        statuses=_statuses(TASK_STATUS_OF, "task"),
        due_before=lambda r: field_time(r, "due_before"),
        size=read("page_size"),
        token=read("page_token"),
    )
    GetTask = rpc(tasks.get_task, task_to_proto, tenant=False, ident=read("id"))
    DeleteTask = rpc(
        tasks.delete_task, emptied(pb.DeleteTaskResponse), tenant=False, ident=read("id")
    )

    async def CreateWorkflow(
        self, request: pb.CreateWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.Workflow:
        created = await workflows.create_workflow(
            draft=_draft(request.workflow, trigger_given=request.workflow.HasField("trigger")),
            uow=self._uow,
            allow_http_webhooks=self._allow_http,
        )
        return workflow_to_proto(created)

    async def UpdateWorkflow(
        self, request: pb.UpdateWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.Workflow:
        updated = await workflows.update_workflow(
            ident=request.workflow.id,
            draft=_draft(request.workflow, trigger_given=request.workflow.HasField("trigger")),
            mask=list(request.update_mask.paths),
            expected_version=request.expected_version,
            uow=self._uow,
            allow_http_webhooks=self._allow_http,
        )
        return workflow_to_proto(updated)

    async def DryRunWorkflow(
        self, request: pb.DryRunWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.DryRunWorkflowResponse:
        result = await workflows.dry_run(
            ident=request.workflow_id,
            customer_id=request.customer_id,
            uow=self._uow,
            effects=self._effects,
        )
        return pb.DryRunWorkflowResponse(
            conditions_hold=result.conditions_hold,
            conditions=[
                pb.ConditionOutcome(condition=struct(o.condition), holds=o.holds, actual=o.actual)
                for o in result.conditions
            ],
            steps=[
                pb.PlannedStep(
                    action_id=s.action_id, type=s.type, detail=s.detail, would_skip=s.would_skip
                )
                for s in result.steps
            ],
        )

    async def UpdateTask(
        self, request: pb.UpdateTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.Task:
        updated = await tasks.update_task(
            ident=request.task.id,
            draft=_task_draft(request.task),
            mask=list(request.update_mask.paths),
            uow=self._uow,
        )
        return task_to_proto(updated)

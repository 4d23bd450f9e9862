"""gRPC entrypoint: translate requests into use cases, results into messages."""

from __future__ import annotations

from datetime import UTC

import grpc
from moodline.automation.v1 import automation_pb2 as pb
from moodline.automation.v1 import automation_pb2_grpc
from moodline_kit.errors import InvalidArgument

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
        due_at=t.due_at.ToDatetime(tzinfo=UTC) if t.HasField("due_at") else None,
        status=TASK_STATUS_OF.get(t.status),
        priority=PRIORITY_OF.get(t.priority, "normal"),
        created_by=created_by or t.created_by,
    )


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

    async def CreateWorkflow(
        self, request: pb.CreateWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.Workflow:
        created = await workflows.create_workflow(
            draft=_draft(request.workflow, trigger_given=request.workflow.HasField("trigger")),
            uow=self._uow,
            allow_http_webhooks=self._allow_http,
        )
        return workflow_to_proto(created)

    async def GetWorkflow(
        self, request: pb.GetWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.Workflow:
        return workflow_to_proto(await workflows.get_workflow(ident=request.id, uow=self._uow))

    async def ListWorkflows(
        self, request: pb.ListWorkflowsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWorkflowsResponse:
        found, token = await workflows.list_workflows(
            trigger_type=request.trigger_type,
            enabled_only=request.enabled_only,
            size=request.page_size,
            token=request.page_token,
            uow=self._uow,
        )
        return pb.ListWorkflowsResponse(
            workflows=[workflow_to_proto(w) for w in found], next_page_token=token
        )

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

    async def DeleteWorkflow(
        self, request: pb.DeleteWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteWorkflowResponse:
        await workflows.delete_workflow(ident=request.id, uow=self._uow)
        return pb.DeleteWorkflowResponse()

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

    async def RunAutomation(
        self, request: pb.RunAutomationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Run:
        run = await runs.run_automation(
            workflow_id=request.workflow_id,
            customer_id=request.customer_id,
            key=request.idempotency_key,
            started_by=request.started_by,
            uow=self._uow,
            budget=self._budget,
        )
        return run_to_proto(run)

    async def GetRun(self, request: pb.GetRunRequest, context: grpc.aio.ServicerContext) -> pb.Run:
        return run_to_proto(await runs.get_run(ident=request.id, uow=self._uow))

    async def ListRuns(
        self, request: pb.ListRunsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRunsResponse:
        statuses = []
        for s in request.statuses:
            if s not in RUN_STATUS_OF:
                raise InvalidArgument.of("statuses", "unknown run status")
            statuses.append(RUN_STATUS_OF[s])
        found, token = await runs.list_runs(
            workflow_id=request.workflow_id,
            customer_id=request.customer_id,
            statuses=statuses,
            size=request.page_size,
            token=request.page_token,
            uow=self._uow,
        )
        return pb.ListRunsResponse(runs=[run_to_proto(r) for r in found], next_page_token=token)

    async def RetryRun(
        self, request: pb.RetryRunRequest, context: grpc.aio.ServicerContext
    ) -> pb.Run:
        return run_to_proto(await runs.retry_run(ident=request.id, uow=self._uow))

    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.Task:
        created = await tasks.create_task(draft=_task_draft(request.task), uow=self._uow)
        return task_to_proto(created)

    async def GetTask(
        self, request: pb.GetTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.Task:
        return task_to_proto(await tasks.get_task(ident=request.id, uow=self._uow))

    async def ListTasks(
        self, request: pb.ListTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTasksResponse:
        statuses = []
        for s in request.statuses:
            if s not in TASK_STATUS_OF:
                raise InvalidArgument.of("statuses", "unknown task status")
            statuses.append(TASK_STATUS_OF[s])
        found, token = await tasks.list_tasks(
            customer_id=request.customer_id,
            owner_id=request.owner_id,
            statuses=statuses,
            due_before=(
                request.due_before.ToDatetime(tzinfo=UTC)
                if request.HasField("due_before")
                else None
            ),
            size=request.page_size,
            token=request.page_token,
            uow=self._uow,
        )
        return pb.ListTasksResponse(tasks=[task_to_proto(t) for t in found], next_page_token=token)

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

    async def DeleteTask(
        self, request: pb.DeleteTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteTaskResponse:
        await tasks.delete_task(ident=request.id, uow=self._uow)
        return pb.DeleteTaskResponse()

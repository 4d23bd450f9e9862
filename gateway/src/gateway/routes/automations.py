"""/api/v1/automations, /automation-runs, /tasks and "Run automation" on a profile: translate
HTTP <-> gRPC; no business rules here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from google.protobuf import field_mask_pb2
from moodline.automation.v1 import automation_pb2 as pb
from moodline.automation.v1 import automation_pb2_grpc
from moodline_kit.grpc.structs import from_struct
from moodline_kit.timestamps import to_proto

from gateway.auth import Principal
from gateway.automation_schemas import (
    AutomationIn,
    AutomationOut,
    AutomationPage,
    AutomationPatch,
    DryRunIn,
    DryRunOut,
    RunOut,
    RunPage,
    RunStepOut,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
)
from gateway.deps import metadata
from gateway.permissions import Permission, require
from gateway.proto_models import present
from gateway.visibility import guarded

router = APIRouter(tags=["automations"])
tasks_router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 412: PROBLEM, 422: PROBLEM, 503: PROBLEM}
can_read = require(Permission.AUTOMATIONS_READ)
can_run = require(Permission.AUTOMATIONS_RUN)
can_manage = require(Permission.AUTOMATIONS_MANAGE)
can_read_tasks = require(Permission.TASKS_READ)
can_write_tasks = require(Permission.TASKS_WRITE)

RUN_STATUS = {
    pb.RUN_STATUS_PENDING: "pending",
    pb.RUN_STATUS_RUNNING: "running",
    pb.RUN_STATUS_WAITING: "waiting",
    pb.RUN_STATUS_SUCCEEDED: "succeeded",
    pb.RUN_STATUS_FAILED: "failed",
    pb.RUN_STATUS_SKIPPED: "skipped",
    pb.RUN_STATUS_CANCELLED: "cancelled",
}
TASK_STATUS = {
    pb.TASK_STATUS_OPEN: "open",
    pb.TASK_STATUS_DONE: "done",
    pb.TASK_STATUS_CANCELLED: "cancelled",
}
TASK_STATUS_OF = {v: k for k, v in TASK_STATUS.items()}
PRIORITY = {
    pb.TASK_PRIORITY_LOW: "low",
    pb.TASK_PRIORITY_NORMAL: "normal",
    pb.TASK_PRIORITY_HIGH: "high",
}
PRIORITY_OF = {v: k for k, v in PRIORITY.items()}


def _stub(request: Request, who: Principal) -> automation_pb2_grpc.AutomationServiceStub:
    """Guarded for principals limited to folders or assigned customers (visibility.py): runs
    and tasks of customers they may not see are not found."""
    up = request.app.state.upstreams
    return guarded(up.automation, up, who)


def _time(ts: Any, is_set: bool = True) -> datetime | None:
    return ts.ToDatetime(UTC) if is_set else None


def automation_out(w: pb.Workflow) -> dict:
    return AutomationOut(**present(AutomationOut, w)).model_dump(mode="json")


def run_out(r: pb.Run) -> dict:
    return RunOut(
        id=r.id,
        automation_id=r.workflow_id,
        automation_name=r.workflow_name,
        automation_version=r.workflow_version,
        customer_id=r.customer_id,
        trigger=r.trigger_type,
        trigger_event_id=r.trigger_event_id or None,
        started_by=r.started_by or None,
        status=RUN_STATUS.get(r.status, "pending"),  # type: ignore[arg-type]
        error=r.error,
        steps=[present(RunStepOut, s) for s in r.steps],
        created_at=r.created_at.ToDatetime(UTC),
        started_at=_time(r.started_at, r.HasField("started_at")),
        finished_at=_time(r.finished_at, r.HasField("finished_at")),
        resume_at=_time(r.resume_at, r.HasField("resume_at")),
    ).model_dump(mode="json")


def task_out(t: pb.Task) -> dict:
    return TaskOut(
        id=t.id,
        customer_id=t.customer_id or None,
        title=t.title,
        description=t.description,
        owner_id=t.owner_id or None,
        due_at=_time(t.due_at, t.HasField("due_at")),
        status=TASK_STATUS.get(t.status, "open"),  # type: ignore[arg-type]
        priority=PRIORITY.get(t.priority, "normal"),  # type: ignore[arg-type]
        created_by=t.created_by or None,
        run_id=t.run_id or None,
        created_at=t.created_at.ToDatetime(UTC),
        updated_at=t.updated_at.ToDatetime(UTC),
        completed_at=_time(t.completed_at, t.HasField("completed_at")),
    ).model_dump(mode="json")


def _workflow(
    body: AutomationIn | AutomationPatch, fields: set[str], ident: str = ""
) -> pb.Workflow:
    w = pb.Workflow(id=ident)
    for name in fields:
        value = getattr(body, name)
        if name == "trigger":
            w.trigger.update(value)
        elif name in ("conditions", "actions"):
            for item in value:
                getattr(w, name).add().update(item)
        elif value is not None:
            setattr(w, name, value)
    return w


def _version(if_match: str | None) -> int:
    if not if_match:
        return 0
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise HTTPException(412, 'If-Match must be an ETag of this automation (W/"<version>")')
    return int(tag)


def _etagged(body: dict, status: int = 200) -> Response:
    from fastapi.responses import JSONResponse

    return JSONResponse(body, status_code=status, headers={"ETag": f'W/"{body["version"]}"'})


# ---- automations ---------------------------------------------------------------------------


@router.post("/api/v1/automations", status_code=201, response_model=AutomationOut, responses=ERRORS)
async def create_automation(
    body: AutomationIn, request: Request, who: Principal = Depends(can_manage)
) -> Response:
    """Invalid workflows (unknown trigger or action, a bad condition, missing action fields,
    a cycle with other enabled automations) → 422 naming each problem."""
    fields = set(AutomationIn.model_fields) - (
        {"cooldown_seconds"} if body.cooldown_seconds is None else set()
    )
    created = await _stub(request, who).CreateWorkflow(
        pb.CreateWorkflowRequest(workflow=_workflow(body, fields)), metadata=metadata(who)
    )
    return _etagged(automation_out(created), 201)


@router.get("/api/v1/automations", response_model=AutomationPage, responses=ERRORS)
async def list_automations(
    request: Request,
    trigger: Annotated[str, Query(max_length=50)] = "",
    enabled: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=500)] = "",
    who: Principal = Depends(can_read),
) -> dict:
    page = await _stub(request, who).ListWorkflows(
        pb.ListWorkflowsRequest(
            trigger_type=trigger, enabled_only=enabled, page_size=limit, page_token=cursor
        ),
        metadata=metadata(who),
    )
    return {
        "items": [automation_out(w) for w in page.workflows],
        "next_cursor": page.next_page_token or None,
    }


@router.get("/api/v1/automations/{automation_id}", response_model=AutomationOut, responses=ERRORS)
async def get_automation(
    automation_id: str, request: Request, who: Principal = Depends(can_read)
) -> Response:
    found = await _stub(request, who).GetWorkflow(
        pb.GetWorkflowRequest(id=automation_id), metadata=metadata(who)
    )
    return _etagged(automation_out(found))


async def _update(
    request: Request, who: Principal, automation_id: str, body: AutomationPatch, version: int
) -> Response:
    # an explicit null changes nothing (no field of an automation can be emptied by null)
    fields = {name for name in body.model_fields_set if getattr(body, name) is not None}
    if not fields:
        raise HTTPException(422, "nothing to change")
    updated = await _stub(request, who).UpdateWorkflow(
        pb.UpdateWorkflowRequest(
            workflow=_workflow(body, fields, automation_id),
            update_mask=field_mask_pb2.FieldMask(paths=sorted(fields)),
            expected_version=version,
        ),
        metadata=metadata(who),
    )
    return _etagged(automation_out(updated))


@router.patch("/api/v1/automations/{automation_id}", response_model=AutomationOut, responses=ERRORS)
async def update_automation(
    automation_id: str,
    body: AutomationPatch,
    request: Request,
    if_match: Annotated[str | None, Header()] = None,
    who: Principal = Depends(can_manage),
) -> Response:
    """Changes the fields present (validated like a new automation). With If-Match, a stale
    version is 412."""
    return await _update(request, who, automation_id, body, _version(if_match))


@router.post(
    "/api/v1/automations/{automation_id}/enable", response_model=AutomationOut, responses=ERRORS
)
async def enable_automation(
    automation_id: str, request: Request, who: Principal = Depends(can_manage)
) -> Response:
    return await _update(request, who, automation_id, AutomationPatch(enabled=True), 0)


@router.post(
    "/api/v1/automations/{automation_id}/disable", response_model=AutomationOut, responses=ERRORS
)
async def disable_automation(
    automation_id: str, request: Request, who: Principal = Depends(can_manage)
) -> Response:
    return await _update(request, who, automation_id, AutomationPatch(enabled=False), 0)


@router.delete("/api/v1/automations/{automation_id}", status_code=204, responses=ERRORS)
async def delete_automation(
    automation_id: str, request: Request, who: Principal = Depends(can_manage)
) -> Response:
    """Its run history is kept; runs waiting on a wait step are cancelled."""
    await _stub(request, who).DeleteWorkflow(
        pb.DeleteWorkflowRequest(id=automation_id), metadata=metadata(who)
    )
    return Response(status_code=204)


@router.post(
    "/api/v1/automations/{automation_id}/dry-run", response_model=DryRunOut, responses=ERRORS
)
async def dry_run(
    automation_id: str, body: DryRunIn, request: Request, who: Principal = Depends(can_read)
) -> dict:
    """What the automation would do for this customer now: nothing is changed or sent."""
    plan = await _stub(request, who).DryRunWorkflow(
        pb.DryRunWorkflowRequest(workflow_id=automation_id, customer_id=body.customer_id),
        metadata=metadata(who),
    )
    return {
        "conditions_hold": plan.conditions_hold,
        "conditions": [
            {"condition": from_struct(c.condition), "holds": c.holds, "actual": c.actual}
            for c in plan.conditions
        ],
        "steps": [
            {
                "action_id": s.action_id,
                "type": s.type,
                "detail": s.detail,
                "would_skip": s.would_skip,
            }
            for s in plan.steps
        ],
    }


@router.get("/api/v1/automations/{automation_id}/runs", response_model=RunPage, responses=ERRORS)
async def automation_runs(
    automation_id: str,
    request: Request,
    customer_id: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=500)] = "",
    who: Principal = Depends(can_read),
) -> dict:
    """Newest first: each run's status, steps (outcome, attempts, timings, detail) and error."""
    page = await _stub(request, who).ListRuns(
        pb.ListRunsRequest(
            workflow_id=automation_id, customer_id=customer_id, page_size=limit, page_token=cursor
        ),
        metadata=metadata(who),
    )
    return {"items": [run_out(r) for r in page.runs], "next_cursor": page.next_page_token or None}


@router.get("/api/v1/automation-runs/{run_id}", response_model=RunOut, responses=ERRORS)
async def get_run(run_id: str, request: Request, who: Principal = Depends(can_read)) -> dict:
    return run_out(
        await _stub(request, who).GetRun(pb.GetRunRequest(id=run_id), metadata=metadata(who))
    )


@router.post(
    "/api/v1/automation-runs/{run_id}/retry",
    status_code=202,
    response_model=RunOut,
    responses=ERRORS,
)
async def retry_run(run_id: str, request: Request, who: Principal = Depends(can_run)) -> dict:
    """A failed run goes again from its failed step (412 for a run that did not fail)."""
    retried = await _stub(request, who).RetryRun(
        pb.RetryRunRequest(id=run_id), metadata=metadata(who)
    )
    return run_out(retried)


@router.post(
    "/api/v1/customers/{customer_id}/automations/{automation_id}/run",
    status_code=202,
    response_model=RunOut,
    responses=ERRORS,
)
async def run_automation(
    customer_id: str,
    automation_id: str,
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
    who: Principal = Depends(can_run),
) -> dict:
    """ "Run automation" on a profile: queued at once (202); conditions are still checked.
    A repeated `Idempotency-Key` returns the first run."""
    run = await _stub(request, who).RunAutomation(
        pb.RunAutomationRequest(
            workflow_id=automation_id,
            customer_id=customer_id,
            idempotency_key=idempotency_key or "",
            started_by=str(who.actor),
        ),
        metadata=metadata(who),
    )
    return run_out(run)


# ---- tasks ---------------------------------------------------------------------------------


@tasks_router.post("", status_code=201, response_model=TaskOut, responses=ERRORS)
async def create_task(
    body: TaskIn, request: Request, who: Principal = Depends(can_write_tasks)
) -> dict:
    task = pb.Task(
        customer_id=body.customer_id or "",
        title=body.title,
        description=body.description,
        owner_id=body.owner_id or "",
        priority=PRIORITY_OF[body.priority],
        created_by=str(who.actor),
    )
    if body.due_at is not None:
        task.due_at.CopyFrom(to_proto(body.due_at))
    created = await _stub(request, who).CreateTask(
        pb.CreateTaskRequest(task=task), metadata=metadata(who)
    )
    return task_out(created)


@tasks_router.get("", response_model=TaskPage, responses=ERRORS)
async def list_tasks(
    request: Request,
    customer_id: Annotated[str, Query(max_length=64)] = "",
    owner_id: Annotated[str, Query(max_length=200)] = "",
    due_before: datetime | None = None,
    status: Annotated[list[str] | None, Query(description="open, done, cancelled")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=500)] = "",
    who: Principal = Depends(can_read_tasks),
) -> dict:
    """Earliest due first (tasks without a due date last)."""
    statuses = []
    for s in status or []:
        if s not in TASK_STATUS_OF:
            raise HTTPException(422, "status must be open, done or cancelled")
        statuses.append(TASK_STATUS_OF[s])
    query = pb.ListTasksRequest(
        customer_id=customer_id,
        owner_id=owner_id,
        statuses=statuses,
        page_size=limit,
        page_token=cursor,
    )
    if due_before is not None:
        query.due_before.CopyFrom(to_proto(due_before))
    page = await _stub(request, who).ListTasks(query, metadata=metadata(who))
    return {"items": [task_out(t) for t in page.tasks], "next_cursor": page.next_page_token or None}


@tasks_router.get("/{task_id}", response_model=TaskOut, responses=ERRORS)
async def get_task(
    task_id: str, request: Request, who: Principal = Depends(can_read_tasks)
) -> dict:
    return task_out(
        await _stub(request, who).GetTask(pb.GetTaskRequest(id=task_id), metadata=metadata(who))
    )


@tasks_router.patch("/{task_id}", response_model=TaskOut, responses=ERRORS)
async def update_task(
    task_id: str, body: TaskPatch, request: Request, who: Principal = Depends(can_write_tasks)
) -> dict:
    fields = set(body.model_fields_set)
    if not fields:
        raise HTTPException(422, "nothing to change")
    task = pb.Task(id=task_id)
    for name in fields:
        value = getattr(body, name)
        if name == "due_at":
            if value is not None:
                task.due_at.CopyFrom(to_proto(value))
        elif name == "status":
            task.status = TASK_STATUS_OF[value] if value else pb.TASK_STATUS_UNSPECIFIED
        elif name == "priority":
            task.priority = PRIORITY_OF[value] if value else pb.TASK_PRIORITY_NORMAL
        elif value is not None:
            setattr(task, name, value)
    updated = await _stub(request, who).UpdateTask(
        pb.UpdateTaskRequest(task=task, update_mask=field_mask_pb2.FieldMask(paths=sorted(fields))),
        metadata=metadata(who),
    )
    return task_out(updated)


@tasks_router.delete("/{task_id}", status_code=204, responses=ERRORS)
async def delete_task(
    task_id: str, request: Request, who: Principal = Depends(can_write_tasks)
) -> Response:
    await _stub(request, who).DeleteTask(pb.DeleteTaskRequest(id=task_id), metadata=metadata(who))
    return Response(status_code=204)

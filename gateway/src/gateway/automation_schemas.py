"""Automations, runs and tasks: public JSON shapes. A workflow's trigger, conditions and actions
pass through as JSON objects; the automation service validates them (422 naming each problem,
e.g. `actions[1].tag`). Their language: services/automation/README.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from moodline.automation.v1 import automation_pb2 as pb
from pydantic import BaseModel, Field

from gateway.proto_models import proto_model
from gateway.schemas import Strict

RunStatus = Literal["pending", "running", "waiting", "succeeded", "failed", "skipped", "cancelled"]
TaskStatus = Literal["open", "done", "cancelled"]
Priority = Literal["low", "normal", "high"]


class AutomationIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    enabled: bool = False
    trigger: dict[str, Any] = Field(
        description='{"type": "sentiment.turned_frustrated" | "customer.tag_added" | ..., '
        '"to"?: value}'
    )
    conditions: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    actions: list[dict[str, Any]] = Field(max_length=50)
    cooldown_seconds: int | None = Field(
        default=None, description="per customer; default 600, 0 = none"
    )


class AutomationPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    enabled: bool | None = None
    trigger: dict[str, Any] | None = None
    conditions: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    actions: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    cooldown_seconds: int | None = None


# The service always sets cooldown_seconds (its default when a request leaves it out).
AutomationOut = proto_model(
    "AutomationOut", pb.Workflow.DESCRIPTOR, nullable=("last_run_at",), cooldown_seconds=int
)


class AutomationPage(BaseModel):
    items: list[AutomationOut]
    next_cursor: str | None


class DryRunIn(Strict):
    customer_id: str = Field(min_length=1, max_length=64)


class ConditionOutcomeOut(BaseModel):
    condition: dict[str, Any]
    holds: bool
    actual: str


class PlannedStepOut(BaseModel):
    action_id: str
    type: str
    detail: str
    would_skip: bool


class DryRunOut(BaseModel):
    conditions_hold: bool
    conditions: list[ConditionOutcomeOut]
    steps: list[PlannedStepOut]


RunStepOut = proto_model(
    "RunStepOut", pb.RunStep.DESCRIPTOR, nullable=("started_at", "finished_at")
)


class RunOut(BaseModel):
    id: str
    automation_id: str
    automation_name: str
    automation_version: int
    customer_id: str
    trigger: str
    trigger_event_id: str | None
    started_by: str | None
    status: RunStatus
    error: str
    steps: list[RunStepOut]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    resume_at: datetime | None


class RunPage(BaseModel):
    items: list[RunOut]
    next_cursor: str | None


class TaskIn(Strict):
    customer_id: str | None = Field(default=None, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    owner_id: str | None = Field(default=None, max_length=200)
    due_at: datetime | None = None
    priority: Priority = "normal"


class TaskPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    owner_id: str | None = Field(default=None, max_length=200)
    due_at: datetime | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None


class TaskOut(BaseModel):
    id: str
    customer_id: str | None
    title: str
    description: str
    owner_id: str | None
    due_at: datetime | None
    status: TaskStatus
    priority: Priority
    created_by: str | None
    run_id: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None

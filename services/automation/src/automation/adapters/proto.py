"""Domain <-> protobuf (moodline.automation.v1 and moodline.events.v1 payloads), and protobuf
events -> the plain mappings conditions read."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from moodline.automation.v1 import automation_pb2 as pb
from moodline.events.v1 import automation_pb2 as events_pb
from moodline_kit.grpc.enums import inverse, proto_values
from moodline_kit.grpc.structs import from_struct, struct
from moodline_kit.templating import customer_values
from moodline_kit.timestamps import to_proto

from automation.domain.customers import CustomerProfile
from automation.domain.run import Run, RunStatus, StepStatus
from automation.domain.tasks import Task, TaskStatus

RUN_STATUSES = proto_values(RunStatus, pb, "RUN_STATUS")
RUN_STATUS_OF = inverse(RUN_STATUSES)
STEP_STATUSES = proto_values(StepStatus, pb, "STEP_STATUS")
TASK_STATUSES = proto_values(TaskStatus, pb, "TASK_STATUS")
TASK_STATUS_OF = inverse(TASK_STATUSES)
PRIORITIES = proto_values(("low", "normal", "high"), pb, "TASK_PRIORITY")
PRIORITY_OF = inverse(PRIORITIES)


def workflow_to_proto(w: Any) -> pb.Workflow:
    out = pb.Workflow(
        id=str(w.id),
        name=w.name,
        description=w.description,
        enabled=w.enabled,
        trigger=struct(w.trigger),
        conditions=[struct(c) for c in w.conditions],
        actions=[struct(a) for a in w.actions],
        cooldown_seconds=w.cooldown_seconds,
        version=w.version,
        created_at=to_proto(w.created_at),
        updated_at=to_proto(w.updated_at),
    )
    if w.last_run_at is not None:
        out.last_run_at.CopyFrom(to_proto(w.last_run_at))
    return out


def run_to_proto(r: Run) -> pb.Run:
    out = pb.Run(
        id=str(r.id),
        workflow_id=str(r.workflow_id),
        workflow_name=r.workflow_name,
        workflow_version=r.workflow_version,
        customer_id=str(r.customer_id),
        trigger_type=r.trigger_type,
        trigger_event_id=r.trigger_event_id,
        started_by=r.started_by,
        status=RUN_STATUSES[r.status],
        error=r.error,
        created_at=to_proto(r.created_at),
    )
    for name in ("started_at", "finished_at", "resume_at"):
        value = getattr(r, name)
        if value is not None:
            getattr(out, name).CopyFrom(to_proto(value))
    for s in r.steps:
        step = out.steps.add(
            index=s.index,
            action_id=s.action_id,
            type=s.type,
            status=STEP_STATUSES[s.status],
            attempts=s.attempts,
            detail=s.detail,
        )
        if s.started_at is not None:
            step.started_at.CopyFrom(to_proto(s.started_at))
        if s.finished_at is not None:
            step.finished_at.CopyFrom(to_proto(s.finished_at))
    return out


def task_to_proto(t: Task) -> pb.Task:
    out = pb.Task(
        id=str(t.id),
        customer_id=str(t.customer_id) if t.customer_id else "",
        title=t.title,
        description=t.description,
        owner_id=t.owner_id,
        status=TASK_STATUSES[t.status],
        priority=PRIORITIES.get(t.priority, pb.TASK_PRIORITY_NORMAL),
        created_by=t.created_by,
        run_id=str(t.run_id) if t.run_id else "",
        created_at=to_proto(t.created_at),
        updated_at=to_proto(t.updated_at),
    )
    if t.due_at is not None:
        out.due_at.CopyFrom(to_proto(t.due_at))
    if t.completed_at is not None:
        out.completed_at.CopyFrom(to_proto(t.completed_at))
    return out


def run_completed(r: Run) -> events_pb.AutomationRunCompleted:
    out = events_pb.AutomationRunCompleted(
        run_id=str(r.id),
        workflow_id=str(r.workflow_id),
        workflow_name=r.workflow_name,
        customer_id=str(r.customer_id),
        status=RUN_STATUSES[r.status],
        trigger_type=r.trigger_type,
        error=r.error,
    )
    if r.started_at is not None:
        out.started_at.CopyFrom(to_proto(r.started_at))
    if r.finished_at is not None:
        out.finished_at.CopyFrom(to_proto(r.finished_at))
    return out


def task_created(t: Task) -> events_pb.TaskCreated:
    return events_pb.TaskCreated(customer_id=str(t.customer_id or ""), task=task_to_proto(t))


def task_completed(t: Task) -> events_pb.TaskCompleted:
    return events_pb.TaskCompleted(customer_id=str(t.customer_id or ""), task=task_to_proto(t))


# ---- events and customers as plain facts --------------------------------------------------


def _enum_prefix(enum_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_name).upper() + "_"


def _value(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM:
        name = field.enum_type.values_by_number.get(value)
        text = name.name if name else str(value)
        return text.removeprefix(_enum_prefix(field.enum_type.name)).lower()
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return value.ToDatetime().isoformat() + "Z"
        if field.message_type.full_name == "google.protobuf.Struct":
            return from_struct(value)
        return facts_of(value)
    return value


def facts_of(message: Message) -> dict[str, Any]:
    """A protobuf message as a mapping; enum values as lower-case names without their prefix
    (SENTIMENT_LABEL_FRUSTRATED -> "frustrated"), timestamps as RFC 3339."""
    out: dict[str, Any] = {}
    for field, value in message.ListFields():
        is_map = (
            field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry
        )
        if is_map:
            out[field.name] = dict(value)
        elif field.is_repeated:
            out[field.name] = [_value(field, v) for v in value]
        else:
            out[field.name] = _value(field, value)
    return out


def customer_facts(customer: Message) -> tuple[dict[str, Any], dict[str, Any], dict[str, bool]]:
    """(profile, sentiment, latest consent per kind) of a moodline.customer.v1.Customer."""
    c: Any = customer
    profile = facts_of(c)
    sentiment = profile.pop("sentiment", {}) or {}
    profile.pop("consents", None)
    profile["custom"] = profile.pop("custom_fields", {}) or {}
    emails = list(c.emails)
    phones = list(c.phones)
    profile["email"] = next((e.address for e in emails if e.primary), "") or (
        emails[0].address if emails else ""
    )
    profile["phone"] = next((p.number for p in phones if p.primary), "") or (
        phones[0].number if phones else ""
    )
    profile.pop("emails", None)
    profile.pop("phones", None)
    profile["full_name"] = " ".join(p for p in (c.first_name, c.last_name) if p)
    consents: dict[str, bool] = {}
    for record in sorted(c.consents, key=lambda r: r.changed_at.ToDatetime()):
        consents[record.kind] = record.granted
    return profile, sentiment, consents


def customer_profile(customer: Message) -> CustomerProfile:
    """A moodline.customer.v1.Customer as a run sees it."""
    c: Any = customer
    fields, sentiment, consents = customer_facts(c)
    return CustomerProfile(
        id=c.id,
        fields=fields,
        sentiment=sentiment,
        consents=consents,
        values=customer_values(c),
        workers=tuple(c.workers),
    )

"""Tasks / follow-ups: rules without I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from moodline_kit.errors import FieldViolation, InvalidArgument

MAX_TITLE = 200
MAX_DESCRIPTION = 4_000
MAX_OWNER = 200
PRIORITIES = ("low", "normal", "high")
CHANGEABLE = ("title", "description", "owner_id", "due_at", "status", "priority")


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass
class Task:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID | None
    title: str
    description: str
    owner_id: str
    due_at: datetime | None
    status: TaskStatus
    priority: str
    created_by: str
    run_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None

    def change_status(self, status: TaskStatus, at: datetime) -> bool:
        """True when the task became done."""
        became_done = status is TaskStatus.DONE and self.status is not TaskStatus.DONE
        self.status = status
        self.completed_at = at if status is TaskStatus.DONE else None
        return became_done


def validate(task: Task) -> None:
    bad: list[FieldViolation] = []
    if not task.title.strip() or len(task.title) > MAX_TITLE:
        bad.append(FieldViolation("title", "is required (1..200 characters)"))
    if len(task.description) > MAX_DESCRIPTION:
        bad.append(FieldViolation("description", "is too long"))
    if len(task.owner_id) > MAX_OWNER:
        bad.append(FieldViolation("owner_id", "is too long"))
    if task.priority not in PRIORITIES:
        bad.append(FieldViolation("priority", f"must be one of: {', '.join(PRIORITIES)}"))
    if bad:
        raise InvalidArgument.of_all(bad)

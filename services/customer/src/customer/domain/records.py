"""What the customer queries answer besides the aggregate: a list page, the counters, timeline
entries, notes and consent records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moodline_kit.errors import InvalidArgument

MAX_NOTE_LENGTH = 10_000
MAX_NOTE_AUTHOR = 100


@dataclass(frozen=True)
class Page:
    """One list page: rows of LIST_COLUMNS (read by attribute, e.g. `row.first_name`), not
    Customer aggregates. A list is read-only, and building the aggregate of every row only to
    translate it again was a third of the service's CPU per page (`adapters.proto` maps these
    rows straight to messages)."""

    rows: Sequence[Any]
    next_cursor: str


@dataclass(frozen=True)
class Stats:
    total: int = 0
    vip: int = 0
    happy: int = 0
    problem: int = 0
    total_ltv_minor: int = 0


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    kind: str
    type: str
    summary: str
    data: dict
    occurred_at: datetime


@dataclass(frozen=True)
class Note:
    id: uuid.UUID
    customer_id: uuid.UUID
    text: str
    author: str
    created_at: datetime


def note_text(text: str, author: str) -> str:
    """A note's text as stored (stripped), or InvalidArgument naming the field."""
    text = text.strip()
    if not text:
        raise InvalidArgument.of("text", "is required")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidArgument.of("text", f"must be at most {MAX_NOTE_LENGTH} characters")
    if len(author) > MAX_NOTE_AUTHOR:
        raise InvalidArgument.of("author", f"must be at most {MAX_NOTE_AUTHOR} characters")
    return text


@dataclass(frozen=True)
class ConsentRecord:
    kind: str
    granted: bool
    source: str
    changed_at: datetime

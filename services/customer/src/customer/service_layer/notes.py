"""Notes on a customer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.errors import (
    NotFound,
)
from moodline_kit.events import Event

from customer.adapters import events
from customer.domain.records import Note, note_text
from customer.service_layer.handlers import UowFactory, parse_customer_id


async def add_note(
    *, tenant_id: uuid.UUID, customer_id: str, text: str, author: str, uow: UowFactory
) -> Note:
    text = note_text(text, author)
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        if not await work.customers.exists(tenant_id, ident):
            raise NotFound(f"customer {customer_id} not found")
        note = Note(uuid.uuid4(), ident, text, author.strip(), datetime.now(UTC))
        await work.customers.add_note(tenant_id, note)
        await work.customers.add_timeline(
            tenant_id,
            ident,
            kind="note",
            type=subjects.CUSTOMER_NOTE_ADDED,
            summary=text[:200],
            data={"note_id": str(note.id), "author": note.author},
            occurred_at=note.created_at,
        )
        work.emit(
            Event(
                subject=subjects.CUSTOMER_NOTE_ADDED,
                tenant_id=tenant_id,
                aggregate_id=str(ident),
                payload=events.note_added(note),
            )
        )
        await work.commit()
    return note


async def list_notes(*, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory) -> list[Note]:
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        if not await work.customers.exists(tenant_id, ident):
            raise NotFound(f"customer {customer_id} not found")
        return await work.customers.notes(tenant_id, ident)

"""The part every service plays in a customer merge and a GDPR erasure (issue #23).

The customer service commits a merge (or an erasure) with `customer.customer.merged` (or
`.erased`) in its outbox. Every other service reads them with one durable
(`<service>-customer-data` on CUSTOMER), moves (or erases) what it holds about the customer in
the consumer's transaction and, in that same transaction, answers with its own
`<service>.customer.reassigned` (or `.erased`) event, which the customer service's saga consumer
records as that service's step being done. The consumer is idempotent and JetStream redelivers
until the transaction commits, so a service that was down when the merge started does its part
when it comes back; the operation completes when every service has answered.

A service provides its `CustomerData`: two functions that run inside the consumer's unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from moodline.events.v1 import automation_pb2 as automation_events
from moodline.events.v1 import billing_pb2 as billing_events
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline.events.v1 import loyalty_pb2 as loyalty_events
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from sqlalchemy.ext.asyncio import AsyncSession

from moodline_kit.consumer import Consumes, Handler
from moodline_kit.events import Event, unpack
from moodline_kit.uow import UnitOfWork

MERGED = subjects.CUSTOMER_CUSTOMER_MERGED
ERASED = subjects.CUSTOMER_CUSTOMER_ERASED
# The services that hold data about a customer besides the customer service: each takes part
# in every merge and erasure (the customer service waits for each one's answer).
PARTICIPANTS = ("conversation", "sentiment", "billing", "loyalty", "automation")

# (uow, tenant_id, from_customer_id, to_customer_id)
Reassign = Callable[[Any, uuid.UUID, uuid.UUID, uuid.UUID], Awaitable[None]]
# (uow, tenant_id, customer_id)
Erase = Callable[[Any, uuid.UUID, uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class CustomerData:
    service: str
    reassign: Reassign
    erase: Erase


def consumes(service: str) -> Consumes:
    """The durable a participant declares (and the chart's jetstream.consumers)."""
    return Consumes("CUSTOMER", f"{service}-customer-data", (MERGED, ERASED))


def answer_subjects(service: str) -> tuple[str, str]:
    return f"{service}.customer.reassigned", f"{service}.customer.erased"


_EVENT_MODULES = {
    "automation": automation_events,
    "billing": billing_events,
    "conversation": conversation_events,
    "loyalty": loyalty_events,
    "sentiment": sentiment_events,
}


def payload_type(subject: str) -> type[Message]:
    """The payload message of a participant's answer (`<service>.customer.<verb>`)."""
    full_name = subjects.PAYLOADS[subject]
    module = _EVENT_MODULES[subject.split(".", 1)[0]]
    return getattr(module, full_name.rsplit(".", 1)[1])


def handler(data: CustomerData) -> Handler:
    reassigned_subject, erased_subject = answer_subjects(data.service)

    async def on_event(envelope: envelope_pb2.EventEnvelope, uow: UnitOfWork) -> None:
        tenant_id = uuid.UUID(envelope.tenant_id)
        if envelope.type == MERGED:
            merged = unpack(envelope, customer_events.CustomerMerged)
            survivor, duplicate = uuid.UUID(merged.customer_id), uuid.UUID(merged.duplicate_id)
            await data.reassign(uow, tenant_id, duplicate, survivor)
            answer = payload_type(reassigned_subject)(
                operation_id=merged.operation_id,
                from_customer_id=merged.duplicate_id,
                to_customer_id=merged.customer_id,
            )
            uow.emit(Event(reassigned_subject, tenant_id, merged.customer_id, answer))
        elif envelope.type == ERASED:
            erased = unpack(envelope, customer_events.CustomerErased)
            customer_id = uuid.UUID(erased.customer_id)
            await data.erase(uow, tenant_id, customer_id)
            await forget_published_events(uow, customer_id)
            answer = payload_type(erased_subject)(
                operation_id=erased.operation_id, customer_id=erased.customer_id
            )
            uow.emit(Event(erased_subject, tenant_id, erased.customer_id, answer))

    return on_event


async def forget_published_events(uow: UnitOfWork, customer_id: uuid.UUID) -> int:
    """Erasure: published outbox rows that name the customer are deleted (their payload may
    carry personal data; JetStream's copy ages out with the stream's max_age, see
    docs/gdpr.md). Unpublished rows are left for the relay; the hourly purge removes them a day
    after publication."""
    outbox = uow.tables.outbox
    mentions = sa.text("position(CAST(:needle AS BYTEA) IN envelope) > 0").bindparams(
        needle=str(customer_id).encode()
    )
    result = await uow.session.execute(
        sa.delete(outbox).where(outbox.c.published_at.is_not(None), mentions)
    )
    return result.rowcount or 0


async def move_rows(
    session: AsyncSession,
    tables: Iterable[sa.Table],
    tenant_id: uuid.UUID,
    from_id: Any,
    to_id: Any,
) -> None:
    """A merge's plain part: the rows of `tables` (each with tenant_id and customer_id) that
    were the duplicate's are the survivor's."""
    for table in tables:
        await session.execute(rows_of(table, tenant_id, from_id).values(customer_id=to_id))


def rows_of(table: sa.Table, tenant_id: uuid.UUID, customer_id: Any) -> sa.Update:
    """An UPDATE of the customer's rows of `table` (with tenant_id and customer_id); an
    erasure adds the values it blanks."""
    return table.update().where(table.c.tenant_id == tenant_id, table.c.customer_id == customer_id)

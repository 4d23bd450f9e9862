"""The CUSTOMER stream, as far as the contact mapping cares: a deleted customer's contacts, and
contacts a customer no longer has, are forgotten (the next message with them is resolved again
by the customer service). The customer service publishes no merge event; a merge reaches us as
the loser's `customer.customer.deleted` and the winner's `customer.customer.updated`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline_kit.events import unpack

from conversation.adapters.customers import contacts_of
from conversation.service_layer.unit_of_work import ConversationUnitOfWork

CUSTOMER_DELETED = subjects.CUSTOMER_CUSTOMER_DELETED
CUSTOMER_UPDATED = subjects.CUSTOMER_CUSTOMER_UPDATED
SUBJECTS = [CUSTOMER_DELETED, CUSTOMER_UPDATED]
CONTACT_FIELDS = {"phones", "emails"}


async def on_customer_event(
    envelope: envelope_pb2.EventEnvelope, uow: ConversationUnitOfWork
) -> None:
    tenant_id = uuid.UUID(envelope.tenant_id)
    now = datetime.now(UTC)
    if envelope.type == CUSTOMER_DELETED:
        deleted = unpack(envelope, customer_events.CustomerDeleted)
        await uow.contacts.customer_changed(
            tenant_id,
            uuid.UUID(deleted.customer_id),
            version=0,
            deleted=True,
            keep=(),
            now=now,
        )
    elif envelope.type == CUSTOMER_UPDATED:
        updated = unpack(envelope, customer_events.CustomerUpdated)
        if not CONTACT_FIELDS & set(updated.changed_fields):
            return
        await uow.contacts.customer_changed(
            tenant_id,
            uuid.UUID(updated.customer.id),
            version=updated.customer.version,
            deleted=False,
            keep=contacts_of(updated.customer),
            now=now,
        )

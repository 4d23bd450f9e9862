"""NATS consumers: translate CUSTOMER events into the contact mapping's calls
(service_layer/contacts.py). No rule here beyond which updates touch contacts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline_kit.events import unpack

from conversation.adapters.customers import contacts_of
from conversation.service_layer import contacts
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
        await contacts.customer_deleted(uow, tenant_id, uuid.UUID(deleted.customer_id), now)
    elif envelope.type == CUSTOMER_UPDATED:
        updated = unpack(envelope, customer_events.CustomerUpdated)
        if not CONTACT_FIELDS & set(updated.changed_fields):
            return
        await contacts.contacts_changed(
            uow,
            tenant_id,
            uuid.UUID(updated.customer.id),
            version=updated.customer.version,
            keep=contacts_of(updated.customer),
            now=now,
        )

"""This service's part in customer merges and GDPR erasures (moodline_kit.customer_data): runs
in the `conversation-customer-data` consumer's transaction, which also answers the customer
service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from moodline_kit.customer_data import CustomerData

from conversation.service_layer.unit_of_work import ConversationUnitOfWork


async def reassign(
    uow: ConversationUnitOfWork, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    """Conversations, messages and outbound messages move to the survivor; an open conversation
    of the duplicate on a channel where the survivor has one open too is resolved first (one
    open conversation per customer and channel). The duplicate's contacts are forgotten: the
    next message from them is resolved again, and the customer service answers the survivor."""
    now = datetime.now(UTC)
    await uow.customer_data.reassign(tenant_id, from_id, to_id, now)
    await uow.contacts.customer_changed(
        tenant_id, from_id, version=0, deleted=True, keep=(), now=now
    )


async def erase(uow: ConversationUnitOfWork, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """Message text, topics, summaries, recipients and provider ids are replaced; counts,
    channels, times, statuses and CSAT stay (the tenant's statistics)."""
    now = datetime.now(UTC)
    await uow.customer_data.erase(tenant_id, customer_id)
    await uow.contacts.customer_changed(
        tenant_id, customer_id, version=0, deleted=True, keep=(), now=now
    )


CUSTOMER_DATA = CustomerData("conversation", reassign, erase)  # type: ignore[arg-type]

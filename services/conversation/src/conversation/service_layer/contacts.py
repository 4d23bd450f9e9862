"""The contact mapping follows the customers: a deleted customer's contacts, and contacts a
customer no longer has, are forgotten (the next message with them is resolved again by the
customer service). The customer service publishes no merge event; a merge reaches us as the
loser's deletion and the winner's contact change."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from conversation.service_layer.unit_of_work import ConversationUnitOfWork


async def customer_deleted(
    work: ConversationUnitOfWork, tenant_id: uuid.UUID, customer_id: uuid.UUID, now: datetime
) -> None:
    await work.contacts.customer_changed(
        tenant_id, customer_id, version=0, deleted=True, keep=(), now=now
    )


async def contacts_changed(
    work: ConversationUnitOfWork,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    *,
    version: int,
    keep: Collection[tuple[str, str]],
    now: datetime,
) -> None:
    """The customer (at `version`) now has exactly the contacts `keep`."""
    await work.contacts.customer_changed(
        tenant_id, customer_id, version=version, deleted=False, keep=keep, now=now
    )

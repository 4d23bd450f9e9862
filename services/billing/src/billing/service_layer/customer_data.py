"""This service's part in customer merges and GDPR erasures (moodline_kit.customer_data): runs
in the `billing-customer-data` consumer's transaction, which also answers the customer service.

Merge: bookings (and party memberships), invoices, quotes, payments and subscriptions move to
the survivor, whose value (LTV, bookings, purchases, AOV) is recomputed and published
(`billing.customer_value.changed`: the customer read model and lifecycle follow).
Erasure: free text that may name or describe the person (booking notes, location, cancellation
reason, the party member's name, payment failure messages, refund reasons, void reasons) is
blanked and provider payment ids are replaced; amounts, statuses and dates stay (revenue).
"""

from __future__ import annotations

import uuid

from moodline_kit.customer_data import CustomerData

from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.service_layer.value import publish_values


async def reassign(
    uow: BillingUnitOfWork, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    for customer_id in sorted((from_id, to_id)):
        await uow.lock_customer(tenant_id, customer_id)
    await uow.customer_data.reassign(tenant_id, from_id, to_id)
    await publish_values(uow, tenant_id, [to_id])


async def erase(uow: BillingUnitOfWork, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    await uow.customer_data.erase(tenant_id, customer_id)


CUSTOMER_DATA = CustomerData("billing", reassign, erase)  # type: ignore[arg-type]

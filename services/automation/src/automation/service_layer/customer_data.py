"""This service's part in customer merges and GDPR erasures (moodline_kit.customer_data): runs
in the `automation-customer-data` consumer's transaction, which also answers the customer
service.

Merge: runs (with their step logs) and tasks move to the survivor; per workflow the later
cool-down of the two is kept, so a merge never lets a workflow fire again early.
Erasure: the triggering event kept on each run, step details, errors and the task titles and
descriptions (they may quote the person) are blanked; runs, tasks, statuses and dates stay.
"""

from __future__ import annotations

import uuid

from moodline_kit.customer_data import CustomerData

from automation.service_layer.unit_of_work import AutomationUnitOfWork


async def reassign(
    uow: AutomationUnitOfWork, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    await uow.customer_data.reassign(tenant_id, from_id, to_id)


async def erase(uow: AutomationUnitOfWork, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    await uow.customer_data.erase(tenant_id, customer_id)


CUSTOMER_DATA = CustomerData("automation", reassign, erase)  # type: ignore[arg-type]

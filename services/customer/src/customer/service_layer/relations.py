"""Related customers (a family, a company and its contacts): no cycles."""

from __future__ import annotations

import uuid

from moodline_kit.errors import (
    InvalidArgument,
    NotFound,
)

from customer.domain.model import Customer
from customer.service_layer.handlers import UowFactory, parse_customer_id


async def set_relation(
    *, tenant_id: uuid.UUID, parent_id: str, child_id: str, label: str, uow: UowFactory
) -> Customer:
    label = " ".join(label.split())
    if len(label) > 50:
        raise InvalidArgument.of("label", "must be at most 50 characters")
    parent, child = parse_customer_id(parent_id), parse_customer_id(child_id)
    async with uow() as work:
        for ident, name in ((parent, parent_id), (child, child_id)):
            if not await work.customers.exists(tenant_id, ident):
                raise NotFound(f"customer {name} not found")
        if await work.customers.is_ancestor(tenant_id, child, parent):
            raise InvalidArgument.of("child_id", "would make a cycle of related customers")
        await work.customers.set_relation(tenant_id, parent, child, label)
        for one, other, role in ((parent, child, "child"), (child, parent, "parent")):
            await work.customers.add_timeline(
                tenant_id,
                one,
                kind="relation",
                type="customer.relation.set",
                summary=f"Related {role} {other}" + (f" ({label})" if label else ""),
                data={"customer_id": str(other), "role": role, "label": label},
            )
        await work.commit()
        customer = await work.customers.get(tenant_id, parent)
    assert customer is not None
    return customer


async def remove_relation(
    *, tenant_id: uuid.UUID, parent_id: str, child_id: str, uow: UowFactory
) -> Customer:
    parent, child = parse_customer_id(parent_id), parse_customer_id(child_id)
    async with uow() as work:
        if not await work.customers.remove_relation(tenant_id, parent, child):
            raise NotFound(f"no relation {parent_id} -> {child_id}")
        await work.commit()
        customer = await work.customers.get(tenant_id, parent)
    return NotFound.unless(customer, f"customer {parent_id} not found")

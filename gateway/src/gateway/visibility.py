"""Folder permissions on what other services return about customers.

The customer service enforces a principal's folders itself (lists, search, stats, timeline,
every read and write by id). Conversations, messages and sentiment live in other services; for a
restricted principal (folders, no unfoldered customers, or assigned-only) the gateway asks the
customer service which of the customers involved the principal may see and drops, or answers
404 for, the rest. Unrestricted principals skip the extra call."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import HTTPException
from moodline.customer.v1 import customer_pb2

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata


def restricted(who: Principal) -> bool:
    return who.folders is not None or not who.unfoldered or who.assigned_only


async def visible(up: Upstreams, who: Principal, customer_ids: Iterable[str]) -> set[str]:
    ids = list(dict.fromkeys(i for i in customer_ids if i))
    if not restricted(who):
        return set(ids)
    if not ids:
        return set()
    reply = await up.customers.FilterVisibleCustomers(
        customer_pb2.FilterVisibleCustomersRequest(ids=ids), metadata=metadata(who)
    )
    return set(reply.ids)


async def ensure_visible(up: Upstreams, who: Principal, customer_id: str, what: str) -> None:
    """404 (as for a missing one) when the principal may not see the customer."""
    if restricted(who) and customer_id not in await visible(up, who, [customer_id]):
        raise HTTPException(404, f"{what} not found")

"""Folder permissions on what other services return about customers.

The customer service enforces a principal's folders itself (lists, search, stats, timeline,
every read and write by id). Conversations, messages and sentiment live in other services; for a
restricted principal (folders, no unfoldered customers, or assigned-only) the gateway asks the
customer service which of the customers involved the principal may see and drops, or answers
404 for, the rest. Unrestricted principals skip the extra call."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Any

from fastapi import HTTPException
from google.protobuf.message import Message
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


def _own_customer(message: Message) -> list[str]:
    return [v for f, v in message.ListFields() if f.name == "customer_id" and isinstance(v, str)]


def _customer_ids(message: Message, *, lists: bool = False) -> list[str]:
    """The customers a request or reply names: its `customer_id`/`customer_ids`, and those of
    the messages it holds one level down (a booking in CreateBookingRequest...; with `lists`,
    those of repeated ones too: the entries of a bulk request)."""
    found: list[str] = []
    for field, value in message.ListFields():
        if field.name == "customer_id" and isinstance(value, str):
            found.append(value)
        elif field.name == "customer_ids" and field.is_repeated:
            found.extend(v for v in value if isinstance(v, str))
        elif field.message_type is not None and not field.is_repeated:
            found.extend(_own_customer(value))
        elif field.message_type is not None and lists:
            for item in value:
                found.extend(_own_customer(item))
    return [i for i in found if i]


def _customer_lists(reply: Message) -> list:  # type: ignore[type-arg]
    """The repeated fields of a reply whose items name a customer (a page of bookings...)."""
    return [
        value
        for field, value in reply.ListFields()
        if field.is_repeated
        and field.message_type is not None
        and "customer_id" in field.message_type.fields_by_name
    ]


class GuardedStub:
    """A stub of a service that stores things about customers but not their folders (billing,
    loyalty, automation), as a restricted principal may use it: every customer a request names
    must be visible (404 otherwise, before anything is done); a call on an object by id (a
    booking's confirm, an enrolment's adjustment) first reads the object (`Get<Entity>`) and
    checks its customer; a reply naming an invisible customer is 404; list items about
    invisible customers are dropped. Unrestricted principals get the plain stub."""

    def __init__(self, stub: Any, up: Upstreams, who: Principal) -> None:
        self._stub, self._up, self._who = stub, up, who

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._stub, name)

        async def call(request: Message, **kwargs: Any) -> Any:
            await self._check(request, _customer_ids(request, lists=True))
            owner = self._owner_lookup(name, request)
            if owner is not None:
                get, lookup = owner
                await self._check(request, _customer_ids(await get(lookup, **kwargs)))
            reply = await method(request, **kwargs)
            await self._check(reply, _customer_ids(reply))
            for items in _customer_lists(reply):
                seen = await visible(self._up, self._who, [i.customer_id for i in items])
                kept = [i for i in items if not i.customer_id or i.customer_id in seen]
                if len(kept) < len(items):
                    del items[:]
                    items.extend(kept)
            return reply

        return call

    def _owner_lookup(self, name: str, request: Message) -> tuple[Any, Message] | None:
        """For `<Verb><Entity>(id)` or a request naming `<entity>_id`: `Get<Entity>` and its
        request, when the service has one."""
        if name.startswith(("Get", "List", "Create")) and not name.startswith("GetLedger"):
            return None
        module = sys.modules[type(request).__module__]
        fields = {f.name: v for f, v in request.ListFields()}
        candidates = []
        if isinstance(fields.get("id"), str):
            verb = re.match(r"[A-Z][a-z]+", name)
            if verb:
                candidates.append((name[verb.end() :], fields["id"]))
        for field, value in request.ListFields():  # UpdateTask(task=Task(id=...))
            ident = getattr(value, "id", None) if field.message_type is not None else None
            if not field.is_repeated and isinstance(ident, str):
                candidates.append((field.message_type.name, ident))
        for key, value in fields.items():
            if key.endswith("_id") and key != "customer_id" and isinstance(value, str):
                candidates.append(("".join(p.title() for p in key[:-3].split("_")), value))
        for entity, ident in candidates:
            get = getattr(self._stub, f"Get{entity}", None)
            request_type = getattr(module, f"Get{entity}Request", None)
            if get is not None and request_type is not None and ident:
                return get, request_type(id=ident)
        return None

    async def _check(self, message: Message, customer_ids: list[str]) -> None:
        if customer_ids:
            seen = await visible(self._up, self._who, customer_ids)
            if any(i not in seen for i in customer_ids):
                raise HTTPException(404, "not found (a customer you may not see)")


def guarded(stub: Any, up: Upstreams, who: Principal) -> Any:
    return GuardedStub(stub, up, who) if restricted(who) else stub

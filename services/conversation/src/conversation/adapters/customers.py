"""The customer service, seen from here: who is behind a phone number or an email address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

import grpc
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound, Unavailable
from moodline_kit.grpc.status import field_violations

from conversation.domain.model import Contact, ContactKind


@dataclass(frozen=True)
class ResolvedCustomer:
    customer_id: uuid.UUID
    created: bool


class CustomerDirectory(Protocol):
    async def resolve(self, contact: Contact, display_name: str) -> ResolvedCustomer:
        """The customer owning the contact; a Prospect is created when none does.
        Raises InvalidArgument (on the contact's field), NotFound or Unavailable."""
        ...


class GrpcCustomerDirectory:
    """ResolveCustomer / GetCustomer over gRPC; the tenant and the inbound deadline travel with
    the call (kit channel)."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = customer_pb2_grpc.CustomerServiceStub(channel)

    async def resolve(self, contact: Contact, display_name: str) -> ResolvedCustomer:
        value = contact.value.strip()
        try:
            if contact.kind is ContactKind.CUSTOMER_ID:
                found = await self._stub.GetCustomer(customer_pb2.GetCustomerRequest(id=value))
                return ResolvedCustomer(uuid.UUID(found.id), created=False)
            request = customer_pb2.ResolveCustomerRequest(display_name=display_name)
            setattr(request, contact.kind.value, value)
            reply = await self._stub.ResolveCustomer(request)
            return ResolvedCustomer(uuid.UUID(reply.customer.id), reply.created)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc, contact) from exc


def _translate(exc: grpc.aio.AioRpcError, contact: Contact) -> Exception:
    code = exc.code()
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        reasons = [v.description for v in field_violations(exc)] or [exc.details() or "invalid"]
        violations = [FieldViolation(contact.field, r) for r in reasons]
        return InvalidArgument(f"{contact.field}: {'; '.join(reasons)}", violations)
    if code is grpc.StatusCode.NOT_FOUND:
        return NotFound(f"customer {contact.value!r} not found")
    return Unavailable(f"customer service: {code.name} {exc.details() or ''}".strip())

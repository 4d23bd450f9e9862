"""The customer service, seen from here: who is behind a phone number or an email address."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import grpc
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit.errors import DomainError, FieldViolation, InvalidArgument, NotFound, Unavailable
from moodline_kit.grpc.status import field_violations
from moodline_kit.templating import customer_values
from moodline_kit.tenancy import current_tenant

from conversation.domain.model import Contact, ContactKind
from conversation.domain.outbound import CustomerContact, CustomerProfile


@dataclass(frozen=True)
class ResolvedCustomer:
    customer_id: uuid.UUID
    created: bool
    # The customer's contacts as the customer service stores them: ("phone", E.164) and
    # ("email", lower-cased); empty when unknown (a cached answer, GetCustomer).
    contacts: frozenset[tuple[str, str]] = field(default=frozenset())
    version: int = 0


class CustomerDirectory(Protocol):
    async def resolve(self, contact: Contact, display_name: str) -> ResolvedCustomer:
        """The customer owning the contact; a Prospect is created when none does.
        Raises InvalidArgument (on the contact's field), NotFound or Unavailable."""
        ...

    async def resolve_many(
        self, contacts: Sequence[tuple[Contact, str]]
    ) -> list[ResolvedCustomer | DomainError]:
        """`resolve` for each (phone or email contact, display name), in one call: each answer
        or the error `resolve` would have raised, in order."""
        ...

    async def default_country(self) -> str:
        """The current tenant's default country (ISO 3166-1 alpha-2, "" when unset)."""
        ...

    async def discard(self, created: ResolvedCustomer) -> bool:
        """Undo the creation of a Prospect that nothing was stored for: deleted only while it
        is still at the version it was created with (untouched since). True when deleted."""
        ...


class CustomerProfiles(Protocol):
    async def get_profile(self, customer_id: str) -> CustomerProfile:
        """The customer's contacts, consents and template values; NotFound for an unknown or
        another tenant's id, Unavailable when the service does not answer."""
        ...


def contact_of(customer: customer_pb2.Customer) -> CustomerContact:
    consents: dict[str, bool] = {}
    for c in sorted(customer.consents, key=lambda c: c.changed_at.ToDatetime()):
        consents[c.kind] = c.granted  # the latest record of each kind wins
    email = next((e.address for e in customer.emails if e.primary), "") or next(
        (e.address for e in customer.emails), ""
    )
    phone = next((p.number for p in customer.phones if p.primary), "") or next(
        (p.number for p in customer.phones), ""
    )
    return CustomerContact(email=email, phone=phone, consents=consents)


def profile_of(customer: customer_pb2.Customer) -> CustomerProfile:
    """The customer service's reply as sending needs it."""
    return CustomerProfile(contact=contact_of(customer), values=customer_values(customer))


def contacts_of(customer: customer_pb2.Customer) -> frozenset[tuple[str, str]]:
    return frozenset(
        [("phone", p.number) for p in customer.phones if p.number]
        + [("email", e.address.strip().lower()) for e in customer.emails if e.address]
    )


class GrpcCustomerDirectory:
    """ResolveCustomer / GetCustomer over gRPC; the tenant and the inbound deadline travel with
    the call (kit channel)."""

    def __init__(self, channel: grpc.aio.Channel, *, settings_ttl: float = 300.0) -> None:
        self._stub = customer_pb2_grpc.CustomerServiceStub(channel)
        self._settings_ttl = settings_ttl
        self._countries: dict[uuid.UUID, tuple[float, str]] = {}
        self._inflight: dict[tuple[uuid.UUID, tuple[str, str]], asyncio.Future] = {}

    async def default_country(self) -> str:
        """GetTenantSettings once per tenant and `settings_ttl` (a changed default country
        reaches national-format numbers within that time)."""
        tenant = current_tenant()
        cached = self._countries.get(tenant)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            settings = await self._stub.GetTenantSettings(customer_pb2.GetTenantSettingsRequest())
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"customer service: {exc.code().name}") from exc
        self._countries[tenant] = (now + self._settings_ttl, settings.default_country)
        return settings.default_country

    async def discard(self, created: ResolvedCustomer) -> bool:
        try:
            await self._stub.DeleteCustomer(
                customer_pb2.DeleteCustomerRequest(
                    id=str(created.customer_id),
                    expected_version=created.version,
                    confirm=True,
                )
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                return False  # gone already, or in use since (a message of another call)
            raise Unavailable(f"customer service: {exc.code().name}") from exc
        return True

    async def get_profile(self, customer_id: str) -> CustomerProfile:
        try:
            found = await self._stub.GetCustomer(customer_pb2.GetCustomerRequest(id=customer_id))
        except grpc.aio.AioRpcError as exc:
            if exc.code() is grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"customer {customer_id} not found") from exc
            raise Unavailable(f"customer service: {exc.code().name}") from exc
        return profile_of(found)

    async def resolve(self, contact: Contact, display_name: str) -> ResolvedCustomer:
        """Concurrent resolutions of one contact in this process share one call."""
        key = (current_tenant(), contact.key)
        leader = self._inflight.get(key)
        if leader is not None:
            try:
                shared: ResolvedCustomer = await asyncio.shield(leader)
                return replace(shared, created=False)
            except asyncio.CancelledError:
                if not leader.cancelled():
                    raise
                # the first caller gave up (its deadline); ask ourselves
        future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._resolve(contact, display_name)
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no warning when nobody else waited
            raise
        except BaseException:
            future.cancel()
            raise
        else:
            future.set_result(result)
            return result
        finally:
            if self._inflight.get(key) is future:
                del self._inflight[key]

    async def resolve_many(
        self, contacts: Sequence[tuple[Contact, str]]
    ) -> list[ResolvedCustomer | DomainError]:
        """One ResolveCustomers call (1..500 phones and emails; the customer service serialises
        it per contact with every other resolve, so a contact a concurrent call is resolving is
        simply found). A call that fails as a whole fails each of its contacts alike."""
        request = customer_pb2.ResolveCustomersRequest()
        for contact, display_name in contacts:
            assert contact.kind is not ContactKind.CUSTOMER_ID
            item = request.contacts.add(display_name=display_name)
            setattr(item, contact.kind.value, contact.value.strip())
        try:
            reply = await self._stub.ResolveCustomers(request)
        except grpc.aio.AioRpcError as exc:
            return [_translate(exc, contact) for contact, _ in contacts]
        answers: list[ResolvedCustomer | DomainError] = []
        for (contact, _), result in zip(contacts, reply.results, strict=True):
            if result.HasField("failed"):
                failed = result.failed
                reasons = [v.description for v in failed.violations]
                code = grpc.StatusCode.__members__.get(failed.code, grpc.StatusCode.UNKNOWN)
                answers.append(_error(code, failed.message, reasons, contact))
            else:
                answers.append(_resolved(result.resolved))
        return answers

    async def _resolve(self, contact: Contact, display_name: str) -> ResolvedCustomer:
        value = contact.value.strip()
        try:
            if contact.kind is ContactKind.CUSTOMER_ID:
                found = await self._stub.GetCustomer(customer_pb2.GetCustomerRequest(id=value))
                return ResolvedCustomer(uuid.UUID(found.id), created=False)
            request = customer_pb2.ResolveCustomerRequest(display_name=display_name)
            setattr(request, contact.kind.value, value)
            return _resolved(await self._stub.ResolveCustomer(request))
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc, contact) from exc


def _resolved(reply: customer_pb2.ResolveCustomerResponse) -> ResolvedCustomer:
    return ResolvedCustomer(
        uuid.UUID(reply.customer.id),
        reply.created,
        contacts_of(reply.customer),
        reply.customer.version,
    )


def _translate(exc: grpc.aio.AioRpcError, contact: Contact) -> DomainError:
    reasons = [v.description for v in field_violations(exc)]
    return _error(exc.code(), exc.details() or "", reasons, contact)


def _error(
    code: grpc.StatusCode, details: str, reasons: list[str], contact: Contact
) -> DomainError:
    """The customer service's refusal of a contact (a call's status or a batch item's), as
    this service reports it: on the message's contact field."""
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        reasons = reasons or [details or "invalid"]
        violations = [FieldViolation(contact.field, r) for r in reasons]
        return InvalidArgument(f"{contact.field}: {'; '.join(reasons)}", violations)
    if code is grpc.StatusCode.NOT_FOUND:
        return NotFound(f"customer {contact.value!r} not found")
    return Unavailable(f"customer service: {code.name} {details}".strip())

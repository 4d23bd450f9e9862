"""What actions do to the world, behind one interface: the customer service (profile, tags,
stage/status/folder), the conversation service (messages) and signed webhooks. Every call
carries an idempotency key or is idempotent by nature, so a step repeated after a crash has
its effect once."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Protocol

import grpc
import httpx
from moodline.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit.errors import NotFound

from automation.adapters import proto
from automation.domain.customers import CustomerProfile

CHANNELS = {
    "email": conversation_pb2.CHANNEL_EMAIL,
    "sms": conversation_pb2.CHANNEL_SMS,
    "whatsapp": conversation_pb2.CHANNEL_WHATSAPP,
}
# Codes worth another try (the call may not have happened, or may be replayed safely).
TRANSIENT_CODES = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
)
SIGNATURE_HEADER = "Moodline-Signature"


class Transient(Exception):
    """The step may work on a later try (a service or the receiver is unavailable)."""


class ActionFailed(Exception):
    """The step cannot work as defined (bad value, unknown customer, a 4xx receiver)."""


@dataclass(frozen=True)
class Sent:
    """A message step's outcome: sent (queued for delivery) or refused with the reason."""

    sent: bool
    detail: str


class Effects(Protocol):
    async def customer(self, customer_id: str) -> CustomerProfile: ...

    async def send_message(
        self, *, customer_id: str, action: dict, author_id: str, key: str, dry_run: bool = False
    ) -> Sent: ...

    async def modify_tags(self, customer_id: str, *, add: list[str], remove: list[str]) -> None: ...

    async def update_customer(self, customer_id: str, field: str, value: str) -> None: ...

    async def webhook(self, *, url: str, body: bytes, key: str, tenant_id: str) -> int: ...


def _raise(exc: grpc.aio.AioRpcError, what: str) -> None:
    if exc.code() in TRANSIENT_CODES:
        raise Transient(f"{what}: {exc.code().name} {exc.details() or ''}".strip()) from exc
    if exc.code() is grpc.StatusCode.NOT_FOUND:
        raise NotFound(f"{what}: {exc.details() or 'not found'}") from exc
    raise ActionFailed(f"{what}: {exc.code().name} {exc.details() or ''}".strip()) from exc


def tenant_webhook_secret(secret: str, tenant_id: str) -> bytes:
    """Each tenant's webhook signing key, derived from the service secret (nothing to store;
    rotating the service secret rotates every tenant's)."""
    return hmac.new(secret.encode(), f"webhook|{tenant_id}".encode(), hashlib.sha256).digest()


def webhook_signature(key: bytes, body: bytes, timestamp: int) -> str:
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class ServiceEffects:
    """The real effects: gRPC stubs on kit channels (the tenant and deadline travel with each
    call) and an HTTP client for webhooks."""

    def __init__(
        self,
        customer_channel: grpc.aio.Channel,
        conversation_channel: grpc.aio.Channel,
        http: httpx.AsyncClient,
        *,
        webhook_secret: str,
    ) -> None:
        self._customers = customer_pb2_grpc.CustomerServiceStub(customer_channel)
        self._conversations = conversation_pb2_grpc.ConversationServiceStub(conversation_channel)
        self._http = http
        self._webhook_secret = webhook_secret

    async def customer(self, customer_id: str) -> CustomerProfile:
        return proto.customer_profile(await self._customer(customer_id))

    async def _customer(self, customer_id: str) -> customer_pb2.Customer:
        try:
            return await self._customers.GetCustomer(
                customer_pb2.GetCustomerRequest(id=customer_id)
            )
        except grpc.aio.AioRpcError as exc:
            _raise(exc, "customer service")
            raise

    async def send_message(
        self, *, customer_id: str, action: dict, author_id: str, key: str, dry_run: bool = False
    ) -> Sent:
        channel = action["channel"]
        if channel == "preferred":
            profile = await self._customer(customer_id)
            channel = (
                profile.preferred_channel if profile.preferred_channel in CHANNELS else "email"
            )
        request = conversation_pb2.SendMessageRequest(
            customer_id=customer_id,
            channel=CHANNELS[channel],
            text=action.get("text", ""),
            template=action.get("template", ""),
            subject=action.get("subject", ""),
            author=conversation_pb2.AUTHOR_AUTOMATION,
            author_id=author_id,
            marketing=bool(action.get("marketing", False)),
            idempotency_key=key,
            staff_email=action.get("staff_email", ""),
            dry_run=dry_run,
        )
        try:
            sent = await self._conversations.SendMessage(request)
        except grpc.aio.AioRpcError as exc:
            if exc.code() is grpc.StatusCode.FAILED_PRECONDITION:
                return Sent(False, exc.details() or "not deliverable")
            _raise(exc, "conversation service")
            raise
        what = "e-mail" if channel == "email" else channel
        return Sent(True, f"{what} to {sent.recipient}: {sent.text[:120]}")

    async def modify_tags(self, customer_id: str, *, add: list[str], remove: list[str]) -> None:
        try:
            await self._customers.ModifyTags(
                customer_pb2.ModifyTagsRequest(id=customer_id, add=add, remove=remove)
            )
        except grpc.aio.AioRpcError as exc:
            _raise(exc, "customer service")

    async def update_customer(self, customer_id: str, field: str, value: str) -> None:
        request = customer_pb2.UpdateCustomerRequest(id=customer_id, update_mask=[field])
        setattr(request, field, value)
        try:
            await self._customers.UpdateCustomer(request)
        except grpc.aio.AioRpcError as exc:
            _raise(exc, "customer service")

    async def webhook(self, *, url: str, body: bytes, key: str, tenant_id: str) -> int:
        secret = tenant_webhook_secret(self._webhook_secret, tenant_id)
        headers = {
            "content-type": "application/json",
            "Idempotency-Key": key,
            SIGNATURE_HEADER: webhook_signature(secret, body, int(time.time())),
        }
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise Transient(f"webhook unreachable: {exc!r}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise Transient(f"webhook answered {response.status_code}")
        if response.status_code >= 400:
            raise ActionFailed(f"webhook answered {response.status_code}")
        return response.status_code

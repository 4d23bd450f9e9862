"""Sending messages: SendMessage stores the message (queued) and its event in one transaction;
the dispatcher hands queued messages to the channel adapters; provider callbacks move them to
delivered or failed."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument, NotFound, PermissionDenied
from moodline_kit.events import Event
from moodline_kit.templating import render
from moodline_kit.tenancy import current_tenant

from conversation.adapters import proto
from conversation.adapters.channels import (
    ChannelAdapter,
    ChannelUnavailable,
    DeliveryRefused,
    signature_ok,
)
from conversation.adapters.customers import CustomerProfiles
from conversation.domain.model import Direction, Message
from conversation.domain.outbound import (
    DEFAULT_SUBJECT,
    DeliveryStatus,
    OutboundMessage,
    SendRequest,
    recipient_of,
    refusal,
    require_valid_send,
)
from conversation.service_layer.unit_of_work import ConversationUnitOfWork

log = logging.getLogger(__name__)

UowFactory = Callable[[], ConversationUnitOfWork]
# A transient failure is retried this many times, backing off, before the message fails.
MAX_ATTEMPTS = 5


def _changed(message: OutboundMessage, previous: DeliveryStatus | None, now: datetime) -> Event:
    return Event(
        subject=subjects.CONVERSATION_OUTBOUND_CHANGED,
        tenant_id=message.tenant_id,
        aggregate_id=str(message.id),
        payload=proto.outbound_changed(message, previous),
        occurred_at=now,
    )


async def send_message(
    *, request: SendRequest, uow: UowFactory, customers: CustomerProfiles
) -> OutboundMessage:
    require_valid_send(request)
    tenant = current_tenant()
    async with uow() as u:
        found = await u.outbound.find_by_key(tenant, request.idempotency_key)
    if found is not None and not request.dry_run:
        found.duplicate = True
        return found
    customer = await customers.get_profile(request.customer_id)
    values = customer.values
    text = render(request.template, values) if request.template.strip() else request.text
    subject = render(request.subject or DEFAULT_SUBJECT, values, field="subject")
    assert request.channel is not None and request.author is not None
    if request.staff_email:
        recipient = request.staff_email.strip()
    else:
        refused = refusal(customer.contact, request.channel, marketing=request.marketing)
        if refused is not None:
            raise refused
        recipient = recipient_of(customer.contact, request.channel)
    now = datetime.now(UTC)
    outbound = OutboundMessage(
        id=uuid.uuid4(),
        tenant_id=tenant,
        customer_id=uuid.UUID(request.customer_id),
        channel=request.channel,
        recipient=recipient,
        to_staff=bool(request.staff_email),
        subject=subject,
        text=text,
        status=DeliveryStatus.QUEUED,
        error="",
        message_id=None,
        conversation_id=None,
        provider_message_id="",
        author=request.author,
        author_id=request.author_id,
        idempotency_key=request.idempotency_key,
        created_at=now,
        updated_at=now,
    )
    if request.dry_run:
        return outbound
    async with uow() as u:
        if not outbound.to_staff:
            conversation, opened = await u.conversations.upsert_open(
                tenant_id=tenant,
                customer_id=outbound.customer_id,
                channel=outbound.channel,
                started_at=now,
                now=now,
            )
            message = Message(
                id=uuid.uuid4(),
                tenant_id=tenant,
                conversation_id=conversation.id,
                customer_id=outbound.customer_id,
                channel=outbound.channel,
                direction=Direction.OUTBOUND,
                author=outbound.author,
                author_id=outbound.author_id,
                text=text,
                sent_at=now,
                provider_message_id=f"moodline:{outbound.id}",
                created_at=now,
                delivery_status=DeliveryStatus.QUEUED.value,
            )
            await u.messages.insert_new([message])
            conversation = await u.conversations.record_messages(
                conversation=conversation, count=1, first_sent=now, last_sent=now, now=now
            )
            outbound.message_id, outbound.conversation_id = message.id, conversation.id
            if opened:
                u.emit(
                    Event(
                        subject=subjects.CONVERSATION_CONVERSATION_OPENED,
                        tenant_id=tenant,
                        aggregate_id=str(conversation.id),
                        payload=proto.conversation_opened(conversation),
                        occurred_at=now,
                    )
                )
            u.emit(
                Event(
                    subject=subjects.CONVERSATION_MESSAGE_RECEIVED,
                    tenant_id=tenant,
                    aggregate_id=str(conversation.id),
                    payload=proto.message_received(message),
                    occurred_at=now,
                )
            )
        if not await u.outbound.insert(outbound):
            # a concurrent call with the same key won: answer with its message
            await u.rollback()
            found = await u.outbound.find_by_key(tenant, request.idempotency_key)
            assert found is not None
            found.duplicate = True
            return found
        u.emit(_changed(outbound, None, now))
        await u.commit()
    return outbound


async def get_outbound(*, ident: str, uow: UowFactory) -> OutboundMessage:
    try:
        key = uuid.UUID(ident)
    except ValueError as exc:
        raise InvalidArgument.of("id", "is not a message id") from exc
    async with uow() as u:
        found = await u.outbound.get(current_tenant(), key)
    return NotFound.unless(found, f"outbound message {ident} not found")


async def record_delivery_status(
    *, body: bytes, signature: str, secret: str, uow: UowFactory
) -> OutboundMessage:
    """A provider's status callback: verified, then applied once (a repeat or a stale status
    changes nothing)."""
    if not signature_ok(secret, body, signature):
        raise PermissionDenied("bad callback signature")
    tenant = current_tenant()
    try:
        data = json.loads(body)
        tenant_text, _, ident = str(data["reference"]).partition("/")
        key = uuid.UUID(ident)
        if uuid.UUID(tenant_text) != tenant:
            raise ValueError("the reference names another tenant")
        status = DeliveryStatus(data["status"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument.of("body", f"not a status callback: {exc}") from exc
    if status not in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        raise InvalidArgument.of("body.status", "must be delivered or failed")
    error = str(data.get("error") or "") if status is DeliveryStatus.FAILED else ""
    async with uow() as u:
        found = await u.outbound.get(tenant, key)
        if found is None:
            raise NotFound(f"outbound message {ident} not found")
        now = datetime.now(UTC)
        moved = await u.outbound.move(
            found,
            status,
            allowed_from=[DeliveryStatus.SENDING, DeliveryStatus.SENT],
            now=now,
            error=error,
        )
        if moved is None:
            return found
        u.emit(_changed(moved, found.status, now))
        await u.commit()
        return moved


class Dispatcher:
    """Hands queued messages to the channel adapters. A message is marked `sending` (committed)
    before the hand-over, so a crash mid-send never sends it twice: a claim older than the
    lease is failed as "outcome unknown" instead of re-sent."""

    def __init__(
        self,
        uow: UowFactory,
        adapters: Mapping[str, ChannelAdapter],
        *,
        batch: int = 20,
        idle_interval: float = 2.0,
        retry_base: float = 5.0,
    ) -> None:
        self._uow = uow
        self._adapters = adapters
        self._batch = batch
        self._idle = idle_interval
        self._retry_base = retry_base
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            sent = await self.dispatch_once()
            if sent < self._batch:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle)
                except TimeoutError:
                    pass

    async def dispatch_once(self) -> int:
        now = datetime.now(UTC)
        async with self._uow() as u:
            for lost in await u.outbound.expired_claims(now=now):
                failed = await u.outbound.move(
                    lost,
                    DeliveryStatus.FAILED,
                    allowed_from=[DeliveryStatus.SENDING],
                    now=now,
                    error="delivery outcome unknown (the sender stopped mid-send); not re-sent",
                )
                if failed is not None:
                    u.emit(_changed(failed, lost.status, now))
            claimed = await u.outbound.claim(limit=self._batch, now=now)
            await u.commit()
        await asyncio.gather(*(self._deliver(m) for m in claimed))
        return len(claimed)

    async def _deliver(self, message: OutboundMessage) -> None:
        adapter = self._adapters.get(message.channel.value)
        provider_id, error, status = "", "", DeliveryStatus.SENT
        retry = False
        if adapter is None:
            status, error = DeliveryStatus.FAILED, f"no adapter for {message.channel.value}"
        else:
            try:
                provider_id = await adapter.send(message)
            except DeliveryRefused as exc:
                status, error = DeliveryStatus.FAILED, str(exc)
            except ChannelUnavailable as exc:
                error = str(exc)
                retry = message.attempts < MAX_ATTEMPTS
                status = DeliveryStatus.FAILED
            except Exception as exc:  # an adapter bug must not stall the queue
                log.exception("channel adapter failed", extra={"message_id": str(message.id)})
                status, error = DeliveryStatus.FAILED, f"adapter error: {exc!r}"
        now = datetime.now(UTC)
        async with self._uow() as u:
            if retry:
                delay = self._retry_base * 2 ** (message.attempts - 1)
                await u.outbound.requeue(
                    message, retry_at=now + timedelta(seconds=delay), error=error
                )
                await u.commit()
                return
            moved = await u.outbound.move(
                message,
                status,
                allowed_from=[DeliveryStatus.SENDING],
                now=now,
                error=error,
                provider_message_id=provider_id,
            )
            if moved is not None:
                u.emit(_changed(moved, DeliveryStatus.SENDING, now))
                await u.commit()

"""Signed webhook ingestion: verify, then apply each provider event id once."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from moodline_kit.errors import InvalidArgument, Unauthenticated

from billing.adapters.repository import Endpoint
from billing.domain import webhooks
from billing.domain.payments import Payment, PaymentStatus
from billing.service_layer import payments
from billing.service_layer.providers import EventKind, provider
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.service_layer.value import UowFactory


async def create_endpoint(*, tenant_id: uuid.UUID, provider_name: str, uow: UowFactory) -> Endpoint:
    provider(provider_name)
    async with uow() as work:
        endpoint = await work.webhooks.upsert_endpoint(
            Endpoint(uuid.uuid4(), tenant_id, provider_name, "whsec_" + secrets.token_hex(24)),
            datetime.now(UTC),
        )
        await work.commit()
    return endpoint


@dataclass(frozen=True)
class Delivery:
    provider: str
    endpoint_id: str
    timestamp: int
    signature: str
    body: bytes


@dataclass(frozen=True)
class Ingested:
    event_id: str
    applied: bool
    payment: Payment | None


async def ingest(*, delivery: Delivery, uow: UowFactory, tolerance: int) -> Ingested:
    """Unauthenticated (nothing stored) for an unknown endpoint, a bad signature or a timestamp
    outside the tolerance. The event id is recorded in the transaction that applies the event:
    a replay (or a provider's retry after success) is not applied again."""
    now = datetime.now(UTC)
    try:
        endpoint_id = uuid.UUID(delivery.endpoint_id)
    except ValueError as exc:
        raise Unauthenticated("unknown webhook endpoint") from exc
    async with uow() as work:
        endpoint = await work.webhooks.endpoint(endpoint_id)
    if endpoint is None or endpoint.provider != delivery.provider:
        raise Unauthenticated("unknown webhook endpoint")
    webhooks.verify(
        endpoint.secret,
        timestamp=delivery.timestamp,
        signature=delivery.signature,
        body=delivery.body,
        now=now,
        tolerance=tolerance,
    )
    event = provider(delivery.provider).parse_event(delivery.body)
    digest = hashlib.sha256(delivery.body).hexdigest()
    tenant_id = endpoint.tenant_id

    async with uow() as work:
        if await work.webhooks.seen(endpoint_id, event.event_id):
            return Ingested(event.event_id, False, None)

    async def record(work: BillingUnitOfWork) -> None:
        if not await work.webhooks.record_event(endpoint_id, event.event_id, digest, now):
            raise _Replayed()  # a concurrent delivery of the same event committed first

    def recording_uow() -> BillingUnitOfWork:
        """The use case's unit of work, recording the event id in the transaction it commits."""
        work = uow()
        work.before_commit(record)
        return work

    try:
        if event.kind is EventKind.REFUNDED:
            async with uow() as work:
                target = await work.payments.by_provider_id(
                    tenant_id, delivery.provider, event.provider_payment_id
                )
            if target is None:
                raise InvalidArgument.of("data.payment_id", "no such payment to refund")
            payment, applied = await payments.refund_payment(
                command=payments.RefundPayment(
                    tenant_id=tenant_id,
                    payment_id=target.id,
                    amount_minor=event.amount_minor,
                    idempotency_key=f"webhook:{event.event_id}",
                ),
                uow=recording_uow,
            )
        else:
            assert event.customer_id is not None
            payment, applied = await payments.record_payment(
                command=payments.RecordPayment(
                    tenant_id=tenant_id,
                    customer_id=event.customer_id,
                    amount_minor=event.amount_minor,
                    currency=event.currency,
                    method=event.method,
                    provider=delivery.provider,
                    provider_payment_id=event.provider_payment_id,
                    status=(
                        PaymentStatus.FAILED
                        if event.kind is EventKind.FAILED
                        else PaymentStatus.SUCCEEDED
                    ),
                    booking_id=event.booking_id,
                    invoice_id=event.invoice_id,
                    failure_code=event.failure_code,
                    failure_message=event.failure_message,
                ),
                uow=recording_uow,
            )
    except _Replayed:
        return Ingested(event.event_id, False, None)
    return Ingested(event.event_id, applied, payment)


class _Replayed(Exception):
    """The event id was recorded by an earlier (or concurrent) delivery."""

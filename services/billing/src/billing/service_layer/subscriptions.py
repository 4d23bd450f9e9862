"""Subscriptions: start, cancel, and the renewal job (one invoice per period, exactly once)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from moodline.events.v1 import subjects
from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound
from moodline_kit.events import Event
from moodline_kit.paging import Page

from billing.adapters import events
from billing.domain.invoices import DEFAULT_TERMS, Invoice, LineItem
from billing.domain.listing import page_limit
from billing.domain.money import check_amount
from billing.domain.payments import PaymentStatus
from billing.domain.subscriptions import MAX_PLAN, Interval, Subscription, SubscriptionStatus
from billing.service_layer import payments
from billing.service_layer.invoices import issue
from billing.service_layer.providers import (
    PROVIDERS,
    Charge,
    ChargeOutcome,
    PaymentProvider,
)
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.service_layer.value import UowFactory, publish_values

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CreateSubscription:
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    plan_name: str
    price_minor: int
    currency: str
    interval: Interval
    start_at: datetime | None = None
    provider: str = "manual"


def _event(subject: str, s: Subscription, payload: Message) -> Event:
    return Event(subject, s.tenant_id, str(s.id), payload)


async def create_subscription(*, command: CreateSubscription, uow: UowFactory) -> Subscription:
    c = command
    now = datetime.now(UTC)
    v: list[FieldViolation] = []
    if not c.plan_name.strip() or len(c.plan_name) > MAX_PLAN:
        v.append(FieldViolation("plan_name", f"required, at most {MAX_PLAN} characters"))
    if c.provider not in PROVIDERS:
        v.append(FieldViolation("provider", f"unknown payment provider ({', '.join(PROVIDERS)})"))
    async with uow() as work:
        v += check_amount(
            "price_minor",
            c.price_minor,
            c.currency,
            tenant_currency=await work.settings.currency(c.tenant_id),
            positive=True,
        )
        if v:
            raise InvalidArgument.of_all(v)
        start = c.start_at or now
        sub = Subscription(
            id=uuid.uuid4(),
            tenant_id=c.tenant_id,
            customer_id=c.customer_id,
            plan_name=c.plan_name.strip(),
            price_minor=c.price_minor,
            currency=c.currency,
            interval=c.interval,
            started_at=start,
            current_period_start=start,
            current_period_end=start,
            provider=c.provider,
        )
        sub.current_period_end = sub.period_after(start)
        await work.subscriptions.add(sub, now)
        work.emit(
            _event(subjects.BILLING_SUBSCRIPTION_STARTED, sub, events.subscription_started(sub))
        )
        await work.commit()
    return sub


async def cancel_subscription(
    *,
    tenant_id: uuid.UUID,
    subscription_id: uuid.UUID,
    at_period_end: bool,
    reason: str,
    uow: UowFactory,
) -> Subscription:
    now = datetime.now(UTC)
    async with uow() as work:
        sub = await work.subscriptions.get(tenant_id, subscription_id, for_update=True)
        if sub is None:
            raise NotFound(f"subscription {subscription_id} not found")
        sub.cancel(at_period_end=at_period_end, now=now)
        await work.subscriptions.update(sub)
        if sub.status is SubscriptionStatus.CANCELLED:
            work.emit(
                _event(
                    subjects.BILLING_SUBSCRIPTION_CANCELLED,
                    sub,
                    events.subscription_cancelled(sub, reason[:2000]),
                )
            )
        await work.commit()
    return sub


async def renew_subscriptions(
    *, uow: UowFactory, now: datetime | None = None, batch_size: int = 200
) -> int:
    """Every subscription whose period ended starts its next period with an issued invoice.
    Exactly once per period: rows are locked (SKIP LOCKED) and moved forward in the
    transaction that writes the invoice, and (subscription_id, period_start) is unique on
    invoices, so a second or parallel run writes nothing. A subscription many periods behind
    catches up one period per pass. Each new invoice is then charged through the
    subscription's payment provider (`charge_renewals`). Returns how many periods were
    renewed."""
    now = now or datetime.now(UTC)
    renewed = 0
    while True:
        async with uow() as work:
            due = await work.subscriptions.due(now, batch_size)
            for sub in due:
                was_active = sub.status
                start = sub.renew(now)
                await work.subscriptions.update(sub)
                if start is None:
                    if was_active is not SubscriptionStatus.CANCELLED:
                        work.emit(
                            _event(
                                subjects.BILLING_SUBSCRIPTION_CANCELLED,
                                sub,
                                events.subscription_cancelled(sub, "ended at period end"),
                            )
                        )
                    continue
                invoice = Invoice(
                    id=uuid.uuid4(),
                    tenant_id=sub.tenant_id,
                    customer_id=sub.customer_id,
                    items=[LineItem(sub.plan_name, 1, sub.price_minor)],
                    tax_minor=0,
                    currency=sub.currency,
                    due_at=start + DEFAULT_TERMS,
                    subscription_id=sub.id,
                    period_start=start,
                    created_at=now,
                    updated_at=now,
                )
                await issue(work, invoice, now)
                if not await work.invoices.add(invoice):
                    # cannot happen while the row lock holds; rolling back keeps numbers gap-free
                    raise RuntimeError(f"subscription {sub.id} period {start} already billed")
                sub.charge_renewal(invoice.id, now)
                await work.subscriptions.update(sub)
                work.emit(
                    _event(
                        subjects.BILLING_SUBSCRIPTION_RENEWED,
                        sub,
                        events.subscription_renewed(sub, invoice),
                    )
                )
                await publish_values(work, sub.tenant_id, {sub.customer_id})
                renewed += 1
            await work.commit()
        if len(due) < batch_size:
            return renewed


@dataclass(frozen=True)
class Charged:
    succeeded: int = 0
    failed: int = 0
    not_collected: int = 0
    provider_down: int = 0


async def charge_renewals(
    *,
    uow: UowFactory,
    providers: Mapping[str, PaymentProvider] = PROVIDERS,
    now: datetime | None = None,
    batch_size: int = 50,
) -> Charged:
    """Charge each renewal invoice whose charge is due through its subscription's provider
    and record the outcome as a payment: succeeded -> invoice paid, ACTIVE; failed -> a failed
    payment (billing.payment.failed: the customer is At Risk), PAST_DUE, tried again after the
    dunning delays. The subscription row stays locked (SKIP LOCKED) from the charge to the
    commit, and an attempt's idempotency key is `<invoice id>/<attempt>`: a run that dies after
    the charge retries with the same key and the provider takes the money once; the payment is
    idempotent on the provider's payment id."""
    now = now or datetime.now(UTC)
    counts = {"succeeded": 0, "failed": 0, "not_collected": 0, "provider_down": 0}
    while True:
        async with uow() as work:
            due = await work.subscriptions.charge_due(now, batch_size)
            for sub in due:
                counts[await _charge(work, sub, providers, now)] += 1
                await work.subscriptions.update(sub)
            await work.commit()
        if len(due) < batch_size:
            return Charged(**counts)


async def _charge(
    work: BillingUnitOfWork,
    sub: Subscription,
    providers: Mapping[str, PaymentProvider],
    now: datetime,
) -> str:
    invoice = (
        await work.invoices.get(sub.tenant_id, sub.charge_invoice_id)
        if sub.charge_invoice_id
        else None
    )
    if invoice is None or invoice.amount_due_minor == 0:  # paid by hand meanwhile, or voided
        if invoice is None or not sub.renewal_paid(invoice.id):
            sub.charge_not_collected()
        return "not_collected"
    provider = providers.get(sub.provider)
    if provider is None:
        log.warning("no payment provider %r; renewal left to collect", sub.provider)
        sub.charge_not_collected()
        return "not_collected"
    charge = Charge(
        tenant_id=sub.tenant_id,
        customer_id=sub.customer_id,
        amount_minor=invoice.amount_due_minor,
        currency=invoice.currency,
        idempotency_key=f"{invoice.id}/{sub.failed_charges}",
        description=f"{sub.plan_name} {invoice.number}",
    )
    try:
        result = await provider.charge(charge)
    except Exception:
        log.exception("payment provider %r unreachable; charge tried again later", sub.provider)
        sub.provider_unreachable(now)
        return "provider_down"
    if result.outcome is ChargeOutcome.NOT_COLLECTED:
        sub.charge_not_collected()
        return "not_collected"
    failed = result.outcome is ChargeOutcome.FAILED
    await payments.record(
        work,
        payments.RecordPayment(
            tenant_id=sub.tenant_id,
            customer_id=sub.customer_id,
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            method=result.method,
            provider=provider.name,
            provider_payment_id=result.provider_payment_id or charge.idempotency_key,
            status=PaymentStatus.FAILED if failed else PaymentStatus.SUCCEEDED,
            invoice_id=invoice.id,
            subscription_id=sub.id,
            failure_code=result.failure_code,
            failure_message=result.failure_message,
        ),
        now,
    )
    if failed:
        sub.charge_failed(now)
        return "failed"
    sub.charge_succeeded()
    return "succeeded"


async def get_subscription(
    *, tenant_id: uuid.UUID, subscription_id: uuid.UUID, uow: UowFactory
) -> Subscription:
    async with uow() as work:
        sub = await work.subscriptions.get(tenant_id, subscription_id)
    return NotFound.unless(sub, f"subscription {subscription_id} not found")


async def list_subscriptions(
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    statuses: tuple[SubscriptionStatus, ...],
    limit: int,
    cursor: str,
    uow: UowFactory,
) -> Page:
    limit = page_limit(limit)
    async with uow() as work:
        return await work.subscriptions.list(
            tenant_id, customer_id=customer_id, statuses=statuses, limit=limit, cursor=cursor
        )

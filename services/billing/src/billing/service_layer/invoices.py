"""Invoices and quotes: create/issue (gap-free numbers), void, convert a quote, and the
overdue job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument, NotFound
from moodline_kit.events import Event
from moodline_kit.paging import Page

from billing.adapters import events
from billing.domain.invoices import (
    DEFAULT_TERMS,
    INVOICE_PREFIX,
    QUOTE_PREFIX,
    Invoice,
    InvoiceStatus,
    LineItem,
    Quote,
    QuoteStatus,
    check_items,
    format_number,
)
from billing.domain.listing import page_limit
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.service_layer.value import UowFactory, publish_values


def invoice_event(subject: str, invoice: Invoice, payload: Message) -> Event:
    return Event(subject, invoice.tenant_id, str(invoice.id), payload)


async def issue(work: BillingUnitOfWork, invoice: Invoice, now: datetime) -> None:
    """Number a draft and emit billing.invoice.issued (the caller writes the invoice)."""
    n = await work.settings.next_number(invoice.tenant_id, "invoice")
    invoice.issue(format_number(INVOICE_PREFIX, n), now)
    work.emit(
        invoice_event(subjects.BILLING_INVOICE_ISSUED, invoice, events.invoice_issued(invoice))
    )


@dataclass(frozen=True)
class CreateInvoice:
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    items: tuple[LineItem, ...]
    currency: str
    tax_minor: int = 0
    due_at: datetime | None = None
    booking_id: uuid.UUID | None = None
    draft: bool = False


async def create_invoice(*, command: CreateInvoice, uow: UowFactory) -> Invoice:
    c = command
    now = datetime.now(UTC)
    async with uow() as work:
        tenant_currency = await work.settings.currency(c.tenant_id)
        v = check_items(list(c.items), c.tax_minor, c.currency, tenant_currency=tenant_currency)
        if v:
            raise InvalidArgument.of_all(v)
        if c.booking_id is not None and await work.bookings.get(c.tenant_id, c.booking_id) is None:
            raise InvalidArgument.of("booking_id", "no such booking")
        invoice = Invoice(
            id=uuid.uuid4(),
            tenant_id=c.tenant_id,
            customer_id=c.customer_id,
            items=list(c.items),
            tax_minor=c.tax_minor,
            currency=c.currency,
            due_at=c.due_at or now + DEFAULT_TERMS,
            booking_id=c.booking_id,
            created_at=now,
            updated_at=now,
        )
        if not c.draft:
            await issue(work, invoice, now)
        await work.invoices.add(invoice)
        await publish_values(work, c.tenant_id, {c.customer_id})
        await work.commit()
    return invoice


async def _locked(work: BillingUnitOfWork, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice:
    invoice = await work.invoices.get(tenant_id, invoice_id, for_update=True)
    return NotFound.unless(invoice, f"invoice {invoice_id} not found")


async def issue_invoice(*, tenant_id: uuid.UUID, invoice_id: uuid.UUID, uow: UowFactory) -> Invoice:
    now = datetime.now(UTC)
    async with uow() as work:
        invoice = await _locked(work, tenant_id, invoice_id)
        await issue(work, invoice, now)
        await work.invoices.update(invoice)
        await publish_values(work, tenant_id, {invoice.customer_id})
        await work.commit()
    return invoice


async def void_invoice(
    *, tenant_id: uuid.UUID, invoice_id: uuid.UUID, reason: str, uow: UowFactory
) -> Invoice:
    now = datetime.now(UTC)
    async with uow() as work:
        invoice = await _locked(work, tenant_id, invoice_id)
        invoice.void(reason[:2000], now)
        await work.invoices.update(invoice)
        work.emit(
            invoice_event(subjects.BILLING_INVOICE_VOIDED, invoice, events.invoice_voided(invoice))
        )
        await publish_values(work, tenant_id, {invoice.customer_id})
        await work.commit()
    return invoice


async def get_invoice(*, tenant_id: uuid.UUID, invoice_id: uuid.UUID, uow: UowFactory) -> Invoice:
    async with uow() as work:
        invoice = await work.invoices.get(tenant_id, invoice_id)
    return NotFound.unless(invoice, f"invoice {invoice_id} not found")


async def list_invoices(
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    statuses: tuple[InvoiceStatus, ...],
    limit: int,
    cursor: str,
    uow: UowFactory,
) -> Page:
    limit = page_limit(limit)
    async with uow() as work:
        return await work.invoices.list(
            tenant_id, customer_id=customer_id, statuses=statuses, limit=limit, cursor=cursor
        )


async def mark_overdue(
    *, uow: UowFactory, now: datetime | None = None, batch_size: int = 200
) -> int:
    """Open invoices past due -> OVERDUE, each once (the status change is the guard: a second
    run, or a parallel one, finds nothing left to change). Emits billing.invoice.overdue and the
    customer's new figures. Returns how many changed."""
    now = now or datetime.now(UTC)
    changed = 0
    while True:
        async with uow() as work:
            due = await work.invoices.due_for_overdue(now, batch_size)
            for invoice in due:
                invoice.mark_overdue(now)
                await work.invoices.update(invoice)
                work.emit(
                    invoice_event(
                        subjects.BILLING_INVOICE_OVERDUE, invoice, events.invoice_overdue(invoice)
                    )
                )
            by_tenant: dict[uuid.UUID, set[uuid.UUID]] = {}
            for invoice in due:
                by_tenant.setdefault(invoice.tenant_id, set()).add(invoice.customer_id)
            for tenant_id, customers in by_tenant.items():
                await publish_values(work, tenant_id, customers)
            await work.commit()
        changed += len(due)
        if len(due) < batch_size:
            return changed


# --------------------------------------------------------------------------- quotes
@dataclass(frozen=True)
class CreateQuote:
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    items: tuple[LineItem, ...]
    currency: str
    tax_minor: int = 0
    valid_until: datetime | None = None


async def create_quote(*, command: CreateQuote, uow: UowFactory) -> Quote:
    c = command
    now = datetime.now(UTC)
    async with uow() as work:
        tenant_currency = await work.settings.currency(c.tenant_id)
        v = check_items(list(c.items), c.tax_minor, c.currency, tenant_currency=tenant_currency)
        if v:
            raise InvalidArgument.of_all(v)
        n = await work.settings.next_number(c.tenant_id, "quote")
        quote = Quote(
            id=uuid.uuid4(),
            tenant_id=c.tenant_id,
            number=format_number(QUOTE_PREFIX, n),
            customer_id=c.customer_id,
            items=list(c.items),
            tax_minor=c.tax_minor,
            currency=c.currency,
            valid_until=c.valid_until,
            created_at=now,
        )
        await work.quotes.add(quote)
        await work.commit()
    return quote


async def _quote(work: BillingUnitOfWork, tenant_id: uuid.UUID, quote_id: uuid.UUID) -> Quote:
    quote = await work.quotes.get(tenant_id, quote_id, for_update=True)
    return NotFound.unless(quote, f"quote {quote_id} not found")


async def convert_quote(
    *, tenant_id: uuid.UUID, quote_id: uuid.UUID, due_at: datetime | None, uow: UowFactory
) -> Quote:
    """OPEN -> CONVERTED with an issued invoice of the quote's items; a repeat on a converted
    quote returns it (same invoice)."""
    now = datetime.now(UTC)
    async with uow() as work:
        quote = await _quote(work, tenant_id, quote_id)
        if quote.status is QuoteStatus.CONVERTED:
            return quote
        invoice = Invoice(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            customer_id=quote.customer_id,
            items=list(quote.items),
            tax_minor=quote.tax_minor,
            currency=quote.currency,
            due_at=due_at or now + DEFAULT_TERMS,
            quote_id=quote.id,
            created_at=now,
            updated_at=now,
        )
        quote.convert(invoice.id)
        await issue(work, invoice, now)
        await work.invoices.add(invoice)
        await work.quotes.update(quote)
        await publish_values(work, tenant_id, {quote.customer_id})
        await work.commit()
    return quote


async def decline_quote(*, tenant_id: uuid.UUID, quote_id: uuid.UUID, uow: UowFactory) -> Quote:
    async with uow() as work:
        quote = await _quote(work, tenant_id, quote_id)
        quote.decline()
        await work.quotes.update(quote)
        await work.commit()
    return quote


async def get_quote(*, tenant_id: uuid.UUID, quote_id: uuid.UUID, uow: UowFactory) -> Quote:
    async with uow() as work:
        quote = await work.quotes.get(tenant_id, quote_id)
    return NotFound.unless(quote, f"quote {quote_id} not found")


async def list_quotes(
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    statuses: tuple[QuoteStatus, ...],
    limit: int,
    cursor: str,
    uow: UowFactory,
) -> Page:
    limit = page_limit(limit)
    async with uow() as work:
        return await work.quotes.list(
            tenant_id, customer_id=customer_id, statuses=statuses, limit=limit, cursor=cursor
        )

"""All billing queries live here. Every query is scoped by tenant_id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from moodline_kit.errors import Conflict
from moodline_kit.paging import Page, decode_time_key
from moodline_kit.queries import newest_first, one_of_tenant, page_of
from moodline_kit.rows import from_row, values_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import (
    booking_party,
    bookings,
    catalog_services,
    invoices,
    payments,
    quotes,
    refunds,
    staff_members,
    subscriptions,
    tenant_settings,
    webhook_endpoints,
    webhook_events,
)
from billing.domain.bookings import Booking, BookingStatus, PartyMember
from billing.domain.catalog import CatalogService, StaffMember
from billing.domain.invoices import Invoice, InvoiceStatus, LineItem, Quote, QuoteStatus
from billing.domain.payments import Payment, PaymentMethod, PaymentStatus
from billing.domain.subscriptions import Interval, Subscription, SubscriptionStatus

EXCLUSION_VIOLATION = "23P01"
DEFAULT_CURRENCY = "USD"


def _sqlstate(exc: IntegrityError) -> str:
    return getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "") or ""


# --------------------------------------------------------------------------- settings
class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def currency(self, tenant_id: uuid.UUID) -> str:
        row = await self.session.scalar(
            sa.select(tenant_settings.c.currency).where(tenant_settings.c.tenant_id == tenant_id)
        )
        return row or DEFAULT_CURRENCY

    async def set_currency(self, tenant_id: uuid.UUID, currency: str) -> None:
        stmt = insert(tenant_settings).values(tenant_id=tenant_id, currency=currency)
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["tenant_id"], set_={"currency": currency})
        )

    async def has_money(self, tenant_id: uuid.UUID) -> bool:
        """Whether any amount was recorded for the tenant (its currency is then fixed)."""
        exists = sa.union_all(
            *(
                sa.select(sa.literal(1)).where(t.c.tenant_id == tenant_id).limit(1)
                for t in (bookings, payments, invoices, catalog_services, subscriptions, quotes)
            )
        )
        return (await self.session.execute(exists)).first() is not None

    async def next_number(self, tenant_id: uuid.UUID, kind: str) -> int:
        """The next invoice/quote number. The counter row stays locked until the transaction
        ends, and a rollback undoes the increment: numbers have no gaps."""
        column = {"invoice": "invoice_seq", "quote": "quote_seq"}[kind]
        stmt = insert(tenant_settings).values(tenant_id=tenant_id, **{column: 1})
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id"],
            set_={column: getattr(tenant_settings.c, column) + 1},
        ).returning(getattr(tenant_settings.c, column))
        return int((await self.session.execute(stmt)).scalar_one())


# --------------------------------------------------------------------------- catalogue
class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_service(self, s: CatalogService) -> None:
        await self.session.execute(sa.insert(catalog_services).values(**values_of(s)))

    async def get_service(
        self, tenant_id: uuid.UUID, service_id: uuid.UUID
    ) -> CatalogService | None:
        c = catalog_services.c
        row = (
            await self.session.execute(
                sa.select(catalog_services).where(c.tenant_id == tenant_id, c.id == service_id)
            )
        ).first()
        return _service(row) if row else None

    async def list_services(self, tenant_id: uuid.UUID) -> list[CatalogService]:
        c = catalog_services.c
        rows = await self.session.execute(
            sa.select(catalog_services).where(c.tenant_id == tenant_id).order_by(c.name, c.id)
        )
        return [_service(r) for r in rows]

    async def add_staff(self, s: StaffMember) -> None:
        await self.session.execute(sa.insert(staff_members).values(**values_of(s)))

    async def get_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> StaffMember | None:
        return await one_of_tenant(self.session, staff_members, _staff, tenant_id, staff_id)

    async def list_staff(self, tenant_id: uuid.UUID) -> list[StaffMember]:
        c = staff_members.c
        rows = await self.session.execute(
            sa.select(staff_members).where(c.tenant_id == tenant_id).order_by(c.name, c.id)
        )
        return [_staff(r) for r in rows]

    async def count_staff(self, tenant_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                sa.select(sa.func.count()).where(staff_members.c.tenant_id == tenant_id)
            )
            or 0
        )


def _service(r: Any) -> CatalogService:
    return from_row(CatalogService, r)


def _staff(r: Any) -> StaffMember:
    return from_row(StaffMember, r)


# --------------------------------------------------------------------------- bookings
def _party_json(party: list[PartyMember]) -> list[dict]:
    return [
        {
            "customer_id": str(m.customer_id) if m.customer_id else None,
            "name": m.name,
            "share_minor": m.share_minor,
        }
        for m in party
    ]


def _party(raw: list[dict]) -> list[PartyMember]:
    return [
        PartyMember(
            uuid.UUID(m["customer_id"]) if m.get("customer_id") else None,
            m.get("name", ""),
            int(m["share_minor"]),
        )
        for m in raw
    ]


def _booking(r: Any) -> Booking:
    return from_row(Booking, r, status=BookingStatus, party=_party)


_BOOKING_CHANGING = (
    "customer_id", "service_id", "service_name", "staff_id", "starts_at", "ends_at", "status",
    "price_minor", "currency", "location", "notes", "cancellation_reason", "cancelled_at",
    "confirmed_at", "updated_at",
)  # fmt: skip


def _booking_values(b: Booking) -> dict[str, Any]:
    return values_of(b, _BOOKING_CHANGING, party=_party_json(b.party))


SLOT_TAKEN = "the staff member already has a booking overlapping this time"


@dataclass(frozen=True)
class BookingFilter:
    customer_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    statuses: tuple[BookingStatus, ...] = ()
    starts_from: datetime | None = None
    starts_before: datetime | None = None


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _write(self, statement: sa.Executable) -> None:
        """Run an insert/update of a booking; the exclusion constraint's refusal is a 409."""
        try:
            await self.session.execute(statement)
        except IntegrityError as exc:
            if _sqlstate(exc) == EXCLUSION_VIOLATION:
                raise Conflict(SLOT_TAKEN) from exc
            raise

    async def add(self, b: Booking) -> None:
        await self._write(
            sa.insert(bookings).values(
                id=b.id, tenant_id=b.tenant_id, created_at=b.created_at, **_booking_values(b)
            )
        )
        await self._set_party(b)

    async def update(self, b: Booking) -> None:
        await self._write(
            sa.update(bookings)
            .where(bookings.c.tenant_id == b.tenant_id, bookings.c.id == b.id)
            .values(**_booking_values(b))
        )
        await self._set_party(b)

    async def _set_party(self, b: Booking) -> None:
        await self.session.execute(
            sa.delete(booking_party).where(booking_party.c.booking_id == b.id)
        )
        members = [m.customer_id for m in b.party if m.customer_id]
        if members:
            await self.session.execute(
                sa.insert(booking_party),
                [{"booking_id": b.id, "customer_id": c, "tenant_id": b.tenant_id} for c in members],
            )

    async def get(
        self, tenant_id: uuid.UUID, booking_id: uuid.UUID, *, for_update: bool = False
    ) -> Booking | None:
        return await one_of_tenant(
            self.session, bookings, _booking, tenant_id, booking_id, for_update=for_update
        )

    def _involving(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Any:
        c = bookings.c
        as_member = sa.select(booking_party.c.booking_id).where(
            booking_party.c.tenant_id == tenant_id, booking_party.c.customer_id == customer_id
        )
        return sa.or_(c.customer_id == customer_id, c.id.in_(as_member))

    async def list(
        self, tenant_id: uuid.UUID, f: BookingFilter, *, limit: int, cursor: str
    ) -> Page:
        c = bookings.c
        q = sa.select(bookings).where(c.tenant_id == tenant_id)
        if f.customer_id:
            q = q.where(self._involving(tenant_id, f.customer_id))
        if f.staff_id:
            q = q.where(c.staff_id == f.staff_id)
        if f.statuses:
            q = q.where(c.status.in_([s.value for s in f.statuses]))
        if f.starts_from:
            q = q.where(c.starts_at >= f.starts_from)
        if f.starts_before:
            q = q.where(c.starts_at < f.starts_before)
        if cursor:
            key, ident = decode_time_key(cursor)
            q = q.where(sa.tuple_(c.starts_at, c.id) > sa.tuple_(key, ident))
        rows = (await self.session.execute(q.order_by(c.starts_at, c.id).limit(limit + 1))).all()
        return page_of(rows, limit, "starts_at", _booking)

    async def involving(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Booking]:
        """Every booking the customer made or is a party member of."""
        q = sa.select(bookings).where(
            bookings.c.tenant_id == tenant_id, self._involving(tenant_id, customer_id)
        )
        return [_booking(r) for r in await self.session.execute(q)]


# --------------------------------------------------------------------------- invoices
def _items_json(items: list[LineItem]) -> list[dict]:
    return [
        {
            "description": i.description,
            "quantity": i.quantity,
            "unit_price_minor": i.unit_price_minor,
        }
        for i in items
    ]


def _items(raw: list[dict]) -> list[LineItem]:
    return [LineItem(i["description"], int(i["quantity"]), int(i["unit_price_minor"])) for i in raw]


def _invoice(r: Any) -> Invoice:
    return from_row(Invoice, r, items=_items, status=InvoiceStatus, number=lambda n: n or "")


# Written once (insert) / on every change of an invoice.
_INVOICE_FIXED = (
    "id", "tenant_id", "customer_id", "booking_id", "quote_id", "subscription_id",
    "period_start", "currency", "created_at",
)  # fmt: skip
_INVOICE_CHANGING = (
    "subtotal_minor", "tax_minor", "total_minor", "amount_paid_minor", "status", "issued_at",
    "due_at", "paid_at", "voided_at", "void_reason", "updated_at",
)  # fmt: skip


def _invoice_values(i: Invoice) -> dict[str, Any]:
    return values_of(i, _INVOICE_CHANGING, number=i.number or None, items=_items_json(i.items))


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, i: Invoice) -> bool:
        """False when the subscription period already has its invoice (nothing written)."""
        stmt = (
            insert(invoices)
            .values(**values_of(i, _INVOICE_FIXED), **_invoice_values(i))
            .on_conflict_do_nothing(constraint="uq_invoices_subscription_period")
            .returning(invoices.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def update(self, i: Invoice) -> None:
        await self.session.execute(
            sa.update(invoices)
            .where(invoices.c.tenant_id == i.tenant_id, invoices.c.id == i.id)
            .values(**_invoice_values(i))
        )

    async def get(
        self, tenant_id: uuid.UUID, invoice_id: uuid.UUID, *, for_update: bool = False
    ) -> Invoice | None:
        return await one_of_tenant(
            self.session, invoices, _invoice, tenant_id, invoice_id, for_update=for_update
        )

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None,
        statuses: tuple[InvoiceStatus, ...],
        limit: int,
        cursor: str,
    ) -> Page:
        return await newest_first(
            self.session,
            invoices,
            _invoice,
            tenant_id,
            customer_id=customer_id,
            statuses=statuses,
            limit=limit,
            cursor=cursor,
        )

    async def of_customer(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Invoice]:
        c = invoices.c
        rows = await self.session.execute(
            sa.select(invoices).where(c.tenant_id == tenant_id, c.customer_id == customer_id)
        )
        return [_invoice(r) for r in rows]

    async def booking_of(
        self, tenant_id: uuid.UUID, invoice_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        if not invoice_ids:
            return {}
        c = invoices.c
        rows = await self.session.execute(
            sa.select(c.id, c.booking_id).where(
                c.tenant_id == tenant_id, c.id.in_(invoice_ids), c.booking_id.is_not(None)
            )
        )
        return {r.id: r.booking_id for r in rows}

    async def due_for_overdue(self, now: datetime, limit: int) -> list[Invoice]:
        """Open invoices past their due date, locked (SKIP LOCKED: parallel jobs split them)."""
        c = invoices.c
        q = (
            sa.select(invoices)
            .where(c.status == InvoiceStatus.OPEN.value, c.due_at <= now)
            .order_by(c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_invoice(r) for r in await self.session.execute(q)]


# --------------------------------------------------------------------------- quotes
def _quote(r: Any) -> Quote:
    return from_row(Quote, r, items=_items, status=QuoteStatus)


class QuoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, q: Quote) -> None:
        await self.session.execute(
            sa.insert(quotes).values(**values_of(q, items=_items_json(q.items)))
        )

    async def update(self, q: Quote) -> None:
        await self.session.execute(
            sa.update(quotes)
            .where(quotes.c.tenant_id == q.tenant_id, quotes.c.id == q.id)
            .values(status=q.status.value, invoice_id=q.invoice_id)
        )

    async def get(
        self, tenant_id: uuid.UUID, quote_id: uuid.UUID, *, for_update: bool = False
    ) -> Quote | None:
        return await one_of_tenant(
            self.session, quotes, _quote, tenant_id, quote_id, for_update=for_update
        )

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None,
        statuses: tuple[QuoteStatus, ...],
        limit: int,
        cursor: str,
    ) -> Page:
        return await newest_first(
            self.session,
            quotes,
            _quote,
            tenant_id,
            customer_id=customer_id,
            statuses=statuses,
            limit=limit,
            cursor=cursor,
        )


# --------------------------------------------------------------------------- payments
def _payment(r: Any) -> Payment:
    return from_row(Payment, r, status=PaymentStatus, method=PaymentMethod)


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, p: Payment) -> bool:
        """False (nothing written) when (provider, provider_payment_id) is already recorded."""
        stmt = (
            insert(payments)
            .values(**values_of(p))
            .on_conflict_do_nothing(constraint="uq_payments_provider_id")
            .returning(payments.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def update(self, p: Payment) -> None:
        await self.session.execute(
            sa.update(payments)
            .where(payments.c.tenant_id == p.tenant_id, payments.c.id == p.id)
            .values(
                status=p.status.value,
                refunded_minor=p.refunded_minor,
                updated_at=p.updated_at,
            )
        )

    async def get(
        self, tenant_id: uuid.UUID, payment_id: uuid.UUID, *, for_update: bool = False
    ) -> Payment | None:
        return await one_of_tenant(
            self.session, payments, _payment, tenant_id, payment_id, for_update=for_update
        )

    async def by_provider_id(
        self,
        tenant_id: uuid.UUID,
        provider: str,
        provider_payment_id: str,
        *,
        for_update: bool = False,
    ) -> Payment | None:
        c = payments.c
        q = sa.select(payments).where(
            c.tenant_id == tenant_id,
            c.provider == provider,
            c.provider_payment_id == provider_payment_id,
        )
        if for_update:
            q = q.with_for_update()
        row = (await self.session.execute(q)).first()
        return _payment(row) if row else None

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None,
        statuses: tuple[PaymentStatus, ...],
        limit: int,
        cursor: str,
    ) -> Page:
        return await newest_first(
            self.session,
            payments,
            _payment,
            tenant_id,
            customer_id=customer_id,
            statuses=statuses,
            limit=limit,
            cursor=cursor,
        )

    async def of_customer(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Payment]:
        c = payments.c
        rows = await self.session.execute(
            sa.select(payments).where(c.tenant_id == tenant_id, c.customer_id == customer_id)
        )
        return [_payment(r) for r in rows]

    async def payers_of_booking(
        self, tenant_id: uuid.UUID, booking_id: uuid.UUID
    ) -> set[uuid.UUID]:
        c = payments.c
        rows = await self.session.execute(
            sa.select(c.customer_id).where(c.tenant_id == tenant_id, c.booking_id == booking_id)
        )
        return {r.customer_id for r in rows}

    async def collected_on_booking(self, tenant_id: uuid.UUID, booking_id: uuid.UUID) -> int:
        c = payments.c
        total = await self.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(c.amount_minor - c.refunded_minor), 0)).where(
                c.tenant_id == tenant_id,
                c.booking_id == booking_id,
                c.status != PaymentStatus.FAILED.value,
            )
        )
        return int(total or 0)

    async def add_refund(
        self,
        tenant_id: uuid.UUID,
        payment_id: uuid.UUID,
        *,
        amount_minor: int,
        reason: str,
        idempotency_key: str,
        now: datetime,
    ) -> bool:
        """False (nothing written) when the key was already used on this payment."""
        stmt = (
            insert(refunds)
            .values(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                payment_id=payment_id,
                amount_minor=amount_minor,
                reason=reason,
                idempotency_key=idempotency_key,
                created_at=now,
            )
            .on_conflict_do_nothing(constraint="uq_refunds_payment_key")
            .returning(refunds.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def refund_used(self, payment_id: uuid.UUID, idempotency_key: str) -> bool:
        c = refunds.c
        found = await self.session.scalar(
            sa.select(c.id).where(c.payment_id == payment_id, c.idempotency_key == idempotency_key)
        )
        return found is not None


# --------------------------------------------------------------------------- subscriptions
def _subscription(r: Any) -> Subscription:
    return from_row(Subscription, r, interval=Interval, status=SubscriptionStatus)


# What a renewal, a cancellation or a charge changes.
_SUBSCRIPTION_CHANGING = (
    "status", "current_period_start", "current_period_end", "cancel_at_period_end",
    "cancelled_at", "charge_invoice_id", "failed_charges", "next_charge_at",
)  # fmt: skip


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, s: Subscription, now: datetime) -> None:
        await self.session.execute(sa.insert(subscriptions).values(**values_of(s, created_at=now)))

    async def update(self, s: Subscription) -> None:
        await self.session.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.tenant_id == s.tenant_id, subscriptions.c.id == s.id)
            .values(**values_of(s, _SUBSCRIPTION_CHANGING))
        )

    async def get(
        self, tenant_id: uuid.UUID, subscription_id: uuid.UUID, *, for_update: bool = False
    ) -> Subscription | None:
        return await one_of_tenant(
            self.session,
            subscriptions,
            _subscription,
            tenant_id,
            subscription_id,
            for_update=for_update,
        )

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None,
        statuses: tuple[SubscriptionStatus, ...],
        limit: int,
        cursor: str,
    ) -> Page:
        return await newest_first(
            self.session,
            subscriptions,
            _subscription,
            tenant_id,
            customer_id=customer_id,
            statuses=statuses,
            limit=limit,
            cursor=cursor,
        )

    async def due(self, now: datetime, limit: int) -> list[Subscription]:
        """Subscriptions whose period ended, locked (SKIP LOCKED: parallel jobs split them)."""
        c = subscriptions.c
        q = (
            sa.select(subscriptions)
            .where(c.status != SubscriptionStatus.CANCELLED.value, c.current_period_end <= now)
            .order_by(c.current_period_end)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_subscription(r) for r in await self.session.execute(q)]

    async def charge_due(self, now: datetime, limit: int) -> list[Subscription]:
        """Subscriptions with a renewal charge due, locked (SKIP LOCKED)."""
        c = subscriptions.c
        q = (
            sa.select(subscriptions)
            .where(c.next_charge_at <= now)
            .order_by(c.next_charge_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_subscription(r) for r in await self.session.execute(q)]


# --------------------------------------------------------------------------- webhooks
@dataclass(frozen=True)
class Endpoint:
    id: uuid.UUID
    tenant_id: uuid.UUID
    provider: str
    secret: str


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_endpoint(self, e: Endpoint, now: datetime) -> Endpoint:
        """One endpoint per (tenant, provider); creating it again rotates its secret."""
        stmt = (
            insert(webhook_endpoints)
            .values(
                id=e.id, tenant_id=e.tenant_id, provider=e.provider, secret=e.secret, created_at=now
            )
            .on_conflict_do_update(
                constraint="uq_webhook_endpoints_tenant_provider", set_={"secret": e.secret}
            )
            .returning(webhook_endpoints.c.id)
        )
        endpoint_id = (await self.session.execute(stmt)).scalar_one()
        return Endpoint(endpoint_id, e.tenant_id, e.provider, e.secret)

    async def endpoint(self, endpoint_id: uuid.UUID) -> Endpoint | None:
        row = (
            await self.session.execute(
                sa.select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
            )
        ).first()
        return Endpoint(row.id, row.tenant_id, row.provider, row.secret) if row else None

    async def seen(self, endpoint_id: uuid.UUID, event_id: str) -> bool:
        c = webhook_events.c
        found = await self.session.scalar(
            sa.select(c.event_id).where(c.endpoint_id == endpoint_id, c.event_id == event_id)
        )
        return found is not None

    async def record_event(
        self, endpoint_id: uuid.UUID, event_id: str, body_sha256: str, now: datetime
    ) -> bool:
        """False when the event id was already recorded for this endpoint (a replay). The
        row is written in the transaction that applies the event, so a failed apply leaves
        nothing behind and the provider's retry is applied."""
        stmt = (
            insert(webhook_events)
            .values(
                endpoint_id=endpoint_id, event_id=event_id, body_sha256=body_sha256, received_at=now
            )
            .on_conflict_do_nothing()
            .returning(webhook_events.c.event_id)
        )
        return (await self.session.execute(stmt)).first() is not None

"""In-memory billing repositories and a fake unit of work over them: the use cases run on these
as on PostgreSQL for what they use: the staff slot exclusion, one invoice per subscription
period, payments unique per provider id, refunds per key, orders per request id, gap-free
numbers, the tenant's currency."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from billing.adapters.repository import DEFAULT_CURRENCY, SLOT_TAKEN, BookingFilter, Endpoint
from billing.domain.bookings import Booking, BookingStatus
from billing.domain.catalog import CatalogService, StaffMember
from billing.domain.invoices import Invoice, InvoiceStatus, Quote
from billing.domain.orders import Order
from billing.domain.payments import Payment, PaymentStatus
from billing.domain.subscriptions import Subscription, SubscriptionStatus
from moodline_devkit.testing.fakes import FakeUnitOfWork, InMemoryRows, time_keyed_page
from moodline_kit.errors import Conflict
from moodline_kit.paging import Page

HOLDS_SLOT = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


@dataclass
class Store:
    currency: dict[uuid.UUID, str] = field(default_factory=dict)
    numbers: dict[tuple[uuid.UUID, str], int] = field(default_factory=dict)
    services: dict[uuid.UUID, CatalogService] = field(default_factory=dict)
    staff: dict[uuid.UUID, StaffMember] = field(default_factory=dict)
    bookings: dict[uuid.UUID, Booking] = field(default_factory=dict)
    invoices: dict[uuid.UUID, Invoice] = field(default_factory=dict)
    quotes: dict[uuid.UUID, Quote] = field(default_factory=dict)
    orders: dict[uuid.UUID, Order] = field(default_factory=dict)
    payments: dict[uuid.UUID, Payment] = field(default_factory=dict)
    refund_keys: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    subscriptions: dict[uuid.UUID, Subscription] = field(default_factory=dict)
    subscription_created: dict[uuid.UUID, datetime] = field(default_factory=dict)
    endpoints: dict[uuid.UUID, Endpoint] = field(default_factory=dict)
    webhook_events: set[tuple[uuid.UUID, str]] = field(default_factory=set)


MONEY_TABLES = ("bookings", "payments", "invoices", "services", "subscriptions", "quotes")


class InMemorySettings:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def currency(self, tenant_id: uuid.UUID) -> str:
        return self._store.currency.get(tenant_id, DEFAULT_CURRENCY)

    async def set_currency(self, tenant_id: uuid.UUID, currency: str) -> None:
        self._store.currency[tenant_id] = currency

    async def has_money(self, tenant_id: uuid.UUID) -> bool:
        return any(
            row.tenant_id == tenant_id
            for name in MONEY_TABLES
            for row in getattr(self._store, name).values()
        )

    async def next_number(self, tenant_id: uuid.UUID, kind: str) -> int:
        key = (tenant_id, kind)
        self._store.numbers[key] = self._store.numbers.get(key, 0) + 1
        return self._store.numbers[key]


class InMemoryCatalog:
    def __init__(self, store: Store) -> None:
        self._services = InMemoryRows[CatalogService](store, "services")
        self._staff = InMemoryRows[StaffMember](store, "staff")
        self.add_service, self.get_service = self._services.add, self._services.get
        self.add_staff, self.get_staff = self._staff.add, self._staff.get

    async def list_services(self, tenant_id: uuid.UUID) -> list[CatalogService]:
        return sorted(self._services.where(tenant_id), key=lambda s: (s.name, str(s.id)))

    async def list_staff(self, tenant_id: uuid.UUID) -> list[StaffMember]:
        return sorted(self._staff.where(tenant_id), key=lambda s: (s.name, str(s.id)))

    async def count_staff(self, tenant_id: uuid.UUID) -> int:
        return len(self._staff.where(tenant_id))


class InMemoryBookings(InMemoryRows[Booking]):
    def __init__(self, store: Store) -> None:
        super().__init__(store, "bookings")

    def _slot_free(self, row: Booking) -> None:
        """The exclusion constraint: one pending or confirmed booking per staff slot."""
        if row.staff_id is not None and row.status in HOLDS_SLOT:
            for other in self.where(row.tenant_id, staff_id=row.staff_id):
                overlaps = other.starts_at < row.ends_at and row.starts_at < other.ends_at
                if other.id != row.id and other.status in HOLDS_SLOT and overlaps:
                    raise Conflict(SLOT_TAKEN)

    async def add(self, row: Booking) -> bool:
        self._slot_free(row)
        return await super().add(row)

    async def update(self, row: Booking) -> None:
        self._slot_free(row)
        await super().update(row)

    def _involving(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Booking]:
        return [b for b in self.where(tenant_id) if customer_id in b.customers()]

    async def involving(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Booking]:
        return self._involving(tenant_id, customer_id)

    async def list(  # type: ignore[override]
        self, tenant_id: uuid.UUID, f: BookingFilter, *, limit: int, cursor: str
    ) -> Page:
        found = [
            b
            for b in (
                self._involving(tenant_id, f.customer_id)
                if f.customer_id
                else self.where(tenant_id)
            )
            if f.staff_id in (None, b.staff_id)
            and (not f.statuses or b.status in f.statuses)
            and (f.starts_from is None or b.starts_at >= f.starts_from)
            and (f.starts_before is None or b.starts_at < f.starts_before)
        ]
        return Page(*time_keyed_page(found, lambda b: b.starts_at, limit=limit, cursor=cursor))


class InMemoryInvoices(InMemoryRows[Invoice]):
    def __init__(self, store: Store) -> None:
        super().__init__(store, "invoices")

    async def add(self, row: Invoice) -> bool:
        """False when the subscription period already has its invoice."""
        if row.subscription_id is not None:
            period = {"subscription_id": row.subscription_id, "period_start": row.period_start}
            if self.where(row.tenant_id, **period):
                return False
        return await super().add(row)

    async def of_customer(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Invoice]:
        return self.where(tenant_id, customer_id=customer_id)

    async def booking_of(
        self, tenant_id: uuid.UUID, invoice_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        return {
            i.id: i.booking_id
            for i in self.where(tenant_id)
            if i.id in invoice_ids and i.booking_id is not None
        }

    async def due_for_overdue(self, now: datetime, limit: int) -> list[Invoice]:
        due = [
            copy.deepcopy(i)
            for i in self.rows.values()
            if i.status is InvoiceStatus.OPEN and i.due_at is not None and i.due_at <= now
        ]
        return sorted(due, key=lambda i: i.due_at)[:limit]  # type: ignore[arg-type, return-value]


class InMemoryOrders(InMemoryRows[Order]):
    def __init__(self, store: Store) -> None:
        super().__init__(store, "orders")

    async def add(self, row: Order) -> bool:
        if row.request_id and await self.by_request_id(row.tenant_id, row.request_id):
            return False
        return await super().add(row)

    async def by_request_id(self, tenant_id: uuid.UUID, request_id: str) -> Order | None:
        found = self.where(tenant_id, request_id=request_id)
        return found[0] if found else None


class InMemoryPayments(InMemoryRows[Payment]):
    def __init__(self, store: Store) -> None:
        super().__init__(store, "payments")

    async def add(self, row: Payment) -> bool:
        if await self.by_provider_id(row.tenant_id, row.provider, row.provider_payment_id):
            return False
        return await super().add(row)

    async def by_provider_id(
        self, tenant_id: uuid.UUID, provider: str, provider_payment_id: str, **lock: bool
    ) -> Payment | None:
        found = self.where(tenant_id, provider=provider, provider_payment_id=provider_payment_id)
        return found[0] if found else None

    async def of_customer(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Payment]:
        return self.where(tenant_id, customer_id=customer_id)

    async def payers_of_booking(
        self, tenant_id: uuid.UUID, booking_id: uuid.UUID
    ) -> set[uuid.UUID]:
        return {p.customer_id for p in self.where(tenant_id, booking_id=booking_id)}

    async def collected_on_booking(self, tenant_id: uuid.UUID, booking_id: uuid.UUID) -> int:
        return sum(
            p.amount_minor - p.refunded_minor
            for p in self.where(tenant_id, booking_id=booking_id)
            if p.status is not PaymentStatus.FAILED
        )

    async def add_refund(
        self, tenant_id: uuid.UUID, payment_id: uuid.UUID, *, idempotency_key: str, **refund: Any
    ) -> bool:
        key = (payment_id, idempotency_key)
        if key in self._store.refund_keys:
            return False
        self._store.refund_keys.add(key)
        return True

    async def refund_used(self, payment_id: uuid.UUID, idempotency_key: str) -> bool:
        return (payment_id, idempotency_key) in self._store.refund_keys


class InMemorySubscriptions(InMemoryRows[Subscription]):
    def __init__(self, store: Store) -> None:
        super().__init__(store, "subscriptions", lambda s: store.subscription_created[s.id])

    async def add(self, row: Subscription, now: datetime) -> None:  # type: ignore[override]
        self._store.subscription_created[row.id] = now
        await super().add(row)

    def _due(self, when: Any, limit: int) -> list[Subscription]:
        found = [copy.deepcopy(s) for s in self.rows.values() if when(s) is not None]
        return sorted(found, key=when)[:limit]

    async def due(self, now: datetime, limit: int) -> list[Subscription]:
        return self._due(
            lambda s: (
                s.current_period_end
                if s.status is not SubscriptionStatus.CANCELLED and s.current_period_end <= now
                else None
            ),
            limit,
        )

    async def charge_due(self, now: datetime, limit: int) -> list[Subscription]:
        return self._due(
            lambda s: s.next_charge_at if s.next_charge_at and s.next_charge_at <= now else None,
            limit,
        )


class InMemoryWebhooks:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def upsert_endpoint(self, e: Endpoint, now: datetime) -> Endpoint:
        for known in self._store.endpoints.values():
            if (known.tenant_id, known.provider) == (e.tenant_id, e.provider):
                e = Endpoint(known.id, e.tenant_id, e.provider, e.secret)
        self._store.endpoints[e.id] = e
        return e

    async def endpoint(self, endpoint_id: uuid.UUID) -> Endpoint | None:
        return self._store.endpoints.get(endpoint_id)

    async def seen(self, endpoint_id: uuid.UUID, event_id: str) -> bool:
        return (endpoint_id, event_id) in self._store.webhook_events

    async def record_event(self, endpoint_id: uuid.UUID, event_id: str, *args: Any) -> bool:
        if await self.seen(endpoint_id, event_id):
            return False
        self._store.webhook_events.add((endpoint_id, event_id))
        return True


class InMemoryCustomerData:
    """A merge moves what the duplicate holds to the survivor (party memberships included);
    an erasure blanks the free text that may describe the person and the provider ids."""

    OWNED = ("bookings", "invoices", "quotes", "payments", "subscriptions")

    def __init__(self, store: Store) -> None:
        self._store = store

    def _rows(self, tenant_id: uuid.UUID) -> list[Any]:
        return [
            row
            for name in self.OWNED
            for row in getattr(self._store, name).values()
            if row.tenant_id == tenant_id
        ]

    async def reassign(self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        for row in self._rows(tenant_id):
            if row.customer_id == from_id:
                row.customer_id = to_id
            for i, member in enumerate(getattr(row, "party", [])):
                if member.customer_id == from_id:
                    row.party[i] = replace(member, customer_id=to_id)

    async def erase(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        for row in self._rows(tenant_id):
            mine = row.customer_id == customer_id
            if isinstance(row, Booking):
                if mine:
                    row.notes = row.location = row.cancellation_reason = ""
                row.party = [
                    replace(m, name="") if m.customer_id == customer_id else m for m in row.party
                ]
            elif isinstance(row, Payment) and mine:
                row.failure_message, row.provider_payment_id = "", f"erased:{row.id}"
            elif isinstance(row, Invoice) and mine:
                row.void_reason = ""


class FakeBillingUnitOfWork(FakeUnitOfWork):
    settings: InMemorySettings
    catalog: InMemoryCatalog
    bookings: InMemoryBookings
    invoices: InMemoryInvoices
    quotes: InMemoryRows[Quote]
    orders: InMemoryOrders
    payments: InMemoryPayments
    subscriptions: InMemorySubscriptions
    webhooks: InMemoryWebhooks
    customer_data: InMemoryCustomerData

    def __init__(self) -> None:
        super().__init__(Store())
        self._hooks: list[Any] = []

    def _start(self) -> None:
        self.settings = InMemorySettings(self.store)
        self.catalog = InMemoryCatalog(self.store)
        self.bookings = InMemoryBookings(self.store)
        self.invoices = InMemoryInvoices(self.store)
        self.quotes = InMemoryRows[Quote](self.store, "quotes")
        self.orders = InMemoryOrders(self.store)
        self.payments = InMemoryPayments(self.store)
        self.subscriptions = InMemorySubscriptions(self.store)
        self.webhooks = InMemoryWebhooks(self.store)
        self.customer_data = InMemoryCustomerData(self.store)

    def before_commit(self, hook: Any) -> None:
        self._hooks.append(hook)

    async def commit(self) -> None:
        for hook in self._hooks:
            await hook(self)
        await super().commit()

    async def __aexit__(self, *exc: Any) -> None:
        self._hooks = []  # a unit of work's hooks, not the next one's
        await super().__aexit__(*exc)

    async def lock_customer(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        """One task at a time runs a use case here: nothing to serialise."""

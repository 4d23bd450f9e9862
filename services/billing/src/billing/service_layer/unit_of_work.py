from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from moodline_kit.uow import UnitOfWork

from billing.adapters.customer_data import CustomerDataRepository
from billing.adapters.order_repository import OrderRepository
from billing.adapters.repository import (
    BookingRepository,
    CatalogRepository,
    InvoiceRepository,
    PaymentRepository,
    QuoteRepository,
    SettingsRepository,
    SubscriptionRepository,
    WebhookRepository,
)


class BillingUnitOfWork(UnitOfWork):
    settings: SettingsRepository
    catalog: CatalogRepository
    bookings: BookingRepository
    invoices: InvoiceRepository
    quotes: QuoteRepository
    orders: OrderRepository
    payments: PaymentRepository
    subscriptions: SubscriptionRepository
    webhooks: WebhookRepository
    customer_data: CustomerDataRepository

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._before_commit: list[Callable[[BillingUnitOfWork], Awaitable[None]]] = []

    def before_commit(self, hook: Callable[[BillingUnitOfWork], Awaitable[None]]) -> None:
        """Run `hook` inside the transaction just before it commits (it may raise to abort)."""
        self._before_commit.append(hook)

    async def commit(self) -> None:
        for hook in self._before_commit:
            await hook(self)
        await super().commit()

    def _start(self) -> None:
        self.settings = SettingsRepository(self.session)
        self.catalog = CatalogRepository(self.session)
        self.bookings = BookingRepository(self.session)
        self.invoices = InvoiceRepository(self.session)
        self.quotes = QuoteRepository(self.session)
        self.orders = OrderRepository(self.session)
        self.payments = PaymentRepository(self.session)
        self.subscriptions = SubscriptionRepository(self.session)
        self.webhooks = WebhookRepository(self.session)
        self.customer_data = CustomerDataRepository(self.session)

    async def lock_customer(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        """Serialise value computations of one customer until the transaction ends, so the
        figures published last (latest occurred_at) are computed from every committed change."""
        await self.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"billing-value|{tenant_id}|{customer_id}"},
        )

"""Orders: catalogue services sold (lines priced from the catalogue), paid through payments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from moodline_kit.errors import Conflict, FieldViolation, InvalidArgument

from billing.domain.catalog import CatalogService
from billing.domain.invoices import MAX_ITEMS, MAX_QUANTITY, LineItem
from billing.domain.money import MAX_AMOUNT_MINOR

MAX_REQUEST_ID = 200


class OrderStatus(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class OrderLine:
    """A line of an order as asked for: a catalogue service and how many."""

    service_id: uuid.UUID | None
    quantity: int


@dataclass(frozen=True)
class PricedLine(LineItem):
    """A line priced from the catalogue (name and unit price as they were when ordered)."""

    service_id: uuid.UUID | None = None


def price_lines(
    lines: list[OrderLine], catalogue: dict[uuid.UUID, CatalogService], *, tenant_currency: str
) -> list[PricedLine]:
    """Each line from its catalogue service; every bad line is reported by its field."""
    v: list[FieldViolation] = []
    if not lines:
        v.append(FieldViolation("items", "at least one line"))
    if len(lines) > MAX_ITEMS:
        v.append(FieldViolation("items", f"at most {MAX_ITEMS} lines"))
    priced: list[PricedLine] = []
    for i, line in enumerate(lines):
        service = catalogue.get(line.service_id) if line.service_id else None
        if line.service_id is None:
            v.append(FieldViolation(f"items[{i}].service_id", "required"))
        elif service is None or not service.active:
            v.append(FieldViolation(f"items[{i}].service_id", "no such service in the catalogue"))
        elif service.currency != tenant_currency:
            v.append(
                FieldViolation(
                    f"items[{i}].service_id",
                    f"priced in {service.currency}, not the business's {tenant_currency}",
                )
            )
        if not 1 <= line.quantity <= MAX_QUANTITY:
            v.append(FieldViolation(f"items[{i}].quantity", f"must be 1..{MAX_QUANTITY}"))
        if service is not None:
            priced.append(PricedLine(service.name, line.quantity, service.price_minor, service.id))
    if not v and sum(p.total_minor for p in priced) > MAX_AMOUNT_MINOR:
        v.append(FieldViolation("items", "the total is too large"))
    if v:
        raise InvalidArgument.of_all(v)
    return priced


@dataclass
class Order:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    items: list[PricedLine]
    currency: str
    status: OrderStatus = OrderStatus.PLACED
    booking_id: uuid.UUID | None = None
    request_id: str | None = None
    # Collected on the order, net of refunds.
    amount_paid_minor: int = 0
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = field(default=None)

    @property
    def total_minor(self) -> int:
        return sum(i.total_minor for i in self.items)

    @property
    def amount_due_minor(self) -> int:
        if self.status is not OrderStatus.PLACED:
            return 0
        return max(self.total_minor - self.amount_paid_minor, 0)

    def check_payable(self, amount_minor: int) -> None:
        """A payment of `amount_minor` may be applied (422 naming the field otherwise)."""
        if self.status is not OrderStatus.PLACED:
            raise InvalidArgument.of(
                "order_id", f"order is {self.status.value}; it takes no payments"
            )
        if amount_minor > self.amount_due_minor:
            raise InvalidArgument.of(
                "amount_minor", f"exceeds the order's amount due ({self.amount_due_minor})"
            )

    def apply_payment(self, amount_minor: int, now: datetime) -> bool:
        """Returns True when this payment settled the order."""
        self.amount_paid_minor += amount_minor
        self.updated_at = now
        if self.amount_paid_minor >= self.total_minor:
            self.status = OrderStatus.PAID
            self.paid_at = now
            return True
        return False

    def apply_refund(self, amount_minor: int, now: datetime) -> None:
        """A refund of one of its payments; a paid order refunded in full is REFUNDED."""
        self.amount_paid_minor = max(self.amount_paid_minor - amount_minor, 0)
        self.updated_at = now
        if self.status is OrderStatus.PAID and self.amount_paid_minor == 0:
            self.status = OrderStatus.REFUNDED

    def cancel(self, reason: str, now: datetime) -> None:
        if self.status is not OrderStatus.PLACED:
            raise Conflict(f"order is {self.status.value}; only a placed order is cancelled")
        if self.amount_paid_minor:
            raise Conflict("order has payments applied; refund them before cancelling")
        self.status = OrderStatus.CANCELLED
        self.cancelled_at = now
        self.cancellation_reason = reason
        self.updated_at = now

"""Invoices and quotes: line items, tax, totals, statuses, per-tenant numbers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from moodline_kit.errors import Conflict, FieldViolation, InvalidArgument

from billing.domain.money import MAX_AMOUNT_MINOR, check_amount

MAX_ITEMS = 100
INVOICE_PREFIX = "INV"
QUOTE_PREFIX = "Q"
DEFAULT_TERMS = timedelta(days=14)  # an invoice without a due date is due after
MAX_QUANTITY = 10_000


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # issued, not fully paid, not yet due
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"


# Still owed: payments may be applied; the overdue job looks at OPEN ones.
OWED = frozenset({InvoiceStatus.OPEN, InvoiceStatus.OVERDUE})


class QuoteStatus(StrEnum):
    OPEN = "open"
    CONVERTED = "converted"
    DECLINED = "declined"


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: int
    unit_price_minor: int

    @property
    def total_minor(self) -> int:
        return self.quantity * self.unit_price_minor


def check_items(
    items: list[LineItem], tax_minor: int, currency: str, *, tenant_currency: str
) -> list[FieldViolation]:
    v: list[FieldViolation] = []
    if not items:
        v.append(FieldViolation("items", "at least one line item"))
    if len(items) > MAX_ITEMS:
        v.append(FieldViolation("items", f"at most {MAX_ITEMS} line items"))
    for i, item in enumerate(items):
        if not item.description.strip():
            v.append(FieldViolation(f"items[{i}].description", "required"))
        if not 1 <= item.quantity <= MAX_QUANTITY:
            v.append(FieldViolation(f"items[{i}].quantity", f"must be 1..{MAX_QUANTITY}"))
        if item.unit_price_minor < 0:
            v.append(FieldViolation(f"items[{i}].unit_price_minor", "must not be negative"))
        elif item.unit_price_minor > MAX_AMOUNT_MINOR:
            v.append(FieldViolation(f"items[{i}].unit_price_minor", "too large"))
    v += check_amount("tax_minor", tax_minor, currency, tenant_currency=tenant_currency)
    if sum(max(i.total_minor, 0) for i in items) + max(tax_minor, 0) > MAX_AMOUNT_MINOR:
        v.append(FieldViolation("items", "the total is too large"))
    return v


def format_number(prefix: str, n: int) -> str:
    return f"{prefix}-{n:06d}"


@dataclass
class Invoice:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    items: list[LineItem]
    tax_minor: int
    currency: str
    due_at: datetime
    status: InvoiceStatus = InvoiceStatus.DRAFT
    number: str = ""
    booking_id: uuid.UUID | None = None
    quote_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    # The subscription period this invoice bills (renewals: one invoice per period).
    period_start: datetime | None = None
    amount_paid_minor: int = 0
    issued_at: datetime | None = None
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    void_reason: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def subtotal_minor(self) -> int:
        return sum(i.total_minor for i in self.items)

    @property
    def total_minor(self) -> int:
        return self.subtotal_minor + self.tax_minor

    @property
    def amount_due_minor(self) -> int:
        return max(self.total_minor - self.amount_paid_minor, 0) if self.status in OWED else 0

    def issue(self, number: str, now: datetime) -> None:
        if self.status is not InvoiceStatus.DRAFT:
            raise Conflict(f"invoice is {self.status.value}; only a draft is issued")
        self.status = InvoiceStatus.OPEN
        self.number = number
        self.issued_at = now
        self.updated_at = now

    def void(self, reason: str, now: datetime) -> None:
        if self.status not in (InvoiceStatus.DRAFT, *OWED):
            raise Conflict(f"invoice is {self.status.value}; it cannot be voided")
        if self.amount_paid_minor:
            raise Conflict("invoice has payments applied; refund them before voiding")
        self.status = InvoiceStatus.VOID
        self.voided_at = now
        self.void_reason = reason
        self.updated_at = now

    def check_payable(self, amount_minor: int) -> None:
        """A payment of `amount_minor` may be applied (422 naming the field otherwise)."""
        if self.status not in OWED:
            raise InvalidArgument.of(
                "invoice_id", f"invoice is {self.status.value}; it takes no payments"
            )
        if amount_minor > self.amount_due_minor:
            raise InvalidArgument.of(
                "amount_minor", f"exceeds the invoice's amount due ({self.amount_due_minor})"
            )

    def apply_payment(self, amount_minor: int, now: datetime) -> bool:
        """Returns True when this payment settled the invoice."""
        self.amount_paid_minor += amount_minor
        self.updated_at = now
        if self.amount_paid_minor >= self.total_minor:
            self.status = InvoiceStatus.PAID
            self.paid_at = now
            return True
        return False

    def mark_overdue(self, now: datetime) -> bool:
        if self.status is InvoiceStatus.OPEN and self.due_at <= now:
            self.status = InvoiceStatus.OVERDUE
            self.updated_at = now
            return True
        return False


@dataclass
class Quote:
    id: uuid.UUID
    tenant_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    items: list[LineItem]
    tax_minor: int
    currency: str
    status: QuoteStatus = QuoteStatus.OPEN
    valid_until: datetime | None = None
    invoice_id: uuid.UUID | None = None
    created_at: datetime | None = None

    @property
    def subtotal_minor(self) -> int:
        return sum(i.total_minor for i in self.items)

    @property
    def total_minor(self) -> int:
        return self.subtotal_minor + self.tax_minor

    def convert(self, invoice_id: uuid.UUID) -> None:
        if self.status is not QuoteStatus.OPEN:
            raise Conflict(f"quote is {self.status.value}; only an open quote converts")
        self.status = QuoteStatus.CONVERTED
        self.invoice_id = invoice_id

    def decline(self) -> None:
        if self.status is not QuoteStatus.OPEN:
            raise Conflict(f"quote is {self.status.value}; only an open quote is declined")
        self.status = QuoteStatus.DECLINED

"""Payments and refunds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from moodline_kit.errors import Conflict, InvalidArgument


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class PaymentMethod(StrEnum):
    CARD = "card"
    CASH = "cash"
    TRANSFER = "transfer"
    WALLET = "wallet"
    OTHER = "other"


# Money was taken (some of it may have been refunded since).
MAX_KEY = 200  # a provider's payment id, a refund's idempotency key
COLLECTED = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)


@dataclass
class Payment:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    amount_minor: int
    currency: str
    status: PaymentStatus
    method: PaymentMethod
    provider: str
    provider_payment_id: str
    invoice_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    failure_code: str = ""
    failure_message: str = ""
    refunded_minor: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def refundable_minor(self) -> int:
        return self.amount_minor - self.refunded_minor if self.status in COLLECTED else 0

    @property
    def net_minor(self) -> int:
        return self.amount_minor - self.refunded_minor if self.status in COLLECTED else 0

    def refund(self, amount_minor: int | None, now: datetime) -> int:
        """Refund `amount_minor` (None: all that is left); returns the amount refunded."""
        if self.status not in COLLECTED:
            raise Conflict(f"payment is {self.status.value}; only a succeeded payment refunds")
        left = self.refundable_minor
        amount = left if amount_minor is None else amount_minor
        if amount <= 0:
            raise InvalidArgument.of("amount_minor", "must be positive (integer minor units)")
        if amount > left:
            raise InvalidArgument.of(
                "amount_minor", f"exceeds what is left to refund on this payment ({left})"
            )
        self.refunded_minor += amount
        self.status = (
            PaymentStatus.REFUNDED
            if self.refunded_minor == self.amount_minor
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        self.updated_at = now
        return amount

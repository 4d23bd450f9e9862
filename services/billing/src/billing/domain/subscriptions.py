"""Subscriptions: a plan billed every interval; renewal moves the period forward once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from moodline_kit.errors import Conflict


class Interval(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


MAX_PLAN = 200  # a plan name's characters
STEP = {
    Interval.WEEKLY: relativedelta(weeks=1),
    Interval.MONTHLY: relativedelta(months=1),
    Interval.YEARLY: relativedelta(years=1),
}


# Dunning: after a renewal charge fails, it is tried again after each of these delays; when
# they are used up the subscription stays PAST_DUE and its invoice goes overdue (At Risk).
RETRY_AFTER = (timedelta(days=1), timedelta(days=3), timedelta(days=5))
# A provider that could not be reached is asked again after this (no attempt is counted).
PROVIDER_DOWN_RETRY = timedelta(minutes=15)


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELLED = "cancelled"


@dataclass
class Subscription:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    plan_name: str
    price_minor: int
    currency: str
    interval: Interval
    started_at: datetime
    current_period_start: datetime
    current_period_end: datetime
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    cancel_at_period_end: bool = False
    cancelled_at: datetime | None = None
    provider: str = "manual"
    # Dunning: the renewal invoice being charged, failed charges in a row, the next try.
    charge_invoice_id: uuid.UUID | None = None
    failed_charges: int = 0
    next_charge_at: datetime | None = None

    def period_after(self, start: datetime) -> datetime:
        """End of the period starting at `start` (months counted from the start date, so the
        31st renews on the last day of shorter months and keeps its anchor)."""
        n = 1
        while True:
            end = self.started_at + STEP[self.interval] * n
            if end > start:
                return end
            n += 1

    def renew(self, now: datetime) -> datetime | None:
        """Start the next period when the current one has ended; returns its start, or None
        when nothing is due (or the subscription ends instead)."""
        if self.status is SubscriptionStatus.CANCELLED or self.current_period_end > now:
            return None
        if self.cancel_at_period_end:
            self.status = SubscriptionStatus.CANCELLED
            self.cancelled_at = self.current_period_end
            return None
        start = self.current_period_end
        self.current_period_start = start
        self.current_period_end = self.period_after(start)
        return start

    def cancel(self, *, at_period_end: bool, now: datetime) -> None:
        if self.status is SubscriptionStatus.CANCELLED:
            raise Conflict("subscription is already cancelled")
        if at_period_end:
            self.cancel_at_period_end = True
        else:
            self.status = SubscriptionStatus.CANCELLED
            self.cancelled_at = now

    def charge_renewal(self, invoice_id: uuid.UUID, now: datetime) -> None:
        """The renewal invoice of the new period is to be charged (by the charge job)."""
        self.charge_invoice_id = invoice_id
        self.failed_charges = 0
        self.next_charge_at = now

    def charge_succeeded(self) -> None:
        self.status = SubscriptionStatus.ACTIVE
        self.charge_invoice_id = None
        self.failed_charges = 0
        self.next_charge_at = None

    def charge_failed(self, now: datetime) -> None:
        """PAST_DUE; the next try after the next delay of RETRY_AFTER (none once used up)."""
        self.status = SubscriptionStatus.PAST_DUE
        self.failed_charges += 1
        n = self.failed_charges - 1
        self.next_charge_at = now + RETRY_AFTER[n] if n < len(RETRY_AFTER) else None

    def charge_not_collected(self) -> None:
        """The provider does not collect by itself (manual): the invoice waits for staff."""
        self.next_charge_at = None

    def provider_unreachable(self, now: datetime) -> None:
        self.next_charge_at = now + PROVIDER_DOWN_RETRY

    def renewal_paid(self, invoice_id: uuid.UUID) -> bool:
        """A payment settled `invoice_id`: when it is the renewal being charged, dunning ends
        (PAST_DUE -> ACTIVE). Returns whether anything changed."""
        if self.charge_invoice_id != invoice_id:
            return False
        if self.status is SubscriptionStatus.PAST_DUE:
            self.status = SubscriptionStatus.ACTIVE
        self.charge_invoice_id = None
        self.failed_charges = 0
        self.next_charge_at = None
        return True

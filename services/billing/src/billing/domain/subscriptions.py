"""Subscriptions: a plan billed every interval; renewal moves the period forward once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from moodline_kit.errors import Conflict


class Interval(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


STEP = {
    Interval.WEEKLY: relativedelta(weeks=1),
    Interval.MONTHLY: relativedelta(months=1),
    Interval.YEARLY: relativedelta(years=1),
}


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

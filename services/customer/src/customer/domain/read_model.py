"""Read-model arithmetic over other services' facts (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from customer.domain.model import ReadModel


def latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def record_contact(read: ReadModel, sent_at: datetime) -> None:
    """A message either way: last contact (never moves backwards) and last activity."""
    read.last_contact_at = latest(read.last_contact_at, sent_at)
    read.last_activity_at = latest(read.last_activity_at, sent_at)


def record_interaction(read: ReadModel, channel: str, started_at: datetime) -> None:
    """A new conversation (call, SMS thread, email, chat) counts as one interaction."""
    read.interactions_count += 1
    if channel:
        read.channel_counts[channel] = read.channel_counts.get(channel, 0) + 1
        # Ties go to the channel used most recently.
        best = max(read.channel_counts.values())
        if read.channel_counts[channel] == best or not read.most_common_channel:
            read.most_common_channel = channel
    record_contact(read, started_at)


@dataclass(frozen=True)
class Value:
    """billing's figures of a customer (it owns them; the read model keeps a copy)."""

    ltv_minor: int
    currency: str
    bookings_count: int
    purchases_count: int
    aov_minor: int
    last_purchase_at: datetime | None


# Taken as billing sends them; the dates are merged (latest) instead.
_FIGURES = ("ltv_minor", "currency", "bookings_count", "purchases_count", "aov_minor")


def record_value(read: ReadModel, value: Value, *, as_of: datetime) -> bool:
    """Apply the figures billing computed at `as_of` (the event's occurred_at). Figures older
    than the ones on the row are stale (events of one customer may arrive out of order): they
    are ignored and False is returned."""
    if read.value_as_of is not None and as_of < read.value_as_of:
        return False
    read.value_as_of = as_of
    for figure in _FIGURES:
        setattr(read, figure, getattr(value, figure))
    read.last_purchase_at = latest(read.last_purchase_at, value.last_purchase_at)
    read.last_activity_at = latest(read.last_activity_at, value.last_purchase_at)
    return True


def record_payment_failed(read: ReadModel, failed_at: datetime) -> bool:
    """A failed payment is an At Risk signal until a payment made after it succeeds. A failure
    older than the last success (delivered late) changes nothing. Returns True when recorded."""
    if read.payment_succeeded_at is not None and failed_at <= read.payment_succeeded_at:
        return False
    read.payment_failed_at = latest(read.payment_failed_at, failed_at)
    return True


def record_payment_succeeded(read: ReadModel, paid_at: datetime) -> None:
    """A success resolves every failure at or before it (a later failure stays)."""
    read.payment_succeeded_at = latest(read.payment_succeeded_at, paid_at)
    if read.payment_failed_at is not None and read.payment_failed_at <= paid_at:
        read.payment_failed_at = None


def record_sentiment(
    read: ReadModel, *, label: str, score: float, emotions: dict[str, float], trend: str
) -> bool:
    """Returns True when the label changed."""
    changed = read.sentiment_label != label
    read.sentiment_label = label
    read.sentiment_score = score
    read.sentiment_emotions = emotions
    read.sentiment_trend = trend
    return changed

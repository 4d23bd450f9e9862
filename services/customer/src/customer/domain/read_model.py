"""Read-model arithmetic over other services' facts (pure)."""

from __future__ import annotations

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


def record_value(
    read: ReadModel,
    *,
    ltv_minor: int,
    currency: str,
    bookings_count: int,
    purchases_count: int,
    aov_minor: int,
    last_purchase_at: datetime | None,
) -> None:
    read.ltv_minor = ltv_minor
    read.currency = currency
    read.bookings_count = bookings_count
    read.purchases_count = purchases_count
    read.aov_minor = aov_minor
    read.last_purchase_at = latest(read.last_purchase_at, last_purchase_at)
    read.last_activity_at = latest(read.last_activity_at, last_purchase_at)


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

"""Domain -> the payloads of the events sentiment emits (moodline.events.v1.sentiment): the
service layer picks the subject and emits; what goes on the wire is built here."""

from __future__ import annotations

from moodline.events.v1 import sentiment_pb2 as pb

from sentiment.adapters.proto import LABELS, SOURCES, emotions, shown
from sentiment.domain.aggregate import Aggregate
from sentiment.domain.customer import CustomerSentiment, Shown
from sentiment.domain.scoring import Score


def message_scored(
    *, message_id: str, conversation_id: str, customer_id: str, score: Score, model_version: str
) -> pb.MessageScored:
    return pb.MessageScored(
        message_id=message_id,
        conversation_id=conversation_id,
        customer_id=customer_id,
        label=LABELS[score.label],
        score=score.score,
        emotions=emotions(score.emotions),
        confidence=score.confidence,
        model_version=model_version,
    )


def conversation_changed(
    conversation_id: str, customer_id: str, now: Shown, before: Aggregate
) -> pb.ConversationSentimentChanged:
    """The conversation now shows `now`; `before` is its aggregate before (no previous label
    when it had no observations)."""
    return pb.ConversationSentimentChanged(
        conversation_id=conversation_id,
        customer_id=customer_id,
        sentiment=shown(now),
        previous_label=LABELS[before.label] if before.observations else 0,
    )


def customer_changed(customer_id: str, c: CustomerSentiment) -> pb.CustomerSentimentChanged:
    return pb.CustomerSentimentChanged(
        customer_id=customer_id,
        sentiment=shown(c.shown),
        previous_label=LABELS[c.published_label] if c.published_label else 0,
        source=SOURCES[c.source],
        explanation=c.explanation(),
    )

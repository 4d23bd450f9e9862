"""Domain <-> protobuf (moodline.sentiment.v1, moodline.events.v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moodline.conversation.v1 import conversation_pb2
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline_kit.grpc.enums import inverse, proto_values
from moodline_kit.timestamps import to_proto

from sentiment.domain.aggregate import Trend
from sentiment.domain.customer import CustomerSentiment, Shown, Source
from sentiment.domain.reading import Reading
from sentiment.domain.response import Channel
from sentiment.domain.scoring import Emotions, Label

LABELS = proto_values(Label, pb, "SENTIMENT_LABEL")
LABELS_BACK = inverse(LABELS)
TRENDS = proto_values(Trend, pb, "SENTIMENT_TREND")
CHANNELS = {
    conversation_pb2.CHANNEL_PHONE: Channel.PHONE,
    conversation_pb2.CHANNEL_SMS: Channel.SMS,
    conversation_pb2.CHANNEL_WHATSAPP: Channel.WHATSAPP,
    conversation_pb2.CHANNEL_EMAIL: Channel.EMAIL,
    conversation_pb2.CHANNEL_WEBCHAT: Channel.WEBCHAT,
}
SOURCES = {Source.MODEL: pb.SENTIMENT_SOURCE_MODEL, Source.OVERRIDE: pb.SENTIMENT_SOURCE_OVERRIDE}


def emotions(e: Emotions) -> pb.Emotions:
    return pb.Emotions(
        frustration=e.frustration,
        satisfaction=e.satisfaction,
        confusion=e.confusion,
        urgency=e.urgency,
    )


def analyze_result(r: Reading) -> pb.AnalyzeResult:
    s = r.score
    return pb.AnalyzeResult(
        label=LABELS[s.label],
        score=s.score,
        emotions=emotions(s.emotions),
        confidence=s.confidence,
        explanation=explanation(r),
    )


def explanation(r: Reading) -> pb.MessageExplanation:
    return pb.MessageExplanation(
        spans=[
            pb.SentimentSpan(
                start=s.start,
                end=s.end,
                text=s.text,
                label=LABELS[s.score.label],
                score=s.score.score,
                confidence=s.score.confidence,
                emotions=emotions(s.score.emotions),
                drives=s.drives,
            )
            for s in r.spans
        ],
        sentences=r.sentences,
    )


def stored_explanation(data: dict) -> pb.MessageExplanation:
    """repository.explanation_to_json's shape back to the message (no text is stored)."""
    return pb.MessageExplanation(
        spans=[
            pb.SentimentSpan(
                start=s["start"],
                end=s["end"],
                label=LABELS[Label(s["label"])],
                score=s["score"],
                confidence=s["confidence"],
                emotions=emotions(Emotions(*s["emotions"])),
                drives=s["drives"],
            )
            for s in data.get("spans", ())
        ],
        sentences=data.get("n", 0),
    )


def drivers(c: CustomerSentiment) -> pb.CustomerSentimentDrivers:
    out = pb.CustomerSentimentDrivers(
        contributors=[
            pb.SentimentContributor(
                source=d.source,
                label=LABELS[d.label] if d.label else pb.SENTIMENT_LABEL_UNSPECIFIED,
                polarity=d.polarity,
                weight=d.weight,
                contribution=d.contribution,
            )
            for d in c.drivers()
        ]
    )
    if c.override is not None:
        out.override_active = True
        out.override_remaining = c.override.remaining
        out.override_evidence = c.override.evidence
    return out


def shown(s: Shown) -> pb.Sentiment:
    return pb.Sentiment(
        label=LABELS[s.label], score=s.score, emotions=emotions(s.emotions), trend=TRENDS[s.trend]
    )


def customer(
    customer_id: str, c: CustomerSentiment, updated_at: datetime | None
) -> pb.CustomerSentiment:
    out = pb.CustomerSentiment(
        customer_id=customer_id,
        sentiment=shown(c.shown),
        source=SOURCES[c.source],
        computed=shown(c.computed),
        explanation=c.explanation(),
        message_count=c.aggregate.messages,
        updated_at=to_proto(updated_at),
        drivers=drivers(c),
    )
    if c.override is not None:
        out.override.CopyFrom(
            pb.SentimentOverride(
                label=LABELS[c.override.label],
                reason=c.override.reason,
                set_by=c.override.set_by,
                set_at=to_proto(c.override.set_at),
            )
        )
    return out


def message(row: Any) -> pb.MessageSentiment:
    out = pb.MessageSentiment(
        message_id=row.message_id,
        conversation_id=row.conversation_id,
        customer_id=row.customer_id,
        label=LABELS[Label(row.label)],
        score=row.score,
        emotions=pb.Emotions(
            frustration=row.frustration,
            satisfaction=row.satisfaction,
            confusion=row.confusion,
            urgency=row.urgency,
        ),
        confidence=row.confidence,
        model_version=row.model_version,
        scored_at=to_proto(row.scored_at),
    )
    if getattr(row, "explanation", None):
        out.explanation.CopyFrom(stored_explanation(row.explanation))
    return out

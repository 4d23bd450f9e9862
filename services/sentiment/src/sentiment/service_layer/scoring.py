"""Scoring ingested customer messages: one model call per batch, scores stored, the
observations and reply timings folded, events emitted (in the consumer's transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from moodline.events.v1 import subjects
from moodline_kit.events import Event

from sentiment.adapters import events
from sentiment.adapters.repository import explanation_to_json
from sentiment.domain.aggregate import Observation
from sentiment.service_layer.aggregation import Timing, fold
from sentiment.service_layer.analyze import TextScorer, read_texts
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork


@dataclass(frozen=True, slots=True)
class MessageToScore:
    """A customer's message, as the scoring consumer received it."""

    tenant_id: uuid.UUID
    message_id: str
    conversation_id: str
    customer_id: str
    text: str
    sent_at: datetime | None


async def score_messages(
    messages: Sequence[MessageToScore],
    timings: Sequence[Timing],
    uow: SentimentUnitOfWork,
    scorer: TextScorer,
) -> int:
    """Score customer messages with one model call, store the scores, fold them (and the late
    replies the timings reveal, see domain/response.py) into conversation and customer
    sentiment, and emit the events, all in `uow`'s transaction (the caller commits). Returns
    how many messages were scored."""
    if not messages and not timings:
        return 0
    observations = await _score(messages, uow, scorer) if messages else []
    await fold(uow, observations, timings=timings)
    return len(messages)


async def _score(
    messages: Sequence[MessageToScore], uow: SentimentUnitOfWork, scorer: TextScorer
) -> list[tuple[uuid.UUID, str, str, Observation]]:
    """Score, store the scores, emit message.scored; the observations to fold."""
    scored = await read_texts(scorer, [m.text for m in messages])
    scores = [r.score for r in scored.readings]
    repo = uow.sentiment
    rows = []
    for m, reading in zip(messages, scored.readings, strict=True):
        s = reading.score
        rows.append(
            {
                "tenant_id": m.tenant_id,
                "message_id": m.message_id,
                "conversation_id": m.conversation_id,
                "customer_id": m.customer_id,
                "label": s.label.value,
                "score": s.score,
                "confidence": s.confidence,
                "frustration": s.emotions.frustration,
                "satisfaction": s.emotions.satisfaction,
                "confusion": s.emotions.confusion,
                "urgency": s.emotions.urgency,
                "model_version": scored.model_version,
                "sent_at": m.sent_at,
                "explanation": explanation_to_json(reading),
            }
        )
        uow.emit(
            Event(
                subjects.SENTIMENT_MESSAGE_SCORED,
                m.tenant_id,
                m.message_id,
                events.message_scored(
                    message_id=m.message_id,
                    conversation_id=m.conversation_id,
                    customer_id=m.customer_id,
                    score=s,
                    model_version=scored.model_version,
                ),
            )
        )
    await repo.add_scores(rows)
    return [
        (m.tenant_id, m.conversation_id, m.customer_id, Observation.of_message(s, m.message_id))
        for m, s in zip(messages, scores, strict=True)
    ]

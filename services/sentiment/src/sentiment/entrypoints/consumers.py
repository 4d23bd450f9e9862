"""NATS consumers: translate CONVERSATION events into the service layer's commands (no rule
here beyond which messages count as the customer's and which as a reply)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from moodline.conversation.v1 import conversation_pb2
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline_kit.events import unpack
from moodline_kit.timestamps import field_time

from sentiment.adapters import proto
from sentiment.service_layer import outcomes, scoring
from sentiment.service_layer.aggregation import Timing
from sentiment.service_layer.analyze import TextScorer
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork


def is_customer_message(m: conversation_events.MessageReceived) -> bool:
    if m.author == conversation_pb2.AUTHOR_CUSTOMER:
        return True
    return (
        m.author == conversation_pb2.AUTHOR_UNSPECIFIED
        and m.direction == conversation_pb2.DIRECTION_INBOUND
    )


def is_business_reply(m: conversation_events.MessageReceived) -> bool:
    """A staff agent's or the AI's message to the customer (ends the customer's wait)."""
    if m.author in (conversation_pb2.AUTHOR_AGENT, conversation_pb2.AUTHOR_AI):
        return True
    return (
        m.author == conversation_pb2.AUTHOR_UNSPECIFIED
        and m.direction == conversation_pb2.DIRECTION_OUTBOUND
    )


async def on_messages_received(
    envelopes: Sequence[envelope_pb2.EventEnvelope], uow: SentimentUnitOfWork, scorer: TextScorer
) -> int:
    """conversation.message.received, a batch at a time: the customer's messages with text are
    scored; the customer's and the business's timed messages run the reply clocks."""
    messages, timings = [], []
    for envelope in envelopes:
        if envelope.type != subjects.CONVERSATION_MESSAGE_RECEIVED:
            continue
        m = unpack(envelope, conversation_events.MessageReceived)
        tenant_id = uuid.UUID(envelope.tenant_id)
        sent_at = field_time(m, "sent_at")
        from_customer = is_customer_message(m)
        if from_customer and m.text.strip():
            messages.append(
                scoring.MessageToScore(
                    tenant_id, m.message_id, m.conversation_id, m.customer_id, m.text, sent_at
                )
            )
        if sent_at is not None and (from_customer or is_business_reply(m)):
            channel = proto.CHANNELS.get(m.channel)
            reply = not from_customer
            timings.append(
                Timing(tenant_id, m.conversation_id, m.customer_id, sent_at, reply, channel)
            )
    return await scoring.score_messages(messages, timings, uow, scorer)


async def on_outcome(envelope: envelope_pb2.EventEnvelope, uow: SentimentUnitOfWork) -> None:
    """conversation.conversation.{rated,escalated,closed}."""
    tenant_id = uuid.UUID(envelope.tenant_id)
    if envelope.type == subjects.CONVERSATION_CONVERSATION_RATED:
        rated = unpack(envelope, conversation_events.ConversationRated)
        outcome = outcomes.Outcome(
            tenant_id, rated.conversation_id, rated.customer_id, csat=rated.csat
        )
    elif envelope.type == subjects.CONVERSATION_CONVERSATION_ESCALATED:
        escalated = unpack(envelope, conversation_events.ConversationEscalated)
        outcome = outcomes.Outcome(
            tenant_id, escalated.conversation_id, escalated.customer_id, escalated=True
        )
    elif envelope.type == subjects.CONVERSATION_CONVERSATION_CLOSED:
        closed = unpack(envelope, conversation_events.ConversationClosed)
        csat = closed.csat if closed.HasField("csat") else None
        outcome = outcomes.Outcome(
            tenant_id, closed.conversation_id, closed.customer_id, csat, closed.escalated
        )
    else:
        return
    outcome = dataclasses.replace(outcome, at=field_time(envelope, "occurred_at"))
    await outcomes.record_outcome(outcome, uow)

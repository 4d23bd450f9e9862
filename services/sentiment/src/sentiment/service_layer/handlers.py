"""Commands and the handlers that apply them. Entry points (gRPC, consumers) only translate."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from moodline.conversation.v1 import conversation_pb2
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound
from moodline_kit.events import Event, unpack

from sentiment.adapters import proto
from sentiment.adapters.triton import MAX_BATCH, Scored
from sentiment.domain.aggregate import Aggregate, Observation
from sentiment.domain.customer import CustomerSentiment
from sentiment.domain.override import MAX_REASON, Override
from sentiment.domain.response import (
    Channel,
    ReplyClock,
    ReplyTargets,
    late_reply,
    target_errors,
)
from sentiment.domain.scoring import Label
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork

UowFactory = Callable[[], SentimentUnitOfWork]
MAX_TEXT_BYTES = 16 * 1024
# The model reads the first 64 tokens; sending more text only costs serialisation and
# tokenisation.
MODEL_TEXT_CHARS = 2000

MESSAGE_RECEIVED = subjects.CONVERSATION_MESSAGE_RECEIVED
CONVERSATION_RATED = subjects.CONVERSATION_CONVERSATION_RATED
CONVERSATION_ESCALATED = subjects.CONVERSATION_CONVERSATION_ESCALATED
CONVERSATION_CLOSED = subjects.CONVERSATION_CONVERSATION_CLOSED
MESSAGE_SCORED = subjects.SENTIMENT_MESSAGE_SCORED
CONVERSATION_CHANGED = subjects.SENTIMENT_CONVERSATION_CHANGED
CUSTOMER_CHANGED = subjects.SENTIMENT_CUSTOMER_CHANGED


class TextScorer(Protocol):
    async def score(self, texts: Sequence[str]) -> Scored: ...


# --- Analyze -------------------------------------------------------------------------------------
def validate_texts(texts: Sequence[str]) -> None:
    if not texts:
        raise InvalidArgument.of("texts", "give 1 to 256 texts")
    if len(texts) > MAX_BATCH:
        raise InvalidArgument.of("texts", f"at most {MAX_BATCH} texts per call")
    violations = []
    for i, text in enumerate(texts):
        if not text.strip():
            violations.append(FieldViolation(f"texts[{i}]", "must not be empty"))
        elif len(text.encode()) > MAX_TEXT_BYTES:
            violations.append(
                FieldViolation(f"texts[{i}]", f"at most {MAX_TEXT_BYTES} bytes of UTF-8")
            )
    if violations:
        raise InvalidArgument.of_all(violations)


async def analyze(*, texts: Sequence[str], scorer: TextScorer) -> Scored:
    validate_texts(texts)
    return await scorer.score([t[:MODEL_TEXT_CHARS] for t in texts])


# --- Scoring ingested messages ---------------------------------------------------------------
def is_customer_message(m: conversation_events.MessageReceived) -> bool:
    if m.author == conversation_pb2.AUTHOR_CUSTOMER:
        return True
    return (
        m.author == conversation_pb2.AUTHOR_UNSPECIFIED
        and m.direction == conversation_pb2.DIRECTION_INBOUND
    )


async def score_texts(scorer: TextScorer, texts: Sequence[str]) -> Scored:
    """Any number of texts, one model call per MAX_BATCH of them (run concurrently), scores in
    input order. A JetStream fetch can hand over more messages than it asked for (nats-py
    returns every message already queued for the subscription), so a batch of consumed
    events may exceed the model's batch limit."""
    if len(texts) <= MAX_BATCH:
        return await scorer.score(texts)
    parts = await asyncio.gather(
        *(scorer.score(texts[i : i + MAX_BATCH]) for i in range(0, len(texts), MAX_BATCH))
    )
    return Scored([s for part in parts for s in part.scores], parts[0].model_version)


def is_business_reply(m: conversation_events.MessageReceived) -> bool:
    """A staff agent's or the AI's message to the customer (ends the customer's wait)."""
    if m.author in (conversation_pb2.AUTHOR_AGENT, conversation_pb2.AUTHOR_AI):
        return True
    return (
        m.author == conversation_pb2.AUTHOR_UNSPECIFIED
        and m.direction == conversation_pb2.DIRECTION_OUTBOUND
    )


@dataclass
class _Pending:
    tenant_id: uuid.UUID
    message: conversation_events.MessageReceived


@dataclass(frozen=True, slots=True)
class Timing:
    """A message that starts (customer) or ends (business reply) a wait for a reply."""

    tenant_id: uuid.UUID
    conversation_id: str
    customer_id: str
    at: datetime
    reply: bool
    channel: Channel | None


async def score_messages(
    envelopes: Sequence[envelope_pb2.EventEnvelope], uow: SentimentUnitOfWork, scorer: TextScorer
) -> int:
    """Score new conversation.message.received events with one model call, store the scores,
    fold them (and late replies, see domain/response.py) into conversation and customer
    sentiment, and emit the events, all in `uow`'s transaction (the caller commits). Returns
    how many messages were scored."""
    pending = []
    timings = []
    for envelope in envelopes:
        if envelope.type != MESSAGE_RECEIVED:
            continue
        message = unpack(envelope, conversation_events.MessageReceived)
        tenant_id = uuid.UUID(envelope.tenant_id)
        from_customer = is_customer_message(message)
        if from_customer and message.text.strip():
            pending.append(_Pending(tenant_id, message))
        if message.HasField("sent_at") and (from_customer or is_business_reply(message)):
            timings.append(
                Timing(
                    tenant_id,
                    message.conversation_id,
                    message.customer_id,
                    message.sent_at.ToDatetime(tzinfo=UTC),
                    not from_customer,
                    proto.CHANNELS.get(message.channel),
                )
            )
    if not pending and not timings:
        return 0
    observations = await _score(pending, uow, scorer) if pending else []
    await _fold(uow, observations, timings=timings)
    return len(pending)


async def _score(
    pending: Sequence[_Pending], uow: SentimentUnitOfWork, scorer: TextScorer
) -> list[tuple[uuid.UUID, str, str, Observation]]:
    """Score, store the scores, emit message.scored; the observations to fold."""
    scored = await score_texts(scorer, [p.message.text[:MODEL_TEXT_CHARS] for p in pending])
    repo = uow.sentiment
    rows = []
    for p, s in zip(pending, scored.scores, strict=True):
        m = p.message
        rows.append(
            {
                "tenant_id": p.tenant_id,
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
                "sent_at": m.sent_at.ToDatetime(tzinfo=UTC) if m.HasField("sent_at") else None,
            }
        )
        uow.emit(
            Event(
                MESSAGE_SCORED,
                p.tenant_id,
                m.message_id,
                sentiment_events.MessageScored(
                    message_id=m.message_id,
                    conversation_id=m.conversation_id,
                    customer_id=m.customer_id,
                    label=proto.LABELS[s.label],
                    score=s.score,
                    emotions=proto.emotions(s.emotions),
                    confidence=s.confidence,
                    model_version=scored.model_version,
                ),
            )
        )
    await repo.add_scores(rows)
    return [
        (p.tenant_id, p.message.conversation_id, p.message.customer_id, Observation.of_message(s))
        for p, s in zip(pending, scored.scores, strict=True)
    ]


def _stored_clock(row: Any) -> ReplyClock:
    return ReplyClock(row.awaiting_reply_since, row.last_reply_at)


@dataclass(frozen=True, slots=True)
class Wait:
    """A customer's wait for a reply, ended by a business reply."""

    tenant_id: uuid.UUID
    conversation_id: str
    customer_id: str
    waited: timedelta
    channel: Channel | None


def _run_clocks(
    conversations: dict[tuple[uuid.UUID, str], Any], timings: Sequence[Timing]
) -> tuple[dict[tuple[uuid.UUID, str], ReplyClock], list[Wait]]:
    """The reply clocks of the conversations the timings touch, after them (in order of
    sending), and the waits that replies ended."""
    clocks: dict[tuple[uuid.UUID, str], ReplyClock] = {}
    waits = []
    for t in sorted(timings, key=lambda t: t.at):
        key = (t.tenant_id, t.conversation_id)
        row = conversations[key]
        clock = clocks.get(key) or _stored_clock(row)
        if not t.reply:
            clocks[key] = clock.customer_wrote(t.at)
            continue
        clocks[key], waited = clock.business_replied(t.at)
        if waited is not None and t.channel is not None:
            waits.append(Wait(t.tenant_id, t.conversation_id, row.customer_id, waited, t.channel))
    return clocks, waits


async def _late_replies(
    uow: SentimentUnitOfWork, waits: Sequence[Wait]
) -> list[tuple[uuid.UUID, str, str, Observation]]:
    """The observations of the waits that exceeded their tenant's target for the channel."""
    targets = await uow.sentiment.reply_targets(w.tenant_id for w in waits)
    late = []
    for w in waits:
        observation = late_reply(w.waited, w.channel, targets[w.tenant_id])
        if observation is not None:
            late.append((w.tenant_id, w.conversation_id, w.customer_id, observation))
    return late


async def _fold(
    uow: SentimentUnitOfWork,
    observations: Sequence[tuple[uuid.UUID, str, str, Observation]],
    conversation_flags: dict[tuple[uuid.UUID, str], dict[str, bool]] | None = None,
    *,
    timings: Sequence[Timing] = (),
) -> None:
    """Add observations (tenant, conversation, customer, observation), in order, to their
    conversation and customer aggregates, then the late replies `timings` reveal; emit the
    change events."""
    repo = uow.sentiment
    keys = {(t, cv): cu for t, cv, cu, _ in observations}
    for t in timings:
        keys.setdefault((t.tenant_id, t.conversation_id), t.customer_id)
    conversations = await repo.lock_conversations(keys)
    clocks, waits = _run_clocks(conversations, timings) if timings else ({}, [])
    if waits:
        observations = [*observations, *await _late_replies(uow, waits)]
    conv_state: dict[tuple[uuid.UUID, str], Aggregate] = {
        k: Aggregate.from_state(r.state) for k, r in conversations.items()
    }
    before = dict(conv_state)
    customers = (
        await repo.lock_customers((t, cu) for t, _, cu, _ in observations) if observations else {}
    )
    cust_state = {k: c for k, (c, _) in customers.items()}
    for tenant_id, conversation_id, customer_id, o in observations:
        conv_state[(tenant_id, conversation_id)] = conv_state[(tenant_id, conversation_id)].observe(
            o
        )
        cust_state[(tenant_id, customer_id)] = cust_state[(tenant_id, customer_id)].observe(o)
    observed = {(t, cv) for t, cv, _, _ in observations}
    conv_rows = []
    for key, agg in conv_state.items():
        old = before[key]
        found = conversations[key]
        customer_id = found.customer_id
        clock = clocks.get(key) or _stored_clock(found)
        row = {
            "tenant_id": key[0],
            "conversation_id": key[1],
            "customer_id": customer_id,
            "state": agg.to_state(),
            "label": agg.label.value,
            "score": agg.score,
            "trend": agg.trend.value,
            "csat_counted": found.csat_counted,
            "escalation_counted": found.escalation_counted,
            "updated_at": datetime.now(UTC),
            "awaiting_reply_since": clock.awaiting_since,
            "last_reply_at": clock.last_reply_at,
        }
        row.update((conversation_flags or {}).get(key, {}))
        conv_rows.append(row)
        if key in observed and (
            agg.label != old.label or agg.trend != old.trend or not old.observations
        ):
            uow.emit(
                Event(
                    CONVERSATION_CHANGED,
                    key[0],
                    key[1],
                    sentiment_events.ConversationSentimentChanged(
                        conversation_id=key[1],
                        customer_id=customer_id,
                        sentiment=proto.shown(CustomerSentiment(aggregate=agg).computed),
                        previous_label=proto.LABELS[old.label] if old.observations else 0,
                    ),
                )
            )
    await repo.save_conversations(conv_rows)
    if cust_state:
        await _save_customers(uow, cust_state)


async def _save_customers(
    uow: SentimentUnitOfWork,
    customers: dict[tuple[uuid.UUID, str], CustomerSentiment],
    *,
    force: bool = False,
) -> None:
    out = {}
    for (tenant_id, customer_id), c in customers.items():
        if force or c.should_publish():
            uow.emit(
                Event(
                    CUSTOMER_CHANGED,
                    tenant_id,
                    customer_id,
                    sentiment_events.CustomerSentimentChanged(
                        customer_id=customer_id,
                        sentiment=proto.shown(c.shown),
                        previous_label=proto.LABELS[c.published_label] if c.published_label else 0,
                        source=proto.SOURCES[c.source],
                        explanation=c.explanation(),
                    ),
                )
            )
            c = c.mark_published()
        out[(tenant_id, customer_id)] = c
    await uow.sentiment.save_customers(out)


# --- Conversation outcome signals ------------------------------------------------------------
async def apply_outcome(envelope: envelope_pb2.EventEnvelope, uow: SentimentUnitOfWork) -> None:
    """conversation.conversation.{rated,escalated,closed}: a CSAT and an escalation each count
    once per conversation (a later change of the rating is not counted again)."""
    tenant_id = uuid.UUID(envelope.tenant_id)
    csat: int | None = None
    escalated = False
    if envelope.type == CONVERSATION_RATED:
        e = unpack(envelope, conversation_events.ConversationRated)
        csat = e.csat
    elif envelope.type == CONVERSATION_ESCALATED:
        e = unpack(envelope, conversation_events.ConversationEscalated)
        escalated = True
    elif envelope.type == CONVERSATION_CLOSED:
        e = unpack(envelope, conversation_events.ConversationClosed)
        csat = e.csat if e.HasField("csat") else None
        escalated = e.escalated
    else:
        return
    key = (tenant_id, e.conversation_id)
    found = (await uow.sentiment.lock_conversations({key: e.customer_id}))[key]
    observations = []
    flags = {}
    if csat is not None and 1 <= csat <= 5 and not found.csat_counted:
        observations.append(
            (tenant_id, e.conversation_id, e.customer_id, Observation.of_csat(csat))
        )
        flags["csat_counted"] = True
    if escalated and not found.escalation_counted:
        observations.append(
            (tenant_id, e.conversation_id, e.customer_id, Observation.of_escalation())
        )
        flags["escalation_counted"] = True
    if observations:
        await _fold(uow, observations, {key: flags})


# --- Settings --------------------------------------------------------------------------------
def _settings(targets: ReplyTargets) -> pb.SentimentSettings:
    return pb.SentimentSettings(reply_target_minutes=targets.minutes())


async def get_settings(*, tenant_id: uuid.UUID, uow: UowFactory) -> pb.SentimentSettings:
    async with uow() as u:
        targets = await u.sentiment.reply_targets([tenant_id])
    return _settings(targets[tenant_id])


async def update_settings(
    *, tenant_id: uuid.UUID, reply_target_minutes: dict[str, int], uow: UowFactory
) -> pb.SentimentSettings:
    """Change the named channels' reply targets; a bad one changes nothing. Waits ended after
    the change are judged by the new targets; waits already judged stay as they were."""
    errors = target_errors(reply_target_minutes)
    if errors:
        violations = [
            FieldViolation(f"reply_target_minutes.{name}", why)
            for name, why in sorted(errors.items())
        ]
        raise InvalidArgument.of_all(violations)
    if not reply_target_minutes:
        return await get_settings(tenant_id=tenant_id, uow=uow)
    async with uow() as u:
        targets = await u.sentiment.change_reply_targets(tenant_id, reply_target_minutes)
        await u.commit()
    return _settings(targets)


# --- Overrides and reads ---------------------------------------------------------------------
async def set_override(
    *,
    tenant_id: uuid.UUID,
    customer_id: str,
    label: int,
    reason: str,
    set_by: str,
    uow: UowFactory,
) -> pb.CustomerSentiment:
    violations = []
    if not customer_id.strip():
        violations.append(FieldViolation("customer_id", "is required"))
    if label not in proto.LABELS_BACK:
        violations.append(FieldViolation("label", "must be HAPPY, NEUTRAL or FRUSTRATED"))
    if not reason.strip():
        violations.append(FieldViolation("reason", "is required"))
    elif len(reason) > MAX_REASON:
        violations.append(FieldViolation("reason", f"at most {MAX_REASON} characters"))
    if not set_by.strip():
        violations.append(FieldViolation("set_by", "is required"))
    if violations:
        raise InvalidArgument.of_all(violations)
    async with uow() as u:
        key = (tenant_id, customer_id)
        current, _ = (await u.sentiment.lock_customers([key]))[key]
        override = Override(
            label=proto.LABELS_BACK[label],
            reason=reason.strip(),
            set_by=set_by,
            set_at=datetime.now(UTC),
        )
        updated = current.with_override(override)
        await _save_customers(u, {key: updated}, force=True)
        await u.commit()
    return proto.customer(customer_id, updated, datetime.now(UTC))


async def clear_override(
    *, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory
) -> pb.CustomerSentiment:
    if not customer_id.strip():
        raise InvalidArgument.of("customer_id", "is required")
    async with uow() as u:
        key = (tenant_id, customer_id)
        row = await u.sentiment.get_customer(tenant_id, customer_id)
        if row is None or row.override is None:
            return await get_customer(tenant_id=tenant_id, customer_id=customer_id, uow=uow)
        current, _ = (await u.sentiment.lock_customers([key]))[key]
        updated = current.with_override(None)
        await _save_customers(u, {key: updated})
        await u.commit()
    return proto.customer(customer_id, updated, datetime.now(UTC))


async def get_customer(
    *, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory
) -> pb.CustomerSentiment:
    from sentiment.adapters.repository import customer_from_row

    async with uow() as u:
        row = await u.sentiment.get_customer(tenant_id, customer_id)
    if row is None:
        return proto.customer(customer_id, CustomerSentiment(), None)
    return proto.customer(customer_id, customer_from_row(row), row.updated_at)


async def get_message(
    *, tenant_id: uuid.UUID, message_id: str, uow: UowFactory
) -> pb.MessageSentiment:
    async with uow() as u:
        row = await u.sentiment.get_score(tenant_id, message_id)
    if row is None:
        raise NotFound(f"message {message_id} has not been scored")
    return proto.message(row)


async def get_conversation(
    *, tenant_id: uuid.UUID, conversation_id: str, uow: UowFactory
) -> pb.ConversationSentiment:
    async with uow() as u:
        row: Any = await u.sentiment.get_conversation(tenant_id, conversation_id)
    agg = Aggregate.from_state(row.state) if row is not None else Aggregate()
    if not agg.observations:  # no row, or only the reply clock of business messages
        raise NotFound(f"conversation {conversation_id} has no sentiment")
    return pb.ConversationSentiment(
        conversation_id=conversation_id,
        customer_id=row.customer_id,
        sentiment=proto.shown(CustomerSentiment(aggregate=agg).computed),
        message_count=agg.messages,
        updated_at=proto.ts(row.updated_at),
    )


__all__ = ["Label"]

"""Folding observations into conversation and customer sentiment (with the reply clocks and
late replies), and publishing what changed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from moodline.events.v1 import subjects
from moodline_kit.events import Event

from sentiment.adapters import events
from sentiment.domain.aggregate import VERY_LATE_REPLY_POLARITY, Aggregate, Observation
from sentiment.domain.customer import CustomerSentiment
from sentiment.domain.response import (
    Channel,
    ReplyClock,
    late_reply,
)
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork


@dataclass(frozen=True, slots=True)
class Timing:
    """A message that starts (customer) or ends (business reply) a wait for a reply."""

    tenant_id: uuid.UUID
    conversation_id: str
    customer_id: str
    at: datetime
    reply: bool
    channel: Channel | None


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
    replied_at: datetime


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
            waits.append(
                Wait(t.tenant_id, t.conversation_id, row.customer_id, waited, t.channel, t.at)
            )
    return clocks, waits


async def _late_replies(
    uow: SentimentUnitOfWork, waits: Sequence[Wait]
) -> list[tuple[uuid.UUID, str, str, Observation]]:
    """The observations of the waits that exceeded their tenant's target for the channel, each
    also kept as a row in this transaction (a merge replays them: customer_data.py)."""
    targets = await uow.sentiment.reply_targets(w.tenant_id for w in waits)
    late, rows = [], []
    for w in waits:
        observation = late_reply(w.waited, w.channel, targets[w.tenant_id])
        if observation is not None:
            late.append((w.tenant_id, w.conversation_id, w.customer_id, observation))
            rows.append(
                {
                    "tenant_id": w.tenant_id,
                    "conversation_id": w.conversation_id,
                    "replied_at": w.replied_at,
                    "customer_id": w.customer_id,
                    "very_late": observation.polarity == VERY_LATE_REPLY_POLARITY,
                }
            )
    await uow.sentiment.add_late_replies(rows)
    return late


async def fold(
    uow: SentimentUnitOfWork,
    observations: Sequence[tuple[uuid.UUID, str, str, Observation]],
    conversation_flags: dict[tuple[uuid.UUID, str], dict[str, Any]] | None = None,
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
            "csat": found.csat,
            "csat_at": found.csat_at,
            "escalated_at": found.escalated_at,
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
                    subjects.SENTIMENT_CONVERSATION_CHANGED,
                    key[0],
                    key[1],
                    events.conversation_changed(
                        key[1], customer_id, CustomerSentiment(aggregate=agg).computed, old
                    ),
                )
            )
    await repo.save_conversations(conv_rows)
    if cust_state:
        await save_customers(uow, cust_state)


async def save_customers(
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
                    subjects.SENTIMENT_CUSTOMER_CHANGED,
                    tenant_id,
                    customer_id,
                    events.customer_changed(customer_id, c),
                )
            )
            c = c.mark_published()
        out[(tenant_id, customer_id)] = c
    await uow.sentiment.save_customers(out)

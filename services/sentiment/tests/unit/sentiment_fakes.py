"""The sentiment repository in memory (rows as attribute objects, as SQLAlchemy returns them),
a fake unit of work over it, and a scorer that answers without a model."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from moodline_devkit.testing.fakes import FakeUnitOfWork
from sentiment.adapters.repository import customer_from_row, override_to_json
from sentiment.adapters.triton import Scored
from sentiment.domain.customer import CustomerSentiment
from sentiment.domain.response import ReplyTargets
from sentiment.domain.scoring import Emotions, Label, Score

Key = tuple[uuid.UUID, str]


@dataclass
class Store:
    scores: dict[Key, SimpleNamespace] = field(default_factory=dict)
    conversations: dict[Key, SimpleNamespace] = field(default_factory=dict)
    customers: dict[Key, SimpleNamespace] = field(default_factory=dict)
    # (tenant, conversation, replied_at) -> row
    late_replies: dict[tuple[uuid.UUID, str, datetime], SimpleNamespace] = field(
        default_factory=dict
    )
    reply_minutes: dict[uuid.UUID, dict[str, int]] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


class InMemorySentiment:
    def __init__(self, store: Store) -> None:
        self._s = store

    async def add_scores(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for row in rows:
            key = (row["tenant_id"], row["message_id"])
            self._s.scores.setdefault(key, SimpleNamespace(**row, scored_at=_now()))

    async def get_score(self, tenant_id: uuid.UUID, message_id: str) -> Any:
        return self._s.scores.get((tenant_id, message_id))

    async def lock_conversations(self, keys: Mapping[Key, str]) -> dict[Key, Any]:
        for key, customer_id in keys.items():
            self._s.conversations.setdefault(
                key,
                SimpleNamespace(
                    tenant_id=key[0],
                    conversation_id=key[1],
                    customer_id=customer_id,
                    state={},
                    csat_counted=False,
                    escalation_counted=False,
                    csat=None,
                    csat_at=None,
                    escalated_at=None,
                    awaiting_reply_since=None,
                    last_reply_at=None,
                    updated_at=_now(),
                ),
            )
        return {key: self._s.conversations[key] for key in keys}

    async def save_conversations(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self._s.conversations[(row["tenant_id"], row["conversation_id"])] = SimpleNamespace(
                **row
            )

    async def add_late_replies(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for row in rows:
            key = (row["tenant_id"], row["conversation_id"], row["replied_at"])
            self._s.late_replies.setdefault(key, SimpleNamespace(**row))

    async def get_conversation(self, tenant_id: uuid.UUID, conversation_id: str) -> Any:
        return self._s.conversations.get((tenant_id, conversation_id))

    async def lock_customers(self, keys: Iterable[Key]) -> dict[Key, tuple[CustomerSentiment, Any]]:
        found = {}
        for key in set(keys):
            row = self._s.customers.setdefault(
                key, SimpleNamespace(state={}, override=None, published=None, updated_at=_now())
            )
            found[key] = (customer_from_row(row), row)
        return found

    async def save_customers(self, customers: Mapping[Key, CustomerSentiment]) -> None:
        for key, c in customers.items():
            published = None
            if c.published_label is not None:
                published = {
                    "label": c.published_label.value,
                    "score": c.published_score,
                    "trend": c.published_trend.value,
                }
            self._s.customers[key] = SimpleNamespace(
                state=c.aggregate.to_state(),
                override=override_to_json(c.override),
                published=published,
                label=c.shown.label.value,
                updated_at=_now(),
            )

    async def get_customer(self, tenant_id: uuid.UUID, customer_id: str) -> Any:
        return self._s.customers.get((tenant_id, customer_id))

    async def reply_targets(self, tenant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ReplyTargets]:
        return {
            t: ReplyTargets.from_minutes(self._s.reply_minutes.get(t, {})) for t in set(tenant_ids)
        }

    async def change_reply_targets(
        self, tenant_id: uuid.UUID, minutes: Mapping[str, int]
    ) -> ReplyTargets:
        self._s.reply_minutes.setdefault(tenant_id, {}).update(minutes)
        return ReplyTargets.from_minutes(self._s.reply_minutes[tenant_id])


class InMemoryCustomerData:
    """A merge moves scores, conversation rows and late replies to the survivor and drops the
    duplicate's customer row; an erasure blanks an override's reason."""

    def __init__(self, store: Store) -> None:
        self._s = store

    def _of(self, rows: Iterable[SimpleNamespace], tenant_id: uuid.UUID, customer_id: str) -> list:
        return [r for r in rows if (r.tenant_id, r.customer_id) == (tenant_id, customer_id)]

    async def reassign(self, tenant_id: uuid.UUID, from_id: str, to_id: str) -> None:
        s = self._s
        for rows in (s.scores, s.conversations, s.late_replies):
            for row in self._of(rows.values(), tenant_id, from_id):
                row.customer_id = to_id
        s.customers.pop((tenant_id, from_id), None)

    async def scores_of(self, tenant_id: uuid.UUID, customer_id: str) -> list[SimpleNamespace]:
        rows = self._of(self._s.scores.values(), tenant_id, customer_id)
        first = datetime.min.replace(tzinfo=UTC)  # nulls first
        return sorted(rows, key=lambda r: (r.sent_at or first, r.scored_at, r.message_id))

    async def outcomes_of(self, tenant_id: uuid.UUID, customer_id: str) -> list[SimpleNamespace]:
        rows = self._of(self._s.conversations.values(), tenant_id, customer_id)
        return [r for r in rows if r.csat_counted or r.escalation_counted]

    async def late_replies_of(
        self, tenant_id: uuid.UUID, customer_id: str
    ) -> list[SimpleNamespace]:
        return self._of(self._s.late_replies.values(), tenant_id, customer_id)

    async def erase(self, tenant_id: uuid.UUID, customer_id: str) -> None:
        row = self._s.customers.get((tenant_id, customer_id))
        if row is not None and row.override is not None:
            row.override = {**row.override, "reason": ""}


class FakeSentimentUnitOfWork(FakeUnitOfWork):
    sentiment: InMemorySentiment
    customer_data: InMemoryCustomerData

    def __init__(self) -> None:
        super().__init__(Store())

    def _start(self) -> None:
        self.sentiment = InMemorySentiment(self.store)
        self.customer_data = InMemoryCustomerData(self.store)


class WordScorer:
    """Frustrated when a text says "wrong", happy when it says "thanks", neutral otherwise."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def score(self, texts: Sequence[str]) -> Scored:
        self.calls.append(list(texts))
        return Scored([self._one(t) for t in texts], "test-1")

    @staticmethod
    def _one(text: str) -> Score:
        if "wrong" in text:
            return Score(Label.FRUSTRATED, -0.9, 0.9, Emotions(frustration=0.9))
        if "thanks" in text:
            return Score(Label.HAPPY, 0.9, 0.9, Emotions(satisfaction=0.9))
        return Score(Label.NEUTRAL, 0.0, 0.8, Emotions())

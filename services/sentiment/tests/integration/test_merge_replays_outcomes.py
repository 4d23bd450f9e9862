"""A merge rebuilds the survivor's customer sentiment from both customers' scored messages and
their conversations' CSAT ratings, escalations and late replies, in order (real PostgreSQL; no
Triton: a word scorer stands in for the model)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from moodline.enums import Channel
from moodline_kit.db import create_engine, session_factory
from sentiment.adapters.tables import customer_sentiment, kit, late_replies
from sentiment.adapters.triton import Scored
from sentiment.domain.aggregate import Aggregate, Observation
from sentiment.domain.scoring import Emotions, Label, Score
from sentiment.service_layer import outcomes, scoring
from sentiment.service_layer.aggregation import Timing
from sentiment.service_layer.customer_data import reassign
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork
from sentiment.testing import migrate
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

HAPPY = Score(Label.HAPPY, 0.9, 0.9, Emotions(satisfaction=0.9))
FRUSTRATED = Score(Label.FRUSTRATED, -0.9, 0.9, Emotions(frustration=0.9))
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


class Words:
    async def score(self, texts: Sequence[str]) -> Scored:
        return Scored([FRUSTRATED if "wrong" in t else HAPPY for t in texts], "test-1")


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def engine(database_factory) -> AsyncIterator[AsyncEngine]:
    url = await database_factory("sentiment_merge")
    await migrate(url)
    engine = create_engine(url, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


class Tenant:
    """One tenant's events, each applied and committed as the consumers would."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.id = uuid.uuid4()
        self.engine = engine
        self.uow: Callable[[], SentimentUnitOfWork] = partial(
            SentimentUnitOfWork, session_factory(engine), kit, source="sentiment"
        )

    async def say(self, n: int, customer: str, conversation: str, text: str, at: datetime) -> None:
        """The customer's message, scored; over SMS it also starts a wait for a reply."""
        message = scoring.MessageToScore(self.id, f"m{n}", conversation, customer, text, at)
        timing = Timing(self.id, conversation, customer, at, False, Channel.SMS)
        async with self.uow() as work:
            await scoring.score_messages([message], [timing], work, Words())
            await work.commit()

    async def reply(self, customer: str, conversation: str, at: datetime) -> None:
        """The business's SMS reply (target 1 h: late after it, very late after 4 h)."""
        timing = Timing(self.id, conversation, customer, at, True, Channel.SMS)
        async with self.uow() as work:
            await scoring.score_messages([], [timing], work, Words())
            await work.commit()

    async def outcome(self, customer: str, conversation: str, at: datetime, **signal: Any) -> None:
        async with self.uow() as work:
            outcome = outcomes.Outcome(self.id, conversation, customer, at=at, **signal)
            await outcomes.record_outcome(outcome, work)
            await work.commit()

    async def merge(self, duplicate: str, survivor: str) -> None:
        async with self.uow() as work:
            await reassign(work, self.id, uuid.UUID(duplicate), uuid.UUID(survivor))
            await work.commit()

    async def rows(self, table: sa.Table) -> Sequence[Any]:
        async with self.engine.connect() as conn:
            return (await conn.execute(sa.select(table).where(table.c.tenant_id == self.id))).all()


async def test_a_merge_replays_csat_and_escalations_into_the_survivor(engine):
    tenant = Tenant(engine)
    survivor, duplicate = str(uuid.uuid4()), str(uuid.uuid4())
    t0 = T0
    await tenant.say(1, survivor, "s1", "thanks", t0)
    await tenant.outcome(survivor, "s1", t0 + timedelta(minutes=5), csat=5)
    await tenant.say(2, duplicate, "d1", "this is wrong", t0 + timedelta(minutes=10))
    await tenant.outcome(duplicate, "d1", t0 + timedelta(minutes=12), escalated=True)
    await tenant.say(3, duplicate, "d1", "still wrong", t0 + timedelta(minutes=20))
    await tenant.outcome(duplicate, "d1", t0 + timedelta(minutes=30), csat=1)
    await tenant.merge(duplicate, survivor)
    rows = await tenant.rows(customer_sentiment)
    assert [r.customer_id for r in rows] == [survivor]
    rebuilt = Aggregate.from_state(rows[0].state)
    happy, sad = Observation.of_message(HAPPY, "m1"), Observation.of_message(FRUSTRATED)
    expected = Aggregate().observe_all(
        [happy, Observation.of_csat(5), sad, Observation.of_escalation(), sad,
         Observation.of_csat(1)]
    )  # fmt: skip
    assert (rebuilt.observations, rebuilt.messages) == (6, 3)
    assert rebuilt.score == pytest.approx(expected.score)
    assert rows[0].label == expected.label.value == "Frustrated"
    assert rows[0].score == pytest.approx(expected.score)
    assert [c.source for c in rebuilt.contributors()] == [
        "csat", "m3", "escalation", "m2", "csat", "m1"
    ]  # fmt: skip
    messages_only = Aggregate().observe_all([happy, sad, sad])
    assert rebuilt.score != pytest.approx(messages_only.score)  # what the merge gave before


async def test_a_merge_replays_late_replies_as_if_one_customer_saw_it_all(engine):
    # The same story twice: in one tenant a survivor and a duplicate each live part of it and
    # are merged; in another one customer lives all of it, every event applied in time order.
    merged, alone = Tenant(engine), Tenant(engine)
    survivor, duplicate, reference = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    for tenant, s, d in ((merged, survivor, duplicate), (alone, reference, reference)):
        await tenant.say(1, s, "s1", "thanks", T0)
        await tenant.outcome(s, "s1", T0 + timedelta(minutes=5), csat=5)
        await tenant.say(2, d, "d1", "this is wrong", T0 + timedelta(minutes=10))
        await tenant.outcome(d, "d1", T0 + timedelta(minutes=12), escalated=True)
        await tenant.reply(d, "d1", T0 + timedelta(hours=2, minutes=10))  # late: 2 h
        await tenant.say(3, d, "d1", "still wrong", T0 + timedelta(hours=2, minutes=20))
        await tenant.reply(s, "s1", T0 + timedelta(hours=5))  # very late: 5 h
        await tenant.say(4, s, "s1", "wrong again", T0 + timedelta(hours=5, minutes=10))
    kept = await merged.rows(late_replies)
    assert {(r.conversation_id, r.customer_id, r.very_late) for r in kept} == {
        ("d1", duplicate, False),
        ("s1", survivor, True),
    }
    await merged.merge(duplicate, survivor)
    moved = {(r.conversation_id, r.customer_id) for r in await merged.rows(late_replies)}
    assert moved == {("d1", survivor), ("s1", survivor)}
    [row] = await merged.rows(customer_sentiment)
    [seen] = await alone.rows(customer_sentiment)
    rebuilt, lived = Aggregate.from_state(row.state), Aggregate.from_state(seen.state)
    assert (rebuilt.observations, rebuilt.messages) == (8, 4)
    assert (lived.observations, lived.messages) == (8, 4)
    assert [c.source for c in rebuilt.contributors()] == [c.source for c in lived.contributors()]
    assert [c.source for c in rebuilt.contributors()][:3] == ["m4", "late_reply", "m3"]
    state, reference_state = rebuilt.to_state(), lived.to_state()
    for part in ("w", "s", "sw", "ss", "ew"):  # the fast and slow sums, the emotions' weight
        assert state[part] == pytest.approx(reference_state[part])
    assert (row.label, row.score, row.trend) == (seen.label, pytest.approx(seen.score), seen.trend)
    # without the late replies (6 observations) the merge would give Neutral, -0.21, stable
    assert (row.label, row.trend) == ("Frustrated", "declining")

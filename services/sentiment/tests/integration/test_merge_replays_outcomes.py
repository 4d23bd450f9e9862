"""A merge rebuilds the survivor's customer sentiment from both customers' scored messages and
their conversations' CSAT ratings and escalations, in order (real PostgreSQL; no Triton: a
word scorer stands in for the model)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from moodline_kit.db import create_engine, session_factory
from sentiment.adapters.tables import customer_sentiment, kit
from sentiment.adapters.triton import Scored
from sentiment.domain.aggregate import Aggregate, Observation
from sentiment.domain.scoring import Emotions, Label, Score
from sentiment.service_layer import outcomes, scoring
from sentiment.service_layer.customer_data import reassign
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork
from sentiment.testing import migrate

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

HAPPY = Score(Label.HAPPY, 0.9, 0.9, Emotions(satisfaction=0.9))
FRUSTRATED = Score(Label.FRUSTRATED, -0.9, 0.9, Emotions(frustration=0.9))


class Words:
    async def score(self, texts: Sequence[str]) -> Scored:
        return Scored([FRUSTRATED if "wrong" in t else HAPPY for t in texts], "test-1")


async def test_a_merge_replays_csat_and_escalations_into_the_survivor(database_factory):
    url = await database_factory("sentiment_merge")
    await migrate(url)
    engine = create_engine(url, pool_size=2)
    uow = partial(SentimentUnitOfWork, session_factory(engine), kit, source="sentiment")
    tenant = uuid.uuid4()
    survivor, duplicate = str(uuid.uuid4()), str(uuid.uuid4())
    t0 = datetime(2026, 12, 1, 9, tzinfo=UTC)

    async def say(n: int, customer: str, conversation: str, text: str, at: datetime) -> None:
        message = scoring.MessageToScore(tenant, f"m{n}", conversation, customer, text, at)
        async with uow() as work:
            await scoring.score_messages([message], [], work, Words())
            await work.commit()

    async def outcome(customer: str, conversation: str, at: datetime, **signal: object) -> None:
        async with uow() as work:
            await outcomes.record_outcome(
                outcomes.Outcome(tenant, conversation, customer, at=at, **signal),  # type: ignore[arg-type]
                work,
            )
            await work.commit()

    try:
        await say(1, survivor, "s1", "thanks", t0)
        await outcome(survivor, "s1", t0 + timedelta(minutes=5), csat=5)
        await say(2, duplicate, "d1", "this is wrong", t0 + timedelta(minutes=10))
        await outcome(duplicate, "d1", t0 + timedelta(minutes=12), escalated=True)
        await say(3, duplicate, "d1", "still wrong", t0 + timedelta(minutes=20))
        await outcome(duplicate, "d1", t0 + timedelta(minutes=30), csat=1)
        async with uow() as work:
            await reassign(work, tenant, uuid.UUID(duplicate), uuid.UUID(survivor))
            await work.commit()
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(customer_sentiment).where(customer_sentiment.c.tenant_id == tenant)
                )
            ).all()
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
    finally:
        await engine.dispose()

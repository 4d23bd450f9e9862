"""conversation.message.received -> scored once, stored, aggregated, events out; overrides; and
Triton stopped mid-stream and restarted: every message is scored exactly once."""

import asyncio
import uuid

import nats
import pytest
import sqlalchemy as sa
from moodline.conversation.v1 import conversation_pb2
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import envelope_pb2
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline_kit import nats as kit_nats
from moodline_kit.events import Event, to_envelope, unpack
from sentiment.adapters.tables import message_scores
from sentiment.testing import TritonServer, migrate, running_sentiment_service
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

HAPPY = "Thank you so much, everything was perfect, I love it!"
ANGRY = "This is unacceptable, my refund is late again and nobody answers. I am furious."


def received(tenant, customer, conversation, text, *, author=conversation_pb2.AUTHOR_CUSTOMER):
    mid = str(uuid.uuid4())
    return Event(
        "conversation.message.received",
        tenant,
        conversation,
        conversation_events.MessageReceived(
            message_id=mid,
            conversation_id=conversation,
            customer_id=customer,
            author=author,
            direction=conversation_pb2.DIRECTION_INBOUND,
            text=text,
        ),
    )


async def publish(js, events, *, twice=False):
    for e in events:
        data = to_envelope(e, source="test").SerializeToString()
        await js.publish(e.subject, data, headers={"Nats-Msg-Id": str(e.event_id)})
        if twice:  # a duplicate the broker cannot see (no de-duplication header)
            await js.publish(e.subject, data)


async def until(predicate, seconds=60.0):
    for _ in range(int(seconds / 0.2)):
        if await predicate():
            return True
        await asyncio.sleep(0.2)
    return False


async def test_messages_are_scored_aggregated_and_published(sentiment_service, infra_urls, tenant):
    tenant_id = uuid.UUID(tenant[0][1])
    customer, conversation = str(uuid.uuid4()), str(uuid.uuid4())
    nc = await nats.connect(infra_urls.nats_url)
    js = nc.jetstream()
    sub = await js.subscribe("sentiment.>", ordered_consumer=True, deliver_policy="new")
    try:
        events = [received(tenant_id, customer, conversation, ANGRY) for _ in range(3)]
        agent = received(
            tenant_id, customer, conversation, "Sorry!", author=conversation_pb2.AUTHOR_AGENT
        )
        await publish(js, [*events, agent], twice=True)
        stub = sentiment_service.stub

        async def customer_frustrated():
            c = await stub.GetCustomerSentiment(
                pb.GetCustomerSentimentRequest(customer_id=customer), metadata=tenant
            )
            return c.message_count == 3 and c.sentiment.label == pb.SENTIMENT_LABEL_FRUSTRATED

        assert await until(customer_frustrated)
        msg = await stub.GetMessageSentiment(
            pb.GetMessageSentimentRequest(message_id=events[0].payload.message_id),
            metadata=tenant,
        )
        assert msg.label == pb.SENTIMENT_LABEL_FRUSTRATED and msg.customer_id == customer
        conv = await stub.GetConversationSentiment(
            pb.GetConversationSentimentRequest(conversation_id=conversation), metadata=tenant
        )
        assert conv.message_count == 3
        # Override to Happy; it holds for two more messages and lapses at the third.
        set_ = await stub.SetSentimentOverride(
            pb.SetSentimentOverrideRequest(
                customer_id=customer,
                label=pb.SENTIMENT_LABEL_HAPPY,
                reason="refund sent by phone",
                set_by="staff-1",
            ),
            metadata=tenant,
        )
        assert set_.source == pb.SENTIMENT_SOURCE_OVERRIDE
        assert set_.sentiment.label == pb.SENTIMENT_LABEL_HAPPY
        assert set_.computed.label == pb.SENTIMENT_LABEL_FRUSTRATED
        await publish(js, [received(tenant_id, customer, conversation, ANGRY) for _ in range(2)])

        async def count(n):
            c = await stub.GetCustomerSentiment(
                pb.GetCustomerSentimentRequest(customer_id=customer), metadata=tenant
            )
            return c.message_count == n

        assert await until(lambda: count(5))
        c = await stub.GetCustomerSentiment(
            pb.GetCustomerSentimentRequest(customer_id=customer), metadata=tenant
        )
        assert c.source == pb.SENTIMENT_SOURCE_OVERRIDE
        await publish(js, [received(tenant_id, customer, conversation, ANGRY)])
        assert await until(lambda: count(6))
        c = await stub.GetCustomerSentiment(
            pb.GetCustomerSentimentRequest(customer_id=customer), metadata=tenant
        )
        assert c.source == pb.SENTIMENT_SOURCE_MODEL
        assert c.sentiment.label == pb.SENTIMENT_LABEL_FRUSTRATED
        # Events: one message.scored per customer message, customer.changed on the way.
        scored, changed = set(), []
        deadline = asyncio.get_running_loop().time() + 20
        while len(scored) < 6 and asyncio.get_running_loop().time() < deadline:
            try:
                m = await sub.next_msg(timeout=1)
            except Exception:
                continue
            env = envelope_pb2.EventEnvelope.FromString(m.data)
            if env.tenant_id != str(tenant_id):
                continue
            if env.type == "sentiment.message.scored":
                scored.add(unpack(env, sentiment_events.MessageScored).message_id)
            elif env.type == "sentiment.customer.changed":
                changed.append(unpack(env, sentiment_events.CustomerSentimentChanged))
        assert len(scored) == 6
        assert changed and changed[0].sentiment.label == pb.SENTIMENT_LABEL_FRUSTRATED
        assert any(c.source == pb.SENTIMENT_SOURCE_OVERRIDE for c in changed)
    finally:
        await sub.unsubscribe()
        await nc.close()


async def test_triton_outage_mid_stream_every_message_scored_exactly_once(
    database_factory, infra_urls, tmp_path
):
    url = await database_factory("sentiment_outage")
    await migrate(url)
    triton = TritonServer(log_dir=tmp_path)
    triton.start()
    engine = create_async_engine(url)
    nc = await nats.connect(infra_urls.nats_url)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, kit_nats.StreamSpec("conversation"))
    tenant_id = uuid.uuid4()
    customers = [str(uuid.uuid4()) for _ in range(5)]
    events = [
        received(tenant_id, customers[i % 5], f"conv-{i % 5}-{tenant_id}", (HAPPY, ANGRY)[i % 2])
        for i in range(300)
    ]
    ids = {e.payload.message_id for e in events}

    async def scored_ids():
        async with engine.connect() as conn:
            return (
                (
                    await conn.execute(
                        sa.select(message_scores.c.message_id).where(
                            message_scores.c.tenant_id == tenant_id
                        )
                    )
                )
                .scalars()
                .all()
            )

    try:
        async with running_sentiment_service(
            url,
            infra_urls.nats_url,
            triton.grpc_addr,
            breaker_threshold=2,
            breaker_ttl=1.0,
            triton_timeout=2.0,
            score_batch_size=16,
        ) as service:
            await publish(js, events[:100])
            assert await until(lambda: _has(scored_ids, 1))
            await asyncio.to_thread(triton.stop)  # mid-stream
            await publish(js, events[100:], twice=True)
            await asyncio.sleep(3)
            during = len(await scored_ids())
            assert during < 300
            scorer = service.container.scorer
            assert await until(lambda: _opened(scorer), seconds=30)
            await asyncio.to_thread(triton.start)
            assert await until(lambda: _has(scored_ids, 300), seconds=120)
            await asyncio.sleep(1)
            rows = await scored_ids()
            c = await service.stub.GetCustomerSentiment(
                pb.GetCustomerSentimentRequest(customer_id=customers[0]),
                metadata=(("moodline-tenant-id", str(tenant_id)),),
            )
    finally:
        triton.stop()
        await nc.close()
        await engine.dispose()
    assert len(rows) == 300 and set(rows) == ids  # every message, none twice (primary key)
    assert c.message_count == 60  # each customer aggregate counted its messages exactly once


async def _has(query, n):
    return len(await query()) >= n


async def _opened(scorer):
    return await scorer.state() == "opened"

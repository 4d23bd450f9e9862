"""conversation.message.received -> scored once, stored, aggregated, events out; overrides; and
Triton stopped mid-stream and restarted: every message is scored exactly once."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
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
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.grpc.status import field_violations
from sentiment.adapters.tables import (
    conversation_sentiment,
    customer_sentiment,
    kit,
    message_scores,
)
from sentiment.testing import (
    WARM_LETTER_WITH_ONE_COMPLAINT,
    TritonServer,
    migrate,
    running_sentiment_service,
)
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


async def test_messages_are_scored_aggregated_and_published(sentiment_service, nats_url, tenant):
    tenant_id = uuid.UUID(tenant[0][1])
    customer, conversation = str(uuid.uuid4()), str(uuid.uuid4())
    nc = await nats.connect(nats_url)
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


async def test_a_late_reply_counts_against_the_conversation_and_the_customer(
    sentiment_service, sentiment_database, nats_url, tenant
):
    """Response timing: a reply later than the channel's target is one more (negative)
    observation of the conversation and the customer; a reply on time adds nothing."""
    tenant_id = uuid.UUID(tenant[0][1])
    customer, late_conv, quick_conv, outbound = (str(uuid.uuid4()) for _ in range(4))
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def sent(event, minutes, author=conversation_pb2.AUTHOR_CUSTOMER):
        m = event.payload
        m.sent_at.FromDatetime(t0 + timedelta(minutes=minutes))
        m.channel = conversation_pb2.CHANNEL_SMS
        if author != conversation_pb2.AUTHOR_CUSTOMER:
            m.author, m.direction = author, conversation_pb2.DIRECTION_OUTBOUND
        return event

    events = [
        sent(received(tenant_id, customer, late_conv, HAPPY), 0),
        sent(received(tenant_id, customer, quick_conv, HAPPY), 0),
        # SMS target 1 h: 5 h is very late; 5 minutes is on time.
        sent(received(tenant_id, customer, late_conv, "Hi"), 300, conversation_pb2.AUTHOR_AGENT),
        sent(received(tenant_id, customer, quick_conv, "Hi"), 5, conversation_pb2.AUTHOR_AI),
        # The business wrote first and the customer never answered: a clock, no sentiment.
        sent(received(tenant_id, customer, outbound, "Reminder"), 0, conversation_pb2.AUTHOR_AI),
    ]
    engine = create_async_engine(sentiment_database)
    nc = await nats.connect(nats_url)
    try:

        async def rows():
            async with engine.connect() as conn:
                found = (
                    await conn.execute(
                        sa.select(conversation_sentiment).where(
                            conversation_sentiment.c.tenant_id == tenant_id
                        )
                    )
                ).all()
            return {r.conversation_id: r for r in found}

        # As in real life, the replies come after the customer's messages were applied (a
        # burst may be applied out of order by the consumer loops; see domain/response.py).
        await publish(nc.jetstream(), events[:2])

        async def customer_applied():
            r = await rows()
            return len(r) == 2 and all(row.state.get("m") == 1 for row in r.values())

        assert await until(customer_applied)
        await publish(nc.jetstream(), events[2:])

        async def settled():
            r = await rows()
            return (
                len(r) == 3
                and r[late_conv].last_reply_at is not None
                and r[quick_conv].last_reply_at is not None
                and r[late_conv].state.get("m") == 1
                and r[quick_conv].state.get("m") == 1
            )

        assert await until(settled)
        r = await rows()
        assert r[late_conv].state["n"] == 2  # the message + the late reply
        assert r[quick_conv].state["n"] == 1
        assert r[late_conv].last_reply_at == t0 + timedelta(minutes=300)
        assert r[late_conv].awaiting_reply_since is None
        assert r[late_conv].score < r[quick_conv].score
        c = await sentiment_service.stub.GetCustomerSentiment(
            pb.GetCustomerSentimentRequest(customer_id=customer), metadata=tenant
        )
        assert c.message_count == 2  # a late reply is not a message
        async with engine.connect() as conn:
            state = await conn.scalar(
                sa.select(customer_sentiment.c.state).where(
                    customer_sentiment.c.tenant_id == tenant_id,
                    customer_sentiment.c.customer_id == customer,
                )
            )
        assert state["n"] == 3
        assert r[outbound].last_reply_at == t0 and r[outbound].state["n"] == 0
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await sentiment_service.stub.GetConversationSentiment(
                pb.GetConversationSentimentRequest(conversation_id=outbound), metadata=tenant
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await nc.close()
        await engine.dispose()


async def test_reply_targets_are_tenant_settings(
    sentiment_service, sentiment_database, nats_url, tenant
):
    """A tenant that gives SMS a 10-hour target: a 5-hour reply is on time for it, while the
    same wait is very late for a tenant on the defaults (1 hour). A bad change changes nothing
    and names each bad channel; one tenant's settings are not another's."""
    stub = sentiment_service.stub
    relaxed = tenant
    strict = tenant_metadata(str(uuid.uuid4()))
    defaults = {"phone": 0, "sms": 60, "whatsapp": 60, "email": 1440, "webchat": 10}
    got = await stub.GetSentimentSettings(pb.GetSentimentSettingsRequest(), metadata=relaxed)
    assert dict(got.reply_target_minutes) == defaults
    changed = await stub.UpdateSentimentSettings(
        pb.UpdateSentimentSettingsRequest(reply_target_minutes={"sms": 600, "email": 0}),
        metadata=relaxed,
    )
    assert dict(changed.reply_target_minutes) == {**defaults, "sms": 600, "email": 0}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.UpdateSentimentSettings(
            pb.UpdateSentimentSettingsRequest(
                reply_target_minutes={"fax": 5, "sms": -1, "webchat": 30}
            ),
            metadata=relaxed,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(err.value)] == [
        "reply_target_minutes.fax",
        "reply_target_minutes.sms",
    ]
    got = await stub.GetSentimentSettings(pb.GetSentimentSettingsRequest(), metadata=relaxed)
    assert dict(got.reply_target_minutes) == {**defaults, "sms": 600, "email": 0}
    got = await stub.GetSentimentSettings(pb.GetSentimentSettingsRequest(), metadata=strict)
    assert dict(got.reply_target_minutes) == defaults

    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    conversations = {}
    events = []
    for name, md in (("relaxed", relaxed), ("strict", strict)):
        tenant_id = uuid.UUID(md[0][1])
        customer, conversation = str(uuid.uuid4()), str(uuid.uuid4())
        conversations[name] = (tenant_id, conversation)
        for minutes, author, text in (
            (0, conversation_pb2.AUTHOR_CUSTOMER, HAPPY),
            (300, conversation_pb2.AUTHOR_AGENT, "Hi, sorry for the wait"),
        ):
            e = received(tenant_id, customer, conversation, text, author=author)
            e.payload.sent_at.FromDatetime(t0 + timedelta(minutes=minutes))
            e.payload.channel = conversation_pb2.CHANNEL_SMS
            if author == conversation_pb2.AUTHOR_AGENT:
                e.payload.direction = conversation_pb2.DIRECTION_OUTBOUND
            events.append(e)
    engine = create_async_engine(sentiment_database)
    nc = await nats.connect(nats_url)
    try:

        async def row(name):
            tenant_id, conversation = conversations[name]
            async with engine.connect() as conn:
                return (
                    await conn.execute(
                        sa.select(conversation_sentiment).where(
                            conversation_sentiment.c.tenant_id == tenant_id,
                            conversation_sentiment.c.conversation_id == conversation,
                        )
                    )
                ).first()

        async def applied(name, *, replied):
            r = await row(name)
            return (
                r is not None and r.state.get("m") == 1 and (r.last_reply_at is not None) == replied
            )

        await publish(nc.jetstream(), [events[0], events[2]])
        for name in conversations:
            assert await until(lambda name=name: applied(name, replied=False))
        await publish(nc.jetstream(), [events[1], events[3]])
        for name in conversations:
            assert await until(lambda name=name: applied(name, replied=True))
        assert (await row("relaxed")).state["n"] == 1  # on time by its own target
        assert (await row("strict")).state["n"] == 2  # the message + a very late reply
        assert (await row("strict")).score < (await row("relaxed")).score
    finally:
        await nc.close()
        await engine.dispose()


async def test_triton_outage_mid_stream_every_message_scored_exactly_once(
    database_factory, nats_url, tmp_path
):
    """Triton is stopped while messages stream in and restarted later. The outage outlasts the
    consumer's max_deliver x nak delays and its ack_wait: a kept batch is neither redelivered
    nor dropped, and the client reconnects as soon as Triton answers again."""
    n, before = 120, 40
    url = await database_factory("sentiment_outage")
    await migrate(url)
    triton = TritonServer(log_dir=tmp_path)
    await asyncio.to_thread(triton.start, 300)
    engine = create_async_engine(url)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, kit_nats.StreamSpec("conversation"))
    tenant_id = uuid.uuid4()
    customers = [str(uuid.uuid4()) for _ in range(4)]
    events = [
        received(tenant_id, customers[i % 4], f"conv-{i % 4}-{tenant_id}", (HAPPY, ANGRY)[i % 2])
        for i in range(n)
    ]
    ids = {e.payload.message_id for e in events}
    # event id -> stream sequences. Another sentiment service of this test session (its own
    # database, its own consumer) may score the same messages too: only the events of this
    # service's outbox are counted.
    in_stream: dict[str, set[int]] = {}

    async def on_scored(msg):
        env = envelope_pb2.EventEnvelope.FromString(msg.data)
        if env.tenant_id == str(tenant_id):
            in_stream.setdefault(env.event_id, set()).add(msg.metadata.sequence.stream)

    async def outbox_events():
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(kit.outbox.c.event_id, kit.outbox.c.envelope).where(
                    kit.outbox.c.tenant_id == tenant_id,
                    kit.outbox.c.subject == "sentiment.message.scored",
                )
            )
            return {
                str(event_id): unpack(
                    envelope_pb2.EventEnvelope.FromString(data), sentiment_events.MessageScored
                ).message_id
                for event_id, data in rows
            }

    async def all_in_stream():
        return set(await outbox_events()) <= set(in_stream)

    sub = await js.subscribe(
        "sentiment.message.scored", cb=on_scored, ordered_consumer=True, deliver_policy="new"
    )

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
            nats_url,
            triton.grpc_addr,
            breaker_threshold=2,
            breaker_ttl=1.0,
            triton_timeout=5.0,
            score_batch_size=16,
        ) as service:
            await publish(js, events[:before])
            assert await until(lambda: _has(scored_ids, 1))
            await asyncio.to_thread(triton.stop)  # mid-stream
            await publish(js, events[before:], twice=True)
            scorer = service.container.scorer
            assert await until(lambda: _opened(scorer), seconds=60)
            # Down for longer than the old failure mode needed to drop messages (max_deliver
            # naks) and longer than gRPC's early reconnect backoffs.
            await asyncio.sleep(8)
            during = len(await scored_ids())
            assert during < n
            await asyncio.to_thread(triton.start, 300)
            assert await until(lambda: _has(scored_ids, n), seconds=180), (
                f"{len(await scored_ids())}/{n} scored after restart; see {triton.log_path}"
            )
            await asyncio.sleep(1)
            rows = await scored_ids()
            c = await service.stub.GetCustomerSentiment(
                pb.GetCustomerSentimentRequest(customer_id=customers[0]),
                metadata=tenant_metadata(str(tenant_id)),
            )
            scoring = service.container.scoring
            info = await js.consumer_info(scoring.stream, scoring.config.durable_name)
            assert await until(all_in_stream, seconds=30)
            outbox = await outbox_events()
    finally:
        await sub.unsubscribe()
        await asyncio.to_thread(triton.stop)
        await nc.close()
        await engine.dispose()
    assert len(rows) == n and set(rows) == ids  # every message, none twice (primary key)
    assert c.message_count == n // 4  # each customer aggregate counted its messages once
    # One message.scored event per message, published once.
    assert sorted(outbox.values()) == sorted(ids)
    assert {len(in_stream[event_id]) for event_id in outbox} == {1}
    assert info.num_ack_pending == 0


async def _has(query, n):
    return len(await query()) >= n


async def _opened(scorer):
    return await scorer.state() == "opened"


async def test_a_customer_s_explanation_names_the_messages_that_drove_it(
    sentiment_service, nats_url, tenant
):
    """A thank-you, then a long friendly e-mail with one complaint and an angry message: the
    customer is Frustrated, the drivers are those two messages (newest first), and the stored
    message's explanation points at the complaint sentence (offsets into its text)."""
    tenant_id = uuid.UUID(tenant[0][1])
    customer, conversation = str(uuid.uuid4()), str(uuid.uuid4())
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        happy = [received(tenant_id, customer, conversation, HAPPY)]
        letter = received(tenant_id, customer, conversation, WARM_LETTER_WITH_ONE_COMPLAINT)
        angry = received(tenant_id, customer, conversation, ANGRY)
        for e in [*happy, letter, angry]:  # one at a time: the order of observation is known
            await publish(js, [e])
            await until(lambda e=e: _scored(sentiment_service, tenant, e.payload.message_id))
        stub = sentiment_service.stub
        c = await stub.GetCustomerSentiment(
            pb.GetCustomerSentimentRequest(customer_id=customer), metadata=tenant
        )
        assert c.message_count == 3 and c.computed.label == pb.SENTIMENT_LABEL_FRUSTRATED
        sources = [d.source for d in c.drivers.contributors]
        assert sources == [angry.payload.message_id, letter.payload.message_id]
        assert all(d.contribution < 0 for d in c.drivers.contributors)
        assert not c.drivers.override_active
        m = await stub.GetMessageSentiment(
            pb.GetMessageSentimentRequest(message_id=letter.payload.message_id), metadata=tenant
        )
        assert m.label == pb.SENTIMENT_LABEL_FRUSTRATED and m.explanation.sentences == 7
        strongest = max(
            (s for s in m.explanation.spans if "label" in s.drives), key=lambda s: s.confidence
        )
        assert WARM_LETTER_WITH_ONE_COMPLAINT[strongest.start :].startswith("He left the old")
        # an override shows in the drivers with its weight left and the evidence since
        c = await stub.SetSentimentOverride(
            pb.SetSentimentOverrideRequest(
                customer_id=customer,
                label=pb.SENTIMENT_LABEL_NEUTRAL,
                reason="called and sorted the collection",
                set_by="staff-1",
            ),
            metadata=tenant,
        )
        assert c.drivers.override_active and c.drivers.override_remaining == pytest.approx(3.0)
        assert c.drivers.override_evidence == 0
    finally:
        await nc.close()


async def _scored(service, tenant, message_id) -> bool:
    try:
        await service.stub.GetMessageSentiment(
            pb.GetMessageSentimentRequest(message_id=message_id), metadata=tenant
        )
        return True
    except grpc.aio.AioRpcError:
        return False

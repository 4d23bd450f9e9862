import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import nats
import pytest
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import conversation_pb2 as events_pb
from moodline.events.v1 import envelope_pb2
from moodline_devkit.testing.phones import unique_phone
from moodline_kit.events import unpack
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def ts(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


def sms(
    pid: str | None = None, *, phone="+14155550100", text="Hi, is my order ready?", at=T0, **kw
):
    fields = {
        "provider_message_id": pid or f"SM{uuid.uuid4().hex}",
        "channel": pb.CHANNEL_SMS,
        "direction": pb.DIRECTION_INBOUND,
        "author": pb.AUTHOR_CUSTOMER,
        "text": text,
        "sent_at": ts(at),
        **kw,
    }
    if "customer_email" not in kw and "customer_id" not in kw and phone is not None:
        fields["customer_phone"] = phone
    return pb.IngestMessageRequest(**fields)


def outbound(author, author_id: str, text: str, *, at, **kw):
    """An outbound message by staff or an AI agent."""
    return sms(
        direction=pb.DIRECTION_OUTBOUND, author=author, author_id=author_id, text=text, at=at, **kw
    )


async def count(services, sql: str, **params) -> int:
    async with services.conversation.container.engine.connect() as conn:
        return (await conn.execute(sa.text(sql), params)).scalar_one()


async def test_the_same_provider_message_twice_is_stored_once(services, tenant):
    stub = services.conversation.stub
    request = sms("SM-dup-1", phone=unique_phone())
    first = await stub.IngestMessage(request, metadata=tenant)
    again = await stub.IngestMessage(request, metadata=tenant)
    assert not first.duplicate and again.duplicate
    assert again.message.id == first.message.id
    assert again.conversation.id == first.conversation.id
    assert again.conversation.message_count == 1
    tenant_id = tenant[0][1]
    stored = await count(
        services,
        "SELECT count(*) FROM messages WHERE tenant_id = :t AND provider_message_id = 'SM-dup-1'",
        t=tenant_id,
    )
    events = await count(
        services,
        "SELECT count(*) FROM outbox WHERE tenant_id = :t AND subject = :s",
        t=tenant_id,
        s="conversation.message.received",
    )
    assert (stored, events) == (1, 1)
    # the same id on another channel is another message
    other = await stub.IngestMessage(
        sms("SM-dup-1", phone=unique_phone(), channel=pb.CHANNEL_WHATSAPP), metadata=tenant
    )
    assert not other.duplicate


async def test_concurrent_repeats_of_one_message_store_it_once(services, tenant):
    stub = services.conversation.stub
    request = sms("SM-race", phone=unique_phone())
    replies = await asyncio.gather(
        *(stub.IngestMessage(request, metadata=tenant) for _ in range(10))
    )
    assert len({r.message.id for r in replies}) == 1
    assert sum(not r.duplicate for r in replies) == 1
    assert (
        await count(
            services,
            "SELECT count(*) FROM messages WHERE tenant_id = :t",
            t=tenant[0][1],
        )
        == 1
    )


async def test_unknown_phone_creates_exactly_one_prospect_under_20_concurrent_messages(
    services, tenant
):
    stub = services.conversation.stub
    phone = unique_phone()
    replies = await asyncio.gather(
        *(
            stub.IngestMessage(
                sms(f"SM-burst-{i}", phone=phone, at=T0 + timedelta(seconds=i)), metadata=tenant
            )
            for i in range(20)
        )
    )
    customer_ids = {r.message.customer_id for r in replies}
    assert len(customer_ids) == 1
    assert sum(r.customer_created for r in replies) == 1
    assert len({r.conversation.id for r in replies}) == 1
    assert sum(r.conversation_opened for r in replies) == 1
    found = await services.customer.stub.ListCustomers(
        customer_pb2.ListCustomersRequest(query=phone), metadata=tenant
    )
    assert [c.id for c in found.customers] == list(customer_ids)
    assert found.customers[0].lifecycle_stage == "prospect"
    got = await stub.GetConversation(
        pb.GetConversationRequest(id=replies[0].conversation.id), metadata=tenant
    )
    assert got.conversation.message_count == 20
    assert got.conversation.started_at.ToDatetime(UTC) == T0
    assert got.conversation.last_message_at.ToDatetime(UTC) == T0 + timedelta(seconds=19)
    assert [m.provider_message_id for m in got.messages] == [f"SM-burst-{i}" for i in range(20)]


async def test_known_email_matches_the_existing_customer(services, tenant):
    created = await services.customer.stub.CreateCustomer(
        customer_pb2.CreateCustomerRequest(
            first_name="Ann", emails=[customer_pb2.Email(address="ann@glow.example")]
        ),
        metadata=tenant,
    )
    reply = await services.conversation.stub.IngestMessage(
        sms(
            phone=None,
            customer_email="Ann@Glow.example",
            channel=pb.CHANNEL_EMAIL,
            text="Can I move my appointment?",
        ),
        metadata=tenant,
    )
    assert reply.message.customer_id == created.id and not reply.customer_created


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": pb.CHANNEL_UNSPECIFIED}, "channel"),
        ({"channel": 42}, "channel"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"provider_message_id": ""}, "provider_message_id"),
        ({"direction": pb.DIRECTION_OUTBOUND}, "direction"),
    ],
)
async def test_bad_input_is_invalid_argument_and_nothing_is_stored(services, tenant, change, field):
    request = sms(phone=unique_phone())
    for name, value in change.items():
        setattr(request, name, value)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await services.conversation.stub.IngestMessage(request, metadata=tenant)
    assert failed.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert field in {v.field for v in field_violations(failed.value)}
    assert (
        await count(services, "SELECT count(*) FROM messages WHERE tenant_id = :t", t=tenant[0][1])
        == 0
    )
    assert (
        await count(services, "SELECT count(*) FROM outbox WHERE tenant_id = :t", t=tenant[0][1])
        == 0
    )


async def test_missing_customer_identity_or_time_is_refused(services, tenant):
    request = sms(phone=None)
    request.ClearField("sent_at")
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await services.conversation.stub.IngestMessage(request, metadata=tenant)
    assert failed.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(failed.value)} >= {"customer", "sent_at"}


async def test_an_unreadable_phone_is_refused_on_its_field(services, tenant):
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await services.conversation.stub.IngestMessage(sms(phone="not a phone"), metadata=tenant)
    assert failed.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(failed.value)] == ["customer_phone"]


async def test_batch_ingests_in_order_and_reports_each_message(services, tenant):
    stub = services.conversation.stub
    ann, bob = unique_phone(), unique_phone()
    batch = [
        sms("B-1", phone=ann, at=T0),
        sms("B-2", phone=bob, at=T0 + timedelta(minutes=1)),
        sms("B-3", phone=ann, text="", at=T0 + timedelta(minutes=2)),  # bad
        sms("B-1", phone=ann, at=T0),  # repeat inside the batch
        outbound(
            pb.AUTHOR_AI,
            "ai-receptionist",
            "Yes, it is ready for pickup.",
            at=T0 + timedelta(minutes=3),
            pid="B-4",
            phone=ann,
        ),
    ]
    reply = await stub.IngestMessages(pb.IngestMessagesRequest(messages=batch), metadata=tenant)
    outcomes = [r.WhichOneof("outcome") for r in reply.results]
    assert outcomes == ["ingested", "ingested", "failed", "ingested", "ingested"]
    assert reply.results[2].failed.code == "INVALID_ARGUMENT"
    assert reply.results[2].failed.field == "text"
    first, repeat = reply.results[0].ingested, reply.results[3].ingested
    assert repeat.duplicate and repeat.message.id == first.message.id
    assert first.customer_created and first.conversation_opened
    ai = reply.results[4].ingested
    assert ai.conversation.id == first.conversation.id
    assert ai.conversation.message_count == 2
    assert [a.agent_id for a in ai.conversation.agents] == ["ai-receptionist"]
    assert ai.conversation.agents[0].kind == pb.AGENT_KIND_AI
    # the whole batch again: all duplicates (the bad one still fails), nothing new
    again = await stub.IngestMessages(pb.IngestMessagesRequest(messages=batch), metadata=tenant)
    assert [r.ingested.duplicate for i, r in enumerate(again.results) if i != 2] == [True] * 4
    assert (
        await count(services, "SELECT count(*) FROM messages WHERE tenant_id = :t", t=tenant[0][1])
        == 3
    )


async def test_events_carry_what_the_customer_read_model_needs(services, tenant, infra_urls):
    phone = unique_phone()
    reply = await services.conversation.stub.IngestMessage(
        sms(phone=phone, channel=pb.CHANNEL_WHATSAPP, text="Thanks!"), metadata=tenant
    )
    nc = await nats.connect(infra_urls.nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe("conversation.>", stream="CONVERSATION", ordered_consumer=True)
        seen: dict[str, envelope_pb2.EventEnvelope] = {}
        deadline = asyncio.get_running_loop().time() + 20
        while len(seen) < 2 and asyncio.get_running_loop().time() < deadline:
            try:
                msg = await sub.next_msg(timeout=1)
            except TimeoutError:
                continue
            envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
            if envelope.tenant_id == tenant[0][1]:
                seen[envelope.type] = envelope
    finally:
        await nc.close()
    received = unpack(seen["conversation.message.received"], events_pb.MessageReceived)
    assert received.message_id == reply.message.id
    assert received.customer_id == reply.message.customer_id
    assert received.channel == pb.CHANNEL_WHATSAPP
    assert received.direction == pb.DIRECTION_INBOUND
    assert received.author == pb.AUTHOR_CUSTOMER
    assert received.sent_at.ToDatetime(UTC) == T0
    assert received.text == "Thanks!"
    opened = unpack(seen["conversation.conversation.opened"], events_pb.ConversationOpened)
    assert opened.conversation_id == reply.conversation.id


async def test_a_store_that_fails_after_the_prospect_was_created_leaves_no_prospect(
    services, tenant
):
    """The conversation database fails (a real error from PostgreSQL: a trigger refuses the
    message insert) after the customer service created the Prospect: the call fails and the
    Prospect is deleted again (compensation); the next attempt creates and keeps one."""
    engine = services.conversation.container.engine
    marker = f"refused-{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                f"""create function refuse_{marker[8:]}() returns trigger language plpgsql as $$
                begin
                  if new.text = '{marker}' then raise exception 'storage failed'; end if;
                  return new;
                end $$"""
            )
        )
        await conn.execute(
            sa.text(
                f"create trigger refuse_{marker[8:]} before insert on messages for each row "
                f"execute function refuse_{marker[8:]}()"
            )
        )
    phone = unique_phone()
    try:
        with pytest.raises(grpc.aio.AioRpcError):
            await services.conversation.stub.IngestMessage(
                sms(phone=phone, text=marker), metadata=tenant
            )
        found = await services.customer.stub.ListCustomers(
            customer_pb2.ListCustomersRequest(query=phone), metadata=tenant
        )
        assert list(found.customers) == []
        assert (
            await count(
                services,
                "select count(*) from messages where text = :t",
                t=marker,
            )
            == 0
        )
    finally:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"drop trigger refuse_{marker[8:]} on messages"))
            await conn.execute(sa.text(f"drop function refuse_{marker[8:]}()"))
    stored = await services.conversation.stub.IngestMessage(sms(phone=phone), metadata=tenant)
    assert stored.customer_created
    found = await services.customer.stub.ListCustomers(
        customer_pb2.ListCustomersRequest(query=phone), metadata=tenant
    )
    assert [c.id for c in found.customers] == [stored.message.customer_id]


# The set-based batch path: conversations locked/opened, messages inserted and counted with one
# statement each, under retries and concurrent overlapping batches.


async def stored(services, tenant_id: str) -> int:
    return await count(services, "SELECT count(*) FROM messages WHERE tenant_id = :t", t=tenant_id)


async def ingest(services, tenant, batch):
    reply = await services.conversation.stub.IngestMessages(
        pb.IngestMessagesRequest(messages=batch), metadata=tenant
    )
    return reply.results


async def test_a_retried_batch_stores_only_what_its_first_try_did_not(services, tenant):
    phones = [unique_phone() for _ in range(20)]
    batch = [sms(f"R-{i}", phone=phones[i % 20], at=T0 + timedelta(minutes=i)) for i in range(60)]
    first = await ingest(services, tenant, batch[:30])
    assert all(not r.ingested.duplicate for r in first)
    again = await ingest(services, tenant, batch)
    assert [r.ingested.duplicate for r in again] == [True] * 30 + [False] * 30
    assert [r.ingested.message.id for r in again[:30]] == [r.ingested.message.id for r in first]
    tenant_id = tenant[0][1]
    assert (
        await count(services, "SELECT count(*) FROM messages WHERE tenant_id = :t", t=tenant_id)
        == 60
    )
    # each customer's one open conversation counts its 3 messages, from the first to the last
    rows = await count(
        services,
        "SELECT count(*) FROM conversations WHERE tenant_id = :t AND message_count = 3 "
        "AND last_message_at - started_at = interval '40 minutes'",
        t=tenant_id,
    )
    assert rows == 20
    events = await count(
        services,
        "SELECT count(*) FROM outbox WHERE tenant_id = :t AND subject = :s",
        t=tenant_id,
        s="conversation.message.received",
    )
    assert events == 60
    # the same provider ids in another tenant are that tenant's own messages
    other = tenant_metadata(str(uuid.uuid4()), ttl=900.0)
    elsewhere = await ingest(services, other, batch[:5])
    assert all(not r.ingested.duplicate for r in elsewhere)
    assert {r.ingested.message.id for r in elsewhere}.isdisjoint(
        r.ingested.message.id for r in first
    )


async def test_overlapping_concurrent_batches_neither_deadlock_nor_miscount(services, tenant):
    phones = [unique_phone() for _ in range(25)]
    for phone in phones:  # known customers with an open conversation each
        await ingest(services, tenant, [sms(phone=phone)])

    def batch(tag: str, order: list[str]) -> list:
        return [
            sms(f"{tag}-{k}-{phone}", phone=phone, at=T0 + timedelta(minutes=k))
            for k in range(2)
            for phone in order
        ]

    batches = [batch("A", phones), batch("B", phones[::-1]), batch("C", phones[5:] + phones[:5])]
    replies = await asyncio.gather(*(ingest(services, tenant, b) for b in batches))
    assert all(r.WhichOneof("outcome") == "ingested" for reply in replies for r in reply)
    tenant_id = tenant[0][1]
    assert (
        await count(services, "SELECT count(*) FROM messages WHERE tenant_id = :t", t=tenant_id)
        == 175
    )
    assert (
        await count(
            services,
            "SELECT count(*) FROM conversations WHERE tenant_id = :t AND message_count = 7",
            t=tenant_id,
        )
        == 25
    )


async def test_a_named_conversation_that_is_also_the_open_one_counts_once_per_message(
    services, tenant
):
    phone = unique_phone()
    (opened,) = await ingest(services, tenant, [sms(phone=phone, at=T0)])
    conversation_id = opened.ingested.conversation.id
    batch = [
        sms(phone=phone, at=T0 + timedelta(minutes=1)),  # to the open one
        # the same conversation, named: the staff member becomes its agent
        outbound(
            pb.AUTHOR_AGENT,
            "staff-7",
            "On it.",
            at=T0 + timedelta(minutes=2),
            phone=phone,
            conversation_id=conversation_id,
        ),
        sms(phone=phone, at=T0 - timedelta(days=1)),  # a backfill before its start
    ]
    results = await ingest(services, tenant, batch)
    assert {r.ingested.conversation.id for r in results} == {conversation_id}
    last = results[-1].ingested.conversation
    assert last.message_count == 4
    assert last.started_at.ToDatetime(tzinfo=T0.tzinfo) == T0 - timedelta(days=1)
    assert [a.agent_id for a in last.agents] == ["staff-7"]
    filtered = await services.conversation.stub.ListConversations(
        pb.ListConversationsRequest(agent_id="staff-7"), metadata=tenant
    )
    assert [c.id for c in filtered.conversations] == [conversation_id]

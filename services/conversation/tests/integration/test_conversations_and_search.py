import uuid
from datetime import UTC, timedelta

import grpc
import pytest
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline_kit.grpc.client import tenant_metadata

from .test_ingestion import T0, sms, ts, unique_phone

pytestmark = pytest.mark.integration


async def ingest(services, tenant, **kw) -> pb.IngestMessageResponse:
    return await services.conversation.stub.IngestMessage(sms(**kw), metadata=tenant)


async def test_list_filters_by_customer_channel_status_agent_and_dates(services, tenant):
    stub = services.conversation.stub
    phone = unique_phone()
    a = await ingest(services, tenant, phone=phone, at=T0)
    b = await ingest(
        services, tenant, phone=phone, channel=pb.CHANNEL_WHATSAPP, at=T0 + timedelta(days=1)
    )
    other = await ingest(services, tenant, phone=unique_phone(), at=T0 + timedelta(days=2))
    customer = a.message.customer_id
    await stub.UpdateConversation(
        pb.UpdateConversationRequest(
            id=b.conversation.id, handoff=pb.AgentHandoff(agent_id="staff-9", kind=1)
        ),
        metadata=tenant,
    )
    await stub.CloseConversation(pb.CloseConversationRequest(id=a.conversation.id), metadata=tenant)

    async def ids(**kw) -> list[str]:
        page = await stub.ListConversations(pb.ListConversationsRequest(**kw), metadata=tenant)
        return [c.id for c in page.conversations]

    assert await ids(customer_id=customer) == [b.conversation.id, a.conversation.id]
    assert await ids() == [other.conversation.id, b.conversation.id, a.conversation.id]
    assert await ids(customer_id=customer, channels=[pb.CHANNEL_SMS]) == [a.conversation.id]
    assert await ids(status=pb.CONVERSATION_STATUS_OPEN, customer_id=customer) == [
        b.conversation.id
    ]
    assert await ids(agent_id="staff-9") == [b.conversation.id]
    assert await ids(
        started_after=ts(T0 + timedelta(hours=1)), started_before=ts(T0 + timedelta(days=2))
    ) == [b.conversation.id]
    first = await stub.ListConversations(pb.ListConversationsRequest(page_size=2), metadata=tenant)
    rest = await stub.ListConversations(
        pb.ListConversationsRequest(page_size=2, page_token=first.next_page_token), metadata=tenant
    )
    assert [c.id for c in rest.conversations] == [a.conversation.id] and not rest.next_page_token


async def test_get_pages_messages_oldest_first(services, tenant):
    phone = unique_phone()
    for i in range(5):
        reply = await ingest(
            services, tenant, phone=phone, at=T0 + timedelta(minutes=i), text=f"m{i}"
        )
    stub = services.conversation.stub
    seen, token = [], ""
    while True:
        got = await stub.GetConversation(
            pb.GetConversationRequest(
                id=reply.conversation.id, message_page_size=2, message_page_token=token
            ),
            metadata=tenant,
        )
        seen += [m.text for m in got.messages]
        token = got.next_message_page_token
        if not token:
            break
    assert seen == ["m0", "m1", "m2", "m3", "m4"]


async def test_another_tenants_conversation_is_not_found(services, tenant):
    reply = await ingest(services, tenant, phone=unique_phone())
    stranger = tenant_metadata(str(uuid.uuid4()))
    for call in (
        services.conversation.stub.GetConversation(
            pb.GetConversationRequest(id=reply.conversation.id), metadata=stranger
        ),
        services.conversation.stub.CloseConversation(
            pb.CloseConversationRequest(id=reply.conversation.id), metadata=stranger
        ),
        services.conversation.stub.GetConversation(
            pb.GetConversationRequest(id="garbage"), metadata=tenant
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await call
        assert failed.value.code() is grpc.StatusCode.NOT_FOUND


async def test_ai_to_human_handoff_rating_and_close(services, tenant):
    stub = services.conversation.stub
    phone = unique_phone()
    await ingest(services, tenant, phone=phone, channel=pb.CHANNEL_PHONE, text="Hello?", at=T0)
    reply = await ingest(
        services,
        tenant,
        phone=phone,
        channel=pb.CHANNEL_PHONE,
        direction=pb.DIRECTION_OUTBOUND,
        author=pb.AUTHOR_AI,
        author_id="voice-ai",
        text="Hi, this is the salon assistant.",
        at=T0 + timedelta(seconds=5),
    )
    cid = reply.conversation.id
    updated = await stub.UpdateConversation(
        pb.UpdateConversationRequest(
            id=cid,
            handoff=pb.AgentHandoff(
                agent_id="staff-1", kind=pb.AGENT_KIND_HUMAN, reason="asked for a person"
            ),
            topic="Rescheduling",
            csat=4,
        ),
        metadata=tenant,
    )
    assert updated.escalated and [a.agent_id for a in updated.agents] == ["voice-ai", "staff-1"]
    assert updated.topic == "Rescheduling" and updated.csat == 4
    closed = await stub.CloseConversation(
        pb.CloseConversationRequest(id=cid, ended_at=ts(T0 + timedelta(minutes=4))),
        metadata=tenant,
    )
    assert closed.status == pb.CONVERSATION_STATUS_RESOLVED
    assert closed.duration.ToTimedelta() == timedelta(minutes=4)
    again = await stub.CloseConversation(
        pb.CloseConversationRequest(id=cid, csat=1), metadata=tenant
    )
    assert again.csat == 4 and again.ended_at == closed.ended_at
    # the next inbound message on the channel opens a new conversation
    nxt = await ingest(
        services, tenant, phone=phone, channel=pb.CHANNEL_PHONE, at=T0 + timedelta(hours=1)
    )
    assert nxt.conversation_opened and nxt.conversation.id != cid
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.UpdateConversation(pb.UpdateConversationRequest(id=cid, csat=6), metadata=tenant)
    assert failed.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as failed:  # two open phone conversations
        await stub.UpdateConversation(
            pb.UpdateConversationRequest(id=cid, status=pb.CONVERSATION_STATUS_OPEN),
            metadata=tenant,
        )
    assert failed.value.code() is grpc.StatusCode.FAILED_PRECONDITION


async def test_explicit_conversation_id_must_belong_to_the_customer(services, tenant):
    mine = await ingest(services, tenant, phone=unique_phone())
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await ingest(services, tenant, phone=unique_phone(), conversation_id=mine.conversation.id)
    assert failed.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await ingest(services, tenant, phone=unique_phone(), conversation_id=str(uuid.uuid4()))
    assert failed.value.code() is grpc.StatusCode.NOT_FOUND


async def search(services, tenant, query, **kw) -> pb.SearchMessagesResponse:
    return await services.conversation.stub.SearchMessages(
        pb.SearchMessagesRequest(query=query, **kw), metadata=tenant
    )


async def test_search_finds_order_numbers_exactly_with_highlighted_snippets(services, tenant):
    ann, bob = unique_phone(), unique_phone()
    target = await ingest(
        services, tenant, phone=ann, text="Hi! Where is my order #12345? It was due Friday."
    )
    await ingest(services, tenant, phone=bob, text="My order #123456 never arrived")
    await ingest(services, tenant, phone=bob, text="Buying a gift card, 12345 is my postcode")
    await ingest(services, tenant, phone=ann, text="Thanks, appointments on Mondays work")
    found = await search(services, tenant, "order #12345")
    assert [h.message.id for h in found.hits] == [target.message.id]
    hit = found.hits[0]
    assert [hit.snippet[h.start : h.end] for h in hit.highlights] == ["order", "12345"]
    assert list(found.customer_ids) == [target.message.customer_id]
    # stemming: "appointment" finds "appointments"; quoted phrases; exclusion
    assert len((await search(services, tenant, "appointment")).hits) == 1
    assert len((await search(services, tenant, '"gift card"')).hits) == 1
    assert len((await search(services, tenant, "order -12345")).hits) == 1
    only = await search(services, tenant, "12345", customers_only=True)
    assert not only.hits and set(only.customer_ids) == {
        target.message.customer_id,
        (await search(services, tenant, "postcode")).hits[0].message.customer_id,
    }
    # another tenant sees nothing
    stranger = tenant_metadata(str(uuid.uuid4()))
    assert not (await search(services, stranger, "order #12345")).hits


async def test_search_filters_and_pages(services, tenant):
    phone = unique_phone()
    for i in range(5):
        await ingest(
            services,
            tenant,
            phone=phone,
            channel=pb.CHANNEL_EMAIL if i % 2 else pb.CHANNEL_SMS,
            text=f"refund request number {i}",
            at=T0 + timedelta(days=i),
        )
    assert len((await search(services, tenant, "refund", channels=[pb.CHANNEL_EMAIL])).hits) == 2
    window = await search(
        services,
        tenant,
        "refund",
        sent_after=ts(T0 + timedelta(days=1)),
        sent_before=ts(T0 + timedelta(days=3)),
    )
    assert sorted(h.message.sent_at.ToDatetime(UTC) for h in window.hits) == [
        T0 + timedelta(days=1),
        T0 + timedelta(days=2),
    ]
    seen, token = [], ""
    while True:
        page = await search(services, tenant, "refund", page_size=2, page_token=token)
        seen += [h.message.id for h in page.hits]
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 5
    for bad in (
        {"query": "  "},
        {"query": "x", "page_size": 101},
        {"query": "x", "page_token": "??"},
    ):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await services.conversation.stub.SearchMessages(
                pb.SearchMessagesRequest(**bad), metadata=tenant
            )
        assert failed.value.code() is grpc.StatusCode.INVALID_ARGUMENT

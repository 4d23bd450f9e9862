"""The conversation use cases on the in-memory unit of work (conversation_fakes): ingestion
(exactly once, one customer lookup per contact, conversations opened once), updates (hand-off,
rating, closing and reopening) and the contact mapping's reaction to customer events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conversation.adapters.repository import ConversationFilter
from conversation.domain.model import (
    AgentKind,
    Author,
    Contact,
    ContactKind,
    Direction,
    IncomingMessage,
    Status,
)
from conversation.service_layer import contacts, handlers, ingestion
from conversation_fakes import FakeConversationUnitOfWork, FakeCustomerDirectory
from moodline.enums import Channel
from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument, NotFound, PreconditionFailed

TENANT = uuid.uuid4()
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeConversationUnitOfWork:
    return FakeConversationUnitOfWork()


@pytest.fixture
def directory() -> FakeCustomerDirectory:
    return FakeCustomerDirectory()


def incoming(pid: str, phone="(415) 555-0134", *, at=NOW, author=Author.CUSTOMER, **kw):  # type: ignore[no-untyped-def]
    return IncomingMessage(
        provider_message_id=pid,
        channel=kw.pop("channel", Channel.SMS),
        contact=Contact(ContactKind.PHONE, phone),
        direction=Direction.INBOUND if author is Author.CUSTOMER else Direction.OUTBOUND,
        author=author,
        text=kw.pop("text", "hello"),
        sent_at=at,
        **kw,
    )


async def ingest(uow, directory, *messages):  # type: ignore[no-untyped-def]
    return await ingestion.ingest_messages(
        tenant_id=TENANT, messages=list(messages), uow=uow, customers=directory, now=NOW
    )


async def test_a_message_twice_is_stored_once_and_the_repeat_replays_it(uow, directory):
    (first,) = await ingest(uow, directory, incoming("m1"))
    (again,) = await ingest(uow, directory, incoming("m1", text="changed"))
    assert first.customer_created and first.conversation_opened and not first.duplicate
    assert again.duplicate and again.message.id == first.message.id
    assert len(uow.store.messages) == 1
    assert uow.subjects() == [
        subjects.CONVERSATION_CONVERSATION_OPENED,
        subjects.CONVERSATION_MESSAGE_RECEIVED,
    ]


async def test_one_customer_lookup_per_contact_then_the_mapping_answers(uow, directory):
    batch = [incoming(f"m{i}", at=NOW + timedelta(seconds=i)) for i in range(5)]
    outcomes = await ingest(uow, directory, *batch)
    assert directory.calls == 1
    assert len({o.conversation.id for o in outcomes}) == 1
    assert [o.conversation_opened for o in outcomes] == [True, False, False, False, False]
    conversation = outcomes[-1].conversation
    assert conversation.message_count == 5 and conversation.last_message_at == NOW + timedelta(
        seconds=4
    )
    # the same number written another way is the same (mapped) contact: no lookup
    await ingest(uow, directory, incoming("m9", "+1 415-555-0134"))
    assert directory.calls == 1


async def test_bad_messages_fail_alone_and_store_nothing_of_theirs(uow, directory):
    good, bad, unknown = await ingest(
        uow,
        directory,
        incoming("ok"),
        incoming("", text=""),
        incoming("x", conversation_id=str(uuid.uuid4())),
    )
    assert not isinstance(good, Exception)
    assert isinstance(bad, InvalidArgument)
    assert {v.field for v in bad.violations} >= {"provider_message_id"}
    assert isinstance(unknown, NotFound)
    assert len(uow.store.messages) == 1 and directory.calls == 1


async def test_a_named_conversation_of_another_channel_is_refused(uow, directory):
    (sms,) = await ingest(uow, directory, incoming("s1"))
    (email,) = await ingest(
        uow,
        directory,
        incoming("e1", channel=Channel.WHATSAPP, conversation_id=str(sms.conversation.id)),
    )
    assert isinstance(email, InvalidArgument)
    assert [v.field for v in email.violations] == ["conversation_id"]


async def test_staff_replies_assign_the_first_agent(uow, directory):
    await ingest(uow, directory, incoming("c1"))
    (reply,) = await ingest(
        uow,
        directory,
        incoming("a1", author=Author.AGENT, author_id="agent-7", at=NOW + timedelta(minutes=1)),
    )
    assert reply.conversation.current_agent.agent_id == "agent-7"


async def test_hand_off_from_ai_to_human_escalates_then_close_and_reopen(uow, directory):
    (first,) = await ingest(uow, directory, incoming("h1"))
    cid = str(first.conversation.id)

    async def update(**kw):  # type: ignore[no-untyped-def]
        command = handlers.UpdateConversation(tenant_id=TENANT, id=cid, now=NOW, **kw)
        return await handlers.update_conversation(command=command, uow=uow)

    await update(handoff=handlers.Handoff("bot", AgentKind.AI))
    escalated = await update(handoff=handlers.Handoff("ann", AgentKind.HUMAN, "asked"))
    assert escalated.escalated and escalated.current_agent.agent_id == "ann"
    with pytest.raises(PreconditionFailed):
        await update(handoff=handlers.Handoff("ann", AgentKind.HUMAN))
    rated = await update(csat=5, topic=" booking ", status=Status.RESOLVED)
    assert (rated.status, rated.csat, rated.topic) == (Status.RESOLVED, 5, "booking")
    assert (await update(status=Status.RESOLVED, close_only=True)).version == rated.version
    reopened = await update(status=Status.OPEN)
    assert reopened.status is Status.OPEN and reopened.ended_at is None
    assert uow.subjects()[-4:] == [
        subjects.CONVERSATION_CONVERSATION_ESCALATED,
        subjects.CONVERSATION_CONVERSATION_RATED,
        subjects.CONVERSATION_CONVERSATION_CLOSED,
        subjects.CONVERSATION_CONVERSATION_REOPENED,
    ]
    with pytest.raises(InvalidArgument):
        await update(csat=9)


async def test_reopening_when_another_conversation_is_open_is_refused(uow, directory):
    (first,) = await ingest(uow, directory, incoming("r1"))
    close = handlers.UpdateConversation(
        tenant_id=TENANT, id=str(first.conversation.id), status=Status.RESOLVED, now=NOW
    )
    await handlers.update_conversation(command=close, uow=uow)
    (second,) = await ingest(uow, directory, incoming("r2", at=NOW + timedelta(minutes=1)))
    assert second.conversation_opened and second.conversation.id != first.conversation.id
    reopen = handlers.UpdateConversation(
        tenant_id=TENANT, id=str(first.conversation.id), status=Status.OPEN, now=NOW
    )
    with pytest.raises(PreconditionFailed):
        await handlers.update_conversation(command=reopen, uow=uow)


async def test_get_and_list_validate_their_input(uow, directory):
    (first,) = await ingest(uow, directory, incoming("g1"))
    found, page = await handlers.get_conversation(
        tenant_id=TENANT,
        ident=str(first.conversation.id),
        message_page_size=0,
        message_page_token="",
        uow=uow,
    )
    assert found.id == first.conversation.id and [m.id for m in page.messages] == [first.message.id]
    with pytest.raises(NotFound):
        await handlers.get_conversation(
            tenant_id=uuid.uuid4(),
            ident=str(first.conversation.id),
            message_page_size=0,
            message_page_token="",
            uow=uow,
        )
    bad_range = ConversationFilter(started_after=NOW, started_before=NOW)
    with pytest.raises(InvalidArgument):
        await handlers.list_conversations(
            tenant_id=TENANT, where=bad_range, page_size_=10, page_token="", uow=uow
        )


async def test_a_deleted_customer_or_a_removed_contact_is_resolved_again(uow, directory):
    (first,) = await ingest(uow, directory, incoming("d1"))
    owner = first.conversation.customer_id
    async with uow() as work:
        await contacts.contacts_changed(work, TENANT, owner, version=2, keep=(), now=NOW)
        await work.commit()
    await ingest(uow, directory, incoming("d2"))
    assert directory.calls == 2
    async with uow() as work:
        await contacts.customer_deleted(work, TENANT, owner, NOW)
        await work.commit()
    assert uow.store.contacts == {}


async def test_a_merge_resolves_the_duplicates_clashing_conversation_and_an_erasure_blanks_texts(
    uow, directory
):
    from conversation.adapters.customer_data import ERASED_TEXT
    from conversation.service_layer import customer_data

    (kept,) = await ingest(uow, directory, incoming("k1", "+14155550100"))
    gone_sms, gone_chat = await ingest(
        uow,
        directory,
        incoming("g1", "+14155550101", at=NOW + timedelta(minutes=1)),
        incoming("g2", "+14155550101", channel=Channel.WHATSAPP),
    )
    uow.store.conversations[(TENANT, gone_chat.conversation.id)].topic = "billing"
    survivor, duplicate = kept.conversation.customer_id, gone_sms.conversation.customer_id
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.reassign(work, TENANT, duplicate, survivor)
        await work.commit()
    sms = uow.store.conversations[(TENANT, gone_sms.conversation.id)]
    chat = uow.store.conversations[(TENANT, gone_chat.conversation.id)]
    assert (sms.status, sms.ended_at) == (Status.RESOLVED, NOW + timedelta(minutes=1))
    assert chat.status is Status.OPEN  # the survivor has no open WhatsApp conversation
    assert {c.customer_id for c in uow.store.conversations.values()} == {survivor}
    assert {m.customer_id for m in uow.store.messages.values()} == {survivor}
    assert set(uow.store.contacts.values()) == {survivor}  # the duplicate's number is forgotten
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.erase(work, TENANT, survivor)
        await work.commit()
    assert {m.text for m in uow.store.messages.values()} == {ERASED_TEXT}
    assert all(m.provider_message_id == f"erased:{m.id}" for m in uow.store.messages.values())
    assert {c.topic for c in uow.store.conversations.values()} == {""}
    assert uow.store.contacts == {}


async def test_a_message_is_sent_from_the_domain_profile_templated_once_per_key(uow):
    from conversation.domain.outbound import (
        CustomerContact,
        CustomerProfile,
        DeliveryStatus,
        Refused,
        SendRequest,
    )
    from conversation.service_layer import outbound
    from conversation_fakes import FakeCustomerProfiles
    from moodline_kit import tenancy

    ann = uuid.uuid4()
    profiles = FakeCustomerProfiles()
    profiles.profiles[ann] = CustomerProfile(
        contact=CustomerContact("ann@example.com", "", {"marketing": False}),
        values={"customer.first_name": "Ann"},
    )

    async def send(key, *, template="Hi {{customer.first_name}}", **kw):  # type: ignore[no-untyped-def]
        request = SendRequest(
            customer_id=kw.pop("customer_id", str(ann)), channel=Channel.EMAIL, text="",
            template=template, subject="", author=Author.AGENT, author_id="agent-1",
            marketing=kw.pop("marketing", False), idempotency_key=key, staff_email="", **kw,
        )  # fmt: skip
        return await outbound.send_message(request=request, uow=uow, customers=profiles)

    token = tenancy.set_tenant(TENANT)
    try:
        preview = await send("k0", dry_run=True)
        assert (preview.text, preview.recipient) == ("Hi Ann", "ann@example.com")
        assert uow.store.outbound == {} and uow.published == []
        sent = await send("k1")
        again = await send("k1", template="Changed")
        with pytest.raises(Refused, match="marketing"):
            await send("k2", marketing=True)
        with pytest.raises(InvalidArgument, match="placeholder"):
            await send("k3", template="Hi {{customer.nickname}}")
        with pytest.raises(NotFound):
            await send("k4", customer_id=str(uuid.uuid4()))
    finally:
        tenancy.reset_tenant(token)
    assert (sent.text, sent.status, sent.recipient) == (
        "Hi Ann",
        DeliveryStatus.QUEUED,
        "ann@example.com",
    )
    assert again.duplicate and again.id == sent.id and list(uow.store.outbound) == [sent.id]
    [message] = uow.store.messages.values()
    assert (message.text, message.conversation_id) == ("Hi Ann", sent.conversation_id)
    assert uow.subjects() == [
        subjects.CONVERSATION_CONVERSATION_OPENED,
        subjects.CONVERSATION_MESSAGE_RECEIVED,
        subjects.CONVERSATION_OUTBOUND_CHANGED,
    ]


async def test_a_batch_of_new_contacts_is_one_customer_service_call_and_a_bad_one_fails_alone(
    uow, directory
):
    phones = [f"(415) 555-01{i:02d}" for i in range(3)]
    email = IncomingMessage(
        provider_message_id="e1",
        channel=Channel.EMAIL,
        contact=Contact(ContactKind.EMAIL, "New@Glow.example"),
        direction=Direction.INBOUND,
        author=Author.CUSTOMER,
        text="hello",
        sent_at=NOW,
    )
    batch = [
        *(
            incoming(f"b{i}-{j}", p, at=NOW + timedelta(seconds=j))
            for i, p in enumerate(phones)
            for j in range(2)
        ),
        email,
        incoming("bad", "+1 555"),  # no valid number: the customer service refuses it
    ]
    outcomes = await ingest(uow, directory, *batch)
    assert directory.batches == [5] and directory.calls == 5
    assert isinstance(outcomes[-1], InvalidArgument)
    assert outcomes[-1].violations[0].field == "customer_phone"
    stored = outcomes[:-1]
    assert not any(isinstance(o, Exception) for o in stored)
    assert len({o.conversation.customer_id for o in stored}) == 4
    assert [o.customer_created for o in stored] == [True, False, True, False, True, False, True]
    # the same contacts again: the mapping answers, no call at all
    again = [incoming(f"c{i}", p) for i, p in enumerate(phones)]
    await ingest(uow, directory, *again)
    assert directory.batches == [5] and directory.calls == 5

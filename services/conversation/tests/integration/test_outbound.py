"""Outbound messages through the real channel adapters: e-mail to a local SMTP server
(aiosmtpd, read back from its Maildir), SMS/WhatsApp to the provider test double, signed
status callbacks, consent and templates."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from conversation.adapters.channels import sign
from conversation.testing import migrate as migrate_conversation
from conversation.testing import running_conversation_service
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline.customer.v1 import customer_pb2
from moodline_devkit.mail import SmtpInbox
from moodline_devkit.provider_double import ProviderTestDouble
from moodline_kit.grpc.client import tenant_metadata

pytestmark = pytest.mark.integration

SECRET = "test-callback-secret"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def outbound(services, database_factory, tmp_path_factory) -> AsyncIterator[tuple]:
    """A second conversation service, with a database of its own (its dispatcher must be the
    only one sending its messages), wired to a local SMTP inbox and to the provider test
    double."""
    database = await database_factory("conv_outbound")
    await migrate_conversation(database)
    inbox = SmtpInbox(tmp_path_factory.mktemp("maildir")).start()
    provider = ProviderTestDouble().start()
    try:
        async with running_conversation_service(
            database,
            services.customer.container.settings.nats_url,
            services.customer.address,
            smtp_host=inbox.host,
            smtp_port=inbox.port,
            provider_base_url=provider.base_url,
            provider_api_key="key-1",
            provider_callback_secret=SECRET,
        ) as conversation:
            yield conversation, inbox, provider
    finally:
        provider.stop()
        inbox.stop()


async def customer(services, tenant, **consents: bool) -> customer_pb2.Customer:
    stub = services.customer.stub
    created = await stub.CreateCustomer(
        customer_pb2.CreateCustomerRequest(
            first_name="Ann",
            last_name="Lee",
            emails=[customer_pb2.Email(address=f"ann.{uuid.uuid4().hex[:6]}@example.com")],
            phones=[customer_pb2.Phone(number="+14155550123", primary=True)],
        ),
        metadata=tenant,
    )
    for kind, granted in consents.items():
        await stub.RecordConsent(
            customer_pb2.RecordConsentRequest(
                id=created.id, kind=kind, granted=granted, source="test"
            ),
            metadata=tenant,
        )
    return created


async def wait_status(stub, ident: str, tenant, wanted: int) -> pb.OutboundMessage:
    for _ in range(100):
        found = await stub.GetOutboundMessage(
            pb.GetOutboundMessageRequest(id=ident), metadata=tenant
        )
        if found.status == wanted:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"status stayed {pb.DeliveryStatus.Name(found.status)}: {found.error}")


async def test_email_from_a_template_reaches_the_smtp_inbox_once(services, outbound, tenant):
    conversation, inbox, _ = outbound
    stub = conversation.stub
    ann = await customer(services, tenant)
    request = pb.SendMessageRequest(
        customer_id=ann.id,
        channel=pb.CHANNEL_EMAIL,
        template="Hi {{customer.first_name}}, sorry about the wait.",
        subject="About your visit, {{customer.full_name}}",
        author=pb.AUTHOR_AGENT,
        author_id="staff-1",
        idempotency_key=f"k-{uuid.uuid4()}",
    )
    sent = await stub.SendMessage(request, metadata=tenant)
    assert sent.status == pb.DELIVERY_STATUS_QUEUED
    assert sent.text == "Hi Ann, sorry about the wait."
    assert sent.recipient == ann.emails[0].address
    again = await stub.SendMessage(request, metadata=tenant)
    assert again.duplicate and again.id == sent.id

    done = await wait_status(stub, sent.id, tenant, pb.DELIVERY_STATUS_SENT)
    mails = [m for m in inbox.messages() if m["To"] == ann.emails[0].address]
    assert len(mails) == 1
    assert mails[0]["Subject"] == "About your visit, Ann Lee"
    assert "Hi Ann, sorry about the wait." in mails[0].get_payload()
    assert mails[0]["X-Moodline-Message-Id"] == sent.id
    assert done.provider_message_id == mails[0]["Message-ID"]

    # stored in the customer's e-mail conversation as an outbound message with its status
    page = await stub.GetConversation(
        pb.GetConversationRequest(id=sent.conversation_id), metadata=tenant
    )
    [message] = page.messages
    assert message.direction == pb.DIRECTION_OUTBOUND and message.author == pb.AUTHOR_AGENT
    assert message.delivery_status == pb.DELIVERY_STATUS_SENT


async def test_sms_goes_to_the_provider_and_a_signed_callback_marks_it_delivered(
    services, outbound, tenant
):
    conversation, _, provider = outbound
    stub = conversation.stub
    ann = await customer(services, tenant)
    sent = await stub.SendMessage(
        pb.SendMessageRequest(
            customer_id=ann.id,
            channel=pb.CHANNEL_SMS,
            text="Your table is ready",
            author=pb.AUTHOR_AUTOMATION,
            author_id="wf-1",
        ),
        metadata=tenant,
    )
    done = await wait_status(stub, sent.id, tenant, pb.DELIVERY_STATUS_SENT)
    [recorded] = [r for r in provider.requests if r["reference"].endswith(sent.id)]
    assert recorded["to"] == "+14155550123" and recorded["channel"] == "sms"
    assert recorded["authorization"] == "Bearer key-1"
    assert recorded["idempotency_key"] == sent.id
    assert done.provider_message_id == recorded["id"]

    body = json.dumps({"reference": recorded["reference"], "status": "delivered"}).encode()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RecordDeliveryStatus(
            pb.RecordDeliveryStatusRequest(body=body, signature=sign("wrong", body)),
            metadata=tenant,
        )
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    delivered = await stub.RecordDeliveryStatus(
        pb.RecordDeliveryStatusRequest(body=body, signature=sign(SECRET, body)), metadata=tenant
    )
    assert delivered.status == pb.DELIVERY_STATUS_DELIVERED
    # another tenant cannot move it
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await stub.RecordDeliveryStatus(
            pb.RecordDeliveryStatusRequest(body=body, signature=sign(SECRET, body)),
            metadata=tenant_metadata(str(uuid.uuid4())),
        )
    assert other.value.code() is grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("consents", "channel", "marketing", "reason"),
    [
        ({"communication": False}, pb.CHANNEL_EMAIL, False, "opted out of communication"),
        ({"sms": False}, pb.CHANNEL_SMS, False, "opted out of sms"),
        ({"marketing": False}, pb.CHANNEL_EMAIL, True, "opted out of marketing"),
    ],
)
async def test_opted_out_customers_are_never_messaged_and_the_caller_is_told_why(
    services, outbound, tenant, consents, channel, marketing, reason
):
    conversation, inbox, provider = outbound
    ann = await customer(services, tenant, **consents)
    before = (len(inbox.messages()), len(provider.requests))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await conversation.stub.SendMessage(
            pb.SendMessageRequest(
                customer_id=ann.id, channel=channel, text="Spring offer!", marketing=marketing
            ),
            metadata=tenant,
        )
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert reason in refused.value.details()
    await asyncio.sleep(0.3)
    assert (len(inbox.messages()), len(provider.requests)) == before


async def test_marketing_opt_out_still_allows_service_messages_and_staff_mail(
    services, outbound, tenant
):
    conversation, inbox, _ = outbound
    ann = await customer(services, tenant, marketing=False)
    service = await conversation.stub.SendMessage(
        pb.SendMessageRequest(customer_id=ann.id, channel=pb.CHANNEL_EMAIL, text="Receipt"),
        metadata=tenant,
    )
    staff = await conversation.stub.SendMessage(
        pb.SendMessageRequest(
            customer_id=ann.id,
            channel=pb.CHANNEL_EMAIL,
            template="{{customer.full_name}} needs attention",
            staff_email="manager@example.com",
        ),
        metadata=tenant,
    )
    assert staff.to_staff and staff.recipient == "manager@example.com" and not staff.message_id
    await wait_status(conversation.stub, service.id, tenant, pb.DELIVERY_STATUS_SENT)
    await wait_status(conversation.stub, staff.id, tenant, pb.DELIVERY_STATUS_SENT)
    assert any(
        m["To"] == "manager@example.com" and "Ann Lee needs attention" in m.get_payload()
        for m in inbox.messages()
    )


async def test_bad_send_requests_name_the_field(services, outbound, tenant):
    conversation, _, _ = outbound
    ann = await customer(services, tenant)
    cases = [
        (pb.SendMessageRequest(customer_id=ann.id, channel=pb.CHANNEL_PHONE, text="x"), "channel"),
        (pb.SendMessageRequest(customer_id=ann.id, channel=pb.CHANNEL_EMAIL), "text"),
        (
            pb.SendMessageRequest(
                customer_id=ann.id, channel=pb.CHANNEL_EMAIL, template="Hi {{customer.shoe}}"
            ),
            "template",
        ),
    ]
    for request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await conversation.stub.SendMessage(request, metadata=tenant)
        assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in bad.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await conversation.stub.SendMessage(
            pb.SendMessageRequest(customer_id=str(uuid.uuid4()), channel=pb.CHANNEL_SMS, text="x"),
            metadata=tenant,
        )
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND


async def test_many_keyed_sends_on_pooled_connections_all_store(services, outbound, tenant):
    """60 keyed sends (each pooled connection runs the insert more than five times). The keyed
    insert's ON CONFLICT names the partial index by a literal predicate: after five
    executions asyncpg's prepared statement goes to a generic plan, where a bound `<> $1` no
    longer matches the index (every send after the fifth failed: found by bench/automation)."""
    conversation, _, _ = outbound
    ann = await customer(services, tenant)
    sent = []
    for i in range(60):
        reply = await conversation.stub.SendMessage(
            pb.SendMessageRequest(
                customer_id=ann.id,
                channel=pb.CHANNEL_EMAIL,
                text=f"Update {i}",
                author=pb.AUTHOR_AUTOMATION,
                author_id="wf-1",
                idempotency_key=f"many-{uuid.uuid4()}",
            ),
            metadata=tenant,
        )
        assert not reply.duplicate
        sent.append(reply.id)
    assert len(set(sent)) == 60

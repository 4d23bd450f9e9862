"""Known contacts never call the customer service; the mapping follows customer deletions."""

import asyncio
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline.customer.v1 import customer_pb2

from .test_ingestion import T0, count, sms, unique_phone

pytestmark = pytest.mark.integration


async def test_a_known_contact_never_calls_the_customer_service(services, tenant, spy):
    stub = services.conversation.stub
    phone = unique_phone()  # +1415555xxxx
    first = await stub.IngestMessage(sms(phone=phone), metadata=tenant)
    assert first.customer_created and spy.calls["ResolveCustomer"] == 1
    # the same number again, written three ways (national ones read in the tenant's country)
    national = f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
    for written in (phone, f"+1 {phone[2:5]} {phone[5:8]} {phone[8:]}", national):
        again = await stub.IngestMessage(sms(phone=written), metadata=tenant)
        assert again.message.customer_id == first.message.customer_id
        assert not again.customer_created
    assert spy.calls["ResolveCustomer"] == 1
    assert spy.calls["GetTenantSettings"] == 1  # once per tenant, cached
    # a batch of known contacts: no call at all, however many messages
    batch = [sms(phone=phone, at=T0 + timedelta(seconds=i)) for i in range(50)]
    reply = await stub.IngestMessages(pb.IngestMessagesRequest(messages=batch), metadata=tenant)
    assert {r.ingested.message.customer_id for r in reply.results} == {first.message.customer_id}
    assert spy.calls["ResolveCustomer"] == 1


async def test_a_batch_resolves_only_its_unknown_contacts_once_each(services, tenant, spy):
    stub = services.conversation.stub
    known = unique_phone()
    await stub.IngestMessage(sms(phone=known), metadata=tenant)
    spy.calls.clear()
    fresh = [f"new{i}-{uuid.uuid4().hex[:6]}@glow.example" for i in range(5)]
    batch = [sms(phone=known)] + [
        sms(phone=None, customer_email=email.upper() if j else email, channel=pb.CHANNEL_EMAIL)
        for email in fresh
        for j in range(2)
    ]
    reply = await stub.IngestMessages(pb.IngestMessagesRequest(messages=batch), metadata=tenant)
    assert all(r.WhichOneof("outcome") == "ingested" for r in reply.results)
    # the five unknown contacts in one ResolveCustomers call, each asked once (#25: it was one
    # ResolveCustomer call each, `spy.calls["ResolveCustomer"] == 5`)
    assert spy.calls["ResolveCustomers"] == 1 and spy.calls["ResolveCustomer"] == 0
    (asked,) = spy.requests["ResolveCustomers"]
    assert sorted(c.email.lower() for c in asked.contacts) == sorted(fresh)
    mapped = await count(
        services,
        "SELECT count(*) FROM contacts WHERE tenant_id = :t AND kind = 'email'",
        t=tenant[0][1],
    )
    assert mapped == 5


async def test_a_deleted_customer_is_resolved_again(services, tenant, spy):
    stub = services.conversation.stub
    phone = unique_phone()
    first = await stub.IngestMessage(sms(phone=phone), metadata=tenant)
    customer_id = first.message.customer_id
    await services.customer.stub.DeleteCustomer(
        customer_pb2.DeleteCustomerRequest(id=customer_id, confirm=True), metadata=tenant
    )
    # the customer.customer.deleted event reaches the mapping
    for _ in range(200):
        left = await count(
            services,
            "SELECT count(*) FROM contacts WHERE tenant_id = :t AND customer_id = :c",
            t=tenant[0][1],
            c=customer_id,
        )
        if left == 0:
            break
        await asyncio.sleep(0.05)
    assert left == 0
    again = await stub.IngestMessage(sms(phone=phone), metadata=tenant)
    assert again.customer_created and again.message.customer_id != customer_id
    assert spy.calls["ResolveCustomer"] == 2
    # an answer about the deleted customer can never be cached again
    async with services.conversation.container.uow() as work:
        from conversation.adapters.contacts import Known

        await work.contacts.remember(
            uuid.UUID(tenant[0][1]),
            [Known(("phone", "+14155550000"), uuid.UUID(customer_id), 99)],
            T0,
        )
        await work.commit()
        stale = await work.session.scalar(
            sa.text("SELECT count(*) FROM contacts WHERE customer_id = :c"),
            {"c": uuid.UUID(customer_id)},
        )
    assert stale == 0


async def test_20_concurrent_messages_from_an_unknown_contact_make_one_prospect_and_one_mapping(
    services, tenant, spy
):
    stub = services.conversation.stub
    phone = unique_phone()
    replies = await asyncio.gather(
        *(
            stub.IngestMessage(sms(phone=phone, at=T0 + timedelta(seconds=i)), metadata=tenant)
            for i in range(20)
        )
    )
    assert len({r.message.customer_id for r in replies}) == 1
    assert sum(r.customer_created for r in replies) == 1
    found = await services.customer.stub.ListCustomers(
        customer_pb2.ListCustomersRequest(query=phone), metadata=tenant
    )
    assert len(found.customers) == 1
    rows = await count(
        services, "SELECT count(*) FROM contacts WHERE tenant_id = :t", t=tenant[0][1]
    )
    assert rows == 1
    calls = spy.calls["ResolveCustomer"]
    await stub.IngestMessage(sms(phone=phone), metadata=tenant)
    assert spy.calls["ResolveCustomer"] == calls

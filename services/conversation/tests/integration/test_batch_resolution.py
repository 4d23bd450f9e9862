"""A batch's unknown contacts go to the customer service in one ResolveCustomers call: a contact
it refuses fails only its messages, and a batch that cannot be stored leaves none of the
Prospects it created."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import grpc
import pytest
import sqlalchemy as sa
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline.customer.v1 import customer_pb2
from moodline_devkit.testing.phones import unique_phone

from .test_ingestion import T0, sms

pytestmark = pytest.mark.integration


async def customers_of(services, tenant, phone: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = await services.customer.stub.ListCustomers(
        customer_pb2.ListCustomersRequest(query=phone), metadata=tenant
    )
    return [c.id for c in found.customers]


async def test_one_call_for_a_batch_of_new_contacts_and_a_refused_contact_fails_alone(
    services, tenant, spy
):
    phones = [unique_phone() for _ in range(10)]
    batch = [sms(phone=p, at=T0 + timedelta(seconds=j)) for p in phones for j in range(2)]
    batch.insert(3, sms(phone="+1 555"))  # not a number: refused by the customer service
    reply = await services.conversation.stub.IngestMessages(
        pb.IngestMessagesRequest(messages=batch), metadata=tenant
    )
    assert spy.calls["ResolveCustomers"] == 1 and spy.calls["ResolveCustomer"] == 0
    assert len(spy.requests["ResolveCustomers"][0].contacts) == 11
    refused = reply.results[3]
    assert refused.WhichOneof("outcome") == "failed"
    assert (refused.failed.code, refused.failed.field) == ("INVALID_ARGUMENT", "customer_phone")
    stored = [r.ingested for i, r in enumerate(reply.results) if i != 3]
    assert all(r.WhichOneof("outcome") == "ingested" for i, r in enumerate(reply.results) if i != 3)
    assert sum(s.customer_created for s in stored) == 10
    for phone in phones:
        owners = await customers_of(services, tenant, phone)
        assert len(owners) == 1
        assert {s.message.customer_id for s in stored if s.message.customer_id in owners} == {
            owners[0]
        }


@contextlib.asynccontextmanager
async def refusing(services, text: str) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    """The conversation database refuses to store a message with `text` (a real error)."""
    engine = services.conversation.container.engine
    name = f"refuse_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                f"""create function {name}() returns trigger language plpgsql as $$
                begin
                  if new.text = '{text}' then raise exception 'storage failed'; end if;
                  return new;
                end $$"""
            )
        )
        await conn.execute(
            sa.text(
                f"create trigger {name} before insert on messages for each row "
                f"execute function {name}()"
            )
        )
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"drop trigger {name} on messages"))
            await conn.execute(sa.text(f"drop function {name}()"))


async def test_a_batch_that_cannot_be_stored_leaves_none_of_its_prospects(services, tenant, spy):
    phones = [unique_phone() for _ in range(5)]
    marker = f"refused-{uuid.uuid4().hex[:8]}"
    batch = [sms(phone=p) for p in phones]
    async with refusing(services, marker):
        with pytest.raises(grpc.aio.AioRpcError):
            await services.conversation.stub.IngestMessages(
                pb.IngestMessagesRequest(messages=[*batch, sms(phone=phones[0], text=marker)]),
                metadata=tenant,
            )
    assert spy.calls["ResolveCustomers"] == 1
    for phone in phones:
        assert await customers_of(services, tenant, phone) == []
    reply = await services.conversation.stub.IngestMessages(
        pb.IngestMessagesRequest(messages=batch), metadata=tenant
    )
    assert all(r.ingested.customer_created for r in reply.results)
    for phone, result in zip(phones, reply.results, strict=True):
        assert await customers_of(services, tenant, phone) == [result.ingested.message.customer_id]

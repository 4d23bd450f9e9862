"""ResolveCustomers: a batch resolves each contact as ResolveCustomer would, in one transaction,
and never makes a second customer of a contact, whoever resolves it at the same time."""

import asyncio
import random

import grpc
import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2 as pb
from moodline_devkit.testing.phones import unique_phone
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration
# not +1415555...: test_merges scans the whole database for one of those after an erasure
PREFIX = "+1212555"


async def counts(database: str, tenant) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(customers, customer.customer.created events, timeline entries) of the tenant."""
    engine = create_async_engine(database)
    try:
        async with engine.connect() as conn:
            t = {"t": tenant[0][1]}
            return (
                await conn.scalar(
                    sa.text("select count(*) from customers where tenant_id = :t"), t
                ),
                await conn.scalar(
                    sa.text(
                        "select count(*) from outbox where tenant_id = :t "
                        "and subject = 'customer.customer.created'"
                    ),
                    t,
                ),
                await conn.scalar(
                    sa.text("select count(*) from customer_timeline where tenant_id = :t"), t
                ),
            )
    finally:
        await engine.dispose()


def national(e164: str) -> str:
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


async def test_a_batch_of_new_known_repeated_and_invalid_contacts(
    customer_service, customer_database, tenant
):
    stub = customer_service.stub
    known_phone, new_phone = unique_phone(PREFIX), unique_phone(PREFIX)
    ann = await stub.CreateCustomer(
        pb.CreateCustomerRequest(
            first_name="Ann",
            phones=[pb.Phone(number=known_phone)],
            emails=[pb.Email(address="ann@example.com")],
        ),
        metadata=tenant,
    )
    batch = [
        pb.ResolveCustomerRequest(phone=national(known_phone)),  # 0 known, national
        pb.ResolveCustomerRequest(email="  ANN@Example.COM "),  # 1 known, normalised
        pb.ResolveCustomerRequest(phone=new_phone, display_name="  Bo   Lee "),  # 2 new
        pb.ResolveCustomerRequest(email="cy@example.com"),  # 3 new
        pb.ResolveCustomerRequest(phone="12"),  # 4 invalid
        pb.ResolveCustomerRequest(phone=national(new_phone), display_name="Other"),  # 5 = 2
        pb.ResolveCustomerRequest(email="not-an-email"),  # 6 invalid
        pb.ResolveCustomerRequest(),  # 7 neither
        pb.ResolveCustomerRequest(email="CY@example.com"),  # 8 = 3
    ]
    before = await counts(customer_database, tenant)
    reply = await stub.ResolveCustomers(pb.ResolveCustomersRequest(contacts=batch), metadata=tenant)
    results = list(reply.results)
    assert [r.WhichOneof("outcome") for r in results] == [
        *("resolved", "resolved", "resolved", "resolved", "failed"),
        *("resolved", "failed", "failed", "resolved"),
    ]
    resolved = {i: r.resolved for i, r in enumerate(results) if r.HasField("resolved")}
    assert (resolved[0].customer.id, resolved[0].created) == (ann.id, False)
    assert (resolved[1].customer.id, resolved[1].created) == (ann.id, False)
    assert resolved[2].created and resolved[2].customer.first_name == "Bo Lee"
    assert resolved[2].customer.phones[0].number == new_phone
    assert resolved[2].customer.lifecycle_stage == "prospect"
    assert (resolved[5].customer.id, resolved[5].created) == (resolved[2].customer.id, False)
    assert resolved[3].created and resolved[3].customer.first_name == "cy@example.com"
    assert (resolved[8].customer.id, resolved[8].created) == (resolved[3].customer.id, False)
    # each refused as ResolveCustomer refuses it: INVALID_ARGUMENT naming the field
    for i, field in ((4, "phone"), (6, "email"), (7, "phone")):
        failed = results[i].failed
        assert failed.code == "INVALID_ARGUMENT"
        assert [v.field for v in failed.violations] == [field]
        with pytest.raises(grpc.aio.AioRpcError) as single:
            await stub.ResolveCustomer(batch[i], metadata=tenant)
        assert failed.message == single.value.details()
    after = await counts(customer_database, tenant)
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (2, 2, 2)
    # a Prospect of the batch is what ResolveCustomer finds, and the same batch again creates
    # nothing: the same customers, none created
    single = await stub.ResolveCustomer(pb.ResolveCustomerRequest(phone=new_phone), metadata=tenant)
    assert (single.customer.id, single.created) == (resolved[2].customer.id, False)
    again = await stub.ResolveCustomers(pb.ResolveCustomersRequest(contacts=batch), metadata=tenant)
    assert [r.WhichOneof("outcome") for r in again.results] == [
        r.WhichOneof("outcome") for r in results
    ]
    for i, r in resolved.items():
        assert (again.results[i].resolved.customer.id, again.results[i].resolved.created) == (
            r.customer.id,
            False,
        )
    assert await counts(customer_database, tenant) == after


async def test_an_empty_or_oversized_batch_is_invalid_argument(customer_service, tenant):
    stub = customer_service.stub
    for size in (0, 501):
        contacts = [pb.ResolveCustomerRequest(email=f"x{i}@example.com") for i in range(size)]
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.ResolveCustomers(
                pb.ResolveCustomersRequest(contacts=contacts), metadata=tenant
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_batches_racing_single_resolves_create_each_customer_once(
    customer_service, customer_database, tenant
):
    stub = customer_service.stub
    phones = [unique_phone(PREFIX) for _ in range(30)]
    emails = [f"race{i}@example.com" for i in range(30)]
    contacts = [pb.ResolveCustomerRequest(phone=p) for p in phones] + [
        pb.ResolveCustomerRequest(email=e) for e in emails
    ]
    batches = []
    for seed in range(4):  # overlapping batches, each in its own order
        order = list(contacts)
        random.Random(seed).shuffle(order)
        batches.append(order[:45])
    calls = [
        stub.ResolveCustomers(pb.ResolveCustomersRequest(contacts=b), metadata=tenant)
        for b in batches
    ] + [stub.ResolveCustomer(c, metadata=tenant) for c in contacts]
    replies = await asyncio.gather(*calls)
    answers: dict[str, list[pb.ResolveCustomerResponse]] = {}
    for batch, reply in zip(batches, replies[: len(batches)], strict=True):
        for request, result in zip(batch, reply.results, strict=True):
            answers.setdefault(request.phone or request.email, []).append(result.resolved)
    for request, single in zip(contacts, replies[len(batches) :], strict=True):
        answers.setdefault(request.phone or request.email, []).append(single)
    assert len(answers) == 60
    for contact, found in answers.items():
        assert len({a.customer.id for a in found}) == 1, contact
        assert sum(a.created for a in found) == 1, contact
    assert await counts(customer_database, tenant) == (60, 60, 60)


async def test_concurrent_batches_of_new_contacts_in_one_tenant_do_not_deadlock(
    customer_service, customer_database, tenant
):
    """Every batch counts its Prospects into the tenant's stats shards (0011's statement
    trigger): concurrent batches share those rows and must still all succeed."""
    stub = customer_service.stub
    batches = [
        [pb.ResolveCustomerRequest(email=f"b{b}-{i}@shards.example") for i in range(100)]
        for b in range(6)
    ]
    replies = await asyncio.gather(
        *(
            stub.ResolveCustomers(pb.ResolveCustomersRequest(contacts=b), metadata=tenant)
            for b in batches
        )
    )
    assert all(r.resolved.created for reply in replies for r in reply.results)
    stats = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    assert stats.total == 600
    assert await counts(customer_database, tenant) == (600, 600, 600)

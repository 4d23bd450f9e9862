import asyncio

import grpc
import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2 as pb
from moodline_kit.grpc.status import field_violations
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration


async def test_concurrent_resolves_of_one_unknown_phone_create_exactly_one_customer(
    customer_service, customer_database, tenant
):
    stub = customer_service.stub
    calls = [
        stub.ResolveCustomer(
            pb.ResolveCustomerRequest(phone="(415) 555-0199", display_name="Caller"),
            metadata=tenant,
        )
        for _ in range(20)
    ]
    results = await asyncio.gather(*calls)
    assert len({r.customer.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert results[0].customer.phones[0].number == "+14155550199"
    assert results[0].customer.lifecycle_stage == "prospect"
    assert results[0].customer.first_name == "Caller"
    engine = create_async_engine(customer_database)
    try:
        async with engine.connect() as conn:
            owners = await conn.scalar(
                sa.text("select count(*) from customer_phones where tenant_id = :t and e164 = :p"),
                {"t": tenant[0][1], "p": "+14155550199"},
            )
            created_events = await conn.scalar(
                sa.text(
                    "select count(*) from outbox where tenant_id = :t "
                    "and subject = 'customer.customer.created'"
                ),
                {"t": tenant[0][1]},
            )
    finally:
        await engine.dispose()
    assert owners == 1
    assert created_events == 1


async def test_resolve_finds_existing_customers_by_national_phone_and_normalised_email(
    customer_service, tenant
):
    stub = customer_service.stub
    ann = await stub.CreateCustomer(
        pb.CreateCustomerRequest(
            first_name="Ann",
            phones=[pb.Phone(number="+1 415 555 2671")],
            emails=[pb.Email(address="ann@example.com")],
        ),
        metadata=tenant,
    )
    by_phone = await stub.ResolveCustomer(
        pb.ResolveCustomerRequest(phone="415-555-2671"), metadata=tenant
    )
    by_email = await stub.ResolveCustomer(
        pb.ResolveCustomerRequest(email="  ANN@Example.COM "), metadata=tenant
    )
    assert (by_phone.customer.id, by_phone.created) == (ann.id, False)
    assert (by_email.customer.id, by_email.created) == (ann.id, False)
    new = await stub.ResolveCustomer(
        pb.ResolveCustomerRequest(email="bob@example.com"), metadata=tenant
    )
    assert new.created and new.customer.first_name == "bob@example.com"
    assert new.customer.emails[0].address == "bob@example.com"


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.ResolveCustomerRequest(phone="12"), "phone"),
        (pb.ResolveCustomerRequest(phone="+1 415 555 01"), "phone"),
        (pb.ResolveCustomerRequest(email="not-an-email"), "email"),
        (pb.ResolveCustomerRequest(), "phone"),
    ],
)
async def test_invalid_contacts_are_invalid_argument_naming_the_field(
    customer_service, tenant, request_, field
):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await customer_service.stub.ResolveCustomer(request_, metadata=tenant)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(err.value)] == [field]

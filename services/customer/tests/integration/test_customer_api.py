import uuid

import grpc
import pytest
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from moodline.customer.v1 import customer_pb2 as pb
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration


def new_customer(first="Ann", last="Lee", company="", phones=(), emails=()):
    return pb.CreateCustomerRequest(
        first_name=first,
        last_name=last,
        company=company,
        phones=[pb.Phone(number=n) for n in phones],
        emails=[pb.Email(address=e) for e in emails],
    )


async def names(stub, tenant, query="", page_size=50):
    page = await stub.ListCustomers(
        pb.ListCustomersRequest(query=query, page_size=page_size), metadata=tenant
    )
    return sorted(c.first_name for c in page.customers)


async def test_create_then_get_returns_the_normalised_customer(customer_service, tenant):
    stub = customer_service.stub
    created = await stub.CreateCustomer(
        new_customer(phones=["(415) 555-2671"], emails=["Ann@Example.com"]), metadata=tenant
    )
    got = await stub.GetCustomer(pb.GetCustomerRequest(id=created.id), metadata=tenant)
    assert got.phones[0].number == "+14155552671" and got.phones[0].primary
    assert got.emails[0].address == "ann@example.com"
    assert got.lifecycle_stage == "prospect"


async def test_search_is_partial_and_case_insensitive_over_every_contact_field(
    customer_service, tenant
):
    stub = customer_service.stub
    await stub.CreateCustomer(
        new_customer(
            "Olivia", "Martinez", phones=["(415) 555-2671"], emails=["olivia@glow.example"]
        ),
        metadata=tenant,
    )
    await stub.CreateCustomer(
        new_customer("Liam", "Chen", company="Chen Dental", phones=["+44 7911 123456"]),
        metadata=tenant,
    )
    assert await names(stub, tenant, "MARTI") == ["Olivia"]
    assert await names(stub, tenant, "glow.EX") == ["Olivia"]
    assert await names(stub, tenant, "dental") == ["Liam"]
    assert await names(stub, tenant, "555-26") == ["Olivia"]
    assert await names(stub, tenant, "+1 415") == ["Olivia"]
    assert await names(stub, tenant, "4155552671") == ["Olivia"]
    # the same UK number found with country code, national with trunk 0, and partially
    assert await names(stub, tenant, "+447911") == ["Liam"]
    assert await names(stub, tenant, "07911 123") == ["Liam"]
    assert await names(stub, tenant, "911123") == ["Liam"]
    assert await names(stub, tenant, "nobody") == []
    assert await names(stub, tenant, "50%") == []


async def test_cursor_pagination_walks_every_customer_once(customer_service, tenant):
    stub = customer_service.stub
    for i in range(7):
        await stub.CreateCustomer(new_customer(f"P{i}"), metadata=tenant)
    seen, token = [], ""
    while True:
        page = await stub.ListCustomers(
            pb.ListCustomersRequest(page_size=3, page_token=token), metadata=tenant
        )
        seen += [c.first_name for c in page.customers]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == [f"P{i}" for i in range(7)]
    assert seen[0] == "P6"  # newest first


async def test_a_tenant_never_sees_another_tenants_customers(customer_service, tenant):
    stub = customer_service.stub
    mine = await stub.CreateCustomer(new_customer("Secret"), metadata=tenant)
    other = tenant_metadata(str(uuid.uuid4()))
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await stub.GetCustomer(pb.GetCustomerRequest(id=mine.id), metadata=other)
    assert exc.value.code() == grpc.StatusCode.NOT_FOUND
    assert await names(stub, other, "Secret") == []


async def test_bad_input_names_the_fields_and_writes_nothing(customer_service, tenant):
    stub = customer_service.stub
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await stub.CreateCustomer(new_customer("", phones=["12"], emails=["x@"]), metadata=tenant)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in field_violations(exc.value)}
    assert fields == {"first_name", "phones[0].number", "emails[0].address"}
    async with customer_service.container.engine.connect() as conn:
        count = await conn.scalar(
            sa.text("SELECT count(*) FROM customers WHERE tenant_id = :t"), {"t": tenant[0][1]}
        )
    assert count == 0


async def test_calls_without_a_verified_credential_for_the_tenant_are_unauthenticated(
    customer_service, tenant
):
    """A direct call to the service port: the tenant header alone is not believed, nor a
    credential of another tenant than the header names."""
    stub = customer_service.stub
    created = await stub.CreateCustomer(new_customer(), metadata=tenant)
    tenant_id = dict(tenant)["moodline-tenant-id"]
    other_tenant_credential = dict(tenant_metadata(str(uuid.uuid4())))["authorization"]
    for metadata in (
        (),
        (("moodline-tenant-id", tenant_id),),
        (("moodline-tenant-id", tenant_id), ("authorization", other_tenant_credential)),
        (("moodline-tenant-id", tenant_id), ("authorization", "Bearer not-a-token")),
    ):
        for call in (
            stub.ListCustomers(pb.ListCustomersRequest(), metadata=metadata),
            stub.GetCustomer(pb.GetCustomerRequest(id=created.id), metadata=metadata),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await call
            assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED, metadata


async def test_tenant_default_country_drives_phone_parsing(customer_service, tenant):
    stub = customer_service.stub
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await stub.UpdateTenantSettings(pb.TenantSettings(default_country="XX"), metadata=tenant)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await stub.UpdateTenantSettings(pb.TenantSettings(default_country="gb"), metadata=tenant)
    created = await stub.CreateCustomer(new_customer(phones=["07911 123456"]), metadata=tenant)
    assert created.phones[0].number == "+447911123456"


async def test_readiness_is_serving_with_database_and_nats_up(customer_service):
    health = health_pb2_grpc.HealthStub(customer_service.channel)
    for service in ("", "moodline.customer.v1.CustomerService", "liveness"):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_a_list_item_is_the_profile_without_relations_and_stage_history(
    customer_service, tenant
):
    """List rows are mapped to messages straight from the row (`list_row_to_proto`), the
    profile from the aggregate (`customer_to_proto`): both must say the same of every field."""
    stub = customer_service.stub
    await stub.UpsertCustomFieldDefinition(
        pb.CustomFieldDefinition(key="shoe_size", label="Shoe size", type="number"),
        metadata=tenant,
    )
    created = await stub.CreateCustomer(
        new_customer(
            "Rich",
            "Profile",
            company="Glow Spa",
            phones=["(415) 555-2671", "+44 7911 123456"],
            emails=["rich@example.com", "work@glow.example"],
        ),
        metadata=tenant,
    )
    follow_up = await stub.CreateFolder(pb.CreateFolderRequest(name="Follow Up"), metadata=tenant)
    update = pb.UpdateCustomerRequest(
        id=created.id,
        update_mask=[
            "addresses",
            "preferred_channel",
            "preferred_contact_time",
            "language",
            "timezone",
            "tags",
            "folder",
            "custom_fields",
            "workers",
            "call_status",
            "vip",
        ],
        addresses=[pb.Address(label="home", line1="1 Main St", city="Austin", country="US")],
        preferred_channel="sms",
        preferred_contact_time="evening",
        language="en",
        timezone="America/Chicago",
        tags=["regular", "newsletter"],
        folder=follow_up.id,
        workers=["w-1", "w-2"],
        call_status="left_voicemail",
        vip=True,
    )
    update.custom_fields.update({"shoe_size": 42})
    await stub.UpdateCustomer(update, metadata=tenant)
    await stub.RecordConsent(
        pb.RecordConsentRequest(id=created.id, kind="marketing", granted=True, source="web form"),
        metadata=tenant,
    )
    async with customer_service.container.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE customers SET sentiment_label = 'frustrated', sentiment_score = 0.25,"
                ' sentiment_emotions = \'{"frustration": 0.8, "urgency": 0.4}\','
                " sentiment_trend = 'declining', ltv_minor = 12345, interactions_count = 3,"
                " last_contact_at = now() WHERE id = :id"
            ),
            {"id": created.id},
        )
    got = await stub.GetCustomer(pb.GetCustomerRequest(id=created.id), metadata=tenant)
    page = await stub.ListCustomers(pb.ListCustomersRequest(query="Profile"), metadata=tenant)
    assert len(page.customers) == 1
    listed = page.customers[0]
    assert got.tags and got.workers and got.addresses and got.consents and got.custom_fields
    assert got.sentiment.label == "frustrated" and got.last_contact_at.seconds
    got.ClearField("relations")
    got.ClearField("stage_history")
    assert listed == got


async def kill_idle_connections(service, engine) -> int:
    """Terminate the server side of every connection idle in `engine`'s pool."""
    idle = [await engine.connect() for _ in range(engine.pool.checkedin())]
    pids = [await conn.scalar(sa.text("SELECT pg_backend_pid()")) for conn in idle]
    for conn in idle:
        await conn.close()
    async with service.container.engine.connect() as conn:
        for pid in pids:
            await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    return len(pids)


async def test_lists_and_stats_survive_dead_pooled_connections(customer_service, tenant):
    """The read engine does not ping at checkout; a read that meets a dead connection (the
    database restarted) is run once more on a fresh one instead of failing."""
    stub = customer_service.stub
    await stub.CreateCustomer(new_customer("Alive"), metadata=tenant)
    await stub.ListCustomers(pb.ListCustomersRequest(), metadata=tenant)
    reads = customer_service.container.reads_engine
    assert await kill_idle_connections(customer_service, reads) > 0
    assert await names(stub, tenant, "Alive") == ["Alive"]
    await kill_idle_connections(customer_service, reads)  # the fresh one too
    stats = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    assert stats.total == 1

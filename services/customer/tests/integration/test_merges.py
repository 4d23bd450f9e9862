"""Duplicates, merges and GDPR erasure on a real customer service (PostgreSQL, NATS)."""

import uuid

import grpc
import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2 as pb
from moodline.events.v1 import subjects
from moodline_devkit.testing.phones import unique_phone
from moodline_kit import customer_data
from moodline_kit.grpc.status import field_violations
from sqlalchemy.ext.asyncio import create_async_engine

from .test_read_model_and_lifecycle import eventually, publish

pytestmark = pytest.mark.integration


async def create(stub, tenant, first, last="", company="", phones=(), emails=()):
    return await stub.CreateCustomer(
        pb.CreateCustomerRequest(
            first_name=first,
            last_name=last,
            company=company,
            phones=[pb.Phone(number=n) for n in phones],
            emails=[pb.Email(address=e) for e in emails],
        ),
        metadata=tenant,
    )


async def test_duplicates_are_found_by_phone_email_and_similar_name_with_reasons(
    customer_service, tenant
):
    stub = customer_service.stub
    a = await create(stub, tenant, "Olivia", "Martinez", phones=["(415) 555-0101"])
    b = await create(stub, tenant, "Olivia", "Martines", phones=["+1 415 555 0101"])
    c = await create(stub, tenant, "Liam", "Chen", "Chen Dental", emails=["liam@chen.example"])
    d = await create(stub, tenant, "Liam", "Chen", "Chen Dental Care")
    await create(stub, tenant, "Noah", "Brown")
    page = await stub.ListDuplicates(pb.ListDuplicatesRequest(page_size=10), metadata=tenant)
    pairs = {frozenset((p.customer.id, p.duplicate.id)): p for p in page.pairs}
    by_phone = pairs[frozenset((a.id, b.id))]
    assert by_phone.score >= 90
    assert {r.kind for r in by_phone.reasons} == {"phone", "name"}
    assert by_phone.customer.id == a.id  # the older one is the suggested survivor
    by_name = pairs[frozenset((c.id, d.id))]
    assert [r.kind for r in by_name.reasons] == ["name"] and 60 <= by_name.score < 100
    assert len(pairs) == 2

    first = await stub.ListDuplicates(pb.ListDuplicatesRequest(page_size=1), metadata=tenant)
    second = await stub.ListDuplicates(
        pb.ListDuplicatesRequest(page_size=1, page_token=first.next_page_token), metadata=tenant
    )
    assert first.next_page_token and not second.next_page_token
    assert {first.pairs[0].duplicate.id, second.pairs[0].duplicate.id} == {b.id, d.id}

    likely = await stub.FindLikelyDuplicates(
        pb.FindLikelyDuplicatesRequest(
            first_name="Olivia", last_name="Martinez", phones=["4155550101"]
        ),
        metadata=tenant,
    )
    assert {m.customer.id for m in likely.matches} == {a.id, b.id}
    assert all(m.score >= 90 for m in likely.matches)


async def test_merge_moves_the_profile_and_history_and_tombstones_the_duplicate(
    customer_service, tenant
):
    stub, tid = customer_service.stub, tenant[0][1]
    survivor = await create(stub, tenant, "Ann", "Lee", phones=["(415) 555-0111"])
    dup = await create(
        stub, tenant, "Annie", "Lee", "Glow", phones=["(415) 555-0122"], emails=["ann@lee.example"]
    )
    await stub.AddNote(pb.AddNoteRequest(id=dup.id, text="prefers mornings"), metadata=tenant)
    before = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)

    with pytest.raises(grpc.aio.AioRpcError) as self_merge:
        await stub.MergeCustomers(
            pb.MergeCustomersRequest(customer_id=survivor.id, duplicate_id=survivor.id),
            metadata=tenant,
        )
    assert self_merge.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(self_merge.value)] == ["duplicate_id"]

    request = pb.MergeCustomersRequest(
        customer_id=survivor.id, duplicate_id=dup.id, fields={"first_name": "duplicate"}
    )
    preview = await stub.PreviewMerge(request, metadata=tenant)
    assert preview.result.first_name == "Annie" and preview.result.company == "Glow"
    assert preview.sources["first_name"] == "duplicate"
    assert preview.sources["last_name"] == "survivor"

    op = await stub.MergeCustomers(request, metadata=tenant)
    assert op.kind == "merge" and op.status == "running"
    steps = {s.service: s.status for s in op.steps}
    assert steps == {
        "customer": "completed",
        **dict.fromkeys(customer_data.PARTICIPANTS, "pending"),
    }
    again = await stub.MergeCustomers(request, metadata=tenant)
    assert again.id == op.id  # idempotent

    merged = await stub.GetCustomer(pb.GetCustomerRequest(id=survivor.id), metadata=tenant)
    assert merged.first_name == "Annie" and merged.company == "Glow"
    assert [p.number for p in merged.phones] == ["+14155550111", "+14155550122"]
    assert [e.address for e in merged.emails] == ["ann@lee.example"]
    notes = await stub.ListNotes(pb.ListNotesRequest(id=survivor.id), metadata=tenant)
    assert [n.text for n in notes.notes] == ["prefers mornings"]
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await stub.GetCustomer(pb.GetCustomerRequest(id=dup.id), metadata=tenant)
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    stone = await stub.GetTombstone(pb.GetTombstoneRequest(id=dup.id), metadata=tenant)
    assert stone.merged_into_id == survivor.id and stone.operation_id == op.id
    # the duplicate's contacts resolve to the survivor: ingestion creates no new Prospect
    resolved = await stub.ResolveCustomer(
        pb.ResolveCustomerRequest(phone="+14155550122"), metadata=tenant
    )
    assert resolved.customer.id == survivor.id and not resolved.created
    after = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    assert after.total == before.total - 1

    # merging into a merged-away customer, or it again, is refused
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await stub.MergeCustomers(
            pb.MergeCustomersRequest(customer_id=dup.id, duplicate_id=survivor.id),
            metadata=tenant,
        )
    assert twice.value.code() == grpc.StatusCode.ABORTED

    # every participant answers (as its customer-data consumer does): the operation completes
    for service in customer_data.PARTICIPANTS:
        subject, _ = customer_data.answer_subjects(service)
        payload = customer_data.payload_type(subject)(
            operation_id=op.id, from_customer_id=dup.id, to_customer_id=survivor.id
        )
        await publish(customer_service, tid, subject, payload)

    async def completed():
        got = await stub.GetCustomerOperation(
            pb.GetCustomerOperationRequest(id=op.id), metadata=tenant
        )
        assert got.status == "completed", got
        assert {s.status for s in got.steps} == {"completed"}

    await eventually(completed)


async def test_erasure_removes_personal_data_keeps_counts_and_is_idempotent(
    customer_service, tenant, customer_database
):
    stub, tid = customer_service.stub, tenant[0][1]
    marker = uuid.uuid4().hex[:8]
    # the scan below reads the whole database: a number no other test uses (312: none does)
    line = unique_phone("+1312555")[-4:]
    person = await create(
        stub,
        tenant,
        f"Zed{marker}",
        f"Qu{marker}",
        f"Co{marker}",
        phones=[f"(312) 555-{line}"],
        emails=[f"zed{marker}@example.com"],
    )
    await stub.AddNote(pb.AddNoteRequest(id=person.id, text=f"note {marker}"), metadata=tenant)
    before = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    with pytest.raises(grpc.aio.AioRpcError) as unconfirmed:
        await stub.EraseCustomer(pb.EraseCustomerRequest(id=person.id), metadata=tenant)
    assert [v.field for v in field_violations(unconfirmed.value)] == ["confirm"]

    exported = await stub.ExportCustomerData(
        pb.ExportCustomerDataRequest(id=person.id), metadata=tenant
    )
    assert exported.customer.first_name == f"Zed{marker}"
    assert [n.text for n in exported.notes] == [f"note {marker}"]

    op = await stub.EraseCustomer(
        pb.EraseCustomerRequest(id=person.id, confirm=True), metadata=tenant
    )
    assert op.kind == "erasure"
    again = await stub.EraseCustomer(
        pb.EraseCustomerRequest(id=person.id, confirm=True), metadata=tenant
    )
    assert again.id == op.id
    erased = await stub.GetCustomer(pb.GetCustomerRequest(id=person.id), metadata=tenant)
    assert erased.first_name == "Erased" and not erased.phones and not erased.emails
    after = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    assert after.total == before.total

    async def relay_published_everything():
        engine = create_async_engine(customer_database, pool_size=1)
        try:
            async with engine.connect() as conn:
                left = await conn.scalar(
                    sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                )
        finally:
            await engine.dispose()
        assert left == 0

    await eventually(relay_published_everything)
    for service in customer_data.PARTICIPANTS:
        _, subject = customer_data.answer_subjects(service)
        payload = customer_data.payload_type(subject)(operation_id=op.id, customer_id=person.id)
        await publish(customer_service, tid, subject, payload)

    async def completed():
        got = await stub.GetCustomerOperation(
            pb.GetCustomerOperationRequest(id=op.id), metadata=tenant
        )
        assert got.status == "completed", got

    await eventually(completed)
    # nothing of the person is left anywhere in the database, outbox included
    found = await scan_text(customer_database, [marker, f"312555{line}", f"555-{line}"])
    assert found == {}, found
    # ...while what is not personal stays: the (anonymised) row and its activity counts
    kept = await rows(
        customer_database, f"SELECT first_name FROM customers WHERE id = '{person.id}'"
    )
    assert kept == [("Erased",)]
    assert subjects.CUSTOMER_CUSTOMER_ERASED


async def rows(database_url: str, sql: str) -> list:
    engine = create_async_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(sa.text(sql))).all()
    finally:
        await engine.dispose()


async def scan_text(database_url: str, needles: list[str]) -> dict[str, int]:
    """Every text, JSON and bytea column of every table: where any needle occurs."""
    engine = create_async_engine(database_url, pool_size=1)
    hits: dict[str, int] = {}
    try:
        async with engine.connect() as conn:
            columns = (
                await conn.execute(
                    sa.text(
                        "SELECT table_name, column_name, data_type FROM information_schema.columns"
                        " WHERE table_schema = 'public' AND data_type IN"
                        " ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')"
                    )
                )
            ).all()
            for table, column, kind in columns:
                as_text = (
                    f"encode(\"{column}\", 'escape')" if kind == "bytea" else f'"{column}"::text'
                )
                for needle in needles:
                    n = await conn.scalar(
                        sa.text(f'SELECT count(*) FROM "{table}" WHERE {as_text} ILIKE :p'),
                        {"p": f"%{needle}%"},
                    )
                    if n:
                        hits[f"{table}.{column}:{needle}"] = n
    finally:
        await engine.dispose()
    return hits

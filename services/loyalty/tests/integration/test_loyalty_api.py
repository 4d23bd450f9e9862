"""The loyalty service over gRPC on real PostgreSQL: programs, enrolment, adjustments with
idempotency keys, bad input naming fields with nothing stored, bulk enrolment, removal."""

import asyncio
import uuid

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask
from loyalty.adapters.tables import ledger_entries
from moodline.loyalty.v1 import loyalty_pb2 as pb
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration

PER_DOLLAR = pb.EarnRule(
    trigger=pb.EARN_TRIGGER_PAYMENT_SUCCEEDED, amount_per_unit=1, spend_unit_minor=100
)


async def make_program(stub, md, **kw) -> pb.Program:
    program = pb.Program(name="Stars", type=pb.PROGRAM_TYPE_POINTS, currency="USD", **kw)
    return await stub.CreateProgram(pb.CreateProgramRequest(program=program), metadata=md)


def fields(err: grpc.aio.AioRpcError) -> dict[str, str]:
    return {v.field: v.description for v in field_violations(err)}


async def test_programs_create_list_update_archive(loyalty_service, tenant, clock):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant, earn_rules=[PER_DOLLAR], min_redemption=10)
    clock.advance(seconds=1)
    assert p.id and p.type == pb.PROGRAM_TYPE_POINTS and p.rounding == pb.ROUNDING_DOWN
    other = await make_program(stub, tenant)
    listed = await stub.ListPrograms(pb.ListProgramsRequest(page_size=1), metadata=tenant)
    assert [x.id for x in listed.programs] == [p.id] and listed.next_page_token
    rest = await stub.ListPrograms(
        pb.ListProgramsRequest(page_token=listed.next_page_token), metadata=tenant
    )
    assert [x.id for x in rest.programs] == [other.id] and not rest.next_page_token
    changed = await stub.UpdateProgram(
        pb.UpdateProgramRequest(
            program=pb.Program(id=p.id, name="Gold stars", rounding=pb.ROUNDING_NEAREST),
            update_mask=FieldMask(paths=["name", "rounding"]),
        ),
        metadata=tenant,
    )
    assert changed.name == "Gold stars" and changed.min_redemption == 10
    archived = await stub.ArchiveProgram(pb.ArchiveProgramRequest(id=other.id), metadata=tenant)
    assert archived.archived
    active = await stub.ListPrograms(pb.ListProgramsRequest(), metadata=tenant)
    assert [x.id for x in active.programs] == [p.id]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Enrol(
            pb.EnrolRequest(program_id=other.id, customer_id=str(uuid.uuid4())), metadata=tenant
        )
    assert "program_id" in fields(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetProgram(
            pb.GetProgramRequest(id=p.id), metadata=tenant_metadata(str(uuid.uuid4()))
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_bad_program_names_fields(loyalty_service, tenant):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await loyalty_service.stub.CreateProgram(
            pb.CreateProgramRequest(program=pb.Program(type=pb.PROGRAM_TYPE_CREDITS)),
            metadata=tenant,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(fields(err.value)) == {"name", "currency"}


async def test_enrol_adjust_replay_and_ledger(loyalty_service, tenant):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant, min_redemption=5)
    customer = str(uuid.uuid4())
    e = await stub.Enrol(
        pb.EnrolRequest(
            program_id=p.id, customer_id=customer, starting_balance=100, notes="VIP from import"
        ),
        metadata=tenant,
    )
    assert e.balance == 100 and e.ledger_sequence == 1 and e.program_name == "Stars"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Enrol(pb.EnrolRequest(program_id=p.id, customer_id=customer), metadata=tenant)
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS

    redeem = pb.AdjustBalanceRequest(
        enrolment_id=e.id, delta=-30, reason=pb.LEDGER_REASON_REDEEMED, idempotency_key="r-1"
    )
    first = await stub.AdjustBalance(redeem, metadata=tenant)
    again = await stub.AdjustBalance(redeem, metadata=tenant)
    assert first.enrolment.balance == 70 and not first.replayed
    assert again.replayed and again.entry.id == first.entry.id and again.enrolment.balance == 70
    assert [(d.lot_sequence, d.amount) for d in first.entry.draws] == [(1, 30)]

    conflicting = pb.AdjustBalanceRequest(
        enrolment_id=e.id, delta=-31, reason=pb.LEDGER_REASON_REDEEMED, idempotency_key="r-1"
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AdjustBalance(conflicting, metadata=tenant)
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS

    for delta, key, field in ((-71, "r-2", "delta"), (-3, "r-3", "delta")):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.AdjustBalance(
                pb.AdjustBalanceRequest(
                    enrolment_id=e.id,
                    delta=delta,
                    reason=pb.LEDGER_REASON_REDEEMED,
                    idempotency_key=key,
                ),
                metadata=tenant,
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in fields(err.value)
    ledger = await stub.GetLedger(pb.GetLedgerRequest(enrolment_id=e.id), metadata=tenant)
    assert [(x.sequence, x.delta, x.balance_after) for x in ledger.entries] == [
        (2, -30, 70),
        (1, 100, 100),
    ]
    assert ledger.entries[1].reason == pb.LEDGER_REASON_STARTING_BALANCE
    assert ledger.entries[1].remaining == 70


async def test_over_balance_names_the_available_balance(loyalty_service, tenant):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant)
    e = await stub.Enrol(
        pb.EnrolRequest(program_id=p.id, customer_id=str(uuid.uuid4()), starting_balance=40),
        metadata=tenant,
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AdjustBalance(
            pb.AdjustBalanceRequest(
                enrolment_id=e.id,
                delta=-41,
                reason=pb.LEDGER_REASON_REDEEMED,
                idempotency_key="big",
            ),
            metadata=tenant,
        )
    assert fields(err.value) == {"delta": "exceeds the available balance of 40"}
    got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
    assert got.balance == 40 and got.ledger_sequence == 1


async def test_bad_enrolment_input_stores_nothing(loyalty_service, tenant):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant)
    customer = str(uuid.uuid4())
    cases = [
        (pb.EnrolRequest(program_id=str(uuid.uuid4()), customer_id=customer), "program_id"),
        (pb.EnrolRequest(program_id="x", customer_id=customer), "program_id"),
        (
            pb.EnrolRequest(program_id=p.id, customer_id=customer, starting_balance=-1),
            "starting_balance",
        ),
        (
            pb.EnrolRequest(program_id=p.id, customer_id=customer, expires_on="2020-01-01"),
            "expires_on",
        ),
        (
            pb.EnrolRequest(program_id=p.id, customer_id=customer, expires_on="tomorrow"),
            "expires_on",
        ),
    ]
    for request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Enrol(request, metadata=tenant)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in fields(err.value)
    listed = await stub.ListEnrolments(
        pb.ListEnrolmentsRequest(customer_id=customer), metadata=tenant
    )
    assert list(listed.enrolments) == []


async def test_bulk_enrolment_of_thousands_is_idempotent(loyalty_service, tenant):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant)
    customers = [str(uuid.uuid4()) for _ in range(3000)]
    entries = [pb.BulkEnrolEntry(customer_id=c, starting_balance=10) for c in customers]
    entries.insert(5, pb.BulkEnrolEntry(customer_id="not-a-uuid"))
    entries.append(pb.BulkEnrolEntry(customer_id=customers[0]))  # twice in one batch
    request = pb.BulkEnrolRequest(program_id=p.id, entries=entries)
    first = await stub.BulkEnrol(request, metadata=tenant)
    assert (first.enrolled_count, first.already_enrolled_count, first.failed_count) == (
        3000,
        1,
        1,
    )
    assert first.results[5].error.startswith("entries[5].customer_id")
    again = await stub.BulkEnrol(request, metadata=tenant)
    assert (again.enrolled_count, again.already_enrolled_count) == (0, 3001)
    assert [r.enrolment_id for r in again.results] == [r.enrolment_id for r in first.results]
    page = await stub.ListEnrolments(
        pb.ListEnrolmentsRequest(program_id=p.id, page_size=200), metadata=tenant
    )
    assert len(page.enrolments) == 200 and all(e.balance == 10 for e in page.enrolments)


async def test_update_and_remove_with_confirm(loyalty_service, tenant, clock):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant)
    e = await stub.Enrol(
        pb.EnrolRequest(program_id=p.id, customer_id=str(uuid.uuid4()), starting_balance=25),
        metadata=tenant,
    )
    later = (clock.now.date().replace(year=clock.now.year + 1)).isoformat()
    changed = await stub.UpdateEnrolment(
        pb.UpdateEnrolmentRequest(
            id=e.id,
            expires_on=later,
            notes="moved",
            update_mask=FieldMask(paths=["expires_on", "notes"]),
        ),
        metadata=tenant,
    )
    assert changed.expires_on == later and changed.notes == "moved"
    assert changed.next_expiry_amount == 25
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RemoveEnrolment(pb.RemoveEnrolmentRequest(id=e.id), metadata=tenant)
    assert "confirm" in fields(err.value)
    removed = await stub.RemoveEnrolment(
        pb.RemoveEnrolmentRequest(id=e.id, confirm=True, reason="asked to leave"), metadata=tenant
    )
    assert removed.status == pb.ENROLMENT_STATUS_REMOVED and removed.balance == 0
    twice = await stub.RemoveEnrolment(
        pb.RemoveEnrolmentRequest(id=e.id, confirm=True), metadata=tenant
    )
    assert twice.ledger_sequence == removed.ledger_sequence
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AdjustBalance(
            pb.AdjustBalanceRequest(
                enrolment_id=e.id, delta=5, reason=pb.LEDGER_REASON_EARNED, idempotency_key="z"
            ),
            metadata=tenant,
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_concurrent_adjustments_lose_nothing(loyalty_service, tenant):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant)
    e = await stub.Enrol(
        pb.EnrolRequest(program_id=p.id, customer_id=str(uuid.uuid4()), starting_balance=1000),
        metadata=tenant,
    )

    async def adjust(i: int) -> None:
        delta, reason = (7, pb.LEDGER_REASON_EARNED) if i % 2 else (-5, pb.LEDGER_REASON_REDEEMED)
        await stub.AdjustBalance(
            pb.AdjustBalanceRequest(
                enrolment_id=e.id, delta=delta, reason=reason, idempotency_key=f"k{i}"
            ),
            metadata=tenant,
        )

    await asyncio.gather(*(adjust(i) for i in range(200)))
    got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
    assert got.balance == 1000 + 100 * 7 - 100 * 5 and got.ledger_sequence == 201


async def test_the_ledger_is_append_only(loyalty_service, loyalty_database, tenant):
    stub = loyalty_service.stub
    p = await make_program(stub, tenant)
    await stub.Enrol(
        pb.EnrolRequest(program_id=p.id, customer_id=str(uuid.uuid4()), starting_balance=5),
        metadata=tenant,
    )
    engine = loyalty_service.container.engine
    for statement in (
        ledger_entries.update().values(delta=500),
        ledger_entries.delete(),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(statement)

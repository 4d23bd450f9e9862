"""Expiry on a frozen clock: after spends that crossed several lots (credits of different
labels), exactly the unspent points older than the policy are removed, once; an enrolment
past its expiry date loses what is left and ends."""

import uuid
from datetime import timedelta

import pytest
from loyalty.service_layer.expiry import expire_due
from moodline.loyalty.v1 import loyalty_pb2 as pb

pytestmark = pytest.mark.integration


async def adjust(stub, md, enrolment_id, delta, reason, key):
    return await stub.AdjustBalance(
        pb.AdjustBalanceRequest(
            enrolment_id=enrolment_id, delta=delta, reason=reason, idempotency_key=key
        ),
        metadata=md,
    )


async def test_expiry_removes_only_unspent_points_past_the_policy(loyalty_service, tenant, clock):
    stub = loyalty_service.stub
    uow = loyalty_service.container.uow
    program = await stub.CreateProgram(
        pb.CreateProgramRequest(
            program=pb.Program(
                name="Stars",
                type=pb.PROGRAM_TYPE_POINTS,
                expiry_policy=pb.EXPIRY_POLICY_AFTER_DAYS,
                earned_expire_after_days=30,
            )
        ),
        metadata=tenant,
    )
    start = clock.now
    e = await stub.Enrol(
        pb.EnrolRequest(program_id=program.id, customer_id=str(uuid.uuid4()), starting_balance=100),
        metadata=tenant,
    )  # lot 1: 100, expires at start+30d
    clock.advance(days=10)
    await adjust(stub, tenant, e.id, 50, pb.LEDGER_REASON_EARNED, "earn")  # lot 2: +40d
    clock.advance(days=10)
    await adjust(stub, tenant, e.id, 70, pb.LEDGER_REASON_MANUAL_ADJUSTMENT, "gift")  # +50d
    spend = await adjust(stub, tenant, e.id, -120, pb.LEDGER_REASON_REDEEMED, "spend-1")
    assert [(d.lot_sequence, d.amount) for d in spend.entry.draws] == [(1, 100), (2, 20)]
    spend = await adjust(stub, tenant, e.id, -10, pb.LEDGER_REASON_REDEEMED, "spend-2")
    assert [(d.lot_sequence, d.amount) for d in spend.entry.draws] == [(2, 10)]

    clock.now = start + timedelta(days=30)  # lot 1 due, but fully spent: nothing to remove
    await expire_due(uow=uow, clock=clock)
    got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
    assert got.balance == 90 and got.ledger_sequence == 5
    assert got.next_expiry_amount == 20

    clock.now = start + timedelta(days=45)  # lot 2 due: its unspent 20 go, lot 3 stays
    await expire_due(uow=uow, clock=clock)
    await expire_due(uow=uow, clock=clock)  # a second run changes nothing
    ledger = await stub.GetLedger(pb.GetLedgerRequest(enrolment_id=e.id), metadata=tenant)
    expired = ledger.entries[0]
    assert expired.reason == pb.LEDGER_REASON_EXPIRED and expired.delta == -20
    assert [(d.lot_sequence, d.amount) for d in expired.draws] == [(2, 20)]
    assert expired.balance_after == 70 and expired.sequence == 6

    clock.now = start + timedelta(days=50)
    await expire_due(uow=uow, clock=clock)
    got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
    assert (
        got.balance == 0 and got.ledger_sequence == 7 and got.status == pb.ENROLMENT_STATUS_ACTIVE
    )


async def test_an_enrolment_past_its_date_expires_whole(loyalty_service, tenant, clock):
    stub = loyalty_service.stub
    program = await stub.CreateProgram(
        pb.CreateProgramRequest(
            program=pb.Program(name="Credit", type=pb.PROGRAM_TYPE_CREDITS, currency="EUR")
        ),
        metadata=tenant,
    )
    e = await stub.Enrol(
        pb.EnrolRequest(
            program_id=program.id,
            customer_id=str(uuid.uuid4()),
            starting_balance=2500,
            expires_on=clock.now.date().isoformat(),
        ),
        metadata=tenant,
    )
    await expire_due(uow=loyalty_service.container.uow, clock=clock)
    assert (
        await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
    ).balance == 2500
    clock.advance(days=1)
    await expire_due(uow=loyalty_service.container.uow, clock=clock)
    got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
    assert got.status == pb.ENROLMENT_STATUS_EXPIRED and got.balance == 0

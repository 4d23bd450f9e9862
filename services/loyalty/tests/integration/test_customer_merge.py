"""Merges through real NATS JetStream (customer.customer.merged): the duplicate's enrolments
and ledgers move to the survivor, two enrolments in one program become one with both balances,
and the answer loyalty.customer.reassigned goes out on the LOYALTY stream."""

import uuid

import nats
import pytest
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2, subjects
from moodline.events.v1 import loyalty_pb2 as loyalty_events
from moodline.loyalty.v1 import loyalty_pb2 as pb
from moodline_kit.events import unpack

from .test_events import eventually, publish

pytestmark = pytest.mark.integration


async def test_a_merge_combines_balances_and_moves_every_enrolment(
    loyalty_service, tenant, infra_urls
):
    stub = loyalty_service.stub
    tenant_id = tenant[0][1]

    async def program(name):
        return await stub.CreateProgram(
            pb.CreateProgramRequest(program=pb.Program(name=name, type=pb.PROGRAM_TYPE_POINTS)),
            metadata=tenant,
        )

    stars, club = await program("Stars"), await program("Club")
    survivor, duplicate = str(uuid.uuid4()), str(uuid.uuid4())

    async def enrol(program_id, customer, balance):
        return await stub.Enrol(
            pb.EnrolRequest(program_id=program_id, customer_id=customer, starting_balance=balance),
            metadata=tenant,
        )

    kept = await enrol(stars.id, survivor, 30)
    merged_away = await enrol(stars.id, duplicate, 12)
    only_theirs = await enrol(club.id, duplicate, 5)
    operation = str(uuid.uuid4())
    nc = await nats.connect(infra_urls.nats_url)
    try:
        js = nc.jetstream()
        answers = await js.pull_subscribe(subjects.LOYALTY_CUSTOMER_REASSIGNED, stream="LOYALTY")
        merged = customer_events.CustomerMerged(
            operation_id=operation, customer_id=survivor, duplicate_id=duplicate
        )
        await publish(js, tenant_id, subjects.CUSTOMER_CUSTOMER_MERGED, merged)

        async def combined():
            got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=kept.id), metadata=tenant)
            return got if got.balance == 42 else None

        await eventually(combined)
        removed = await stub.GetEnrolment(
            pb.GetEnrolmentRequest(id=merged_away.id), metadata=tenant
        )
        assert removed.status == pb.ENROLMENT_STATUS_REMOVED and removed.balance == 0
        assert removed.customer_id == survivor  # its history shows on the survivor
        moved = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=only_theirs.id), metadata=tenant)
        assert moved.customer_id == survivor and moved.balance == 5
        assert moved.status == pb.ENROLMENT_STATUS_ACTIVE
        ledger = await stub.GetLedger(pb.GetLedgerRequest(enrolment_id=kept.id), metadata=tenant)
        assert [(e.delta, e.reason) for e in ledger.entries][:1] == [(12, pb.LEDGER_REASON_MERGED)]
        listed = await stub.ListEnrolments(
            pb.ListEnrolmentsRequest(customer_id=duplicate), metadata=tenant
        )
        assert list(listed.enrolments) == []

        answer = None
        while answer is None or answer.operation_id != operation:  # the stream may hold others
            (message,) = await answers.fetch(1, timeout=10)
            envelope = envelope_pb2.EventEnvelope.FromString(message.data)
            answer = unpack(envelope, loyalty_events.LoyaltyCustomerReassigned)
        assert (answer.from_customer_id, answer.to_customer_id) == (duplicate, survivor)
    finally:
        await nc.close()

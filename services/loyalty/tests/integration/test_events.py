"""Events through real NATS JetStream: a payment earns exactly once even when delivered twice
(and when billing publishes it again under a new event id), refunds reverse what they
refunded, visits earn, a deleted customer's enrolments end with their notes erased, and
balance events go out on the LOYALTY stream."""

import asyncio
import uuid

import nats
import pytest
from loyalty.domain import events
from moodline.billing.v1 import billing_pb2 as billing
from moodline.events.v1 import billing_pb2 as billing_events
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2
from moodline.events.v1 import loyalty_pb2 as loyalty_events
from moodline.loyalty.v1 import loyalty_pb2 as pb
from moodline_kit.events import Event, to_envelope

pytestmark = pytest.mark.integration


async def publish(
    js,
    tenant: str,
    subject: str,
    payload,
    *,
    msg_id: str | None = None,
    event_id: uuid.UUID | None = None,
) -> envelope_pb2.EventEnvelope:
    event = Event(subject, uuid.UUID(tenant), "agg", payload, event_id=event_id or uuid.uuid4())
    envelope = to_envelope(event, source="billing")
    await js.publish(
        subject,
        envelope.SerializeToString(),
        headers={"Nats-Msg-Id": msg_id or envelope.event_id},
    )
    return envelope


async def eventually(check, seconds: float = 30.0):
    for _ in range(int(seconds / 0.2)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


def payment(customer: str, amount: int, refunded: int = 0, pid: str = "pay-1") -> billing.Payment:
    return billing.Payment(
        id=pid,
        customer_id=customer,
        amount=billing.Money(amount_minor=amount, currency="USD"),
        refunded_amount=billing.Money(amount_minor=refunded, currency="USD"),
        status=billing.PAYMENT_STATUS_SUCCEEDED,
    )


async def test_payment_earns_once_and_refunds_reverse(loyalty_service, tenant, infra_urls):
    stub = loyalty_service.stub
    tenant_id = tenant[0][1]
    program = await stub.CreateProgram(
        pb.CreateProgramRequest(
            program=pb.Program(
                name="Stars",
                type=pb.PROGRAM_TYPE_POINTS,
                currency="USD",
                earn_rules=[
                    pb.EarnRule(
                        trigger=pb.EARN_TRIGGER_PAYMENT_SUCCEEDED,
                        amount_per_unit=1,
                        spend_unit_minor=100,
                    ),
                    pb.EarnRule(trigger=pb.EARN_TRIGGER_BOOKING_COMPLETED, fixed_amount=10),
                ],
            )
        ),
        metadata=tenant,
    )
    customer = str(uuid.uuid4())
    e = await stub.Enrol(
        pb.EnrolRequest(program_id=program.id, customer_id=customer), metadata=tenant
    )
    nc = await nats.connect(infra_urls.nats_url)
    js = nc.jetstream()
    seen = await js.subscribe(events.BALANCE_ADJUSTED, ordered_consumer=True)
    try:
        paid = billing_events.PaymentSucceeded(
            customer_id=customer, payment=payment(customer, 2000)
        )
        first = await publish(js, tenant_id, events.PAYMENT_SUCCEEDED, paid)
        # The same event delivered again (JetStream would drop a same-id re-publication; a
        # different Nats-Msg-Id gets it through), and billing publishing the payment again
        # under a new event id.
        await publish(
            js,
            tenant_id,
            events.PAYMENT_SUCCEEDED,
            paid,
            msg_id="again",
            event_id=uuid.UUID(first.event_id),
        )
        await publish(js, tenant_id, events.PAYMENT_SUCCEEDED, paid)
        visit = billing_events.BookingCompleted(
            customer_id=customer, booking=billing.Booking(id="b-1", customer_id=customer)
        )
        await publish(js, tenant_id, events.BOOKING_COMPLETED, visit)

        async def balance_is(value: int):
            got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
            return got if got.balance == value else None

        await eventually(lambda: balance_is(30))
        partial = billing_events.PaymentRefunded(
            customer_id=customer,
            payment=payment(customer, 2000, refunded=500),
            refund_amount=billing.Money(amount_minor=500, currency="USD"),
        )
        await publish(js, tenant_id, events.PAYMENT_REFUNDED, partial)
        await eventually(lambda: balance_is(25))
        full = billing_events.PaymentRefunded(
            customer_id=customer,
            payment=payment(customer, 2000, refunded=2000),
            refund_amount=billing.Money(amount_minor=1500, currency="USD"),
        )
        await publish(js, tenant_id, events.PAYMENT_REFUNDED, full)
        await publish(js, tenant_id, events.PAYMENT_REFUNDED, full)
        await eventually(lambda: balance_is(10))
        # A sentinel after the duplicates: once it is applied, so is everything before it.
        await publish(
            js,
            tenant_id,
            events.BOOKING_COMPLETED,
            billing_events.BookingCompleted(
                customer_id=customer, booking=billing.Booking(id="b-2", customer_id=customer)
            ),
        )
        await eventually(lambda: balance_is(20))

        ledger = await stub.GetLedger(pb.GetLedgerRequest(enrolment_id=e.id), metadata=tenant)
        assert [(x.reason, x.delta, x.source_ref) for x in reversed(ledger.entries)] == [
            (pb.LEDGER_REASON_EARNED, 20, "payment:pay-1"),
            (pb.LEDGER_REASON_EARNED, 10, "booking:b-1"),
            (pb.LEDGER_REASON_REVERSAL, -5, "payment:pay-1"),
            (pb.LEDGER_REASON_REVERSAL, -15, "payment:pay-1"),
            (pb.LEDGER_REASON_EARNED, 10, "booking:b-2"),
        ]
        # The reversals drew from the payment's own lot.
        assert {d.lot_sequence for x in ledger.entries[1:3] for d in x.draws} == {1}

        published = []
        while len(published) < 5:
            msg = await seen.next_msg(timeout=15)
            envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
            adjusted = loyalty_events.LoyaltyBalanceAdjusted()
            envelope.payload.Unpack(adjusted)
            if adjusted.enrolment_id == e.id:
                published.append((adjusted.sequence, adjusted.balance_after))
        assert published == [(1, 20), (2, 30), (3, 25), (4, 10), (5, 20)]
    finally:
        await nc.close()


async def test_deleted_customer_is_erased(loyalty_service, tenant, infra_urls):
    stub = loyalty_service.stub
    program = await stub.CreateProgram(
        pb.CreateProgramRequest(program=pb.Program(name="Stars", type=pb.PROGRAM_TYPE_POINTS)),
        metadata=tenant,
    )
    customer = str(uuid.uuid4())
    e = await stub.Enrol(
        pb.EnrolRequest(
            program_id=program.id,
            customer_id=customer,
            starting_balance=9,
            notes="prefers texts at +1 555 0100",
        ),
        metadata=tenant,
    )
    nc = await nats.connect(infra_urls.nats_url)
    try:
        await publish(
            nc.jetstream(),
            tenant[0][1],
            events.CUSTOMER_DELETED,
            customer_events.CustomerDeleted(customer_id=customer),
        )

        async def removed():
            got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=e.id), metadata=tenant)
            return got if got.status == pb.ENROLMENT_STATUS_REMOVED else None

        got = await eventually(removed)
        assert got.notes == "" and got.balance == 0
    finally:
        await nc.close()


async def test_an_import_that_names_a_program_enrols_its_customers_once(
    loyalty_service, tenant, infra_urls
):
    stub = loyalty_service.stub
    program = await stub.CreateProgram(
        pb.CreateProgramRequest(program=pb.Program(name="Imported", type=pb.PROGRAM_TYPE_POINTS)),
        metadata=tenant,
    )
    created, matched = [str(uuid.uuid4()) for _ in range(3)], str(uuid.uuid4())
    already = await stub.Enrol(
        pb.EnrolRequest(program_id=program.id, customer_id=matched, starting_balance=5),
        metadata=tenant,
    )
    chunk = customer_events.CustomersImported(
        import_id=str(uuid.uuid4()),
        created_ids=created,
        updated_ids=[matched],
        loyalty_program_id=program.id,
    )
    nc = await nats.connect(infra_urls.nats_url)
    try:
        await publish(nc.jetstream(), tenant[0][1], events.CUSTOMERS_IMPORTED, chunk)
        # the same chunk again under another event id changes nothing
        await publish(nc.jetstream(), tenant[0][1], events.CUSTOMERS_IMPORTED, chunk)

        async def enrolled():
            got = await stub.ListEnrolments(
                pb.ListEnrolmentsRequest(program_id=program.id), metadata=tenant
            )
            return got if len(got.enrolments) >= 4 else None

        got = await eventually(enrolled)
        await asyncio.sleep(1.0)
        again = await stub.ListEnrolments(
            pb.ListEnrolmentsRequest(program_id=program.id), metadata=tenant
        )
        assert len(again.enrolments) == 4
        assert {e.customer_id for e in got.enrolments} == {*created, matched}
        kept = next(e for e in again.enrolments if e.customer_id == matched)
        assert kept.id == already.id and kept.balance == 5
    finally:
        await nc.close()

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa
from customer.service_layer.lifecycle import run_inactivity_rules
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.billing.v1 import billing_pb2
from moodline.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from moodline.customer.v1 import customer_pb2 as pb
from moodline.events.v1 import billing_pb2 as billing_events
from moodline.events.v1 import conversation_pb2 as conversation_events
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2
from moodline_devkit.infra import free_port
from moodline_kit.events import Event, to_envelope

pytestmark = pytest.mark.integration


def ts(when: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(when)
    return out


async def publish(
    service, tenant_id: str, subject: str, payload, event_id=None, occurred_at=None
) -> uuid.UUID:
    extra = {"event_id": event_id} if event_id else {}
    if occurred_at is not None:
        extra["occurred_at"] = occurred_at
    event = Event(subject, uuid.UUID(tenant_id), "x", payload, **extra)
    envelope = to_envelope(event, source=subject.split(".")[0])
    js = service.container.nc.jetstream()
    await js.publish(
        subject, envelope.SerializeToString(), headers={"Nats-Msg-Id": str(event.event_id)}
    )
    return event.event_id


async def eventually(check, within=10.0):
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_events_keep_the_read_model_stage_and_stats_fresh_exactly_once(
    customer_service, tenant
):
    stub, tid = customer_service.stub, tenant[0][1]
    c = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Ann"), metadata=tenant)
    now = datetime.now(UTC)
    await publish(
        customer_service,
        tid,
        "conversation.conversation.opened",
        conversation_events.ConversationOpened(
            conversation_id="c1",
            customer_id=c.id,
            channel=conversation_pb2.CHANNEL_WHATSAPP,
            started_at=ts(now),
        ),
    )
    await publish(
        customer_service,
        tid,
        "conversation.message.received",
        conversation_events.MessageReceived(
            message_id="m1",
            conversation_id="c1",
            customer_id=c.id,
            channel=conversation_pb2.CHANNEL_WHATSAPP,
            direction=conversation_pb2.DIRECTION_INBOUND,
            text="Can I book a haircut?",
            sent_at=ts(now),
        ),
    )
    value = billing_events.CustomerValueChanged(
        customer_id=c.id,
        value=billing_pb2.CustomerValue(
            customer_id=c.id,
            lifetime_value=billing_pb2.Money(amount_minor=150_000, currency="USD"),
            bookings_count=3,
            purchases_count=3,
            average_order_value=billing_pb2.Money(amount_minor=50_000, currency="USD"),
            last_purchase_at=ts(now),
        ),
    )
    value_id = await publish(customer_service, tid, "billing.customer_value.changed", value)
    await publish(
        customer_service,
        tid,
        "sentiment.customer.changed",
        sentiment_events.CustomerSentimentChanged(
            customer_id=c.id,
            sentiment=sentiment_pb2.Sentiment(
                label=sentiment_pb2.SENTIMENT_LABEL_FRUSTRATED,
                score=-0.7,
                emotions=sentiment_pb2.Emotions(frustration=0.8),
                trend=sentiment_pb2.SENTIMENT_TREND_DECLINING,
            ),
        ),
    )
    # A redelivery of the same event (same id, past JetStream's duplicate window) is ignored.
    js = customer_service.container.nc.jetstream()
    envelope = to_envelope(
        Event("billing.customer_value.changed", uuid.UUID(tid), "x", value, event_id=value_id),
        source="billing",
    )
    await js.publish("billing.customer_value.changed", envelope.SerializeToString())

    async def fresh():
        got = await stub.GetCustomer(pb.GetCustomerRequest(id=c.id), metadata=tenant)
        assert got.sentiment.label == "frustrated", got
        assert got.lifetime_value_minor == 150_000 and got.purchases_count == 3
        assert got.interactions_count == 1 and got.most_common_channel == "whatsapp"
        assert got.lifecycle_stage == "vip" and got.vip
        return got

    got = await eventually(fresh)
    assert [h.to_stage for h in got.stage_history][:1] == ["vip"]
    stats = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    assert (stats.total, stats.vip, stats.problem, stats.total_ltv_minor) == (1, 1, 1, 150_000)
    problem = await stub.ListCustomers(
        pb.ListCustomersRequest(segment="problem", sort="ltv"), metadata=tenant
    )
    assert [x.id for x in problem.customers] == [c.id]
    timeline = await stub.GetTimeline(pb.GetTimelineRequest(id=c.id), metadata=tenant)
    kinds = {e.kind for e in timeline.entries}
    assert {"message", "conversation", "stage", "sentiment", "profile"} <= kinds


async def test_daily_inactivity_job_moves_idle_customers_to_at_risk_then_churned(
    customer_service, customer_database, tenant
):
    stub = customer_service.stub
    idle = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Idle"), metadata=tenant)
    gone = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Gone"), metadata=tenant)
    fresh = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="New"), metadata=tenant)
    never = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Never"), metadata=tenant)
    engine = customer_service.container.engine
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        # Idle and Gone engaged once (a conversation); Never is an old Prospect who never did.
        for cid, days, interactions in ((idle.id, 100, 1), (gone.id, 200, 2), (never.id, 400, 0)):
            await conn.execute(
                sa.text(
                    "update customers set last_activity_at = :t, interactions_count = :n"
                    " where id = :id"
                ),
                {"t": now - timedelta(days=days), "n": interactions, "id": uuid.UUID(cid)},
            )
    changed = await run_inactivity_rules(uow=customer_service.container.uow, now=now, batch_size=1)
    assert changed >= 2
    stages = {}
    for c in (idle, gone, fresh, never):
        got = await stub.GetCustomer(pb.GetCustomerRequest(id=c.id), metadata=tenant)
        stages[got.first_name] = got.lifecycle_stage
    assert stages == {"Idle": "at_risk", "Gone": "churned", "New": "prospect", "Never": "prospect"}
    # A never-engaged customer left Churned by the rule before it required engagement is moved
    # back by the job (with history), and then left alone.
    stuck = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Stuck"), metadata=tenant)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "update customers set lifecycle_stage = 'churned', last_activity_at = :t"
                " where id = :id"
            ),
            {"t": now - timedelta(days=300), "id": uuid.UUID(stuck.id)},
        )
    assert await run_inactivity_rules(uow=customer_service.container.uow, now=now) == 1
    got = await stub.GetCustomer(pb.GetCustomerRequest(id=stuck.id), metadata=tenant)
    assert got.lifecycle_stage == "prospect"
    assert (got.stage_history[0].from_stage, got.stage_history[0].to_stage) == (
        "churned",
        "prospect",
    )
    at_risk = await stub.ListCustomers(pb.ListCustomersRequest(segment="at_risk"), metadata=tenant)
    assert [c.first_name for c in at_risk.customers] == ["Idle"]
    assert await run_inactivity_rules(uow=customer_service.container.uow, now=now) == 0


class FakeConversations(conversation_pb2_grpc.ConversationServiceServicer):
    def __init__(self, ids):
        self.ids = ids
        self.queries = []

    async def SearchMessages(self, request, context):
        self.queries.append(request.query)
        return conversation_pb2.SearchMessagesResponse(customer_ids=self.ids)


async def test_list_query_also_finds_customers_by_what_they_wrote(
    customer_database, infra_urls, start_customer_service, tenant
):
    from customer import bootstrap

    server = grpc.aio.server()
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    fake = FakeConversations([])
    conversation_pb2_grpc.add_ConversationServiceServicer_to_server(fake, server)
    await server.start()
    original = bootstrap.CustomerSettings
    try:

        class WithConversation(original):  # type: ignore[misc, valid-type]
            conversation_addr: str = f"127.0.0.1:{port}"

        bootstrap_settings = WithConversation
        import customer.testing as testing

        testing.CustomerSettings, saved = bootstrap_settings, testing.CustomerSettings
        try:
            async with start_customer_service(customer_database, infra_urls.nats_url) as service:
                stub = service.stub
                ann = await stub.CreateCustomer(
                    pb.CreateCustomerRequest(first_name="Ann"), metadata=tenant
                )
                await stub.CreateCustomer(
                    pb.CreateCustomerRequest(first_name="Bob"), metadata=tenant
                )
                fake.ids = [ann.id, "not-a-uuid", str(uuid.uuid4())]
                found = await stub.ListCustomers(
                    pb.ListCustomersRequest(query="order 12345"), metadata=tenant
                )
                assert [c.first_name for c in found.customers] == ["Ann"]
                assert fake.queries == ["order 12345"]
                await server.stop(0)  # unavailable: degrade to profile fields only
                bob = await stub.ListCustomers(
                    pb.ListCustomersRequest(query="bob"), metadata=tenant
                )
                assert [c.first_name for c in bob.customers] == ["Bob"]
        finally:
            testing.CustomerSettings = saved
    finally:
        await server.stop(0)


def payment_event(kind, customer_id: str, status):
    return kind(
        customer_id=customer_id,
        payment=billing_pb2.Payment(
            id=str(uuid.uuid4()),
            amount=billing_pb2.Money(amount_minor=4_500, currency="USD"),
            status=status,
        ),
    )


def value_event(customer_id: str, ltv: int, purchases: int):
    return billing_events.CustomerValueChanged(
        customer_id=customer_id,
        value=billing_pb2.CustomerValue(
            customer_id=customer_id,
            lifetime_value=billing_pb2.Money(amount_minor=ltv, currency="USD"),
            bookings_count=purchases,
            purchases_count=purchases,
            average_order_value=billing_pb2.Money(amount_minor=ltv // purchases, currency="USD"),
        ),
    )


async def stage_of(stub, tenant, cid) -> pb.Customer:
    return await stub.GetCustomer(pb.GetCustomerRequest(id=cid), metadata=tenant)


async def test_payment_failure_marks_at_risk_until_a_later_payment_succeeds(
    customer_service, tenant
):
    stub, tid = customer_service.stub, tenant[0][1]
    c = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Pay"), metadata=tenant)
    now = datetime.now(UTC)
    await publish(
        customer_service, tid, "billing.customer_value.changed", value_event(c.id, 9_000, 2)
    )

    async def stage_is(stage):
        got = await stage_of(stub, tenant, c.id)
        assert got.lifecycle_stage == stage, got.lifecycle_stage
        return got

    await eventually(lambda: stage_is("customer"))
    failed = payment_event(billing_events.PaymentFailed, c.id, billing_pb2.PAYMENT_STATUS_FAILED)
    await publish(customer_service, tid, "billing.payment.failed", failed, occurred_at=now)
    got = await eventually(lambda: stage_is("at_risk"))
    assert got.stage_history[0].reason == "payment failed"
    at_risk = await stub.ListCustomers(pb.ListCustomersRequest(segment="at_risk"), metadata=tenant)
    assert [x.id for x in at_risk.customers] == [c.id]
    # A success from before the failure (delivered late) does not resolve it...
    ok = payment_event(billing_events.PaymentSucceeded, c.id, billing_pb2.PAYMENT_STATUS_SUCCEEDED)
    await publish(
        customer_service,
        tid,
        "billing.payment.succeeded",
        ok,
        occurred_at=now - timedelta(minutes=5),
    )
    # ...a later one does: the stage goes back to what the other facts call for.
    await publish(
        customer_service,
        tid,
        "billing.payment.succeeded",
        ok,
        occurred_at=now + timedelta(seconds=1),
    )
    await eventually(lambda: stage_is("customer"))
    timeline = await stub.GetTimeline(pb.GetTimelineRequest(id=c.id), metadata=tenant)
    payments = [e for e in timeline.entries if e.kind == "payment"]
    assert len(payments) == 3
    # A failure older than that success, delivered late, changes nothing.
    await publish(customer_service, tid, "billing.payment.failed", failed, occurred_at=now)

    async def four_payments():
        timeline = await stub.GetTimeline(pb.GetTimelineRequest(id=c.id), metadata=tenant)
        assert len([e for e in timeline.entries if e.kind == "payment"]) == 4

    await eventually(four_payments)
    assert (await stage_of(stub, tenant, c.id)).lifecycle_stage == "customer"


async def test_an_overdue_invoice_marks_at_risk_until_it_is_paid(customer_service, tenant):
    stub, tid = customer_service.stub, tenant[0][1]
    c = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Owes"), metadata=tenant)
    now = datetime.now(UTC)
    await publish(
        customer_service, tid, "billing.customer_value.changed", value_event(c.id, 5_000, 1)
    )

    async def stage_is(stage):
        got = await stage_of(stub, tenant, c.id)
        assert got.lifecycle_stage == stage, got.lifecycle_stage
        return got

    await eventually(lambda: stage_is("customer"))
    invoice = billing_pb2.Invoice(
        id=str(uuid.uuid4()),
        number="INV-000042",
        customer_id=c.id,
        total=billing_pb2.Money(amount_minor=12_000, currency="USD"),
    )
    overdue = billing_events.InvoiceOverdue(customer_id=c.id, invoice=invoice)
    await publish(customer_service, tid, "billing.invoice.overdue", overdue, occurred_at=now)
    await eventually(lambda: stage_is("at_risk"))
    paid = billing_events.InvoicePaid(customer_id=c.id, invoice=invoice)
    await publish(
        customer_service, tid, "billing.invoice.paid", paid, occurred_at=now + timedelta(seconds=1)
    )
    await eventually(lambda: stage_is("customer"))
    timeline = await stub.GetTimeline(pb.GetTimelineRequest(id=c.id), metadata=tenant)
    assert [e.summary for e in timeline.entries if e.kind == "invoice"] == [
        "Invoice INV-000042 paid: 120.00 USD",
        "Invoice INV-000042 overdue: 120.00 USD",
    ]


async def test_out_of_order_value_events_never_overwrite_newer_figures(customer_service, tenant):
    stub, tid = customer_service.stub, tenant[0][1]
    c = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Val"), metadata=tenant)
    now = datetime.now(UTC)
    await publish(
        customer_service,
        tid,
        "billing.customer_value.changed",
        value_event(c.id, 200_000, 4),
        occurred_at=now,
    )

    async def vip():
        got = await stage_of(stub, tenant, c.id)
        assert got.lifetime_value_minor == 200_000 and got.lifecycle_stage == "vip"

    await eventually(vip)
    stale = await publish(
        customer_service,
        tid,
        "billing.customer_value.changed",
        value_event(c.id, 3_000, 1),
        occurred_at=now - timedelta(minutes=1),
    )
    engine = customer_service.container.engine

    async def processed():
        async with engine.connect() as conn:
            seen = await conn.scalar(
                sa.text("select count(*) from processed_events where event_id = :id"),
                {"id": stale},
            )
        assert seen == 1

    await eventually(processed)
    got = await stage_of(stub, tenant, c.id)
    assert (got.lifetime_value_minor, got.purchases_count, got.lifecycle_stage) == (
        200_000,
        4,
        "vip",
    )
    stats = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    assert stats.total_ltv_minor == 200_000


async def test_an_unreadable_event_is_left_out_and_the_rest_of_its_batch_applied(
    customer_service, tenant
):
    """The read model consumes fetched batches in one transaction: an event whose payload
    cannot be read must not hold up (or, after JetStream's last delivery, lose) the others."""
    stub, tid = customer_service.stub, tenant[0][1]
    c = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Bo"), metadata=tenant)
    js = customer_service.container.nc.jetstream()
    bad = to_envelope(
        Event(
            "conversation.message.received",
            uuid.UUID(tid),
            "x",
            conversation_events.MessageReceived(customer_id=c.id),
        ),
        source="conversation",
    )
    bad.payload.value = b"\xff\xff\xff"  # not a MessageReceived
    await js.publish("conversation.message.received", bad.SerializeToString())
    now = datetime.now(UTC)
    for n in range(3):
        await publish(
            customer_service,
            tid,
            "conversation.message.received",
            conversation_events.MessageReceived(
                message_id=f"m{n}",
                conversation_id="c1",
                customer_id=c.id,
                channel=conversation_pb2.CHANNEL_SMS,
                direction=conversation_pb2.DIRECTION_INBOUND,
                text=f"message {n}",
                sent_at=ts(now + timedelta(seconds=n)),
            ),
        )

    async def applied():
        timeline = await stub.GetTimeline(pb.GetTimelineRequest(id=c.id), metadata=tenant)
        texts = sorted(e.summary for e in timeline.entries if e.kind == "message")
        assert texts == [f"inbound sms: message {n}" for n in range(3)], texts

    await eventually(applied, within=20.0)

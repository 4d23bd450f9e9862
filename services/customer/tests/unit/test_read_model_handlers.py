"""The read model's use cases (what the NATS consumer calls for other services' events) on the
in-memory unit of work: figures, stage, timeline, At Risk, stale values and unknown customers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from customer.service_layer import handlers, read_model
from customer.service_layer.read_model import Fact, Sentiment, Value
from customer_fakes import FakeCustomerUnitOfWork

TENANT = uuid.uuid4()
NOW = datetime.now(UTC)


@pytest.fixture
def uow() -> FakeCustomerUnitOfWork:
    return FakeCustomerUnitOfWork()


async def customer(uow) -> uuid.UUID:  # type: ignore[no-untyped-def]
    command = handlers.CreateCustomer(tenant_id=TENANT, first_name="Ann")
    return (await handlers.create_customer_handler(command=command, uow=uow)).id


def fact(customer_id, type_="billing.customer_value.changed", at=NOW) -> Fact:  # type: ignore[no-untyped-def]
    return Fact(TENANT, str(customer_id), type_, str(uuid.uuid4()), at, {"k": "v"})


async def apply(uow, call, *args, **kwargs):  # type: ignore[no-untyped-def]
    """As the consumer does: one unit of work per event, committed."""
    async with uow() as work:
        await call(work, *args, **kwargs)
        await work.commit()


def stored(uow, customer_id):  # type: ignore[no-untyped-def]
    return uow.store.customers[(TENANT, customer_id)]


def value(ltv: int, purchases: int) -> Value:
    return Value(ltv, "USD", purchases, purchases, ltv // max(purchases, 1), NOW)


async def test_value_changes_move_the_figures_and_the_stage_and_stale_ones_are_ignored(uow):
    cid = await customer(uow)
    await apply(uow, read_model.customer_value_changed, fact(cid), value(150_000, 3))
    c = stored(uow, cid)
    assert (c.read.ltv_minor, c.read.purchases_count) == (150_000, 3)
    assert c.lifecycle_stage.value == "vip" and c.is_vip
    # an older figure arriving late changes nothing
    late = fact(cid, at=NOW - timedelta(minutes=5))
    await apply(uow, read_model.customer_value_changed, late, value(100, 1))
    assert stored(uow, cid).read.ltv_minor == 150_000


async def test_messages_and_conversations_count_as_contact_and_go_on_the_timeline(uow):
    cid = await customer(uow)
    opened = fact(cid, "conversation.conversation.opened")
    await apply(uow, read_model.conversation_opened, opened, started_at=NOW, channel="sms")
    received = fact(cid, "conversation.message.received")
    await apply(
        uow,
        read_model.message_received,
        received,
        sent_at=NOW,
        channel="sms",
        direction="inbound",
        text="Is my booking still on?",
    )
    closed = fact(cid, "conversation.conversation.closed")
    await apply(
        uow, read_model.conversation_closed, closed, ended_at=NOW, channel="sms", csat=5, topic="x"
    )
    c = stored(uow, cid)
    assert c.read.interactions_count == 1 and c.read.most_common_channel == "sms"
    assert c.read.last_contact_at == NOW
    summaries = [e.summary for e in uow.store.timeline[(TENANT, cid)]]
    assert "sms conversation" in summaries
    assert "inbound sms: Is my booking still on?" in summaries
    assert "sms conversation closed, CSAT 5: x" in summaries
    entry = next(e for e in uow.store.timeline[(TENANT, cid)] if e.type == received.type)
    assert entry.data == {"event_id": received.event_id, "k": "v"}


async def test_a_failed_payment_marks_at_risk_until_a_later_success(uow):
    cid = await customer(uow)
    await apply(uow, read_model.customer_value_changed, fact(cid), value(5_000, 1))
    failed = fact(cid, "billing.payment.failed", NOW + timedelta(seconds=1))
    await apply(
        uow, read_model.billing_fact, failed, kind="payment", summary="failed", payment_failed=True
    )
    assert stored(uow, cid).lifecycle_stage.value == "at_risk"
    paid = fact(cid, "billing.payment.succeeded", NOW + timedelta(seconds=2))
    await apply(
        uow, read_model.billing_fact, paid, kind="payment", summary="ok", payment_succeeded=True
    )
    c = stored(uow, cid)
    assert c.read.payment_failed_at is None and c.lifecycle_stage.value != "at_risk"


async def test_sentiment_changes_are_kept_and_only_a_new_label_is_on_the_timeline(uow):
    cid = await customer(uow)
    happy = Sentiment("happy", 0.9, {"satisfaction": 0.8}, "improving", "thanked us")
    for _ in range(2):
        await apply(
            uow, read_model.sentiment_changed, fact(cid, "sentiment.customer.changed"), happy
        )
    c = stored(uow, cid)
    assert (c.read.sentiment_label, c.read.sentiment_trend) == ("happy", "improving")
    labels = [e.summary for e in uow.store.timeline[(TENANT, cid)] if e.kind == "sentiment"]
    assert labels == ["Sentiment now happy: thanked us"]


async def test_events_about_unknown_or_malformed_customers_change_nothing(uow):
    before = len(uow.store.customers)
    await apply(uow, read_model.customer_value_changed, fact(uuid.uuid4()), value(1, 1))
    await apply(uow, read_model.customer_value_changed, fact("not-a-uuid"), value(1, 1))
    assert len(uow.store.customers) == before and uow.store.timeline == {}

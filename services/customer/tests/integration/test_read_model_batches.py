"""The read model's batches on PostgreSQL, through the service's own consumer: the events of one
customer in one batch (one lock, one save) leave it as the same events one at a time leave
another; duplicates in the batch and an unreadable event change nothing, and a redelivered
batch is applied once."""

from __future__ import annotations

import pytest
from moodline.customer.v1 import customer_pb2 as pb
from moodline_devkit.testing.events import customer_day, unreadable
from moodline_devkit.testing.jetstream import deliveries
from moodline_kit.consumer import BatchIdempotentConsumer

pytestmark = pytest.mark.integration


def read_model_consumer(service) -> BatchIdempotentConsumer:  # type: ignore[no-untyped-def]
    [consumer] = [
        c
        for c in service.container.consumers
        if isinstance(c, BatchIdempotentConsumer) and c.stream == "CONVERSATION"
    ]
    return consumer


async def state(stub, tenant, ident: str):  # type: ignore[no-untyped-def]
    """The customer as the events left it: less who it is and when it was made or changed stage
    (its last activity is its creation: the events are older)."""
    customer = await stub.GetCustomer(pb.GetCustomerRequest(id=ident), metadata=tenant)
    made = ("created_at", "updated_at", "last_activity_at")
    for name in ("id", "first_name", "avatar_color", *made):
        customer.ClearField(name)
    for change in customer.stage_history:
        change.ClearField("changed_at")
    timeline = await stub.GetTimeline(pb.GetTimelineRequest(id=ident), metadata=tenant)
    return customer, sorted((e.kind, e.summary) for e in timeline.entries)


async def test_a_customers_events_in_one_batch_leave_it_as_one_at_a_time_and_once(
    customer_service, tenant
):
    stub, tid = customer_service.stub, tenant[0][1]
    ann = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Ann"), metadata=tenant)
    bo = await stub.CreateCustomer(pb.CreateCustomerRequest(first_name="Bo"), metadata=tenant)
    consumer = read_model_consumer(customer_service)

    applied = customer_day(tid, ann.id)
    for event in applied:  # one at a time: a batch each
        [delivery] = deliveries([event])
        await consumer.handle_batch([delivery])  # type: ignore[list-item]
        assert delivery.settled == ["ack"]
    ann_after = await state(stub, tenant, ann.id)

    events = customer_day(tid, bo.id)
    # Bo's events with two of Ann's again (applied before: nothing more), one of Bo's twice and
    # one that cannot be read
    batch = [events[0], applied[2], events[1], unreadable(events[1]), *events[1:4]]
    batch += [applied[5], events[3], *events[4:]]
    for attempt in (1, 2):  # the second: redelivered, as if the acks were lost
        sent = deliveries(batch, attempt=attempt)
        await consumer.handle_batch(sent)  # type: ignore[arg-type]
        assert [m.settled for m in sent] == [["ack"]] * len(batch)
        assert await state(stub, tenant, bo.id) == ann_after
        assert await state(stub, tenant, ann.id) == ann_after

    customer, timeline = await state(stub, tenant, bo.id)
    assert customer.version == bo.version + len(events)  # a change per event, as alone
    assert customer.lifecycle_stage == "vip" and customer.interactions_count == 1
    assert [k for k, _ in timeline].count("message") == 3
    assert [s for k, s in timeline if k == "sentiment"] == ["Sentiment now happy: thanked us"]

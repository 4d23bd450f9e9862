"""The trigger consumer takes a fetched batch in one transaction (real PostgreSQL and JetStream):
duplicates in a batch and a redelivered batch start each run once, an unreadable event is left
out without holding up the others, and a database error fails the batch whole (nothing of it
stored) until its redelivery applies it once."""

from __future__ import annotations

import asyncio
import uuid

import nats
import pytest
import sqlalchemy as sa
from automation.service_layer import triggers
from google.protobuf import struct_pb2
from moodline.automation.v1 import automation_pb2 as pb
from moodline_devkit.testing.events import message_received, unreadable
from moodline_devkit.testing.jetstream import deliveries
from moodline_kit.consumer import BatchIdempotentConsumer

pytestmark = pytest.mark.integration


def struct(value: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


async def message_workflow(stack, tenant) -> pb.Workflow:  # type: ignore[no-untyped-def]
    return await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(
            workflow=pb.Workflow(
                name=f"on message {uuid.uuid4().hex[:6]}",
                enabled=True,
                trigger=struct({"type": "message.received"}),
                actions=[struct({"type": "add_tag", "tag": "wrote"})],
                cooldown_seconds=0,
            )
        ),
        metadata=tenant,
    )


async def runs_of(stack, tenant, workflow_id: str) -> list[pb.Run]:  # type: ignore[no-untyped-def]
    found = await stack.stub.ListRuns(pb.ListRunsRequest(workflow_id=workflow_id), metadata=tenant)
    return sorted(found.runs, key=lambda r: r.created_at.ToDatetime())


async def test_a_published_batch_with_duplicates_and_an_unreadable_event_starts_each_run_once(
    stack, tenant
):
    created = await message_workflow(stack, tenant)
    tid = tenant[0][1]
    ann = await stack.customer_with(tenant)
    events = [message_received(tid, ann.id, n) for n in range(4)]
    # Published without a Nats-Msg-Id: JetStream keeps the duplicates, the consumer sees them.
    batch = [events[0], unreadable(events[0]), events[1], events[0], events[2], events[1]]
    batch.append(events[3])
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        for envelope in batch:
            await js.publish(envelope.type, envelope.SerializeToString())
    finally:
        await nc.close()

    runs: list[pb.Run] = []
    for _ in range(150):
        runs = await runs_of(stack, tenant, created.id)
        if len(runs) >= len(events):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # what a second application would add
    runs = await runs_of(stack, tenant, created.id)
    assert [r.trigger_event_id for r in runs] == [e.event_id for e in events]
    assert {r.customer_id for r in runs} == {ann.id}


def trigger_consumer(stack) -> BatchIdempotentConsumer:  # type: ignore[no-untyped-def]
    [consumer] = [
        c
        for c in stack.automation.container.consumers
        if isinstance(c, BatchIdempotentConsumer) and c.stream == "CONVERSATION"
    ]
    return consumer


async def test_a_failed_batch_stores_nothing_and_its_redeliveries_apply_it_once(
    stack, tenant, monkeypatch
):
    created = await message_workflow(stack, tenant)
    tid = tenant[0][1]
    ann, bo = await stack.customer_with(tenant), await stack.customer_with(tenant)
    events = [message_received(tid, who.id, n) for n, who in enumerate([ann, bo, ann, ann, bo])]
    batch = [events[0], events[1], unreadable(events[0]), events[2], events[0], *events[3:]]
    consumer = trigger_consumer(stack)
    start_run = triggers.start_run
    calls = {"n": 0}

    ours = {e.event_id for e in events}

    async def fails_on_the_third(uow, **kw):  # type: ignore[no-untyped-def]
        # counts this batch's calls only: the running service's own consumer may still be
        # applying an earlier test's events through the same (patched) function
        calls["n"] += kw["event_id"] in ours
        if calls["n"] == 3 and kw["event_id"] in ours:
            await uow.session.execute(sa.text("SELECT 1 / 0"))  # a database error
        return await start_run(uow, **kw)

    monkeypatch.setattr(triggers, "start_run", fails_on_the_third)
    first = deliveries(batch)
    await consumer.handle_batch(first)  # type: ignore[arg-type]
    assert [m.settled for m in first] == [["nak"]] * len(batch)
    assert await runs_of(stack, tenant, created.id) == []  # the first two runs rolled back

    monkeypatch.setattr(triggers, "start_run", start_run)
    for attempt in (2, 3):  # redelivered; then again, as if its acks were lost
        again = deliveries(batch, attempt=attempt)
        await consumer.handle_batch(again)  # type: ignore[arg-type]
        assert [m.settled for m in again] == [["ack"]] * len(batch)
        runs = await runs_of(stack, tenant, created.id)
        assert [(r.trigger_event_id, r.customer_id) for r in runs] == [
            (e.event_id, who.id) for e, who in zip(events, [ann, bo, ann, ann, bo], strict=True)
        ]
        assert pb.RUN_STATUS_SKIPPED not in {r.status for r in runs}

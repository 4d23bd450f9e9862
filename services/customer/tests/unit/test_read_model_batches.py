"""The read model's batches on the in-memory unit of work: the events of a customer in one batch
share one lock (read) and one save, and every customer ends in the same state as when its events
are applied one at a time (figures, stage and its history, timeline, version)."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

from customer.entrypoints import consumers
from customer.service_layer import handlers
from customer_fakes import FakeCustomerUnitOfWork
from moodline.events.v1 import envelope_pb2
from moodline_devkit.testing.events import customer_day

TENANT = uuid.uuid4()
NOW = datetime.now(UTC)


async def with_customers() -> tuple[FakeCustomerUnitOfWork, list[str]]:
    uow = FakeCustomerUnitOfWork()
    made = []
    for name in ("Ann", "Bo"):
        command = handlers.CreateCustomer(tenant_id=TENANT, first_name=name)
        made.append(str((await handlers.create_customer_handler(command=command, uow=uow)).id))
    return uow, made


def state(uow: FakeCustomerUnitOfWork, ids: list[str]) -> list:
    """What the events leave behind, less the clock a stage change reads."""
    out = []
    for ident in ids:
        key = (TENANT, uuid.UUID(ident))
        customer = dataclasses.asdict(uow.store.customers[key])
        customer.pop("stage_changed_at")
        customer["stage_history"] = [
            (s["from_stage"], s["to_stage"], s["reason"]) for s in customer["stage_history"]
        ]
        stages = [(s.from_stage, s.to_stage, s.reason) for s in uow.store.stages.get(key, [])]
        timeline = [(e.kind, e.type, e.summary) for e in uow.store.timeline.get(key, [])]
        out.append((customer, stages, timeline))
    return out


def interleaved(ann: str, bo: str) -> list[envelope_pb2.EventEnvelope]:
    a, b = customer_day(TENANT, ann, NOW), customer_day(TENANT, bo, NOW + timedelta(seconds=100))
    return [e for pair in zip(a, b, strict=True) for e in pair]


async def test_a_customers_events_in_one_batch_end_in_the_same_state_as_one_at_a_time():
    alone, ids = await with_customers()
    batched = FakeCustomerUnitOfWork()
    batched.store = copy.deepcopy(alone.store)  # the same two customers, no event yet
    created = len(alone.published)
    batch = interleaved(*ids)
    for e in batch:  # as before batches shared anything: a lock and a save per event
        async with alone() as work:
            await consumers.HANDLERS[e.type](e)(work)
            await work.commit()

    reads, saves = [], []
    async with batched() as work:
        get, save = work.customers.get, work.customers.save

        async def counted_get(*args, **kwargs):  # type: ignore[no-untyped-def]
            reads.append(str(args[1]))
            return await get(*args, **kwargs)

        async def counted_save(customer, **kwargs):  # type: ignore[no-untyped-def]
            saves.append((str(customer.id), kwargs.get("changes", 1)))
            return await save(customer, **kwargs)

        work.customers.get, work.customers.save = counted_get, counted_save  # type: ignore[method-assign]
        await consumers.on_events(batch, work)
        await work.commit()

    assert state(batched, ids) == state(alone, ids)
    stage_events = [(e.subject, e.payload) for e in alone.published[created:]]
    assert [(e.subject, e.payload) for e in batched.published] == stage_events
    assert len(stage_events) >= 2  # VIP, At Risk, ... recorded as each event made them
    assert reads == ids  # one lock each, at its first event
    # one save each, the version moved on by one per event as alone (the day's nine events
    # each change the customer)
    assert saves == [(ids[0], 9), (ids[1], 9)]

"""The trigger consumer's batches on the in-memory unit of work: a batch starts the same runs,
in the same order, with the same cool-downs and loop budget, as its events one at a time; an
event that cannot be read is left out without holding up the others; the enabled workflows are
read once per tenant and trigger set."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from automation.domain.run import Budget, RunStatus
from automation.entrypoints.consumers import on_event, on_events
from automation.service_layer import workflows
from automation_fakes import FakeAutomationUnitOfWork
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2
from moodline.events.v1 import subjects as all_subjects
from moodline_devkit.testing.events import message_received, unreadable
from moodline_kit import tenancy
from moodline_kit.events import Event, to_envelope

TENANT = uuid.uuid4()
OTHER_TENANT = uuid.uuid4()
BUDGET = Budget(max_runs=3, window=timedelta(hours=1))
ACTIONS = [{"type": "add_tag", "tag": "seen"}]
WORKFLOWS = [  # name, trigger, cool-down (s)
    ("any message", {"type": "message.received"}, 0),
    ("cooled message", {"type": "message.received"}, 600),
    ("vip", {"type": "customer.tag_added", "to": "vip"}, 0),
]


@pytest.fixture(autouse=True)
def tenant():  # type: ignore[no-untyped-def]
    token = tenancy.set_tenant(TENANT)
    yield
    tenancy.reset_tenant(token)


async def with_workflows(tenant_id: uuid.UUID = TENANT) -> FakeAutomationUnitOfWork:
    uow = FakeAutomationUnitOfWork()
    token = tenancy.set_tenant(tenant_id)
    try:
        for name, trigger, cooldown in WORKFLOWS:
            draft = workflows.WorkflowDraft(
                name=name, enabled=True, trigger=trigger, actions=ACTIONS, cooldown_seconds=cooldown
            )
            await workflows.create_workflow(draft=draft, uow=uow)
    finally:
        tenancy.reset_tenant(token)
    return uow


def message(customer: str, *, inbound: bool = True, tenant_id: uuid.UUID = TENANT):  # type: ignore[no-untyped-def]
    return message_received(tenant_id, customer, inbound=inbound)


def tagged(customer: str, tag: str = "vip") -> envelope_pb2.EventEnvelope:
    payload = customer_events.CustomerTagAdded(customer_id=customer, tag=tag)
    event = Event(all_subjects.CUSTOMER_TAG_ADDED, TENANT, customer, payload)
    return to_envelope(event, source="customer")


def outcome(uow: FakeAutomationUnitOfWork) -> list[tuple]:
    """The runs in the order they were started, by workflow name (ids differ between stores)."""
    names = {w.id: w.name for w in uow.store.workflows.values()}
    by_id = {r.id: r for r in uow.store.runs.values()}
    runs = [
        (names[r.workflow_id], r.customer_id, r.trigger_event_id, r.status, r.error)
        for r in uow.store.runs.values()
    ]
    queued = [(t, names[by_id[r].workflow_id], by_id[r].trigger_event_id) for t, r in uow.queued]
    return [runs, queued]


async def test_a_batch_starts_the_same_runs_in_the_same_order_as_one_at_a_time():
    ann, bo = str(uuid.uuid4()), str(uuid.uuid4())
    # Ann writes five times (the cool-down takes the first, the budget of 3 skips the fifth),
    # Bo twice, an outbound message fires nothing, Ann is tagged VIP (over her budget).
    envelopes = [
        message(ann),
        message(bo),
        message(ann),
        message(ann, inbound=False),
        message(ann),
        tagged(ann),
        message(bo),
        message(ann),
        tagged(bo, "gold"),
    ]
    alone = await with_workflows()
    for envelope in envelopes:
        async with alone() as work:
            await on_event(envelope, work, budget=BUDGET)
            await work.commit()
    batched = await with_workflows()
    async with batched() as work:
        await on_events(envelopes, work, budget=BUDGET)
        await work.commit()

    assert outcome(batched) == outcome(alone)
    runs = outcome(batched)[0]
    ann_runs = [(name, status) for name, customer, _, status, _ in runs if str(customer) == ann]
    assert ann_runs == [
        ("any message", RunStatus.PENDING),
        ("cooled message", RunStatus.PENDING),
        ("any message", RunStatus.PENDING),
        ("any message", RunStatus.SKIPPED),
        ("vip", RunStatus.SKIPPED),
        ("any message", RunStatus.SKIPPED),
    ]
    assert len(batched.queued) == 3 + 3  # Ann's three pending runs, Bo's three


async def test_an_unreadable_event_is_left_out_and_the_rest_of_the_batch_applied():
    ann = str(uuid.uuid4())
    uow = await with_workflows()
    first, second = message(ann), message(ann)
    batch = [first, unreadable(message(ann)), message("not-a-uuid"), second]
    async with uow() as work:
        await on_events(batch, work, budget=BUDGET)
        await work.commit()
    runs = outcome(uow)[0]
    assert [(name, e) for name, _, e, _, _ in runs] == [
        ("any message", first.event_id),
        ("cooled message", first.event_id),
        ("any message", second.event_id),
    ]


async def test_enabled_workflows_are_read_once_per_tenant_and_trigger_set():
    uow = await with_workflows()
    token = tenancy.set_tenant(OTHER_TENANT)
    try:
        draft = workflows.WorkflowDraft(
            name="theirs", enabled=True, trigger={"type": "message.received"}, actions=ACTIONS
        )
        theirs = await workflows.create_workflow(draft=draft, uow=uow)
    finally:
        tenancy.reset_tenant(token)
    reads: list[tuple[uuid.UUID, list[str]]] = []
    customer = str(uuid.uuid4())
    batch = [
        *(message(customer) for _ in range(5)),
        message(customer, tenant_id=OTHER_TENANT),
        tagged(customer),
        message(customer),
    ]
    async with uow() as work:
        enabled = work.workflows.enabled

        async def counted(tenant_id, trigger_types=None):  # type: ignore[no-untyped-def]
            reads.append((tenant_id, list(trigger_types)))
            return await enabled(tenant_id, trigger_types)

        work.workflows.enabled = counted  # type: ignore[method-assign]
        await on_events(batch, work, budget=BUDGET)
        await work.commit()
    assert reads == [
        (TENANT, ["message.received"]),
        (OTHER_TENANT, ["message.received"]),
        (TENANT, ["customer.tag_added"]),
    ]
    other = [r for r in uow.store.runs.values() if r.tenant_id == OTHER_TENANT]
    assert [r.workflow_id for r in other] == [theirs.id]

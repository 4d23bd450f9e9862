"""Billing events run workflows: a real billing service publishes `billing.payment.succeeded`
and `billing.booking.confirmed` (its outbox, JetStream) on the stack's NATS; the automation
service's trigger consumer starts the runs and a real Celery worker carries them out."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio
from billing.testing import booking_request, running_billing_service, usd
from billing.testing import migrate as migrate_billing
from google.protobuf import struct_pb2
from moodline.automation.v1 import automation_pb2 as pb
from moodline.billing.v1 import billing_pb2
from moodline.customer.v1 import customer_pb2

pytestmark = pytest.mark.integration


def workflow(body: dict) -> pb.Workflow:
    def s(value: dict) -> struct_pb2.Struct:
        out = struct_pb2.Struct()
        out.update(value)
        return out

    return pb.Workflow(
        name=body["name"],
        enabled=body["enabled"],
        trigger=s(body["trigger"]),
        actions=[s(a) for a in body["actions"]],
        cooldown_seconds=0,
    )


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def billing(stack, database_factory):  # type: ignore[no-untyped-def]
    database = await database_factory("auto_billing")
    await migrate_billing(database)
    async with running_billing_service(database, stack.nats_url) as service:
        yield service


async def test_a_payment_and_a_confirmed_booking_each_run_their_workflow(
    stack, billing, tenant, workflow_json
):
    from automation.testing import celery_worker

    paid = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(
            workflow=workflow(
                workflow_json(
                    trigger={"type": "payment.succeeded"},
                    actions=[
                        {"type": "add_tag", "tag": "paid"},
                        {"type": "create_task", "title": "Thank {{customer.first_name}}"},
                    ],
                )
            )
        ),
        metadata=tenant,
    )
    booked = await stack.stub.CreateWorkflow(
        pb.CreateWorkflowRequest(
            workflow=workflow(
                workflow_json(
                    trigger={"type": "booking.confirmed"},
                    actions=[{"type": "add_tag", "tag": "booked"}],
                )
            )
        ),
        metadata=tenant,
    )
    ann = await stack.customer_with(tenant)
    with celery_worker(stack.settings, stack.logs / "worker-billing.log"):
        payment = await billing.stub.RecordPayment(
            billing_pb2.RecordPaymentRequest(
                customer_id=ann.id,
                amount=usd(4_500),
                status=billing_pb2.PAYMENT_STATUS_SUCCEEDED,
                method=billing_pb2.PAYMENT_METHOD_CASH,
                provider="manual",
                provider_payment_id=f"cash-{uuid.uuid4()}",
            ),
            metadata=tenant,
        )
        await billing.stub.CreateBooking(booking_request(ann.id, confirm=True), metadata=tenant)
        [paid_run] = await stack.runs_of(tenant, paid.id, within=90)
        paid_run = await stack.wait_run(tenant, paid_run.id, within=90)
        [booked_run] = await stack.runs_of(tenant, booked.id, within=90)
        booked_run = await stack.wait_run(tenant, booked_run.id, within=90)
    assert paid_run.status == pb.RUN_STATUS_SUCCEEDED, paid_run
    assert paid_run.trigger_type == "payment.succeeded" and paid_run.customer_id == ann.id
    assert paid_run.trigger_event_id  # the billing event that started it
    assert booked_run.status == pb.RUN_STATUS_SUCCEEDED, booked_run
    assert booked_run.trigger_type == "booking.confirmed"
    profile = await stack.customer.stub.GetCustomer(
        customer_pb2.GetCustomerRequest(id=ann.id), metadata=tenant
    )
    assert {"paid", "booked"} <= set(profile.tags)
    tasks = await stack.stub.ListTasks(pb.ListTasksRequest(customer_id=ann.id), metadata=tenant)
    assert [t.title for t in tasks.tasks] == ["Thank Ann"]
    assert tasks.tasks[0].run_id == paid_run.id and payment.customer_id == ann.id

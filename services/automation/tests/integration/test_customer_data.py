"""A merge and an erasure in automation's tables (adapters/customer_data.py) on PostgreSQL, as
the customer-data consumer runs them: runs and tasks move to the survivor, the later cool-down
of the two is kept, and an erasure blanks what may quote the person."""

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from automation.adapters.tables import kit
from automation.bootstrap import SERVICE
from automation.domain.run import RunStatus, Step, StepStatus
from automation.domain.tasks import Task, TaskStatus
from automation.domain.workflow import Workflow
from automation.service_layer import customer_data
from automation.service_layer.unit_of_work import AutomationUnitOfWork
from moodline_kit.db import create_engine, session_factory

pytestmark = pytest.mark.integration


async def test_a_merge_keeps_the_later_cool_down_and_an_erasure_blanks_texts(migrated_database):
    engine = create_engine(await migrated_database(SERVICE))
    uow = partial(AutomationUnitOfWork, session_factory(engine), kit, source="automation")
    tenant, gone, kept = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    w = Workflow(uuid.uuid4(), tenant, "wf", "", True, {"type": "customer.created"}, [],
                 [{"id": "a1", "type": "add_tag", "tag": "x"}], 600, 1, now, now)  # fmt: skip
    run = w.new_run(gone, now=now, trigger_type="customer.created", trigger_event_id="e1",
                    event={"customer_id": str(gone), "note": "about the leak"})  # fmt: skip
    task = Task(uuid.uuid4(), tenant, gone, "Call Gone", "about the leak", "", None,
                TaskStatus.OPEN, "normal", "", None, now, now)  # fmt: skip
    try:
        async with uow() as work:
            await work.workflows.add(w)
            assert await work.runs.add(run)
            await work.runs.save_step(
                run, Step(0, "a1", "add_tag", StepStatus.FAILED, 1, "Gone: no such tag", now, now)
            )
            await work.tasks.add(task)
            for customer, fired in ((kept, now - timedelta(minutes=5)), (gone, now)):
                cooldown = timedelta(seconds=600)
                assert await work.runs.claim_cooldown(
                    tenant, w.id, customer, now=fired, cooldown=cooldown
                )
            await work.commit()
        async with uow() as work:
            await customer_data.CUSTOMER_DATA.reassign(work, tenant, gone, kept)
            await work.commit()
        async with uow() as work:
            assert (await work.runs.get(tenant, run.id)).customer_id == kept
            assert (await work.tasks.get(tenant, task.id)).customer_id == kept
            # the later of the two cool-downs is the survivor's: still cooling down at now + 9 min
            later = now + timedelta(minutes=9)
            cooldown = timedelta(seconds=600)
            assert not await work.runs.claim_cooldown(
                tenant, w.id, kept, now=later, cooldown=cooldown
            )
        async with uow() as work:
            await customer_data.CUSTOMER_DATA.erase(work, tenant, kept)
            await work.commit()
        async with uow() as work:
            erased = await work.runs.get(tenant, run.id)
            assert (erased.event, erased.steps[0].detail) == ({}, "")
            assert erased.status is RunStatus.PENDING
            blank = await work.tasks.get(tenant, task.id)
            assert (blank.title, blank.description) == ("(erased)", "")
    finally:
        await engine.dispose()

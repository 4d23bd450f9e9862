"""Real customer, conversation and automation services (gRPC, PostgreSQL, NATS JetStream), a
local SMTP inbox, and Celery workers as real processes on Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from automation.config import AutomationSettings
from automation.testing import RunningService, running_automation_stack
from conversation.testing import RunningService as RunningConversation
from customer.testing import RunningService as RunningCustomer
from moodline.automation.v1 import automation_pb2 as pb
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import envelope_pb2
from moodline_devkit.mail import SmtpInbox


@dataclass
class Stack:
    customer: RunningCustomer
    conversation: RunningConversation
    automation: RunningService
    settings: AutomationSettings
    inbox: SmtpInbox
    nats_url: str
    logs: Path

    @property
    def stub(self):  # type: ignore[no-untyped-def]
        return self.automation.stub

    async def publish(self, subject: str, tenant: str, payload, event_id: str = "") -> str:  # type: ignore[no-untyped-def]
        """An event as its producing service publishes it (EventEnvelope on JetStream)."""
        import nats

        envelope = envelope_pb2.EventEnvelope(
            event_id=event_id or str(uuid.uuid4()), type=subject, tenant_id=tenant, source="test"
        )
        envelope.occurred_at.GetCurrentTime()
        envelope.payload.Pack(payload)
        nc = await nats.connect(self.nats_url)
        try:
            await nc.jetstream().publish(
                subject, envelope.SerializeToString(), headers={"Nats-Msg-Id": envelope.event_id}
            )
        finally:
            await nc.close()
        return envelope.event_id

    async def customer_with(self, tenant, *, workers=("staff-7",), **consents: bool):  # type: ignore[no-untyped-def]
        stub = self.customer.stub
        created = await stub.CreateCustomer(
            customer_pb2.CreateCustomerRequest(
                first_name="Ann",
                last_name="Lee",
                emails=[customer_pb2.Email(address=f"ann.{uuid.uuid4().hex[:6]}@example.com")],
            ),
            metadata=tenant,
        )
        if workers:
            created = await stub.UpdateCustomer(
                customer_pb2.UpdateCustomerRequest(
                    id=created.id, update_mask=["workers"], workers=list(workers)
                ),
                metadata=tenant,
            )
        for kind, granted in consents.items():
            created = await stub.RecordConsent(
                customer_pb2.RecordConsentRequest(
                    id=created.id, kind=kind, granted=granted, source="test"
                ),
                metadata=tenant,
            )
        return created

    async def wait_run(self, tenant, ident: str, *, statuses=None, within: float = 60) -> pb.Run:  # type: ignore[no-untyped-def]
        wanted = statuses or (pb.RUN_STATUS_SUCCEEDED, pb.RUN_STATUS_FAILED, pb.RUN_STATUS_SKIPPED)
        run = None
        for _ in range(int(within * 5)):
            run = await self.stub.GetRun(pb.GetRunRequest(id=ident), metadata=tenant)
            if run.status in wanted:
                return run
            await asyncio.sleep(0.2)
        raise AssertionError(f"run stayed {pb.RunStatus.Name(run.status) if run else '?'}: {run}")

    async def runs_of(
        self, tenant, workflow_id: str, *, count: int = 1, within: float = 60
    ) -> list[pb.Run]:  # type: ignore[no-untyped-def]
        for _ in range(int(within * 5)):
            found = await self.stub.ListRuns(
                pb.ListRunsRequest(workflow_id=workflow_id), metadata=tenant
            )
            if len(found.runs) >= count:
                return list(found.runs)
            await asyncio.sleep(0.2)
        raise AssertionError(f"{count} run(s) of workflow {workflow_id} never appeared")


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def stack(database_factory, infra_urls, tmp_path_factory) -> AsyncIterator[Stack]:
    logs = tmp_path_factory.mktemp("automation")
    inbox = SmtpInbox(logs / "maildir").start()
    # The Celery queue is the test session's own (running_automation_stack).
    async with running_automation_stack(
        database_factory,
        infra_urls.redis_url,
        prefix="auto_",
        conversation={"smtp_host": inbox.host, "smtp_port": inbox.port},
        stale_after=3.0,
    ) as s:
        settings = s.automation.container.settings
        yield Stack(s.customer, s.conversation, s.automation, settings, inbox, s.nats_url, logs)
    inbox.stop()


@pytest.fixture
def workflow_json() -> Callable[..., dict]:
    def make(**over) -> dict:  # type: ignore[no-untyped-def]
        return {
            "name": f"wf {uuid.uuid4().hex[:6]}",
            "enabled": True,
            "trigger": {"type": "sentiment.turned_frustrated"},
            "conditions": [],
            "actions": [{"type": "add_tag", "tag": "needs-attention"}],
            **over,
        }

    return make

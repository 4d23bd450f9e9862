"""A merge and an erasure in the conversation tables (adapters/customer_data.py) on PostgreSQL,
run as the customer-data consumer runs them: the duplicate's conversation that clashes with an
open one of the survivor is resolved, everything moves, and an erasure blanks texts, topics,
recipients and provider ids while counts, channels and statuses stay."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conversation.adapters.customer_data import ERASED_TEXT
from conversation.adapters.tables import conversations, messages, outbound_messages
from conversation.domain.model import Author, Direction, Message
from conversation.domain.outbound import DeliveryStatus, OutboundMessage
from conversation.service_layer import customer_data
from moodline.enums import Channel

pytestmark = pytest.mark.integration


async def test_a_merge_moves_everything_and_an_erasure_keeps_only_the_counts(services):
    container = services.conversation.container
    tenant, gone, kept = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)

    async def talk(customer: uuid.UUID, channel: Channel, at: datetime) -> uuid.UUID:
        async with container.uow() as u:
            c, _ = await u.conversations.upsert_open(
                tenant_id=tenant, customer_id=customer, channel=channel, started_at=at, now=at
            )
            message = Message(
                uuid.uuid4(), tenant, c.id, customer, channel, Direction.INBOUND,
                Author.CUSTOMER, "", "my card ends 4242", at, f"p-{uuid.uuid4()}", at,
            )  # fmt: skip
            await u.messages.insert_new([message])
            await u.conversations.record_messages(
                conversation=c, count=1, first_sent=at, last_sent=at, now=at
            )
            await u.commit()
            return c.id

    await talk(kept, Channel.SMS, now)
    clash = await talk(gone, Channel.SMS, now + timedelta(minutes=1))
    other = await talk(gone, Channel.WHATSAPP, now)
    sent = OutboundMessage(
        uuid.uuid4(), tenant, gone, Channel.EMAIL, "gone@example.com", False, "Hi", "Dear Gone",
        DeliveryStatus.SENT, "", None, None, "ses-1", Author.AGENT, "a1", f"k-{uuid.uuid4()}",
        now, now,
    )  # fmt: skip
    async with container.uow() as u:
        await u.outbound.insert(sent)
        await u.commit()
    async with container.uow() as work:
        await customer_data.CUSTOMER_DATA.reassign(work, tenant, gone, kept)
        await work.commit()
    async with container.engine.connect() as db:
        c = conversations.c
        rows = {
            r.id: r for r in await db.execute(sa.select(conversations).where(c.tenant_id == tenant))
        }
        assert (rows[clash].status, rows[clash].ended_at) == (
            "resolved",
            now + timedelta(minutes=1),
        )
        assert rows[other].status == "open"
        for table in (conversations, messages, outbound_messages):
            owners = await db.scalars(
                sa.select(table.c.customer_id.distinct()).where(table.c.tenant_id == tenant)
            )
            assert set(owners) == {kept}
    async with container.uow() as work:
        await customer_data.CUSTOMER_DATA.erase(work, tenant, kept)
        await work.commit()
    async with container.engine.connect() as db:
        texts = (
            await db.execute(
                sa.select(messages.c.id, messages.c.text, messages.c.provider_message_id).where(
                    messages.c.tenant_id == tenant
                )
            )
        ).all()
        assert len(texts) == 3
        assert all((t, p) == (ERASED_TEXT, f"erased:{i}") for i, t, p in texts)
        counts = await db.scalars(
            sa.select(conversations.c.message_count).where(conversations.c.tenant_id == tenant)
        )
        assert sorted(counts) == [1, 1, 1]
        erased = (
            await db.execute(
                sa.select(outbound_messages).where(outbound_messages.c.tenant_id == tenant)
            )
        ).one()
        assert (erased.recipient, erased.text, erased.provider_message_id, erased.status) == (
            "",
            ERASED_TEXT,
            "",
            "sent",
        )

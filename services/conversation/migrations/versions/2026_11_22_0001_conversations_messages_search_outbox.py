"""Conversations, messages with full-text search, outbox and processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from moodline_kit.migrations import create_kit_tables
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_table(
        "conversations",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("csat", sa.SmallInteger),
        sa.Column("topic", sa.Text, nullable=False, server_default=""),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("message_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_message_at", sa.DateTime(timezone=True)),
        sa.Column("agents", JSONB, nullable=False, server_default="[]"),
        sa.Column("agent_ids", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="status"),
        sa.CheckConstraint("csat BETWEEN 1 AND 5", name="csat"),
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_conversations_open ON conversations "
        "(tenant_id, customer_id, channel) WHERE status = 'open'"
    )
    op.execute(
        "CREATE INDEX ix_conversations_customer_recent ON conversations "
        "(tenant_id, customer_id, started_at DESC, id DESC)"
    )
    op.execute(
        "CREATE INDEX ix_conversations_tenant_recent ON conversations "
        "(tenant_id, started_at DESC, id DESC)"
    )
    op.execute("CREATE INDEX ix_conversations_agent_ids ON conversations USING gin (agent_ids)")
    op.create_table(
        "messages",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "conversation_id",
            UUID(as_uuid=True),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("author_id", sa.Text, nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider_message_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "tsv",
            TSVECTOR,
            sa.Computed("to_tsvector('english'::regconfig, text)", persisted=True),
            nullable=False,
        ),
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_messages_provider_id ON messages "
        "(tenant_id, channel, provider_message_id)"
    )
    op.execute("CREATE INDEX ix_messages_conversation ON messages (conversation_id, sent_at, id)")
    op.execute("CREATE INDEX ix_messages_search ON messages USING gin (tenant_id, tsv)")
    create_kit_tables()


def downgrade() -> None:
    for table in ("processed_events", "outbox", "messages", "conversations"):
        op.drop_table(table)

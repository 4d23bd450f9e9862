"""Outbound messages (SendMessage) and their delivery status; messages carry it too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("delivery_status", sa.Text))
    op.add_column(
        "messages", sa.Column("delivery_error", sa.Text, nullable=False, server_default="")
    )
    op.create_table(
        "outbound_messages",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("to_staff", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("message_id", UUID(as_uuid=True)),
        sa.Column("conversation_id", UUID(as_uuid=True)),
        sa.Column("provider_message_id", sa.Text, nullable=False, server_default=""),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("author_id", sa.Text, nullable=False, server_default=""),
        sa.Column("idempotency_key", sa.Text, nullable=False, server_default=""),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "uq_outbound_idempotency",
        "outbound_messages",
        ["tenant_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key <> ''"),
    )
    op.create_index(
        "ix_outbound_pending",
        "outbound_messages",
        ["created_at"],
        postgresql_where=sa.text("status IN ('queued', 'sending')"),
    )


def downgrade() -> None:
    op.drop_table("outbound_messages")
    op.drop_column("messages", "delivery_error")
    op.drop_column("messages", "delivery_status")

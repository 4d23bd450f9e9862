"""Message scores, conversation and customer sentiment, outbox and processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from moodline_kit.migrations import create_kit_tables
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_scores",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("message_id", sa.Text, primary_key=True),
        sa.Column("conversation_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("frustration", sa.Float, nullable=False),
        sa.Column("satisfaction", sa.Float, nullable=False),
        sa.Column("confusion", sa.Float, nullable=False),
        sa.Column("urgency", sa.Float, nullable=False),
        sa.Column("model_version", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column(
            "scored_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "conversation_sentiment",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("conversation_id", sa.Text, primary_key=True),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("state", JSONB, nullable=False, server_default="{}"),
        sa.Column("label", sa.Text, nullable=False, server_default="Neutral"),
        sa.Column("score", sa.Float, nullable=False, server_default="0"),
        sa.Column("trend", sa.Text, nullable=False, server_default=""),
        sa.Column("csat_counted", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("escalation_counted", sa.Boolean, nullable=False, server_default="false"),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "customer_sentiment",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", sa.Text, primary_key=True),
        sa.Column("state", JSONB, nullable=False, server_default="{}"),
        sa.Column("label", sa.Text, nullable=False, server_default="Neutral"),
        sa.Column("score", sa.Float, nullable=False, server_default="0"),
        sa.Column("trend", sa.Text, nullable=False, server_default=""),
        sa.Column("override", JSONB),
        sa.Column("published", JSONB),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    create_kit_tables()


def downgrade() -> None:
    for table in (
        "processed_events",
        "outbox",
        "customer_sentiment",
        "conversation_sentiment",
        "message_scores",
    ):
        op.drop_table(table)

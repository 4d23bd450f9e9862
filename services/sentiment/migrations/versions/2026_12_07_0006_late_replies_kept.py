"""Late replies kept one by one (tenant, conversation, customer, the time of the reply that
ended the wait, very late or not), so a merge can replay them into the survivor's customer
aggregate in their places by time, as it does CSAT ratings and escalations (before, a late
reply was only folded into the conversation and customer aggregates, and a merge lost it).
The rows hold ids, a time and a flag, no personal data: an erasure keeps them, like the scores.

Nothing is backfilled: a late reply folded before this migration is in the aggregates alone,
which keep at most the last 20 interactions and never their times, so neither which replies
were late nor when can be known. A merge still rebuilds the survivor without the late replies
(of either customer) that predate this migration, as every merge did before it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "late_replies",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("conversation_id", sa.Text, primary_key=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("very_late", sa.Boolean, nullable=False),
    )
    op.create_index("ix_late_replies_customer", "late_replies", ["tenant_id", "customer_id"])


def downgrade() -> None:
    op.drop_table("late_replies")

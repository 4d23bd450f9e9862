"""Response timing: each conversation's reply clock (customer waiting since, last reply).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "conversation_sentiment",
        sa.Column("awaiting_reply_since", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "conversation_sentiment",
        sa.Column("last_reply_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("conversation_sentiment", "last_reply_at")
    op.drop_column("conversation_sentiment", "awaiting_reply_since")

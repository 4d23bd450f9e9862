"""Message explanations: the spans that drove each scored message's label and emotions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("message_scores", sa.Column("explanation", JSONB, nullable=True))


def downgrade() -> None:
    op.drop_column("message_scores", "explanation")

"""Outcome signals kept on the conversation: the CSAT rating and when it and an escalation were
counted, so a merge can replay them into the survivor's customer aggregate (before, only the
flags that they were counted were kept, and a merge rebuilt the survivor from messages alone).

Rows counted before this migration: the rating is read back from the conversation aggregate's
remembered contributors (source "csat", polarity p = (c - 3) / 2) when it is still among them;
the time of either signal is taken as the row's last update (the signal came no later).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversation_sentiment", sa.Column("csat", sa.Integer, nullable=True))
    for name in ("csat_at", "escalated_at"):
        op.add_column(
            "conversation_sentiment",
            sa.Column(name, sa.DateTime(timezone=True), nullable=True),
        )
    op.execute(
        """
        UPDATE conversation_sentiment SET csat_at = updated_at, csat = (
          SELECT round(2 * (e ->> 2)::float + 3)::int
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(state -> 'c') = 'array'
                                         THEN state -> 'c' ELSE '[]'::jsonb END) AS e
          WHERE e ->> 0 = 'csat' LIMIT 1)
        WHERE csat_counted
        """
    )
    op.execute(
        "UPDATE conversation_sentiment SET escalated_at = updated_at WHERE escalation_counted"
    )


def downgrade() -> None:
    for name in ("escalated_at", "csat_at", "csat"):
        op.drop_column("conversation_sentiment", name)

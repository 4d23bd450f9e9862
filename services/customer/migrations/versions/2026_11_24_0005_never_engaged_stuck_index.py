"""Index for the inactivity job's second set: customers who never engaged but are At Risk or
Churned without a payment failure (the rule before 0003 did not require engagement). The job
moves them back; afterwards the index stays (nearly) empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_customers_never_engaged_at_risk ON customers (last_activity_at)"
        " WHERE lifecycle_stage IN ('at_risk', 'churned') AND interactions_count = 0"
        " AND purchases_count = 0 AND payment_failed_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_customers_never_engaged_at_risk")

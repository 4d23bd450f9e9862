"""Read-model facts for the lifecycle gaps: unresolved payment failure (feeds At Risk), the last
successful payment (so an older failure delivered late is ignored), and the moment of the value
figures applied (so an out-of-order `billing.customer_value.changed` never overwrites newer ones).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("payment_failed_at", "payment_succeeded_at", "value_as_of")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("customers", sa.Column(name, sa.DateTime(timezone=True)))
    # The daily inactivity job only considers customers who engaged at least once.
    op.execute("DROP INDEX IF EXISTS ix_customers_inactivity")
    op.execute(
        "CREATE INDEX ix_customers_inactivity ON customers (last_activity_at)"
        " WHERE lifecycle_stage <> 'churned' AND (interactions_count > 0 OR purchases_count > 0)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_customers_inactivity")
    op.execute(
        "CREATE INDEX ix_customers_inactivity ON customers (last_activity_at)"
        " WHERE lifecycle_stage <> 'churned'"
    )
    for name in reversed(COLUMNS):
        op.drop_column("customers", name)

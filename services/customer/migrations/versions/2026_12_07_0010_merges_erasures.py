"""Merges and GDPR erasures: tombstones of merged-away customers, the operations (sagas) and
their per-service steps, and `customers.erased_at`.

Revision ID: 0010_merges_erasures
Revises: 0009_imports
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0010_merges_erasures"
down_revision = "0009_imports"
branch_labels = None
depends_on = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("customers", _ts("erased_at", nullable=True))
    op.create_table(
        "customer_tombstones",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("merged_into_id", UUID(as_uuid=True), nullable=False),
        sa.Column("operation_id", UUID(as_uuid=True), nullable=False),
        _ts("merged_at"),
    )
    op.create_index(
        "ix_customer_tombstones_into", "customer_tombstones", ["tenant_id", "merged_into_id"]
    )
    op.create_table(
        "customer_operations",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("duplicate_id", UUID(as_uuid=True), nullable=True),
        sa.Column("status", sa.Text, nullable=False),
        _ts("created_at"),
        _ts("completed_at", nullable=True),
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_customer_operations_pair ON customer_operations (tenant_id, kind, "
        "customer_id, coalesce(duplicate_id, '00000000-0000-0000-0000-000000000000'::uuid))"
    )
    op.create_table(
        "customer_operation_steps",
        sa.Column(
            "operation_id",
            UUID(as_uuid=True),
            sa.ForeignKey("customer_operations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("service", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        _ts("completed_at", nullable=True),
    )


def downgrade() -> None:
    op.drop_table("customer_operation_steps")
    op.drop_table("customer_operations")
    op.drop_table("customer_tombstones")
    op.drop_column("customers", "erased_at")

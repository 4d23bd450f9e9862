"""Orders (catalogue lines, paid through payments) and subscription dunning (the provider that
charges renewals, failed charges in a row, the next try).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 11:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_paid_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("total_minor >= 0", name=op.f("ck_orders_total_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("tenant_id", "request_id", name="uq_orders_tenant_request"),
    )
    op.create_index("ix_orders_customer", "orders", ["tenant_id", "customer_id"])
    op.create_index("ix_orders_tenant_created", "orders", ["tenant_id", "created_at", "id"])
    op.add_column("payments", sa.Column("order_id", sa.UUID(), nullable=True))
    op.add_column(
        "subscriptions",
        sa.Column("provider", sa.Text(), server_default="manual", nullable=False),
    )
    op.add_column("subscriptions", sa.Column("charge_invoice_id", sa.UUID(), nullable=True))
    op.add_column(
        "subscriptions",
        sa.Column("failed_charges", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "subscriptions", sa.Column("next_charge_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_subscriptions_charge_due",
        "subscriptions",
        ["next_charge_at"],
        postgresql_where=sa.text("next_charge_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_subscriptions_charge_due", table_name="subscriptions")
    for column in ("next_charge_at", "failed_charges", "charge_invoice_id", "provider"):
        op.drop_column("subscriptions", column)
    op.drop_column("payments", "order_id")
    op.drop_table("orders")

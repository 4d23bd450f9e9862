"""Customers with phones and emails, tenant settings, outbox and processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from moodline_kit.migrations import create_kit_tables
from sqlalchemy.dialects.postgresql import UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "customers",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False, server_default=""),
        sa.Column("company", sa.Text, nullable=False, server_default=""),
        sa.Column("lifecycle_stage", sa.Text, nullable=False, server_default="prospect"),
        sa.Column("search_doc", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "CREATE INDEX ix_customers_tenant_recent ON customers (tenant_id, created_at DESC, id DESC)"
    )
    op.execute(
        "CREATE INDEX ix_customers_search_doc ON customers USING gin (search_doc gin_trgm_ops)"
    )
    for name, column in (("customer_phones", "e164"), ("customer_emails", "address")):
        op.create_table(
            name,
            sa.Column(
                "customer_id",
                UUID(as_uuid=True),
                sa.ForeignKey("customers.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("position", sa.SmallInteger, primary_key=True),
            sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
            sa.Column(column, sa.Text, nullable=False),
            sa.Column("is_primary", sa.Boolean, nullable=False),
        )
        op.create_index(f"ix_{name}_lookup", name, ["tenant_id", column])
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("default_country", sa.Text, nullable=False, server_default="US"),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    create_kit_tables()


def downgrade() -> None:
    for table in (
        "processed_events",
        "outbox",
        "tenant_settings",
        "customer_emails",
        "customer_phones",
        "customers",
    ):
        op.drop_table(table)

"""Contact -> customer mapping (known senders skip ResolveCustomer) and the customer changes
that invalidate it; messages newest-first per tenant (common-word search).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("customer_version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "kind", "value", name="pk_contacts"),
    )
    op.create_index("ix_contacts_customer", "contacts", ["tenant_id", "customer_id"])
    op.create_table(
        "customer_changes",
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", name="pk_customer_changes"),
    )

    op.create_index(
        "ix_messages_recent", "messages", ["tenant_id", sa.text("sent_at DESC")], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_messages_recent", table_name="messages")
    op.drop_table("customer_changes")
    op.drop_index("ix_contacts_customer", table_name="contacts")
    op.drop_table("contacts")

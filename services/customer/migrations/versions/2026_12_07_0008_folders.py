"""Folders become objects: id, name, position, colour per tenant; a customer's `folder` holds
the id of at most one of them. Existing folder names are turned into folders (ordered by name)
and customers point at them.

Revision ID: 0008_folders
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0008_folders"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "folders",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("colour", sa.Text, nullable=False, server_default=""),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("tenant_id", "name", name="uq_folders_tenant_name"),
    )
    op.execute(
        """
        INSERT INTO folders (id, tenant_id, name, position)
        SELECT gen_random_uuid(), tenant_id, folder,
               row_number() OVER (PARTITION BY tenant_id ORDER BY folder)
        FROM (SELECT DISTINCT tenant_id, folder FROM customers WHERE folder <> '') named
        """
    )
    op.execute(
        """
        UPDATE customers c SET folder = f.id::text
        FROM folders f WHERE f.tenant_id = c.tenant_id AND f.name = c.folder
        """
    )


def downgrade() -> None:
    op.execute(
        """
        UPDATE customers c SET folder = f.name
        FROM folders f WHERE f.tenant_id = c.tenant_id AND f.id::text = c.folder
        """
    )
    op.drop_table("folders")

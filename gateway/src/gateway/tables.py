"""The gateway's own database: tenants (businesses) and their API keys."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit.db import new_metadata
from sqlalchemy.dialects.postgresql import UUID

metadata = new_metadata()

tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("default_country", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column(
        "tenant_id",
        UUID(as_uuid=True),
        sa.ForeignKey("tenants.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # SHA-256 of the whole key: keys are 256-bit random tokens, so a fast hash is safe and the
    # plaintext is never stored.
    sa.Column("key_hash", sa.Text, nullable=False, unique=True),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    # admin | manager | agent | viewer
    sa.Column("role", sa.Text, nullable=False, server_default="admin"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)
